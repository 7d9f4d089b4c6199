import type { Decimal } from 'decimal.js';
import { calculatorMinted, periodRate, ANNOUNCED_CURVE, DEPLOYED_CURVE } from '../src/emission/index.ts';
import { D, toAo } from './apy.ts';
import type { Pools } from './pools.ts';
import { DAY_MS, tvlAtStart, type Scenario } from './scenario.ts';

/**
 * The official ao.arweave.net calculator's projection of the same horizon, beside the exact walk
 * (DESIGN.md §2): minted = (1 − S/21M) · (1 − (1 − r)^(288 · days)) · 21M from the supply S at the
 * horizon's start, AR holders 1/3 of it, and each bridge asset 2/3 · its TVL · APR / Σ TVL · APR (the
 * calculator's amount · price · yield, with TVL at the start). The calculator always splits 1/3 : 2/3,
 * so before 2024-06-18 (100 % AR on mainnet) it disagrees with the walk by design.
 */
export interface CalculatorProjection {
  /** Whole AO. */
  readonly minted: Decimal;
  readonly arPool: Decimal;
  readonly byAsset: readonly Decimal[];
  readonly aoPerAr: Decimal;
  /** exact walk − calculator, whole AO, and as a fraction of the calculator's figure. */
  readonly mintedDifference: Decimal;
  readonly mintedDifferenceShare: Decimal;
  readonly arDifference: Decimal;
}

export function calculatorProjection(scenario: Scenario, pools: Pools): CalculatorProjection {
  const days = new D(scenario.endMs - scenario.startMs).div(DAY_MS);
  const minted = calculatorMinted(scenario.policy.curve, pools.supplyAtStart, days).div(1e12);
  const arPool = minted.div(3);
  const weights = scenario.bridges.map((b) => new D(tvlAtStart(b.tvl, scenario.startMs)).mul(b.apr));
  const total = weights.reduce((a, w) => a.plus(w), new D(0));
  const byAsset = weights.map((w) => (total.isZero() ? new D(0) : minted.mul(2).div(3).mul(w).div(total)));
  const exactMinted = toAo(pools.minted);
  return {
    minted,
    arPool,
    byAsset,
    aoPerAr: arPool.div(scenario.arSupply),
    mintedDifference: exactMinted.minus(minted),
    mintedDifferenceShare: minted.isZero() ? new D(0) : exactMinted.minus(minted).div(minted),
    arDifference: toAo(pools.arPool).minus(arPool),
  };
}

/**
 * The monthly rates in circulation, for the report's comparison chart:
 *   1.425 %   the announced "1.425 % of the remaining supply per month"
 *   1.4149 %  that rate as the announced law compounds it per tick over a month (8,766 ticks)
 *   1.4337 %  the deployed per-tick rate over 30.4375 days: 1 − (1 − 1.647321875·10^-6)^8766
 *   1.436 %   the monthly figure charted on ao.arweave.net (as quoted in this project's tracker)
 */
export const SITE_MONTHLY_RATE = 0.01436;
export function monthlyRates(): { readonly label: string; readonly rate: number }[] {
  return [
    { label: 'announced: 1.425 % a month', rate: 0.01425 },
    { label: 'announced law compounded per tick (8,766 ticks)', rate: periodRate(ANNOUNCED_CURVE, 8766).toNumber() },
    { label: 'deployed rate over 30.4375 days', rate: periodRate(DEPLOYED_CURVE, 8766).toNumber() },
    { label: 'ao.arweave.net chart', rate: SITE_MONTHLY_RATE },
  ];
}
