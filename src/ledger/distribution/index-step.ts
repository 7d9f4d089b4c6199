import { EngineError } from '../../errors.ts';
import { derivedAo } from '../../units.ts';
import type { AoUnits } from '../../units.ts';

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
  if (amount < 0n || residueIn < 0n || totalWeight < 0n) {
    throw new EngineError('CONSERVATION_MISMATCH', `advanceIndex: negative input (amount ${amount}, residue ${residueIn}, total weight ${totalWeight})`);
  }
  const n = amount * SCALE + residueIn;
  if (totalWeight === 0n) return { delta: 0n, residue: n };
  const delta = n / totalWeight;
  return { delta, residue: n - delta * totalWeight };
}

/** w · (I_end − I_start), scaled: the one accrual formula (checkpoints and settlement use it). */
export function accrual(weight: bigint, indexStart: bigint, indexEnd: bigint): bigint {
  if (indexEnd < indexStart) throw new EngineError('CONSERVATION_MISMATCH', `accrual: index went backwards (${indexStart} → ${indexEnd})`);
  return weight * (indexEnd - indexStart);
}

/** The part of a scaled amount that can be credited (rounds down; the fraction stays with the account). */
export const creditable = (scaled: bigint): AoUnits => derivedAo(scaled / SCALE);
