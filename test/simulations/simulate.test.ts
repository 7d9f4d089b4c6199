import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { csvFiles, fullResults, loadScenario, parseScenario, simulate, summarise, sweepPointFromScratch } from '../../simulations/index.ts';

const scenarioPath = (name: string) => fileURLToPath(new URL(`../../simulations/scenarios/${name}`, import.meta.url));
const june = simulate(loadScenario(scenarioPath('june-2024.json')));
const rowAt = (fdv: number) => june.rows.find((r) => r.fdvUsd === fdv)!;
/** |actual − expected| / expected. */
const off = (actual: Decimal.Value, expected: number) => Math.abs(new Decimal(actual).toNumber() - expected) / expected;

describe('the June-2024 scenario reproduces the published figures (DESIGN.md §8)', () => {
  it('≈0.016 AO per AR over the 12 months after bridging starts', () => {
    // 1,044,105.37 AO to AR holders (1/3 of 4.2039 M − 1.0716 M) / 65 M AR = 0.016063.
    expect(june.aoPerAr.toNumber()).toBeCloseTo(0.016063, 6);
    expect(off(june.aoPerAr, 0.016)).toBeLessThan(0.01);
  });

  it('≈210 AO per 0.01 % of the stETH pool', () => {
    // 2,088,210.73 AO to the bridges (2/3 of the minted 3.1323 M) × 0.0001 = 208.82 AO.
    const perBasisPoint = june.aoPerBridgePercent[0]!.div(100);
    expect(perBasisPoint.toNumber()).toBeCloseTo(208.8211, 3);
    expect(off(perBasisPoint, 210)).toBeLessThan(0.01);
  });

  it('AR APY ≈25 % at AR = $30 and FDV = $10 B, 2.5–50 % across $1–20 B', () => {
    // 0.016063 · (10e9 / 21e6) / 30 = 0.25497.
    expect(rowAt(1e10).arApy.toNumber()).toBeCloseTo(0.25497, 5);
    expect(off(rowAt(1e10).arApy, 0.25)).toBeLessThan(0.03);
    expect(off(rowAt(1e9).arApy, 0.025)).toBeLessThan(0.03);
    expect(off(rowAt(2e10).arApy, 0.5)).toBeLessThan(0.03);
  });

  it('stETH APY ≈33–600 % across $1–20 B (exact curve: 31.1–621 %)', () => {
    // 2,088,210.73 · (FDV / 21e6) / 320e6: 0.31075 at $1 B, 6.2149 at $20 B. The published 33 % and
    // 600 % are rounded; the exact curve lands 5.8 % under and 3.6 % over them.
    expect(rowAt(1e9).bridgeApy[0]!.toNumber()).toBeCloseTo(0.31075, 5);
    expect(rowAt(2e10).bridgeApy[0]!.toNumber()).toBeCloseTo(6.2149, 4);
    expect(off(rowAt(1e9).bridgeApy[0]!, 0.33)).toBeLessThan(0.07);
    expect(off(rowAt(2e10).bridgeApy[0]!, 6)).toBeLessThan(0.07);
    // Net of the 3 % staking APR the depositor gives up.
    expect(rowAt(1e9).netBridgeApy[0]!.toNumber()).toBeCloseTo(0.31075 - 0.03, 5);
  });
});

describe('report numbers are the exact core’s numbers', () => {
  const results = fullResults(june);
  it('puts the exact pools in the JSON as decimal strings of base units and derives every figure from them', () => {
    const summary = summarise(june);
    expect(summary.arPool).toBe(june.pools.arPool.toString());
    expect(summary.bridgePool).toBe(june.pools.bridgePool.toString());
    expect(BigInt(summary.arPool) + BigInt(summary.bridgePool)).toBe(BigInt(summary.supplyAtEnd) - BigInt(summary.supplyAtStart));
    // aoPerAr = arPool / 10^12 / 65e6; aoPerBridgeUsd = bridgePool / 10^12 / 320e6 (constant TVL).
    const aoPerAr = new Decimal(summary.arPool).div(1e12).div(65e6);
    const aoPerUsd = new Decimal(summary.bridgePool).div(1e12).div(320e6);
    expect(summary.aoPerAr).toBe(aoPerAr.toSignificantDigits(12).toNumber());
    expect(summary.aoPerBridgeUsd['stETH']).toBe(aoPerUsd.toSignificantDigits(12).toNumber());
    for (const row of summary.rows) {
      const price = new Decimal(row.fdvUsd).div(21e6);
      expect(row.aoPriceUsd).toBe(price.toSignificantDigits(12).toNumber());
      expect(row.arApy).toBe(aoPerAr.mul(price).div(30).toSignificantDigits(12).toNumber());
      expect(row.bridgeApy['stETH']).toBe(aoPerUsd.mul(price).toSignificantDigits(12).toNumber());
    }
  });

  it('charts cumulative series that end at the pool totals, and a curve that passes the gate', () => {
    const lastDay = results.days.at(-1)!;
    expect(lastDay.cumulativeAr).toBe(results.arPool);
    expect(lastDay.cumulativeBridges).toBe(results.bridgePool);
    expect(lastDay.aoPerAr).toBe(results.aoPerAr);
    expect(lastDay.aoPerBridgePercent['stETH']).toBe(results.aoPerBridgePercent['stETH']);
    expect(lastDay.aoPerBridgeUsd['stETH']).toBe(results.aoPerBridgeUsd['stETH']);
    const gateDay = results.curve.findIndex((p) => BigInt(p.supply) * 100n >= 15n * 21_000_000n * 10n ** 12n);
    expect(results.curve[gateDay]!.end >= results.gate.end).toBe(true);
    expect(results.curve[gateDay - 1]!.end < results.gate.end).toBe(true);
    expect(results.gate.end.slice(0, 10)).toBe('2025-02-08');
  });

  it('writes CSV files carrying the same numbers as results.json', () => {
    const files = csvFiles(results);
    expect(Object.keys(files).sort()).toEqual(['curve.csv', 'days.csv', 'rows.csv', 'sweep.csv']);
    const days = files['days.csv']!.trim().split('\n');
    expect(days).toHaveLength(results.days.length + 1);
    const header = days[0]!.split(',');
    const last = days.at(-1)!.split(',');
    expect(last[header.indexOf('cumulativeAr')]).toBe(results.arPool);
    expect(Number(last[header.indexOf('aoPerAr')])).toBe(results.aoPerAr);
    expect(files['sweep.csv']!.trim().split('\n')).toHaveLength(results.sweepPoints.length + 1);
    expect(files['rows.csv']!.split('\n')[0]).toBe('fdvUsd,aoPriceUsd,arApy,bridgeApy_stETH,apr_stETH,netBridgeApy_stETH');
  });

  it('computes every sweep point as the same formula from scratch would, over FDV × AR price × TVL', () => {
    const { fdvUsd, arPriceUsd, tvlUsd } = june.scenario.sweep;
    expect(june.sweep).toHaveLength(fdvUsd.length * arPriceUsd.length * tvlUsd.length);
    const input = { aoPerAr: june.aoPerAr, aoPerBridgeUsd: june.aoPerBridgeUsd, baseTvlUsd: 320e6, months: june.scenario.months };
    for (const p of june.sweep.filter((_, i) => i % 37 === 0)) {
      const ref = sweepPointFromScratch(p.fdvUsd, p.arPriceUsd, p.tvlUsd, input);
      expect(p.arApy.toString()).toBe(ref.arApy.toString());
      expect(p.bridgeApy.map(String)).toEqual(ref.bridgeApy.map(String));
    }
    // At the scenario's AR price ($30) the sweep's AR APY is the FDV row's, whatever the TVL.
    const atThirty = june.sweep.filter((p) => p.fdvUsd === 1e9 && p.arPriceUsd === 30);
    expect(atThirty).toHaveLength(tvlUsd.length);
    for (const p of atThirty) expect(p.arApy.toString()).toBe(rowAt(1e9).arApy.toString());
  });

  it('annualises simply: the same pools over 6 months give twice the rate per AO received', () => {
    const six = simulate(parseScenario({ start: '2024-06-18T15:00:00Z', months: 6, ar: { supply: '65000000', priceUsd: 30 }, bridges: [{ asset: 'stETH', tvlUsd: 320e6, apr: 0.03 }], ao: { fdvUsd: 1e10 } }));
    const expected = six.aoPerAr.mul(new Decimal(1e10).div(21e6)).div(30).mul(12).div(6);
    expect(six.rows[0]!.arApy.toSignificantDigits(18).toString()).toBe(expected.toSignificantDigits(18).toString());
    // Half the horizon mints a bit more than half the AO (the curve decays), so the rate is a bit higher.
    expect(six.rows[0]!.arApy.gt(rowAt(1e10).arApy)).toBe(true);
  });

  it('splits a multi-asset bridge pool by TVL · APR and reports AO per USD as the sum of daily AO / daily TVL', () => {
    const multi = simulate(loadScenario(scenarioPath('multi-asset.yaml')));
    const [steth, sol, usds] = multi.pools.byAsset;
    expect(steth! + sol! + usds! + multi.pools.carried).toBe(multi.pools.bridgePool);
    // stETH has constant TVL: AO per USD is its pool / $500 M exactly.
    expect(multi.aoPerBridgeUsd[0]!.toSignificantDigits(25).toString()).toBe(new Decimal(steth!.toString()).div(1e12).div(5e8).toSignificantDigits(25).toString());
    // SOL's 7 % APR on growing TVL earns more per USD than stETH's 2.9 %: weights are TVL · APR.
    expect(multi.aoPerBridgeUsd[1]!.gt(multi.aoPerBridgeUsd[0]!)).toBe(true);
    expect(multi.rows.map((r) => r.fdvUsd)).toEqual([210e6, 525e6, 1050e6]);
  });
});
