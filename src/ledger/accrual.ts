import assert from 'node:assert/strict';

/**
 * The per-pool cumulative index of DESIGN.md §4, in exact integers:
 *
 *   N_k  = P_k · SCALE + r_{k−1}
 *   ΔI_k = floor(N_k / W_k)          (rounds down: never accrue more than the pool received)
 *   r_k  = N_k − W_k · ΔI_k          (0 ≤ r_k < W_k, carried into the next tick)
 *   W_k = 0 → ΔI_k = 0, r_k = N_k    (the whole amount is carried, never dropped)
 *
 * and an account's accrual over a span of constant weight w: w · (I_end − I_start).
 */
export const SCALE = 10n ** 36n;

export interface IndexStep {
  readonly delta: bigint;
  readonly residue: bigint;
}

export function advanceIndex(amount: bigint, residueIn: bigint, totalWeight: bigint): IndexStep {
  assert.ok(amount >= 0n && residueIn >= 0n && totalWeight >= 0n, 'advanceIndex: negative input');
  const n = amount * SCALE + residueIn;
  if (totalWeight === 0n) return { delta: 0n, residue: n };
  const delta = n / totalWeight;
  return { delta, residue: n - delta * totalWeight };
}

/** A pool's running totals, as the ledger keeps them and the audit replays them. */
export interface PoolTotalsState {
  index: bigint;
  residue: bigint;
  totalWeight: bigint;
  minted: bigint;
  accruedTotal: bigint;
}

/**
 * Tick k's step on a pool: the index advances by ΔI_k over W_k = totalWeight, the residue is carried,
 * and minted·SCALE = accruedTotal + residue keeps holding. Returns ΔI_k.
 */
export function stepPool(p: PoolTotalsState, amount: bigint): bigint {
  const step = advanceIndex(amount, p.residue, p.totalWeight);
  p.index += step.delta;
  p.residue = step.residue;
  p.minted += amount;
  p.accruedTotal += p.totalWeight * step.delta;
  return step.delta;
}

/** w · (I_end − I_start), scaled. */
export function accrual(weight: bigint, indexStart: bigint, indexEnd: bigint): bigint {
  assert.ok(indexEnd >= indexStart, 'accrual: index went backwards');
  return weight * (indexEnd - indexStart);
}

/** The part of a scaled amount that can be credited (rounds down; the fraction stays with the account). */
export const creditable = (scaled: bigint): bigint => scaled / SCALE;
