import { EngineError } from '../../errors.ts';
import { SCALE } from './index-step.ts';
import { assertCredited } from './invariants.ts';
import type { PoolBook } from './state.ts';
import { derivedAo } from '../../units.ts';
import type { AoUnits } from '../../units.ts';

/**
 * What one account is owed by a settlement (DESIGN.md §4): floor(cumulative accrual / SCALE) −
 * settled, rounding down (the fraction stays with the account). Negative cannot happen (credits
 * only ever paid floor(accrual)); if it does the ledger is corrupt and settlement stops, naming
 * the account, rather than skip it.
 */
export function owedStep(pool: string, account: string, cumulative: bigint, settled: bigint): AoUnits {
  const owed = cumulative / SCALE - settled;
  if (owed < 0n || cumulative < 0n) {
    throw new EngineError('CONSERVATION_MISMATCH', `settle: pool ${pool} account ${account} is owed ${owed} (accrued ${cumulative / SCALE} whole units, already settled ${settled}); the ledger is inconsistent, run ao-emission audit verify`, {
      details: { pool, account, owed: owed.toString() },
    });
  }
  return derivedAo(owed);
}

/** Closes a settlement of `total` base units at `tick` on the book; asserts the pool credited no more than it accrued. */
export function settlementStep(book: PoolBook, total: bigint, tick: number): void {
  if (total < 0n) throw new EngineError('CONSERVATION_MISMATCH', `settle: pool ${book.pool} tick ${tick}: total ${total} is negative`);
  book.credited = derivedAo(book.credited + total);
  assertCredited(book, tick);
}
