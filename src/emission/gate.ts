import { MAX_SUPPLY, remainingAt, assertTick, walkTicks } from './curve.ts';
import { CHECKPOINT_INTERVAL_TICKS, CHECKPOINT_REMAINING } from './checkpoints.data.ts';

/**
 * The transferability gate (DESIGN.md §2): AO becomes transferable at the first tick k with
 *   supply_k · 100 ≥ 15 · MAX_SUPPLY      (3,150,000 AO)
 * Computed from the curve, never hard-coded.
 */
export const GATE_PERCENT = 15n;

export const gateReached = (supply: bigint): boolean => supply * 100n >= GATE_PERCENT * MAX_SUPPLY;

let cachedGateTick: number | undefined;

export function gateTick(): number {
  if (cachedGateTick !== undefined) return cachedGateTick;
  // Supply is monotone, so the first checkpoint past the gate bounds the walk to one interval.
  let index = CHECKPOINT_REMAINING.findIndex((remaining) => gateReached(MAX_SUPPLY - remaining));
  if (index < 0) index = CHECKPOINT_REMAINING.length;
  const from = Math.max(0, index - 1) * CHECKPOINT_INTERVAL_TICKS;
  for (const step of walkTicks(from + 1, Number.MAX_SAFE_INTEGER)) {
    if (gateReached(step.supply)) {
      cachedGateTick = step.tick;
      return step.tick;
    }
  }
  throw new Error('unreachable: supply approaches 21M, so the 15 % gate is always reached');
}

export function isTransferable(tick: number): boolean {
  assertTick(tick);
  return tick >= gateTick();
}

/** Supply at the gate tick, for display. */
export const gateSupply = (): bigint => MAX_SUPPLY - remainingAt(gateTick());
