import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SCALE } from '../../../src/ledger/distribution/index.ts';
import { FACTOR_MIN, FACTOR_TOTAL, delegateSegments, segmentUnits, splitCredit } from '../../../src/ledger/distribution/delegation-step.ts';
import type { DelegationPref } from '../../../src/ledger/distribution/delegation-step.ts';
import { aoUnits } from '../../../src/units.ts';

/** The delegation split (DESIGN.md §9): floor per target, the remainder to the wallet; the mid-period segments. */
const PI = 'P'.padEnd(43, 'p');
const FLP = 'F'.padEnd(43, 'f');

/** Up to 10 targets, each factor 500..10000, Σ ≤ 10000 (what the process and the ledger accept). */
const prefsArb: fc.Arbitrary<DelegationPref[]> = fc
  .array(fc.integer({ min: FACTOR_MIN, max: FACTOR_TOTAL }), { maxLength: 10 })
  .map((factors) => {
    const out: DelegationPref[] = [];
    let total = 0;
    for (const [i, f] of factors.entries()) {
      if (total + f > FACTOR_TOTAL) break;
      total += f;
      out.push({ target: `T${i}`.padEnd(43, 't'), factor: f });
    }
    return out;
  });

describe('splitCredit', () => {
  it('gives each target floor(credit · factor / 10000) and the wallet the remainder', () => {
    // 1,000,001 units, PI 25 %, FLP 33.33 %: PI floor(250,000.25) = 250,000, FLP floor(333,300.3333) = 333,300,
    // the wallet 1,000,001 − 583,300 = 416,701 (the two truncated fractions, 0.25 + 0.3333, stay with it).
    const s = splitCredit(aoUnits(1_000_001n), [{ target: PI, factor: 2500 }, { target: FLP, factor: 3333 }]);
    expect(s.parts).toEqual(new Map([[PI, 250_000n], [FLP, 333_300n]]));
    expect(s.own).toBe(416_701n);
    // 100 % to one project: nothing stays. 3 units at 5 %: floor(0.15) = 0, no part at all.
    expect(splitCredit(aoUnits(7n), [{ target: PI, factor: 10_000 }])).toEqual({ own: 0n, parts: new Map([[PI, 7n]]) });
    expect(splitCredit(aoUnits(3n), [{ target: PI, factor: 500 }])).toEqual({ own: 3n, parts: new Map() });
    // No preferences: all stays.
    expect(splitCredit(aoUnits(5n), [])).toEqual({ own: 5n, parts: new Map() });
  });

  it('Σ parts + the remainder = the credit, every part is the floor and the remainder is less than one unit per target above what the wallet keeps, for any factors', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), prefsArb, (credit, prefs) => {
        const s = splitCredit(aoUnits(credit), prefs);
        const given = [...s.parts.values()].reduce((a, b) => a + b, 0n);
        expect(given + s.own).toBe(credit);
        for (const p of prefs) expect(s.parts.get(p.target) ?? 0n).toBe((credit * BigInt(p.factor)) / 10_000n);
        const kept = BigInt(FACTOR_TOTAL - prefs.reduce((a, p) => a + p.factor, 0));
        // own = credit·kept/10000 plus the truncated fractions: less than one unit per target more.
        expect(s.own * 10_000n >= credit * kept).toBe(true);
        expect(s.own * 10_000n < credit * kept + 10_000n * BigInt(prefs.length) + 1n).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('segmentUnits and delegateSegments (the mid-period rule)', () => {
  it('cuts a credit at the marks: the whole units due before each preference change, then after it', () => {
    // paid 2; marks at 5.7 and 9.2 units (scaled); accrued 14.9 at settlement: 5 − 2 = 3, 9 − 5 = 4, 14 − 9 = 5; credit 12.
    const s = (x: bigint, tenths: bigint) => x * SCALE + (tenths * SCALE) / 10n;
    expect(segmentUnits(2n, [s(5n, 7n), s(9n, 2n)], s(14n, 9n))).toEqual([3n, 4n, 5n]);
    // Segment 1 to the project at 100 %, the others kept: the project gets exactly the 4 units of its segment.
    expect(delegateSegments([aoUnits(3n), aoUnits(4n), aoUnits(5n)], [[], [{ target: FLP, factor: 10_000 }], []])).toEqual({ own: 8n, parts: new Map([[FLP, 4n]]) });
  });

  it('the segments add up to the credit for any increasing marks', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 40n }), { minLength: 1, maxLength: 6 }), fc.bigInt({ min: 0n, max: 10n ** 6n }), (raw, paidBelow) => {
        const points = [...raw].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        const cumulative = points.pop()!;
        const first = points[0] ?? cumulative;
        const paid = first / SCALE > paidBelow ? first / SCALE - paidBelow : 0n;
        const units = segmentUnits(paid, points, cumulative);
        expect(units.reduce((a, b) => a + b, 0n)).toBe(cumulative / SCALE - paid);
        for (const u of units) expect(u >= 0n).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
