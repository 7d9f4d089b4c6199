import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { iterateRemaining, lastMintingTick, MAX_SUPPLY, MAX_TICK, mintAt, mintStep, remainingAt, supplyAt, walkTicks, type Curve } from '../../src/emission/curve.ts';
import { ANNOUNCED_CURVE, DEPLOYED_CURVE, DEPLOYED_EXACT_CURVE } from '../../src/emission/preset-curves.ts';
import { projectedSupply, halfLifeTicks, periodRate } from '../../src/emission/projection.ts';
import { lastEndedTick, tickEndMs } from '../../src/emission/ticks.ts';
import { walkAnnounced, walkDeployed } from './support/reference-law.ts';

const SAMPLE_TICKS = [1, 288, 32_221, 100_000, 420_768];

describe('the deployed curve (DESIGN.md §2: round_half_even(double(remaining) × 1647321875/10^15))', () => {
  it('mints ≈ 34.59 AO at tick 1: 21·10^18 × 1.647321875·10^-6 = 34,593,759,375,000 exactly (no rounding needed)', () => {
    expect(mintAt(DEPLOYED_CURVE, 1)).toBe(34_593_759_375_000n);
    expect(21n * 10n ** 18n * 1_647_321_875n).toBe(34_593_759_375_000n * 10n ** 15n);
  });

  it('agrees with the independent reference law at ticks 1, 288, 32,221, 100,000 and 420,768 (mint and supply)', () => {
    const expected = new Map<number, { mint: bigint; supply: bigint }>();
    walkDeployed(420_768, (k, mint, remaining) => {
      if (SAMPLE_TICKS.includes(k)) expected.set(k, { mint, supply: 21n * 10n ** 18n - remaining });
    });
    for (const k of SAMPLE_TICKS) {
      expect({ k, mint: mintAt(DEPLOYED_CURVE, k), supply: supplyAt(DEPLOYED_CURVE, k) }).toEqual({ k, ...expected.get(k)! });
    }
  });

  it('reproduces AO\'s "1.0387 M AO minted as of June 13, 2024" within 0.1 % at 2024-06-13T17:00Z (the announced law: 1.3 % short)', () => {
    const k = lastEndedTick(Date.parse('2024-06-13T17:00:00Z'));
    expect(k).toBe(30_804); // (2024-06-13T17:00Z − 2024-02-27T18:00Z) / 300 s
    let supply = 0n;
    walkDeployed(k, (_t, _mint, remaining) => (supply = MAX_SUPPLY - remaining));
    expect(supplyAt(DEPLOYED_CURVE, k)).toBe(supply);
    const published = 1_038_700n * 10n ** 12n;
    const gap = supply > published ? supply - published : published - supply;
    expect(gap * 1000n < published).toBe(true); // 1,039,041 AO: 0.033 % off
    const announced = supplyAt(ANNOUNCED_CURVE, k);
    expect((published - announced) * 100n > published).toBe(true); // 1,025,680 AO: 1.25 % off
  });

  it('halves the remaining supply after 4 Julian years (420,768 ticks) within 0.001 %', () => {
    // 4 · 365.25 · 288 = 420,768; the closed-form half life is ln 2 / −ln(1 − r) = 420,771.8 ticks.
    expect(4 * 365.25 * 288).toBe(420_768);
    const remaining = remainingAt(DEPLOYED_CURVE, 420_768);
    const half = MAX_SUPPLY / 2n;
    const gap = remaining > half ? remaining - half : half - remaining;
    expect(gap * 100_000n < half).toBe(true);
    expect(halfLifeTicks(DEPLOYED_CURVE).toFixed(1)).toBe('420771.8');
  });

  it('states the deployed rate per 30.4375-day month as 1.4337 % (1 − (1 − r)^8766) and the announced 1.425 % simple rate as 1.4149 % compounded', () => {
    expect(periodRate(DEPLOYED_CURVE, 8766).mul(100).toFixed(4)).toBe('1.4337');
    expect(periodRate(ANNOUNCED_CURVE, 8766).mul(100).toFixed(4)).toBe('1.4149'); // 1.425 % simple, compounded over the month's ticks
  });
});

describe('the announced curve (floor(remaining · 1425 / 876,600,000))', () => {
  it('mints 34,137,577,002,053 base units at tick 1 and agrees with the reference at the sample ticks', () => {
    expect(mintAt(ANNOUNCED_CURVE, 1)).toBe(34_137_577_002_053n);
    const expected = new Map<number, bigint>();
    walkAnnounced(420_768, (k, mint) => void (SAMPLE_TICKS.includes(k) && expected.set(k, mint)));
    for (const k of SAMPLE_TICKS) expect(mintAt(ANNOUNCED_CURVE, k)).toBe(expected.get(k));
  });
});

describe('every curve', () => {
  const curves: readonly Curve[] = [DEPLOYED_CURVE, DEPLOYED_EXACT_CURVE, ANNOUNCED_CURVE];

  it('conserves supply: Σ mint over 1..k + remaining_k = 21·10^18 exactly, for random k', () => {
    fc.assert(
      fc.property(fc.constantFrom(...curves), fc.integer({ min: 1, max: 60_000 }), (curve, k) => {
        let minted = 0n;
        for (const step of walkTicks(curve, 1, k)) minted += step.mint;
        expect(minted + remainingAt(curve, k)).toBe(MAX_SUPPLY);
        expect(supplyAt(curve, k)).toBe(minted);
      }),
      { numRuns: 12 },
    );
  });

  it('gives the same remaining from the checkpoint table as from plain iteration at random ticks', () => {
    fc.assert(
      fc.property(fc.constantFrom(...curves), fc.integer({ min: 0, max: 300_000 }), (curve, k) => {
        expect(remainingAt(curve, k)).toBe(iterateRemaining(curve, MAX_SUPPLY, k));
      }),
      { numRuns: 8 },
    );
  });

  it('has monotone supply, non-increasing mints, and never exceeds the cap', () => {
    fc.assert(
      fc.property(fc.constantFrom(...curves), fc.integer({ min: 1, max: 19_000_000 }), fc.integer({ min: 1, max: 2_000 }), (curve, k, span) => {
        let previous = supplyAt(curve, k - 1);
        let previousMint = mintAt(curve, k);
        for (const step of walkTicks(curve, k, k + span)) {
          expect(step.supply).toBeGreaterThanOrEqual(previous);
          expect(step.supply).toBeLessThanOrEqual(MAX_SUPPLY);
          expect(step.mint).toBeLessThanOrEqual(previousMint);
          expect(step.mint).toBe(mintStep(curve)(step.remaining + step.mint));
          previous = step.supply;
          previousMint = step.mint;
        }
      }),
      { numRuns: 25 },
    );
  });

  it('ends: after the last minting tick the mint is 0 and any later tick, up to MAX_TICK, is answered at once', () => {
    for (const curve of curves) {
      const last = lastMintingTick(curve);
      expect(mintAt(curve, last)).toBeGreaterThan(0n);
      expect(mintAt(curve, last + 1)).toBe(0n);
      const started = performance.now();
      expect(remainingAt(curve, MAX_TICK)).toBe(remainingAt(curve, last));
      expect(mintAt(curve, MAX_TICK)).toBe(0n);
      expect(performance.now() - started).toBeLessThan(1000); // a bound on work, not a timing figure: O(1) vs decades
    }
    // The deployed law stops when remaining · r < 0.5: remaining < 303,524 base units (0.5 / 1.647321875e-6).
    expect(remainingAt(DEPLOYED_CURVE, MAX_TICK) * 1_647_321_875n < 5n * 10n ** 14n).toBe(true);
    expect(lastMintingTick(DEPLOYED_CURVE)).toBe(19_274_852); // ≈ 183 years after genesis
  });

  it('refuses tick numbers past MAX_TICK (10^10) instead of walking for decades', () => {
    expect(() => remainingAt(DEPLOYED_CURVE, 9_007_199_254_740_991)).toThrow(/tick: 9007199254740991 is not a tick; expected an integer from 0 to 10,000,000,000/);
    expect(new Date(tickEndMs(MAX_TICK)).getUTCFullYear()).toBeGreaterThan(90_000);
  });

  it('keeps the closed-form projection within 1 AO of the exact supply at sampled ticks up to 10 M', () => {
    const oneAo = 10n ** 12n;
    for (const curve of curves) {
      const samples = [1, 2, 288, 8_766, 32_436, 100_000, 105_192, 1_000_000, 5_000_000, 10_000_000];
      for (const k of samples) {
        const gap = projectedSupply(curve, k).minus(supplyAt(curve, k).toString()).abs();
        expect(gap.lessThan(oneAo.toString()), `tick ${k}: |closed − exact| = ${gap.toFixed(0)} base units`).toBe(true);
      }
    }
  });
});
