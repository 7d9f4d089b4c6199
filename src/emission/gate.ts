import { assertTick, lastMintingTick, MAX_SUPPLY, remainingAt, supplyAt } from './curve.ts';
import type { Policy } from './policy.ts';

/**
 * The transferability gate (DESIGN.md §2), as the policy's data says:
 *   mintCount N      transferable from tick N on. The deployed process refuses transfers while
 *                    `MintCount < 100000` and counts one mint per tick, so AO opened with tick 100,000
 *                    (ending 2025-02-08T23:20:00Z, ≈ 15.19 % minted).
 *   supplyShare p/q  transferable from the first tick k with supply_k · q ≥ p · MAX_SUPPLY (the
 *                    announced "15 % of the supply": tick 99,975 on the announced curve).
 * Computed from the curve, never hard-coded.
 */
export function gateReachedBySupply(policy: Policy, supply: bigint): boolean {
  if (policy.gate.kind === 'mintCount') return false;
  const { numerator: p, denominator: q } = policy.gate.share;
  return supply * q >= p * MAX_SUPPLY;
}

const gateTicks = new Map<Policy, number | null>();

/** The first transferable tick, or null when the curve never mints enough to open the gate. */
export function gateTick(policy: Policy): number | null {
  if (policy.gate.kind === 'mintCount') return Math.max(policy.gate.count, 0);
  const cached = gateTicks.get(policy);
  if (cached !== undefined) return cached;
  // Supply is monotone: binary search over ticks 0..lastMintingTick, each probe a checkpoint lookup.
  let lo = 0;
  let hi = lastMintingTick(policy.curve);
  let found: number | null = null;
  if (gateReachedBySupply(policy, supplyAt(policy.curve, hi))) {
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (gateReachedBySupply(policy, supplyAt(policy.curve, mid))) hi = mid;
      else lo = mid + 1;
    }
    found = lo;
  }
  gateTicks.set(policy, found);
  return found;
}

/** Whether transfers are open once tick k has been minted (k = 0: before the first mint). */
export function isTransferable(policy: Policy, tick: number): boolean {
  assertTick(tick);
  const gate = gateTick(policy);
  return gate !== null && tick >= gate;
}

/** Supply at the gate tick, for display; null when the gate never opens. */
export function gateSupply(policy: Policy): bigint | null {
  const tick = gateTick(policy);
  return tick === null ? null : MAX_SUPPLY - remainingAt(policy.curve, tick);
}
