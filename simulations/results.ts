import { policyLabel, toIso } from '../src/emission/index.ts';
import { num, toAo } from './apy.ts';
import type { Band } from './monte-carlo.ts';
import type { Simulation } from './simulate.ts';
import { monthlyRates } from './calculator.ts';

/**
 * The JSON forms of a simulation. Amounts are decimal strings of base units (1 AO = 10^12);
 * analytic figures (APY, AO per AR, AO per USD, prices) are JSON numbers with 12 significant
 * digits, fractions as fractions (0.25 = 25 %). `summarise` is what `simulate --json` prints;
 * `fullResults` (results.json) adds every series the report charts.
 */
const byAsset = <T>(sim: Simulation, values: readonly T[]): Record<string, T> => Object.fromEntries(sim.scenario.bridges.map((b, i) => [b.asset, values[i]!]));
const bandJson = (band: Band): Record<string, number> => Object.fromEntries(Object.entries(band).map(([p, v]) => [`p${p}`, num(v)]));

export const DEFINITIONS = [
  'AO price = FDV / 21,000,000.',
  'aoPerAr = AO minted to the AR pool over the horizon / AR supply (AO accrued by 1 AR held throughout).',
  'aoPerBridgeUsd[asset] = AO accrued by 1 USD kept deposited in the asset over the horizon (= the asset’s bridge AO / its TVL when TVL is constant).',
  'AR APY = aoPerAr · AO price / AR price, annualised × 12 / months.',
  'Bridge APY[asset] = aoPerBridgeUsd[asset] · AO price, annualised × 12 / months; net = bridge APY − the asset’s own staking APR, which the depositor gives up to the ecosystem.',
  'The horizon holds the ticks ending after start and at or before end (a month = 365.25/12 days). Pool amounts are exact sums of the per-tick parts of the emission core; the bridge part is split between assets per tick by TVL · APR (the ledger’s split).',
  'Charts aggregate ticks per day (days counted from start, a tick belongs to the day in which it ends); TVL is read once a day at the day’s start.',
];

export function summarise(sim: Simulation) {
  const { scenario: s, pools } = sim;
  return {
    scenario: s.name,
    description: s.description,
    horizon: {
      start: toIso(s.startMs),
      end: toIso(s.endMs),
      months: num(s.months),
      firstTick: pools.firstTick,
      lastTick: pools.lastTick,
      ticks: pools.ticks,
    },
    policy: policyLabel(s.policy),
    arSupply: s.arSupply.toFixed(),
    arPriceUsd: s.arPriceUsd,
    supplyAtStart: pools.supplyAtStart.toString(),
    supplyAtEnd: pools.supplyAtEnd.toString(),
    minted: pools.minted.toString(),
    arPool: pools.arPool.toString(),
    bridgePool: pools.bridgePool.toString(),
    bridgePoolByAsset: byAsset(sim, pools.byAsset.map(String)),
    bridgeCarried: pools.carried.toString(),
    aoPerAr: num(sim.aoPerAr),
    aoPerBridgeUsd: byAsset(sim, sim.aoPerBridgeUsd.map(num)),
    aoPerBridgePercent: byAsset(sim, sim.aoPerBridgePercent.map(num)),
    aoPerAssetUnit: byAsset(sim, sim.aoPerAssetUnit.map((v) => (v === undefined ? null : num(v)))),
    aprs: byAsset(sim, s.bridges.map((b) => b.apr)),
    calculator: {
      minted: num(sim.calculator.minted),
      arPool: num(sim.calculator.arPool),
      aoPerAr: num(sim.calculator.aoPerAr),
      byAsset: byAsset(sim, sim.calculator.byAsset.map(num)),
      mintedDifference: num(sim.calculator.mintedDifference),
      mintedDifferenceShare: num(sim.calculator.mintedDifferenceShare),
      arDifference: num(sim.calculator.arDifference),
    },
    gate: sim.curve.gate === null ? null : { tick: sim.curve.gate.tick, end: toIso(sim.curve.gate.endMs), supply: sim.curve.gateSupply, rule: sim.curve.gateRule },
    rows: sim.rows.map((r) => ({
      fdvUsd: r.fdvUsd,
      aoPriceUsd: num(r.aoPriceUsd),
      arApy: num(r.arApy),
      bridgeApy: byAsset(sim, r.bridgeApy.map(num)),
      netBridgeApy: byAsset(sim, r.netBridgeApy.map(num)),
    })),
    sweep: { points: sim.sweep.length, fdvUsd: s.sweep.fdvUsd.length, arPriceUsd: s.sweep.arPriceUsd.length, tvlUsd: s.sweep.tvlUsd.length, baseTvlUsd: sim.baseTvlUsd },
    monteCarlo:
      sim.monteCarlo === undefined
        ? null
        : {
            seed: sim.monteCarlo.seed,
            runs: sim.monteCarlo.runs,
            startFdvUsd: sim.monteCarlo.startFdvUsd,
            driftPerYear: sim.monteCarlo.driftPerYear,
            volatilityPerYear: sim.monteCarlo.volatilityPerYear,
            arApy: bandJson(sim.monteCarlo.arApy),
            bridgeApy: byAsset(sim, sim.monteCarlo.bridgeApy.map(bandJson)),
          },
    definitions: DEFINITIONS,
  };
}

export function fullResults(sim: Simulation) {
  const assets = sim.scenario.bridges.map((b) => b.asset);
  return {
    ...summarise(sim),
    days: sim.pools.days.map((d, i) => {
      const c = sim.cumulative[i]!;
      return {
        start: toIso(d.startMs),
        end: toIso(d.endMs),
        lastTick: d.lastTick,
        ticks: d.ticks,
        minted: d.minted.toString(),
        ar: d.ar.toString(),
        bridges: d.bridges.toString(),
        byAsset: Object.fromEntries(assets.map((a, j) => [a, d.byAsset[j]!.toString()])),
        supply: d.supply.toString(),
        transferable: d.transferable,
        tvlUsd: Object.fromEntries(assets.map((a, j) => [a, d.tvlUsd[j]!])),
        cumulativeAr: c.ar.toString(),
        cumulativeBridges: c.bridges.toString(),
        aoPerAr: num(c.aoPerAr),
        aoPerBridgePercent: Object.fromEntries(assets.map((a, j) => [a, num(toAo(c.byAsset[j]!).div(100))])),
        aoPerBridgeUsd: Object.fromEntries(assets.map((a, j) => [a, num(c.aoPerUsd[j]!)])),
      };
    }),
    curve: sim.curve.points.map((p) => ({ end: toIso(p.endMs), lastTick: p.lastTick, minted: p.minted.toString(), supply: p.supply.toString(), comparisonSupply: p.comparisonSupply.toString() })),
    comparisonLaw: sim.curve.comparisonLaw,
    monthlyRates: monthlyRates(),
    sweepPoints: sim.sweep.map((p) => ({ fdvUsd: p.fdvUsd, arPriceUsd: p.arPriceUsd, tvlUsd: p.tvlUsd, arApy: num(p.arApy), bridgeApy: Object.fromEntries(assets.map((a, j) => [a, num(p.bridgeApy[j]!)])) })),
    monteCarloDays:
      sim.monteCarlo === undefined
        ? null
        : sim.monteCarlo.days.map((d, i) => ({
            end: toIso(sim.pools.days[i]!.endMs),
            aoPriceUsd: bandJson(d.aoPriceUsd),
            arReturn: bandJson(d.arReturn),
            bridgeReturn: Object.fromEntries(assets.map((a, j) => [a, bandJson(d.bridgeReturn[j]!)])),
          })),
  };
}

export type Summary = ReturnType<typeof summarise>;
export type FullResults = ReturnType<typeof fullResults>;
