import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { walkDeployed } from '../emission/support/reference-law.ts';
import { csvFiles, fullResults, loadScenario, parseScenario, simulate, summarise, sweepPointFromScratch } from '../../simulations/index.ts';
import { reportHtml } from '../../simulations/report-html.ts';

const scenarioPath = (name: string) => fileURLToPath(new URL(`../../simulations/scenarios/${name}`, import.meta.url));
const JUNE = JSON.parse(readFileSync(scenarioPath('june-2024.json'), 'utf8')) as Record<string, unknown>;
const june = simulate(loadScenario(scenarioPath('june-2024.json')));
const rowAt = (fdv: number) => june.rows.find((r) => r.fdvUsd === fdv)!;
/** |actual − expected| / expected. */
const off = (actual: Decimal.Value, expected: number) => Math.abs(new Decimal(actual).toNumber() - expected) / expected;

/**
 * The deployed law's AR part over the 12 months after bridging starts, by the independent reference
 * (test/emission/support/reference-law.ts): ticks 32,221..137,412 (365.25 d = 105,192 ticks after
 * the tick ending 2024-06-18T15:00Z), AR = nearest(mint/3) each tick.
 */
const BRIDGE_START_TICK = 32_220;
const YEAR_TICKS = 105_192;
let referenceAr = 0n;
let referenceMinted = 0n;
walkDeployed(BRIDGE_START_TICK + YEAR_TICKS, (k, mint) => {
  if (k <= BRIDGE_START_TICK) return;
  referenceMinted += mint;
  referenceAr += BigInt(Math.round(Number(mint) / 3));
});
const ao = (units: bigint) => new Decimal(units.toString()).div(1e12);

describe('the June-2024 scenario reproduces the published figures under the deployed law (DESIGN.md §8)', () => {
  it('pools equal the reference walk: AR 1/3 rounded per tick, bridges the rest', () => {
    expect(june.scenario.policy.id).toBe('ao-mainnet');
    expect(june.pools.arPool).toBe(referenceAr);
    expect(june.pools.minted).toBe(referenceMinted);
  });

  it('≈0.016 AO per AR over the 12 months after bridging starts (0.01600 with the calculator\'s 66 M AR)', () => {
    // ≈ 1,056,144.79 AO to AR holders / 65 M AR = 0.016248; / 66 M = 0.016002.
    expect(june.aoPerAr.toSignificantDigits(15).toString()).toBe(ao(referenceAr).div(65e6).toSignificantDigits(15).toString());
    const with66 = simulate(parseScenario({ ...JUNE, ar: { supply: '66000000', priceUsd: 30 } }));
    expect(with66.aoPerAr.toFixed(5)).toBe('0.01600');
    expect(off(with66.aoPerAr, 0.016)).toBeLessThan(0.001);
  });

  it('≈210 AO per 0.01 % of the stETH pool (211.2)', () => {
    const perBasisPoint = june.aoPerBridgePercent[0]!.div(100);
    expect(perBasisPoint.toString()).toBe(ao(referenceMinted - referenceAr).div(10_000).toString());
    expect(perBasisPoint.toFixed(1)).toBe('211.2');
  });

  it('AR APY ≈25 % at AR = $30 and FDV = $10 B, 2.5–50 % across $1–20 B', () => {
    // aoPerAr · (10e9 / 21e6) / 30 = 0.016248 · 476.19 / 30 = 0.2579.
    const expected = ao(referenceAr).div(65e6).mul(new Decimal(1e10).div(21e6)).div(30);
    expect(rowAt(1e10).arApy.toSignificantDigits(15).toString()).toBe(expected.toSignificantDigits(15).toString());
    expect(off(rowAt(1e10).arApy, 0.25)).toBeLessThan(0.04);
    expect(off(rowAt(1e9).arApy, 0.025)).toBeLessThan(0.04);
    expect(off(rowAt(2e10).arApy, 0.5)).toBeLessThan(0.04);
  });

  it('stETH APY ≈33–600 % across $1–20 B (deployed law: 31.4–629 %)', () => {
    // bridges · (FDV / 21e6) / 320e6: 0.3143 at $1 B, 6.2866 at $20 B.
    const apy = (fdv: number) => ao(referenceMinted - referenceAr).mul(new Decimal(fdv).div(21e6)).div(320e6);
    expect(rowAt(1e9).bridgeApy[0]!.toSignificantDigits(15).toString()).toBe(apy(1e9).toSignificantDigits(15).toString());
    expect(rowAt(1e9).bridgeApy[0]!.toFixed(4)).toBe('0.3143');
    expect(rowAt(2e10).bridgeApy[0]!.toFixed(4)).toBe('6.2866');
    expect(off(rowAt(1e9).bridgeApy[0]!, 0.33)).toBeLessThan(0.06);
    expect(off(rowAt(2e10).bridgeApy[0]!, 6)).toBeLessThan(0.06);
    expect(rowAt(1e9).netBridgeApy[0]!.toString()).toBe(rowAt(1e9).bridgeApy[0]!.minus(0.03).toString());
  });

  it('shows the official calculator\'s closed form beside the exact walk: within 1 AO after bridging starts', () => {
    // (1 − S/21M) · (1 − (1 − r)^(288 · 365.25)) · 21M with S = the supply at the horizon's start.
    const s = new Decimal(june.pools.supplyAtStart.toString()).div(1e12);
    const r = new Decimal(1647321875).div(1e15);
    const expected = new Decimal(1).minus(s.div(21e6)).mul(new Decimal(1).minus(new Decimal(1).minus(r).pow(288 * 365.25))).mul(21e6);
    expect(june.calculator.minted.toSignificantDigits(15).toString()).toBe(expected.toSignificantDigits(15).toString());
    expect(june.calculator.mintedDifference.abs().lt(1)).toBe(true);
    expect(june.calculator.aoPerAr.toFixed(5)).toBe(june.aoPerAr.toFixed(5));
  });

  it('the calculator\'s fixed 1/3 disagrees with the walk when the horizon starts before 2024-06-18 (100 % AR then)', () => {
    const early = simulate(parseScenario({ ...JUNE, start: '2024-02-27T18:00:00Z', months: 3 }));
    expect(early.pools.bridgePool).toBe(0n);
    // The walk gives AR the whole mint, the calculator a third: the AR difference is ≈ 2/3 of the mint.
    expect(early.calculator.arDifference.div(early.calculator.minted).toFixed(2)).toBe('0.67');
  });

  it('reads as the announced law when asked: 0.016063 AO per AR, 208.82 per 0.01 % (the first wave\'s figures)', () => {
    const announced = simulate(parseScenario({ ...JUNE, policy: 'ao-announced' }));
    expect(announced.aoPerAr.toNumber()).toBeCloseTo(0.016063, 6);
    expect(announced.aoPerBridgePercent[0]!.div(100).toNumber()).toBeCloseTo(208.8211, 3);
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
    // The deployed gate is MintCount ≥ 100,000: the first day whose last tick reaches 100,000.
    const gateDay = results.curve.findIndex((p) => p.lastTick >= 100_000);
    expect(results.curve[gateDay]!.end >= results.gate!.end).toBe(true);
    expect(results.curve[gateDay - 1]!.end < results.gate!.end).toBe(true);
    expect(results.gate!.end).toBe('2025-02-08T23:20:00.000Z');
    expect(results.gate!.rule).toBe('MintCount ≥ 100,000');
    expect(results.comparisonLaw).toBe('ao-announced@1');
    expect(results.monthlyRates.map((m) => (m.rate * 100).toFixed(4))).toEqual(['1.4250', '1.4149', '1.4337', '1.4360']);
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
    // AO's three Ethereum assets and SOL, in the scenario's order.
    expect(multi.scenario.bridges.map((b) => b.asset)).toEqual(['stETH', 'SOL', 'USDS', 'DAI']);
    const [steth, sol, usds, dai] = multi.pools.byAsset;
    expect(steth! + sol! + usds! + dai! + multi.pools.carried).toBe(multi.pools.bridgePool);
    // DAI's 5 % on constant TVL earns more per USD than stETH's 2.9 % on constant TVL.
    expect(multi.aoPerBridgeUsd[3]!.gt(multi.aoPerBridgeUsd[0]!)).toBe(true);
    // The report names all four, each with its own colour.
    const html = reportHtml(fullResults(multi));
    for (const asset of ['stETH', 'SOL', 'USDS', 'DAI']) expect(html, asset).toContain(asset);
    // stETH has constant TVL: AO per USD is its pool / $500 M exactly.
    expect(multi.aoPerBridgeUsd[0]!.toSignificantDigits(25).toString()).toBe(new Decimal(steth!.toString()).div(1e12).div(5e8).toSignificantDigits(25).toString());
    // SOL's 7 % APR on growing TVL earns more per USD than stETH's 2.9 %: weights are TVL · APR.
    expect(multi.aoPerBridgeUsd[1]!.gt(multi.aoPerBridgeUsd[0]!)).toBe(true);
    expect(multi.rows.map((r) => r.fdvUsd)).toEqual([210e6, 525e6, 1050e6]);
  });
});
