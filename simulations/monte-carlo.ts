import type { Decimal } from 'decimal.js';
import { aoPriceUsd, D } from './apy.ts';
import { mulberry32, normalSource } from './prng.ts';
import type { Scenario } from './scenario.ts';
import type { Progress } from './sweep.ts';

/**
 * Monte Carlo over the AO price path (seeded, reproducible). The AO price follows a geometric
 * Brownian motion with daily steps from startFdvUsd / 21 M:
 *   ln P_{d+1} = ln P_d + (μ − σ²/2)·Δt + σ·√Δt·Z,   Δt = the day's length / 365.25 days,  Z ~ N(0, 1)
 * with μ = driftPerYear, σ = volatilityPerYear, Z from mulberry32(seed) by Box–Muller.
 * The AO each pool receives is exact and the same in every run; what varies is its USD value.
 * Per day d, over runs, the chosen percentiles (nearest rank) of:
 *   AR return to date         = aoPerAr_to_d · P_d / AR price
 *   bridge return to date [a] = aoPerBridgeUsd_to_d[a] · P_d
 * (AO accrued so far valued at that day's price, as a fraction of the capital; not annualised),
 * and at the horizon's end the annualised APYs (× 12 / months).
 *
 * The paths are float64: 10^5–10^7 draws in decimal.js would take minutes, and a random model
 * gains nothing from 40 digits. Every reported figure is computed in decimal.js from the exact
 * accrued AO and the percentile price.
 */
export interface MonteCarloInput {
  /** Per horizon day: cumulative AO per AR and per USD of each asset up to the day's end. */
  readonly cumulativeAoPerAr: readonly Decimal[];
  readonly cumulativeAoPerUsd: readonly (readonly Decimal[])[];
  /** Per horizon day, its length in years of 365.25 days (the last day may be partial). */
  readonly dayYears: readonly number[];
  readonly arPriceUsd: number;
  readonly months: Decimal;
}

export interface Band {
  /** Keyed by percentile, e.g. { 5: …, 50: …, 95: … }. */
  readonly [percentile: number]: Decimal;
}

export interface MonteCarloResult {
  readonly seed: number;
  readonly runs: number;
  readonly startFdvUsd: number;
  readonly driftPerYear: number;
  readonly volatilityPerYear: number;
  readonly percentiles: readonly number[];
  /** Per day: percentiles of the AO price and of the returns to date. */
  readonly days: readonly { readonly aoPriceUsd: Band; readonly arReturn: Band; readonly bridgeReturn: readonly Band[] }[];
  /** At the horizon's end, annualised. */
  readonly arApy: Band;
  readonly bridgeApy: readonly Band[];
}

/** Nearest-rank percentile of sorted values: the ⌈p/100 · n⌉-th smallest. */
export function nearestRank(sorted: Float64Array, p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function runMonteCarlo(config: NonNullable<Scenario['monteCarlo']>, input: MonteCarloInput, onProgress?: Progress): MonteCarloResult {
  const days = input.cumulativeAoPerAr.length;
  const { runs } = config;
  const driftSteps = input.dayYears.map((dt) => (config.driftPerYear - config.volatilityPerYear ** 2 / 2) * dt);
  const volSteps = input.dayYears.map((dt) => config.volatilityPerYear * Math.sqrt(dt));
  const logStart = Math.log(aoPriceUsd(config.startFdvUsd).toNumber());
  const normal = normalSource(mulberry32(config.seed));
  // prices[d · runs + r]: day-major, so each day's prices are contiguous for sorting.
  const prices = new Float64Array(days * runs);
  for (let r = 0; r < runs; r++) {
    let logPrice = logStart;
    for (let d = 0; d < days; d++) {
      logPrice += driftSteps[d]! + volSteps[d]! * normal();
      prices[d * runs + r] = Math.exp(logPrice);
    }
    if (onProgress && (r % 100 === 99 || r === runs - 1)) onProgress(r + 1, runs);
  }
  const band = (fn: (p: number) => Decimal): Band => Object.fromEntries(config.percentiles.map((p) => [p, fn(p)]));
  const out: MonteCarloResult['days'][number][] = [];
  for (let d = 0; d < days; d++) {
    const sorted = prices.subarray(d * runs, (d + 1) * runs).sort();
    const price = band((p) => new D(nearestRank(sorted, p)));
    out.push({
      aoPriceUsd: price,
      arReturn: band((p) => input.cumulativeAoPerAr[d]!.mul(price[p]!).div(input.arPriceUsd)),
      bridgeReturn: input.cumulativeAoPerUsd[d]!.map((perUsd) => band((p) => perUsd.mul(price[p]!))),
    });
  }
  const factor = new D(12).div(input.months);
  const end = out[days - 1];
  return {
    seed: config.seed,
    runs,
    startFdvUsd: config.startFdvUsd,
    driftPerYear: config.driftPerYear,
    volatilityPerYear: config.volatilityPerYear,
    percentiles: config.percentiles,
    days: out,
    arApy: band((p) => (end ? end.arReturn[p]!.mul(factor) : new D(0))),
    bridgeApy: input.cumulativeAoPerUsd[days - 1]!.map((_, a) => band((p) => (end ? end.bridgeReturn[a]![p]!.mul(factor) : new D(0)))),
  };
}
