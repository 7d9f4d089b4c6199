import type { Decimal } from 'decimal.js';
import { aoPriceUsd, arApy, bridgeApy, D, toAo } from './apy.ts';
import { calculatorProjection, type CalculatorProjection } from './calculator.ts';
import { curveSeries, type CurveSeries } from './curve-series.ts';
import { runMonteCarlo, type MonteCarloResult } from './monte-carlo.ts';
import { accruePools, type Pools } from './pools.ts';
import { simulateDelegation, type DelegationResult } from './delegation.ts';
import { tvlAtStart, type Scenario } from './scenario.ts';
import { runSweep, type Progress, type SweepPoint } from './sweep.ts';

/** One row per FDV of the scenario's `ao` list (definitions in apy.ts). */
export interface FdvRow {
  readonly fdvUsd: number;
  readonly aoPriceUsd: Decimal;
  readonly arApy: Decimal;
  /** Per asset, in the scenario's order. */
  readonly bridgeApy: readonly Decimal[];
  /** bridgeApy − the asset's own APR. */
  readonly netBridgeApy: readonly Decimal[];
}

export interface Simulation {
  readonly scenario: Scenario;
  readonly pools: Pools;
  readonly curve: CurveSeries;
  /** The official calculator's closed-form projection of the same horizon. */
  readonly calculator: CalculatorProjection;
  readonly aoPerAr: Decimal;
  readonly aoPerBridgeUsd: readonly Decimal[];
  /** AO accrued by a 1 % share of each asset's pool kept over the horizon (1 % of its AO). */
  readonly aoPerBridgePercent: readonly Decimal[];
  /** AO per whole unit of the asset deposited (when the scenario gives its price). */
  readonly aoPerAssetUnit: readonly (Decimal | undefined)[];
  readonly baseTvlUsd: number;
  /** Per horizon day, cumulative from the start. */
  readonly cumulative: readonly { readonly aoPerAr: Decimal; readonly aoPerUsd: readonly Decimal[]; readonly ar: bigint; readonly bridges: bigint; readonly byAsset: readonly bigint[] }[];
  readonly rows: readonly FdvRow[];
  readonly sweep: readonly SweepPoint[];
  readonly monteCarlo: MonteCarloResult | undefined;
  /** AO per day per project and the holders' kept yield, when the scenario delegates (delegation.ts). */
  readonly delegation: DelegationResult | undefined;
}

export interface SimulateOptions {
  readonly onSweepProgress?: Progress;
  readonly onMonteCarloProgress?: Progress;
}

/** A year of 365.25 days, the Monte Carlo's time unit for drift and volatility. */
const YEAR_MS = 365.25 * 86_400_000;

export function simulate(scenario: Scenario, options: SimulateOptions = {}): Simulation {
  const pools = accruePools(scenario);
  const aoPerAr = toAo(pools.arPool).div(scenario.arSupply);
  const { months } = scenario;

  const cumulative: Simulation['cumulative'][number][] = [];
  let ar = 0n;
  let bridges = 0n;
  const byAsset = scenario.bridges.map(() => 0n);
  const perUsd = scenario.bridges.map(() => new D(0));
  for (const day of pools.days) {
    ar += day.ar;
    bridges += day.bridges;
    day.byAsset.forEach((units, i) => {
      byAsset[i]! += units;
      perUsd[i] = perUsd[i]!.plus(day.aoPerUsd[i]!);
    });
    cumulative.push({ aoPerAr: toAo(ar).div(scenario.arSupply), aoPerUsd: [...perUsd], ar, bridges, byAsset: [...byAsset] });
  }

  const rows = scenario.fdvUsd.map((fdv): FdvRow => {
    const bridge = pools.aoPerBridgeUsd.map((p) => bridgeApy(p, fdv, months));
    return {
      fdvUsd: fdv,
      aoPriceUsd: aoPriceUsd(fdv),
      arApy: arApy(aoPerAr, fdv, scenario.arPriceUsd, months),
      bridgeApy: bridge,
      netBridgeApy: bridge.map((b, i) => b.minus(scenario.bridges[i]!.apr)),
    };
  });

  const baseTvlUsd = scenario.bridges.reduce((sum, b) => sum + tvlAtStart(b.tvl, scenario.startMs), 0);
  const sweep = runSweep(scenario.sweep, { aoPerAr, aoPerBridgeUsd: pools.aoPerBridgeUsd, baseTvlUsd, months }, options.onSweepProgress);
  const monteCarlo =
    scenario.monteCarlo === undefined
      ? undefined
      : runMonteCarlo(
          scenario.monteCarlo,
          {
            cumulativeAoPerAr: cumulative.map((c) => c.aoPerAr),
            cumulativeAoPerUsd: cumulative.map((c) => c.aoPerUsd),
            dayYears: pools.days.map((d) => (d.endMs - d.startMs) / YEAR_MS),
            arPriceUsd: scenario.arPriceUsd,
            months,
          },
          options.onMonteCarloProgress,
        );

  return {
    scenario,
    pools,
    curve: curveSeries(scenario),
    calculator: calculatorProjection(scenario, pools),
    aoPerAr,
    aoPerBridgeUsd: pools.aoPerBridgeUsd,
    aoPerBridgePercent: pools.byAsset.map((units) => toAo(units).div(100)),
    aoPerAssetUnit: scenario.bridges.map((b, i) => (b.priceUsd === undefined ? undefined : pools.aoPerBridgeUsd[i]!.mul(b.priceUsd))),
    baseTvlUsd,
    cumulative,
    rows,
    sweep,
    monteCarlo,
    delegation: scenario.delegation === undefined ? undefined : simulateDelegation(pools, scenario.bridges.map((b) => b.asset), [aoPerAr, ...pools.aoPerBridgeUsd], scenario.delegation),
  };
}
