import assert from 'node:assert/strict';
import { EngineError } from '../errors.ts';
import { aoUnits, derivedAo } from '../units.ts';
import type { AoUnits } from '../units.ts';
import { float64MintHalfEven, nearestDouble } from './float64.ts';
import { mulDiv } from './muldiv.ts';
import type { Share } from './share.ts';

/**
 * The emission curve (DESIGN.md §2): every tick mints a fixed share of what remains.
 *
 *   remaining_0 = 21·10^18
 *   mint_k      = round(remaining_{k−1} · rate)        rounded as the curve's arithmetic says
 *   remaining_k = remaining_{k−1} − mint_k
 *   supply_k    = 21·10^18 − remaining_k
 *
 * Arithmetic:
 *   float64-half-even  round_half_even(double(remaining) × double(rate))   what the AO process runs
 *   exact-floor        floor(remaining · num / den)                         never over-mints
 *   exact-half-even    nearest(remaining · num / den), ties to even
 *
 * Once remaining · rate rounds to 0 the mint stays 0 forever (remaining no longer moves): the curve
 * has a last minting tick, and every tick after it is answered in O(1).
 */
export const MAX_SUPPLY = aoUnits(21_000_000n * 10n ** 12n, 'MAX_SUPPLY');

export const ARITHMETICS = ['float64-half-even', 'exact-floor', 'exact-half-even'] as const;
export type Arithmetic = (typeof ARITHMETICS)[number];

export interface Curve {
  /** Share of the remaining supply minted per tick; 0 < rate < 1. */
  readonly rate: Share;
  readonly arithmetic: Arithmetic;
}

/**
 * The largest tick number the engine answers for: its end (genesis + k·300 s) must stay a valid
 * instant (JavaScript dates end at 8.64·10^15 ms, ≈ 9·10^10 ticks after 2024). 10^10 ticks is
 * ≈ 95,000 years, far past the last minting tick of any curve whose rate is above 10^−8.
 */
export const MAX_TICK = 10_000_000_000;

export function assertTick(tick: number, field = 'tick', min = 0): void {
  if (!Number.isSafeInteger(tick) || tick < min || tick > MAX_TICK) {
    throw new EngineError('INVALID_TICK', `${field}: ${String(tick)} is not a tick; expected an integer from ${min} to ${MAX_TICK.toLocaleString('en-US')}`);
  }
}

export const curveKey = (curve: Curve): string => `${curve.arithmetic}:${curve.rate.numerator}/${curve.rate.denominator}`;

type Step = (remaining: bigint) => bigint;
const steps = new Map<string, Step>();

/** mint = f(remaining) for one tick of the curve. Exact bigint in, exact bigint out. */
export function mintStep(curve: Curve): Step {
  const key = curveKey(curve);
  let step = steps.get(key);
  if (step !== undefined) return step;
  const { numerator: num, denominator: den } = curve.rate;
  switch (curve.arithmetic) {
    case 'float64-half-even': {
      const rate = nearestDouble(num, den);
      step = (remaining) => float64MintHalfEven(remaining, rate);
      break;
    }
    case 'exact-floor':
      step = (remaining) => (remaining * num) / den;
      break;
    case 'exact-half-even':
      step = (remaining) => mulDiv(remaining, num, den, 'half-even');
      break;
  }
  steps.set(key, step);
  return step;
}

/** Remaining supply after `count` steps from `start` (no memo); callers bound `count`. */
export function iterateRemaining(curve: Curve, start: bigint, count: number): bigint {
  const step = mintStep(curve);
  let remaining = start;
  for (let i = 0; i < count; i++) {
    const mint = step(remaining);
    if (mint === 0n) break; // the curve has ended: remaining never moves again
    remaining -= mint;
  }
  return remaining;
}

/**
 * Checkpoints of one curve: entry i is remaining_{i·interval}. Preset curves start from a generated
 * table (checkpoints-*.data.ts); any other curve extends its own table on demand, so each entry is
 * computed once per process. `lastMintingTick` is known once the table reaches the end of the curve.
 */
export interface CheckpointTable {
  readonly intervalTicks: number;
  readonly remaining: bigint[];
  /** The last tick whose mint is > 0 and what remains after it; null until the table has reached it. */
  end: { readonly tick: number; readonly remaining: bigint } | null;
  /** The furthest position walked past the table, so sequential queries walk on instead of restarting. */
  cursor: { tick: number; remaining: bigint };
}

export const CHECKPOINT_INTERVAL_TICKS = 16_384;
const tables = new Map<string, CheckpointTable>();

/** Seeds a curve's table with precomputed entries (the generated preset tables). */
export function registerCheckpoints(curve: Curve, intervalTicks: number, remaining: readonly bigint[]): void {
  assert.ok(remaining[0] === MAX_SUPPLY, 'a checkpoint table starts at the full supply');
  const table: CheckpointTable = { intervalTicks, remaining: [...remaining], end: null, cursor: { tick: 0, remaining: MAX_SUPPLY } };
  const last = table.remaining.length - 1;
  if (last > 0 && table.remaining[last] === table.remaining[last - 1]) table.end = findEnd(curve, table);
  tables.set(curveKey(curve), table);
}

function tableOf(curve: Curve): CheckpointTable {
  const key = curveKey(curve);
  let table = tables.get(key);
  if (table === undefined) {
    table = { intervalTicks: CHECKPOINT_INTERVAL_TICKS, remaining: [MAX_SUPPLY], end: null, cursor: { tick: 0, remaining: MAX_SUPPLY } };
    tables.set(key, table);
  }
  return table;
}

/**
 * Once the table's last entry is flat (equal to the one before), the last mint lies in the interval
 * before the first entry with that final value: walk that one interval to it.
 */
function findEnd(curve: Curve, table: CheckpointTable): { tick: number; remaining: bigint } {
  const step = mintStep(curve);
  const final = table.remaining[table.remaining.length - 1];
  let index = table.remaining.length - 1;
  while (index > 0 && table.remaining[index - 1] === final) index--;
  index = Math.max(0, index - 1);
  let remaining = table.remaining[index]!;
  let tick = index * table.intervalTicks;
  for (let mint = step(remaining); mint > 0n; mint = step(remaining)) {
    remaining -= mint;
    tick++;
  }
  return { tick, remaining };
}

/** Extends the table until it holds entry `index` or the curve has ended; returns the usable index. */
function extendTo(curve: Curve, table: CheckpointTable, index: number): number {
  while (table.remaining.length <= index && table.end === null) {
    const last = table.remaining.length - 1;
    const next = iterateRemaining(curve, table.remaining[last]!, table.intervalTicks);
    table.remaining.push(next);
    if (next === table.remaining[last]) table.end = findEnd(curve, table);
  }
  return Math.min(index, table.remaining.length - 1);
}

/** The last tick with a mint > 0 (computed once per curve; ≈ 19.4 M for the deployed law). */
export function lastMintingTick(curve: Curve): number {
  const table = tableOf(curve);
  while (table.end === null) extendTo(curve, table, table.remaining.length);
  return table.end.tick;
}

/**
 * remaining_k, exact. From the nearest checkpoint at or below k, so a preset curve answers any k in
 * at most one interval of steps (≈ 2–4 ms); past the last minting tick in O(1).
 */
export function remainingAt(curve: Curve, tick: number): AoUnits {
  assertTick(tick);
  const table = tableOf(curve);
  const index = extendTo(curve, table, Math.floor(tick / table.intervalTicks));
  if (table.end !== null && tick >= table.end.tick) return derivedAo(table.end.remaining);
  let fromTick = index * table.intervalTicks;
  let remaining = table.remaining[index]!;
  if (table.cursor.tick > fromTick && table.cursor.tick <= tick) {
    fromTick = table.cursor.tick;
    remaining = table.cursor.remaining;
  }
  remaining = iterateRemaining(curve, remaining, tick - fromTick);
  if (tick - index * table.intervalTicks > table.intervalTicks) table.cursor = { tick, remaining };
  return derivedAo(remaining);
}

/** supply_k = MAX_SUPPLY − remaining_k. supply_0 = 0. */
export const supplyAt = (curve: Curve, tick: number): AoUnits => derivedAo(MAX_SUPPLY - remainingAt(curve, tick));

/** mint_k for k ≥ 1. */
export function mintAt(curve: Curve, tick: number): AoUnits {
  assertTick(tick, 'tick', 1);
  return derivedAo(mintStep(curve)(remainingAt(curve, tick - 1)));
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
export function* walkTicks(curve: Curve, fromTick: number, toTick: number): Generator<TickAmounts> {
  assertTick(fromTick, 'from', 1);
  assertTick(toTick, 'to', 0);
  const step = mintStep(curve);
  let remaining: bigint = remainingAt(curve, fromTick - 1);
  for (let tick = fromTick; tick <= toTick; tick++) {
    const mint = step(remaining);
    remaining -= mint;
    assert.ok(remaining >= 0n, 'remaining supply never goes negative');
    yield { tick, mint: derivedAo(mint), supply: derivedAo(MAX_SUPPLY - remaining), remaining: derivedAo(remaining) };
  }
}
