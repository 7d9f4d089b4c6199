import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mintAt } from '../../src/emission/curve.ts';
import {
  AO_MAINNET,
  arShareAt,
  flatPolicy,
  parsePolicyName,
  policyFromData,
  policyToData,
  splitMint,
} from '../../src/emission/policy.ts';
import { tickAt, tickEndMs } from '../../src/emission/ticks.ts';
import type { AoUnits } from '../../src/units.ts';

const BRIDGE_START_TICK = 32_220; // ends exactly at 2024-06-18T15:00:00Z (from the 2024-02-27T18:00Z genesis)

describe('split policies (DESIGN.md §3)', () => {
  it('ao-mainnet gives AR holders 100 % of every tick ending at or before 2024-06-18T15:00:00Z', () => {
    expect(new Date(tickEndMs(BRIDGE_START_TICK)).toISOString()).toBe('2024-06-18T15:00:00.000Z');
    for (const k of [1, 2, 1000, BRIDGE_START_TICK]) {
      const mint = mintAt(k);
      expect(splitMint(AO_MAINNET, k, mint)).toEqual({ ar: mint, bridges: 0n });
    }
  });

  it('ao-mainnet gives AR holders floor(mint/3) from the next tick on, bridges the rest', () => {
    const k = BRIDGE_START_TICK + 1;
    const mint = mintAt(k);
    const split = splitMint(AO_MAINNET, k, mint);
    expect(split.ar).toBe(mint / 3n);
    expect(split.bridges).toBe(mint - mint / 3n);
    expect(tickAt(Date.parse('2024-06-18T15:00:00Z'))).toBe(k);
  });

  it('flat:36/64 gives AR floor(mint·36/100)', () => {
    const policy = parsePolicyName('flat:36/64');
    const mint = 34_137_577_002_053n as AoUnits;
    // 34,137,577,002,053 · 36 / 100 = 12,289,527,720,739.08 → 12,289,527,720,739
    expect(splitMint(policy, 1, mint)).toEqual({ ar: 12_289_527_720_739n, bridges: 21_848_049_281_314n });
    expect(policy.id).toBe('flat:36/64');
  });

  it('always splits a tick into two parts that sum to its mint exactly, for any policy ratio', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 20n }),
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.bigInt({ min: 0n, max: 1000n }),
        fc.integer({ min: 1, max: 10_000_000 }),
        (mint, a, b, tick) => {
          fc.pre(a + b > 0n);
          for (const policy of [flatPolicy(a, b), AO_MAINNET]) {
            const split = splitMint(policy, tick, mint as AoUnits);
            expect(split.ar + split.bridges).toBe(mint);
            expect(split.ar).toBeGreaterThanOrEqual(0n);
            expect(split.bridges).toBeGreaterThanOrEqual(0n);
            const share = arShareAt(policy, tick);
            // AR part is the floor of the exact share: ar·den ≤ mint·num < (ar+1)·den
            expect(split.ar * share.denominator <= mint * share.numerator).toBe(true);
            expect(mint * share.numerator < (split.ar + 1n) * share.denominator).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips policies through their data form, which is what the ledger records', () => {
    for (const policy of [AO_MAINNET, flatPolicy(36n, 64n)]) {
      expect(policyFromData(policyToData(policy))).toEqual(policy);
    }
    expect(policyToData(AO_MAINNET)).toEqual({
      id: 'ao-mainnet',
      version: 1,
      phases: [{ untilTickEnd: '2024-06-18T15:00:00.000Z', ar: '1/1' }, { ar: '1/3' }],
    });
  });

  it('rejects malformed policies with a message naming the field', () => {
    expect(() => parsePolicyName('flat:0/0')).toThrow(/flat:0\/0/);
    expect(() => parsePolicyName('mainnet')).toThrow(/policy: "mainnet" is not a policy/);
    expect(() => parsePolicyName('flat:36')).toThrow(/expected ao-mainnet or flat:A\/B/);
    expect(() => policyFromData({ id: 'x', version: 1, phases: [{ ar: '4/3' }] })).toThrow(/policy\.phases\.0\.ar: 4\/3 is more than the whole mint/);
    expect(() => policyFromData({ id: 'x', version: 1, phases: [{ ar: '1/0' }] })).toThrow(/policy\.phases\.0\.ar/);
    expect(() => policyFromData({ id: 'x', version: 1, phases: [{ ar: '1/3' }, { ar: '1/2' }] })).toThrow(/untilTickEnd: required/);
    expect(() => policyFromData({ id: 'x', version: 0, phases: [{ ar: '1/3' }] })).toThrow(/policy\.version/);
  });
});
