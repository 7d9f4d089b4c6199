import { Decimal } from 'decimal.js';
import type { Rebase } from './state.ts';

/** decimal.js for analytics only (DESIGN.md §1): wide enough that the 1e27 share rates stay exact. */
const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN });
const SECONDS_PER_YEAR = 365n * 24n * 60n * 60n;
const QUOTE_DECIMALS = 18;

export interface AprResult {
  /** Fraction per year, at most 18 decimals, never negative. */
  readonly apr: string;
  /** The rate before clamping (negative after a slashing report), for the snapshot's notes. */
  readonly raw: string;
}

/**
 * stETH APR from one TokenRebased, Lido's documented method ("Last Lido APR for stETH",
 * docs.lido.fi/integrations/api, lidofinance/docs docs/integrations/api.md):
 *   preShareRate  = preTotalEther  · 1e27 / preTotalShares
 *   postShareRate = postTotalEther · 1e27 / postTotalShares
 *   userAPR       = secondsInYear · (postShareRate − preShareRate) / preShareRate / timeElapsed
 * with secondsInYear = 31,536,000 as there. Lido's API shows it in percent (× 100); we keep the
 * fraction, rounded half-even to 18 decimals. A negative rate (a slashing report) is clamped to 0
 * because a yield weight cannot be negative (DESIGN.md §3).
 */
export function lidoApr(r: Rebase): AprResult {
  const e27 = new D(10).pow(27);
  const pre = new D(r.preTotalEther.toString()).mul(e27).div(r.preTotalShares.toString());
  const post = new D(r.postTotalEther.toString()).mul(e27).div(r.postTotalShares.toString());
  const apr = new D(SECONDS_PER_YEAR.toString()).mul(post.sub(pre)).div(pre).div(r.timeElapsed.toString());
  const rounded = apr.toDecimalPlaces(QUOTE_DECIMALS);
  return { apr: plain(rounded.isNegative() ? new D(0) : rounded), raw: plain(rounded) };
}

/** A rebase the APR can be computed from: positive totals and a positive time span. */
export const usableRebase = (r: Rebase): boolean =>
  r.preTotalShares > 0n && r.postTotalShares > 0n && r.preTotalEther > 0n && r.timeElapsed > 0n;

/** A Chainlink answer (an integer scaled by 10^decimals) as an exact decimal string: 312345000000, 8 → "3123.45". */
export function scaledToDecimal(answer: bigint, decimals: number): string {
  const digits = answer.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function plain(d: InstanceType<typeof D>): string {
  const s = d.toFixed(QUOTE_DECIMALS);
  const trimmed = s.replace(/\.?0+$/, '');
  return trimmed === '-0' || trimmed === '' ? '0' : trimmed;
}
