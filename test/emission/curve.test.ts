import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  iterateRemaining,
  MAX_SUPPLY,
  mintAt,
  mintFromRemaining,
  remainingAt,
  supplyAt,
  walkTicks,
} from '../../src/emission/curve.ts';
import { projectedSupply } from '../../src/emission/projection.ts';
import { tickEndMs } from '../../src/emission/ticks.ts';

describe('the exact curve (DESIGN.md §2)', () => {
  it('mints 34,137,577,002,053 base units at tick 1', () => {
    // floor(21·10^18 · 1425 / 876,600,000) = floor(34,137,577,002,053.388…) — DESIGN.md §2.
    expect(mintAt(1)).toBe(34_137_577_002_053n);
    expect((21n * 10n ** 18n * 1425n) / 876_600_000n).toBe(34_137_577_002_053n);
    expect(supplyAt(1)).toBe(34_137_577_002_053n);
    expect(remainingAt(0)).toBe(21n * 10n ** 18n);
  });

  it('mints tick 2 from what tick 1 left: floor((21·10^18 − 34,137,577,002,053) · 1425 / 876,600,000)', () => {
    const left = 21n * 10n ** 18n - 34_137_577_002_053n;
    expect(mintAt(2)).toBe((left * 1425n) / 876_600_000n);
    expect(mintAt(2)).toBe(34_137_521_508_045n);
  });

  it('conserves supply: Σ mint over 1..k + remaining_k = 21·10^18 exactly, for random k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120_000 }), (k) => {
        let minted = 0n;
        for (const step of walkTicks(1, k)) minted += step.mint;
        expect(minted + remainingAt(k)).toBe(MAX_SUPPLY);
        expect(supplyAt(k)).toBe(minted);
      }),
      { numRuns: 15 },
    );
  });

  it('gives the same remaining from the checkpoint table as from plain iteration at random ticks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400_000 }), (k) => {
        expect(remainingAt(k)).toBe(iterateRemaining(MAX_SUPPLY, k));
      }),
      { numRuns: 10 },
    );
  });

  it('has monotone supply, non-increasing mints, and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 2_000 }), (k, span) => {
        let previous = supplyAt(k - 1);
        let previousMint = mintAt(k);
        for (const step of walkTicks(k, k + span)) {
          expect(step.supply).toBeGreaterThanOrEqual(previous);
          expect(step.supply).toBeLessThanOrEqual(MAX_SUPPLY);
          expect(step.mint).toBeLessThanOrEqual(previousMint);
          expect(step.mint).toBe(mintFromRemaining(step.remaining + step.mint));
          previous = step.supply;
          previousMint = step.mint;
        }
      }),
      { numRuns: 25 },
    );
  });

  it('answers for tick 10,000,000 (year 2119) exactly, agreeing with walking from the nearest checkpoint', () => {
    const k = 10_000_000;
    expect(new Date(tickEndMs(k)).toISOString()).toBe('2119-03-23T23:20:00.000Z');
    expect(supplyAt(k) + remainingAt(k)).toBe(MAX_SUPPLY);
    expect(mintAt(k)).toBe(mintFromRemaining(remainingAt(k - 1)));
    expect(remainingAt(k)).toBe(iterateRemaining(remainingAt(9_994_240), 5_760)); // 9,994,240 = 610 · 16,384
  });

  it('reproduces DESIGN.md §8: 1.0716 M AO when bridging starts and 4.2039 M a 365.25-day year later', () => {
    const bridgeStartTick = 32_220; // (2024-06-18T15:00Z − 2024-02-27T18:00Z) / 300 s = 111 d 21 h = 32,220 ticks
    expect(tickEndMs(bridgeStartTick)).toBe(Date.parse('2024-06-18T15:00:00Z'));
    const ao = (units: bigint) => Number(units / 10n ** 8n) / 10_000; // AO to 4 decimals, display only
    expect(ao(supplyAt(bridgeStartTick))).toBeCloseTo(1_071_600, -2);
    expect(ao(supplyAt(bridgeStartTick + 105_192))).toBeCloseTo(4_203_900, -2); // 365.25 d = 105,192 ticks
  });

  it('keeps the closed-form projection within 1 AO of the exact supply at sampled ticks up to 10 M', () => {
    const oneAo = 10n ** 12n;
    const samples = [1, 2, 288, 8_766, 32_436, 99_975, 105_192, 1_000_000, 2_500_000, 5_000_000, 7_777_777, 10_000_000];
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000_000 }), (k) => void samples.push(k)), { numRuns: 40 });
    for (const k of samples) {
      const gap = projectedSupply(k).minus(supplyAt(k).toString()).abs();
      expect(gap.lessThan(oneAo.toString()), `tick ${k}: |closed − exact| = ${gap.toFixed(0)} base units`).toBe(true);
    }
  });
});
