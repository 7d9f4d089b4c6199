import assert from 'node:assert/strict';
import { EngineError } from '../errors.ts';
import type { AoUnits } from '../units.ts';
import { CHECKPOINT_INTERVAL_TICKS, CHECKPOINT_REMAINING } from './checkpoints.data.ts';

/**
 * The exact emission curve (DESIGN.md §2). Everything here is integer arithmetic on base units.
 *
 *   remaining_0 = 21·10^18
 *   mint_k      = floor(remaining_{k−1} · 1425 / 876,600,000)     (rounds down: never over-mint)
 *   remaining_k = remaining_{k−1} − mint_k
 *   supply_k    = 21·10^18 − remaining_k
 *
 * 1425 / 876,600,000 = 1.425 % per month / 8,766 ticks per month (a month = 365.25/12 days).
 */
export const MAX_SUPPLY = (21_000_000n * 10n ** 12n) as AoUnits;
export const RATE_NUMERATOR = 1425n;
export const RATE_DENOMINATOR = 876_600_000n;
export const TICKS_PER_MONTH = 8766;

/** The largest tick number the engine answers for: beyond 2^53 tick arithmetic stops being exact. */
export const MAX_TICK = Number.MAX_SAFE_INTEGER;

/** One step of the iteration: the mint of the tick that starts with `remaining` left. */
export const mintFromRemaining = (remaining: bigint): bigint => (remaining * RATE_NUMERATOR) / RATE_DENOMINATOR;

export function assertTick(tick: number, field = 'tick', min = 0): void {
  if (!Number.isSafeInteger(tick) || tick < min) {
    throw new EngineError('INVALID_TICK', `${field}: ${String(tick)} is not a tick; expected an integer >= ${min}`);
  }
}

/**
 * Remaining supply after `count` steps from `start` (no memo). ~120 ns a step on the 2-core
 * machine, so callers bound `count` by the checkpoint interval.
 */
export function iterateRemaining(start: bigint, count: number): bigint {
  let remaining = start;
  for (let i = 0; i < count; i++) remaining -= mintFromRemaining(remaining);
  return remaining;
}

/**
 * The memo of the last position reached past the checkpoint table, so sequential queries
 * beyond it (a long schedule) walk forward instead of restarting from the last checkpoint.
 */
let cursor: { tick: number; remaining: bigint } = { tick: 0, remaining: MAX_SUPPLY };

/**
 * remaining_k, exact. Starts from the nearest checkpoint at or below k (a table of
 * remaining_{i·interval}, regenerated and compared by test/emission/checkpoints.test.ts), so any
 * k within the table costs at most one interval of steps (~2 ms).
 */
export function remainingAt(tick: number): AoUnits {
  assertTick(tick);
  const index = Math.min(Math.floor(tick / CHECKPOINT_INTERVAL_TICKS), CHECKPOINT_REMAINING.length - 1);
  let fromTick = index * CHECKPOINT_INTERVAL_TICKS;
  let remaining = CHECKPOINT_REMAINING[index]!;
  if (cursor.tick > fromTick && cursor.tick <= tick) {
    fromTick = cursor.tick;
    remaining = cursor.remaining;
  }
  remaining = iterateRemaining(remaining, tick - fromTick);
  if (tick - index * CHECKPOINT_INTERVAL_TICKS > CHECKPOINT_INTERVAL_TICKS) cursor = { tick, remaining };
  return remaining as AoUnits;
}

/** supply_k = MAX_SUPPLY − remaining_k. supply_0 = 0. */
export const supplyAt = (tick: number): AoUnits => (MAX_SUPPLY - remainingAt(tick)) as AoUnits;

/** mint_k for k ≥ 1. Tick 1 mints 34,137,577,002,053 base units. */
export function mintAt(tick: number): AoUnits {
  assertTick(tick, 'tick', 1);
  return mintFromRemaining(remainingAt(tick - 1)) as AoUnits;
}

export interface TickAmounts {
  readonly tick: number;
  readonly mint: AoUnits;
  readonly supply: AoUnits;
  readonly remaining: AoUnits;
}

/**
 * Walks ticks from..to (inclusive) in order, one step each: the way to visit many consecutive
 * ticks (schedules, simulations, audits) without re-deriving each from a checkpoint.
 */
export function* walkTicks(fromTick: number, toTick: number): Generator<TickAmounts> {
  assertTick(fromTick, 'from', 1);
  assertTick(toTick, 'to', 0);
  let remaining: bigint = remainingAt(fromTick - 1);
  for (let tick = fromTick; tick <= toTick; tick++) {
    const mint = mintFromRemaining(remaining);
    remaining -= mint;
    assert.ok(remaining >= 0n, 'remaining supply never goes negative');
    yield { tick, mint: mint as AoUnits, supply: (MAX_SUPPLY - remaining) as AoUnits, remaining: remaining as AoUnits };
  }
}
