import { Decimal } from 'decimal.js';
import { assertTick, MAX_SUPPLY, RATE_DENOMINATOR, RATE_NUMERATOR } from './curve.ts';

/**
 * Closed form for projections and charts (DESIGN.md §2), never for who gets what:
 *   supply(k) ≈ 21M · (1 − (1 − 1425/876,600,000)^k)
 * The ledger uses the exact iteration; the per-tick floors make the exact supply fall behind the
 * closed form by less than one base unit per tick, i.e. < 1 AO until tick 10^12.
 */
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
const RETAIN = new D(1).minus(new D(RATE_NUMERATOR.toString()).div(RATE_DENOMINATOR.toString()));

/** Projected supply after tick k, in base units (a Decimal, not rounded). */
export function projectedSupply(tick: number): Decimal {
  assertTick(tick);
  return new D(MAX_SUPPLY.toString()).mul(new D(1).minus(RETAIN.pow(tick)));
}

/** Months since genesis at which half of what remains has been minted: ln 2 / −ln(1 − r) ticks. */
export function halfLifeTicks(): Decimal {
  return new D(2).ln().div(RETAIN.ln().neg());
}
