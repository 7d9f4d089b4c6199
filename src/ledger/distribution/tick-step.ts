import { EngineError } from '../../errors.ts';
import { advanceIndex } from './index-step.ts';
import { assertBook } from './invariants.ts';
import type { PoolBook } from './state.ts';
import { derivedAo } from '../../units.ts';
import type { AoUnits } from '../../units.ts';

/** One pool's index step of a tick. */
export interface BookStep {
  /** P_k, AO base units. */
  readonly amount: AoUnits;
  readonly totalWeight: bigint;
  readonly indexDelta: bigint;
  readonly index: bigint;
  readonly residue: bigint;
}

/**
 * The end of tick k, after its weight changes (change-step.ts): each pool receives its amount P_k
 * and advances its index over W_k (DESIGN.md §4), then every invariant of the book is asserted
 * (invariants.ts), and Σ minted + the bridge carry must be the supply after k (the supply before it plus mint_k). Books in the
 * order given; amounts by pool (absent: 0). Throws CONSERVATION_MISMATCH naming pool and tick.
 */
export function tickStep(books: readonly PoolBook[], amounts: ReadonlyMap<string, AoUnits>, tick: number, carryOut: AoUnits, supply: AoUnits): BookStep[] {
  const steps: BookStep[] = [];
  for (const book of books) {
    const amount = amounts.get(book.pool) ?? derivedAo(0n);
    const step = advanceIndex(amount, book.residue, book.totalWeight);
    book.index += step.delta;
    book.residue = step.residue;
    book.minted = derivedAo(book.minted + amount);
    book.accruedTotal += book.totalWeight * step.delta;
    assertBook(book, tick);
    steps.push({ amount, totalWeight: book.totalWeight, indexDelta: step.delta, index: book.index, residue: book.residue });
  }
  const minted = books.reduce((sum, b) => sum + b.minted, 0n) + carryOut;
  if (minted !== supply) {
    throw new EngineError('CONSERVATION_MISMATCH', `tick ${tick}: pools hold ${minted} (with carry) but the law has minted ${supply}`, { details: { tick } });
  }
  return steps;
}
