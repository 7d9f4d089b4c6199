import { Decimal } from 'decimal.js';
import { EngineError } from '../../errors.ts';
import { parseFixed18 } from '../../emission/asset-weight.ts';

/**
 * SOL's APR for the bridge pool's cross-asset split (DESIGN.md §3). Analytics: decimal.js, never
 * used for a payout. Every figure leaves as a decimal string with at most 18 decimals.
 *
 * Measured (preferred): the inflation rewards the cluster actually paid the bridge's stake
 * accounts for the last completed epoch (getInflationReward, net of validator commission):
 *
 *     apr = Σ amount / Σ (postBalance − amount) · epochsPerYear
 *     epochsPerYear = slotsPerYear / slotsPerEpoch,  slotsPerYear = 365.242199 d / 400 ms (the bank's)
 *
 * simple (not compounded) annualisation, as APR is defined. When no sampled account was paid a
 * reward (a new bridge, or a local VM that pays none) the source falls back to the cluster's
 * nominal validator inflation rate (getInflationRate().validator) and says so in aprSource: it
 * is lower than what stakers earn (it is not divided by the staked fraction), so a configured
 * `apr` is the better choice until the bridge has a reward history.
 */
/** 50 significant digits, and one division last, so the 18th decimal is exact before rounding down. */
const D = Decimal.clone({ precision: 50 });
export const SLOTS_PER_YEAR = new D('365.242199').mul(24 * 60 * 60 * 1000).div(400);

export interface RewardSample {
  /** Lamports credited for the epoch. */
  readonly amount: bigint;
  /** The account's balance right after the credit. */
  readonly postBalance: bigint;
}

/** Canonical decimal string with ≤ 18 decimals, rounded down (a rate is never overstated). */
export function toDecimal18(value: Decimal, field: string): string {
  if (!value.isFinite() || value.isNegative()) throw new EngineError('MALFORMED_RESPONSE', `${field}: ${value.toString()} is not a non-negative finite rate`);
  const text = value.toDecimalPlaces(18, Decimal.ROUND_DOWN).toFixed();
  parseFixed18(text, field);
  return text;
}

/** APR from paid rewards, or null if none of the samples carries a reward on a positive base. */
export function aprFromRewards(samples: readonly RewardSample[], slotsPerEpoch: number): string | null {
  let paid = 0n;
  let base = 0n;
  for (const s of samples) {
    if (s.amount <= 0n || s.postBalance <= s.amount) continue;
    paid += s.amount;
    base += s.postBalance - s.amount;
  }
  if (paid === 0n) return null;
  return toDecimal18(new D(paid.toString()).mul(SLOTS_PER_YEAR).div(new D(base.toString()).mul(slotsPerEpoch)), 'solana apr');
}

/** Validates a configured decimal rate/price (≤ 18 decimals) and returns it in canonical form. */
export function configDecimal(text: string, field: string): string {
  return toDecimal18(new D(parseFixed18(text, field).toString()).div('1e18'), field);
}
