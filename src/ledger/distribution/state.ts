import type { PoolId } from '../types.ts';
import { derivedAo } from '../../units.ts';
import type { AoUnits } from '../../units.ts';

/**
 * The distribution's explicit state of one pool (DESIGN.md §4). Besides the index and residue it
 * keeps two sums over the pool's accounts, maintained by every change, so that
 *
 *   Σ_a accrual_a = Σ_a accrued_a + I · Σ_a w_a − Σ_a w_a · i0_a = accruedSum + I · W − weightIndexSum
 *
 * (account accrual: accrued_a + w_a · (I − i0_a)) can be compared with the pool's own accrual
 * accruedTotal = Σ_k W_k · ΔI_k in O(1) after each tick (invariants.ts).
 */
export interface PoolBook {
  readonly pool: PoolId;
  /** I_k, scaled. */
  index: bigint;
  /** r_k, scaled. */
  residue: bigint;
  /** W_k = Σ_a w_a. */
  totalWeight: bigint;
  /** Σ P_k, AO base units. */
  minted: AoUnits;
  /** Σ W_k · ΔI_k, scaled: what the pool has accrued to its accounts. */
  accruedTotal: bigint;
  /** Σ_a accrued_a (each account's checkpointed accrual), scaled. */
  accruedSum: bigint;
  /** Σ_a w_a · i0_a (weight times index at the account's last change), scaled. */
  weightIndexSum: bigint;
  /** Σ credits, AO base units. */
  credited: AoUnits;
}

/** One account as the distribution sees it. */
export interface Holding {
  readonly weight: bigint;
  readonly recipient: string | null;
  /** i0: I_{changedTick−1}, the pool index when the weight last changed. */
  readonly indexAtChange: bigint;
  /** Accrual checkpointed at indexAtChange, scaled. */
  readonly accrued: bigint;
  readonly joinedTick: number;
  readonly changedTick: number;
}

export const emptyBook = (pool: PoolId): PoolBook => ({ pool, index: 0n, residue: 0n, totalWeight: 0n, minted: derivedAo(0n), accruedTotal: 0n, accruedSum: 0n, weightIndexSum: 0n, credited: derivedAo(0n) });
