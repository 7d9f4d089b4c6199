import { Decimal } from 'decimal.js';
import { assertTick, MAX_SUPPLY, type Curve } from './curve.ts';
import { TICK_MS } from './ticks.ts';

/**
 * Closed forms for projections and charts (DESIGN.md §2), never for who gets what. decimal.js at 60
 * digits; results are Decimals, not rounded.
 */
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
const rateOf = (curve: Curve): Decimal => new D(curve.rate.numerator.toString()).div(curve.rate.denominator.toString());

/**
 * supply(k) ≈ 21M · (1 − (1 − r)^k). The exact walk rounds every tick; its supply stays within a few
 * base units per thousand ticks of this (test/emission/curve.test.ts measures it).
 */
export function projectedSupply(curve: Curve, tick: number): Decimal {
  assertTick(tick);
  return new D(MAX_SUPPLY.toString()).mul(new D(1).minus(new D(1).minus(rateOf(curve)).pow(tick)));
}

/** Ticks for half of what remains to be minted: ln 2 / −ln(1 − r) (420,771.8 for the deployed rate; the exact walk
 * halves at 4 Julian years, 420,768 ticks, within 0.001 %). */
export function halfLifeTicks(curve: Curve): Decimal {
  return new D(2).ln().div(new D(1).minus(rateOf(curve)).ln().neg());
}

export const TICKS_PER_DAY = 86_400_000 / TICK_MS;

/**
 * The official ao.arweave.net calculator's projection of what is minted over `days` from a supply of
 * `supply` base units (its REWARD_PER_PERIOD is the per-tick rate, 288 periods a day):
 *
 *   minted(days) = (1 − S / 21M) · (1 − (1 − r)^(288 · days)) · 21M
 *
 * The calculator gives AR holders 1/3 of it and a bridge depositor 2/3 · (their amount · price ·
 * yield) / (the bridge pool's total of the same); the callers apply those shares.
 */
export function calculatorMinted(curve: Curve, supply: bigint, days: Decimal.Value): Decimal {
  const max = new D(MAX_SUPPLY.toString());
  const remainingShare = new D(1).minus(new D(supply.toString()).div(max));
  const periods = new D(days).mul(TICKS_PER_DAY);
  return remainingShare.mul(new D(1).minus(new D(1).minus(rateOf(curve)).pow(periods))).mul(max);
}

/**
 * A curve's rate over a period of `ticks` as the fraction of the remaining supply minted:
 * 1 − (1 − r)^ticks. For the deployed rate over 30.4375 days (8,766 ticks) it is 1.4337 %, the
 * figure behind "1.425 %": 1.425 % is the announced monthly rate, 1.436 % the site's chart.
 */
export const periodRate = (curve: Curve, ticks: number): Decimal => new D(1).minus(new D(1).minus(rateOf(curve)).pow(ticks));
