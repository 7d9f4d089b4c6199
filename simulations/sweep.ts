import type { Decimal } from 'decimal.js';
import { arApy, bridgeApy, D } from './apy.ts';
import type { Scenario } from './scenario.ts';

/**
 * The sweep: every point of FDV × AR price × total bridge TVL. The exact pools do not depend on
 * any of them — prices and FDV only value the AO, and a TVL point scales every asset's TVL by the
 * same factor, which leaves the yield weights' ratios (hence each asset's AO) as in the base case —
 * so each point costs a few decimal operations, not a walk of the curve:
 *   arApy(fdv, arPrice)     as in apy.ts
 *   bridgeApy[a](fdv, tvl)  with aoPerBridgeUsd[a] · baseTvl / tvl
 */
export interface SweepPoint {
  readonly fdvUsd: number;
  readonly arPriceUsd: number;
  readonly tvlUsd: number;
  readonly arApy: Decimal;
  readonly bridgeApy: readonly Decimal[];
}

export interface SweepInput {
  readonly aoPerAr: Decimal;
  readonly aoPerBridgeUsd: readonly Decimal[];
  /** Total bridge TVL at start, the base the TVL axis scales. */
  readonly baseTvlUsd: number;
  readonly months: Decimal;
}

export type Progress = (done: number, total: number) => void;

export const sweepSize = (axes: Scenario['sweep']): number => axes.fdvUsd.length * axes.arPriceUsd.length * axes.tvlUsd.length;

export function runSweep(axes: Scenario['sweep'], input: SweepInput, onProgress?: Progress): SweepPoint[] {
  const total = sweepSize(axes);
  const points: SweepPoint[] = [];
  // arApy depends on (fdv, arPrice) and bridgeApy on (fdv, tvl): compute each once, combine per point.
  const bridgeByTvl = axes.tvlUsd.map((tvl) => input.aoPerBridgeUsd.map((perUsd) => new D(perUsd).mul(input.baseTvlUsd).div(tvl)));
  for (const fdv of axes.fdvUsd) {
    const bridge = bridgeByTvl.map((perUsd) => perUsd.map((p) => bridgeApy(p, fdv, input.months)));
    for (const arPrice of axes.arPriceUsd) {
      const ar = arApy(input.aoPerAr, fdv, arPrice, input.months);
      axes.tvlUsd.forEach((tvl, t) => points.push({ fdvUsd: fdv, arPriceUsd: arPrice, tvlUsd: tvl, arApy: ar, bridgeApy: bridge[t]! }));
      if (onProgress && points.length % 1000 < axes.tvlUsd.length) onProgress(points.length, total);
    }
  }
  onProgress?.(points.length, total);
  return points;
}

/** The naive way, kept for the bench baseline and the test that the shortcut is exact: recompute a point from scratch. */
export function sweepPointFromScratch(fdv: number, arPrice: number, tvl: number, input: SweepInput): SweepPoint {
  return {
    fdvUsd: fdv,
    arPriceUsd: arPrice,
    tvlUsd: tvl,
    arApy: arApy(input.aoPerAr, fdv, arPrice, input.months),
    bridgeApy: input.aoPerBridgeUsd.map((p) => bridgeApy(new D(p).mul(input.baseTvlUsd).div(tvl), fdv, input.months)),
  };
}
