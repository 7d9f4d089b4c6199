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

const RAY = 10n ** 27n;
/** Working scale of rayApr: ray² = 10^54, so the rate itself is exact in it. */
const WORK = RAY * RAY;
/** The largest per-second rate quoted: 10^-7 a second (≈ 2,140 % a year); a higher one is not a savings rate. */
export const RAY_RATE_MAX = RAY + 10n ** 20n;

/**
 * The APR of a per-second compounding rate in ray (Maker Pot `dsr()`, Sky sUSDS `ssr()`, both ≥ 10^27):
 *   APR = (rate / 10^27)^secondsInYear − 1,   secondsInYear = 31,536,000 (as lidoApr)
 * — the yearly growth the contracts' own rpow(rate, Δt) gives, which is what AO's process quotes.
 *
 * Computed in integers at scale S = 10^54 by square-and-multiply, each product floored. Error bound:
 * every value involved is ≥ 1, so a floor (absolute error < 1/S) is a relative error < 1/S; squaring
 * doubles the relative error it is given and adds one floor, a multiplication adds the two and one
 * floor, so x^(2^i) carries < 2^i/S and the result < (n + 2·25)/S < 2n/S for n = 31,536,000 < 2^25.
 * The computed power is never above the exact one and at most 2n/S · 24 < 1.6·10^-45 below it (the
 * power is < 24 under RAY_RATE_MAX). Rounded half-even to 18 decimals, the quote is therefore the
 * exact value's rounding unless the exact value lies within 1.6·10^-45 of a rounding midpoint.
 */
export function rayApr(rate: bigint): string {
  if (rate < RAY || rate > RAY_RATE_MAX) throw new RangeError(`rate ${rate} is outside 10^27..10^27 + 10^20`);
  let result = WORK;
  let base = rate * RAY; // rate / 10^27 at scale 10^54, exactly
  for (let n = SECONDS_PER_YEAR; n > 0n; n >>= 1n) {
    if ((n & 1n) === 1n) result = (result * base) / WORK;
    base = (base * base) / WORK;
  }
  // (result − S) / S to 18 decimals, half-even.
  const scaled = (result - WORK) * 10n ** 18n;
  let q = scaled / WORK;
  const r = scaled % WORK;
  if (r * 2n > WORK || (r * 2n === WORK && q % 2n === 1n)) q += 1n;
  return scaledToDecimal(q, QUOTE_DECIMALS);
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
