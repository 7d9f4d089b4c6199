import { EngineError } from '../../errors.ts';
import { SCALE } from './index-step.ts';
import type { PoolBook } from './state.ts';

const fail = (tick: number, pool: string, what: string): never => {
  throw new EngineError('CONSERVATION_MISMATCH', `tick ${tick}: pool ${pool}: ${what}`, { details: { tick, pool } });
};

/**
 * What must hold of a pool after every tick (DESIGN.md §4), each O(1):
 *   minted · SCALE = accruedTotal + residue                          (the index step loses nothing)
 *   accruedTotal   = Σ accrued + I · W − Σ w·i0                       (Σ account accrual = pool accrual)
 *   0 ≤ residue < W when W > 0; W, Σ accrued ≥ 0
 * The second is the account-level check: the sums are moved by every change from the values written
 * to the account rows, so a checkpoint, weight or index start written wrong breaks it.
 */
export function assertBook(book: PoolBook, tick: number): void {
  if (book.totalWeight < 0n) fail(tick, book.pool, `total weight ${book.totalWeight} is negative`);
  if (book.accruedSum < 0n) fail(tick, book.pool, `Σ accrued ${book.accruedSum} is negative`);
  if (book.residue < 0n || (book.totalWeight > 0n && book.residue >= book.totalWeight)) fail(tick, book.pool, `residue ${book.residue} is not in 0..W−1 (W ${book.totalWeight})`);
  if (book.minted * SCALE !== book.accruedTotal + book.residue) fail(tick, book.pool, `minted·SCALE ${book.minted * SCALE} ≠ accrued ${book.accruedTotal} + residue ${book.residue}`);
  const accounts = book.accruedSum + book.index * book.totalWeight - book.weightIndexSum;
  if (accounts !== book.accruedTotal) fail(tick, book.pool, `Σ account accrual ${accounts} (Σ accrued + I·W − Σ w·i0) ≠ pool accrual ${book.accruedTotal}`);
}

/** After a settlement: the pool never credits more than it accrued (Σ floor(a/SCALE) ≤ Σ a / SCALE). */
export function assertCredited(book: PoolBook, tick: number): void {
  if (book.credited < 0n || book.credited * SCALE > book.accruedTotal) fail(tick, book.pool, `credited ${book.credited} exceeds accrued ${book.accruedTotal / SCALE} (whole units)`);
}
