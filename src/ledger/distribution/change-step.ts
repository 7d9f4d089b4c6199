import { EngineError } from '../../errors.ts';
import { accruedAt } from './checkpoint.ts';
import type { Holding, PoolBook } from './state.ts';

/** I_{t} of the pool, for t < the tick being applied (0 before the pool's first tick). */
export type IndexAt = (tick: number) => bigint;

const mismatch = (book: PoolBook, tick: number, account: string, what: string): EngineError =>
  new EngineError('CONSERVATION_MISMATCH', `tick ${tick}: pool ${book.pool} account ${account}: ${what}`, { details: { tick, pool: book.pool, account } });

/**
 * Asserts what must hold of a stored account before a tick changes it: weight and accrual not
 * negative, last changed before this tick, and i0 = I_{changedTick−1} (the index it was
 * checkpointed at). O(1); a row edited or written wrong (an index start off by one) is refused here.
 */
function assertHolding(book: PoolBook, tick: number, account: string, h: Holding, indexAt: IndexAt): void {
  if (h.weight < 0n) throw mismatch(book, tick, account, `stored weight ${h.weight} is negative`);
  if (h.accrued < 0n) throw mismatch(book, tick, account, `stored accrual ${h.accrued} is negative`);
  if (h.changedTick >= tick) throw mismatch(book, tick, account, `last changed at tick ${h.changedTick}, not before this tick`);
  const expected = indexAt(h.changedTick - 1);
  if (h.indexAtChange !== expected) throw mismatch(book, tick, account, `index_at_change ${h.indexAtChange} is not I_${h.changedTick - 1} = ${expected}, the index of its last change at tick ${h.changedTick}`);
  if (h.indexAtChange > book.index) throw mismatch(book, tick, account, `index_at_change ${h.indexAtChange} is past the pool index ${book.index}`);
}

/**
 * Moves the book's sums from one holding to the next, from the values written to the row (not
 * from the index the step used): a holding written wrong then shows in the O(1) pool check
 * (invariants.ts) at the end of the tick.
 */
function rebook(book: PoolBook, before: Holding | undefined, next: Holding): void {
  book.totalWeight += next.weight - (before?.weight ?? 0n);
  book.accruedSum += next.accrued - (before?.accrued ?? 0n);
  book.weightIndexSum += next.weight * next.indexAtChange - (before === undefined ? 0n : before.weight * before.indexAtChange);
}

/**
 * Tick `tick`'s change of one account to (weight, recipient), before the index advances (DESIGN.md
 * §4): the accrual is checkpointed at I_{k−1} = book.index, then the weight changes. Updates the
 * book's W, Σ accrued and Σ w·i0. `before` undefined: a new account. Returns the new holding, or
 * null when nothing changes (same weight and recipient, or a new account with weight 0).
 */
export function changeStep(book: PoolBook, tick: number, account: string, before: Holding | undefined, weight: bigint, recipient: string | null, indexAt: IndexAt): Holding | null {
  if (weight < 0n) throw mismatch(book, tick, account, `new weight ${weight} is negative`);
  let next: Holding;
  if (before === undefined) {
    if (weight === 0n) return null;
    next = { weight, recipient, indexAtChange: book.index, accrued: 0n, joinedTick: tick, changedTick: tick };
  } else {
    if (before.weight === weight && before.recipient === recipient) return null;
    assertHolding(book, tick, account, before, indexAt);
    next = { weight, recipient, indexAtChange: book.index, accrued: accruedAt(before, book.index), joinedTick: before.joinedTick, changedTick: tick };
  }
  rebook(book, before, next);
  return next;
}
