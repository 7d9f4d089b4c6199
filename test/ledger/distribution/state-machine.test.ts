import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/errors.ts';
import { ReferenceModel } from '../../../src/ledger/audit/reference/index.ts';
import { SCALE, accruedAt, assertBook, changeStep, emptyBook, owedStep, settlementStep, tickStep } from '../../../src/ledger/distribution/index.ts';
import type { Holding, PoolBook } from '../../../src/ledger/distribution/index.ts';
import { aoUnits } from '../../../src/units.ts';

/**
 * The distribution state machine (src/ledger/distribution) on random histories of one pool:
 * weight changes (joins, leaves, recipient changes) and amounts, settlements in between. Checked
 * against DESIGN.md §4's identity over every account, the exact rational pro-rata share and the
 * audit's independent reference model (src/ledger/audit/reference).
 */
const KEYS = 6;
interface TickPlan {
  readonly amount: bigint;
  readonly changes: readonly { readonly key: number; readonly weight: bigint; readonly recipient: string | null }[];
  readonly settle: boolean;
}
const tickArb = fc.record({
  amount: fc.bigInt({ min: 0n, max: 10n ** 15n }),
  changes: fc.uniqueArray(
    fc.record({ key: fc.integer({ min: 0, max: KEYS - 1 }), weight: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 10n ** 20n })), recipient: fc.constantFrom<string | null>('R1', 'R2', null) }),
    { selector: (c) => c.key, maxLength: KEYS },
  ),
  settle: fc.boolean(),
});
const historyArb = fc.array(tickArb, { minLength: 1, maxLength: 25 });

/** Runs a history through the state machine (and the reference model beside it), checking as it goes. */
function run(plan: readonly TickPlan[], check: (book: PoolBook, holdings: Map<number, Holding>, ref: ReferenceModel, settled: Map<number, bigint>, exact: Map<number, { n: bigint; d: bigint }>) => void): void {
  const book = emptyBook('ar');
  const holdings = new Map<number, Holding>();
  const indices: bigint[] = [0n];
  const ref = new ReferenceModel();
  ref.open('ar');
  const settled = new Map<number, bigint>();
  // Exact shares as fractions n/d: Σ_k P_k · w_a / W_k, the amount of a tick with W = 0 carried whole.
  const exact = new Map<number, { n: bigint; d: bigint }>();
  let carried = 0n;
  for (const [i, t] of plan.entries()) {
    const k = i + 1;
    for (const c of t.changes) {
      const next = changeStep(book, k, `k${c.key}`, holdings.get(c.key), c.weight, c.recipient, (tick) => indices[tick] ?? 0n);
      if (next === null) continue;
      const before = holdings.get(c.key);
      holdings.set(c.key, next);
      ref.change('ar', c.key, c.weight, before === undefined || before.recipient !== c.recipient ? c.recipient : undefined);
    }
    const [step] = tickStep([book], new Map([['ar', aoUnits(t.amount)]]), k, aoUnits(0n), aoUnits(book.minted + t.amount));
    indices[k] = book.index;
    const r = ref.receive('ar', t.amount);
    expect({ index: r.index, residue: r.residue, totalWeight: r.totalWeight }).toEqual({ index: step!.index, residue: step!.residue, totalWeight: step!.totalWeight });
    const amount = t.amount + carried;
    if (book.totalWeight === 0n) carried = amount;
    else {
      carried = 0n;
      for (const [key, h] of holdings) {
        if (h.weight === 0n) continue;
        const e = exact.get(key) ?? { n: 0n, d: 1n };
        exact.set(key, { n: e.n * book.totalWeight + amount * h.weight * e.d, d: e.d * book.totalWeight });
      }
    }
    if (t.settle) {
      const owedRef = ref.settle('ar');
      let total = 0n;
      for (const [key, h] of holdings) {
        const owed = h.recipient === null ? 0n : owedStep('ar', `k${key}`, accruedAt(h, book.index), settled.get(key) ?? 0n);
        expect(owed).toBe(owedRef.get(key)?.owed ?? 0n);
        settled.set(key, (settled.get(key) ?? 0n) + owed);
        total += owed;
      }
      settlementStep(book, total, k);
    }
    check(book, holdings, ref, settled, exact);
  }
}

describe('the distribution state machine', () => {
  it('conserves exactly: SCALE·Σ P = Σ_a (accrued + w·(I − i0)) + residue over every account, after every tick (DESIGN.md §4)', () => {
    fc.assert(
      fc.property(historyArb, (plan) => {
        run(plan, (book, holdings) => {
          let accounts = 0n;
          for (const h of holdings.values()) accounts += accruedAt(h, book.index);
          expect(book.minted * SCALE).toBe(accounts + book.residue);
          expect(accounts).toBe(book.accruedTotal);
          expect(book.credited * SCALE <= book.accruedTotal).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('credits each account its exact rational pro-rata share to within one base unit', () => {
    fc.assert(
      fc.property(historyArb, (plan) => {
        run(plan, (book, holdings, _ref, _settled, exact) => {
          for (const [key, h] of holdings) {
            const e = exact.get(key) ?? { n: 0n, d: 1n };
            const got = accruedAt(h, book.index) / SCALE;
            // |floor(accrual / SCALE) − n/d| < 1 + 10⁻⁶: the index floors lose < 1 scaled unit of index
            // per tick (a residue the next tick's holders get), the credit floors < 1 base unit.
            const off = got * e.d > e.n ? got * e.d - e.n : e.n - got * e.d;
            expect(off * 1_000_000n < e.d * 1_000_001n, `k${key}: floor ${got}, exact ${e.n}/${e.d}`).toBe(true);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the audit’s independent reference model on every index, residue, weight, entitlement and amount owed', () => {
    fc.assert(
      fc.property(historyArb, (plan) => {
        run(plan, (book, holdings, ref, settled) => {
          expect(ref.pool('ar')).toMatchObject({ index: book.index, residue: book.residue, totalWeight: book.totalWeight });
          for (const [key, h] of holdings) expect(ref.account(key)).toEqual({ weight: h.weight, recipient: h.recipient, entitlement: accruedAt(h, book.index), paid: settled.get(key) ?? 0n });
          expect(ref.conserves()).toEqual([]);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a stored holding whose index start is not I at its last change, and a book whose sums were written wrong', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 6n }), fc.boolean(), (delta, up) => {
        const book = emptyBook('ar');
        const a = changeStep(book, 1, 'a', undefined, 5n, 'R1', () => 0n)!;
        tickStep([book], new Map([['ar', aoUnits(1_000n)]]), 1, aoUnits(0n), aoUnits(1_000n));
        const corrupt: Holding = { ...a, indexAtChange: up ? a.indexAtChange + delta : a.indexAtChange - delta };
        expect(() => changeStep(book, 2, 'a', corrupt, 7n, 'R1', () => 0n)).toThrow(EngineError);
        // The same account, right: accepted; a book whose Σ w·i0 is off: the O(1) check fails.
        expect(changeStep(book, 2, 'a', a, 7n, 'R1', () => 0n)).not.toBeNull();
        assertBook(book, 2);
        const off = { ...book, weightIndexSum: book.weightIndexSum + delta };
        expect(() => assertBook(off, 2)).toThrow(/tick 2: pool ar: Σ account accrual/);
      }),
    );
  });

  it('stops a settlement that would owe an account a negative amount, naming pool and account', () => {
    const err = (() => {
      try {
        owedStep('steth', '0xabc', 5n * SCALE, 6n);
      } catch (e) {
        return e as EngineError;
      }
      return null;
    })();
    expect(err?.code).toBe('CONSERVATION_MISMATCH');
    expect(err?.message).toBe('settle: pool steth account 0xabc is owed -1 (accrued 5 whole units, already settled 6); the ledger is inconsistent, run ao-emission audit verify');
  });
});
