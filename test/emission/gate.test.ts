import { describe, expect, it } from 'vitest';
import { MAX_SUPPLY, supplyAt } from '../../src/emission/curve.ts';
import { gateReached, gateTick, isTransferable } from '../../src/emission/gate.ts';
import { tickEndMs } from '../../src/emission/ticks.ts';

describe('the 15 % transferability gate', () => {
  it('opens at tick 99,975, ending 2025-02-08T21:15:00Z (early February 2025)', () => {
    // Computed by the curve: the first k with supply_k · 100 ≥ 15 · 21·10^18 (3,150,000 AO).
    const k = gateTick();
    expect(k).toBe(99_975);
    expect(new Date(tickEndMs(k)).toISOString()).toBe('2025-02-08T21:15:00.000Z');
    expect(supplyAt(k) * 100n >= 15n * MAX_SUPPLY).toBe(true);
    expect(supplyAt(k - 1) * 100n < 15n * MAX_SUPPLY).toBe(true);
    expect(supplyAt(k)).toBe(3_150_008_088_034_346_202n);
  });

  it('is closed before the gate tick and open from it on', () => {
    expect(isTransferable(0)).toBe(false);
    expect(isTransferable(99_974)).toBe(false);
    expect(isTransferable(99_975)).toBe(true);
    expect(isTransferable(10_000_000)).toBe(true);
    expect(gateReached(3_150_000n * 10n ** 12n)).toBe(true);
    expect(gateReached(3_150_000n * 10n ** 12n - 1n)).toBe(false);
  });
});
