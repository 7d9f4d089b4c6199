import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mintAt } from '../../src/emission/curve.ts';
import { AO_ANNOUNCED, AO_MAINNET, AO_MAINNET_V1, flatPolicy, parsePolicyName, policyFromData, policyFromRecord, policyLabel, policyToData, samePolicy } from '../../src/emission/policy.ts';
import { arShareAt, splitMint } from '../../src/emission/split.ts';
import { tickAt, tickEndMs } from '../../src/emission/ticks.ts';
import type { AoUnits } from '../../src/units.ts';
import { walkDeployed } from './support/reference-law.ts';

const BRIDGE_START_TICK = 32_220; // ends exactly at 2024-06-18T15:00:00Z (from the 2024-02-27T18:00Z genesis)

describe('the emission policies (DESIGN.md §2–§3)', () => {
  it('ao-mainnet gives AR holders 100 % of tick 32,220 (ending 2024-06-18T15:00:00Z) and nearest(mint/3) of tick 32,221', () => {
    expect(new Date(tickEndMs(BRIDGE_START_TICK)).toISOString()).toBe('2024-06-18T15:00:00.000Z');
    const mints = new Map<number, bigint>();
    walkDeployed(BRIDGE_START_TICK + 1, (k, mint) => void (k >= BRIDGE_START_TICK && mints.set(k, mint)));
    const before = mints.get(BRIDGE_START_TICK)!;
    expect(splitMint(AO_MAINNET, BRIDGE_START_TICK, before as AoUnits)).toEqual({ ar: before, bridges: 0n });
    const after = mints.get(BRIDGE_START_TICK + 1)!;
    // The process: string.format('%.0f', mint * 1/3); mint/3 is never a tie, so Math.round of the double is it.
    const ar = BigInt(Math.round(Number(after) / 3));
    expect(splitMint(AO_MAINNET, BRIDGE_START_TICK + 1, after as AoUnits)).toEqual({ ar, bridges: after - ar });
    expect(tickAt(Date.parse('2024-06-18T15:00:00Z'))).toBe(BRIDGE_START_TICK + 1);
  });

  it('rounds AR to the nearest under ao-mainnet but down under ao-announced: 100 → 33 | 67 both; 101 → 34 | 67 vs 33 | 68', () => {
    const k = BRIDGE_START_TICK + 1;
    expect(splitMint(AO_MAINNET, k, 101n as AoUnits)).toEqual({ ar: 34n, bridges: 67n }); // 101/3 = 33.67 → 34
    expect(splitMint(AO_ANNOUNCED, k, 101n as AoUnits)).toEqual({ ar: 33n, bridges: 68n });
    expect(splitMint(AO_MAINNET, k, 100n as AoUnits)).toEqual({ ar: 33n, bridges: 67n });
  });

  it('flat:36/64 runs on the deployed law and gives AR floor(mint·36/100)', () => {
    const policy = parsePolicyName('flat:36/64');
    expect(policy.curve).toEqual(AO_MAINNET.curve);
    expect(policyLabel(policy)).toBe('flat:36/64@2');
    const mint = 34_137_577_002_053n as AoUnits;
    // 34,137,577,002,053 · 36 / 100 = 12,289,527,720,739.08 → 12,289,527,720,739
    expect(splitMint(policy, 1, mint)).toEqual({ ar: 12_289_527_720_739n, bridges: 21_848_049_281_314n });
  });

  it('always splits a tick into two parts that sum to its mint exactly, within one unit of the exact share', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 1000n }), fc.integer({ min: 1, max: 10_000_000 }), (mint, a, b, tick) => {
        fc.pre(a + b > 0n);
        for (const policy of [flatPolicy(a, b), AO_MAINNET, AO_ANNOUNCED]) {
          const split = splitMint(policy, tick, mint as AoUnits);
          expect(split.ar + split.bridges).toBe(mint);
          expect(split.ar >= 0n && split.bridges >= 0n).toBe(true);
          const { numerator: n, denominator: d } = arShareAt(policy, tick);
          // |ar·d − mint·n| < d: within one unit of the exact share (floor is below, nearest on either side)
          const gap = split.ar * d - mint * n;
          expect(gap < d && gap > -d).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips policies through their data form, which is what the ledger records', () => {
    for (const policy of [AO_MAINNET, AO_ANNOUNCED, flatPolicy(36n, 64n)]) {
      expect(policyFromData(policyToData(policy))).toEqual(policy);
      expect(samePolicy(policyFromRecord(policyToData(policy)), policy)).toBe(true);
    }
    expect(policyToData(AO_MAINNET)).toEqual({
      id: 'ao-mainnet',
      version: 2,
      rate: '1647321875/1000000000000000',
      arithmetic: 'float64-half-even',
      gate: { mintCount: 100000 },
      phases: [
        { untilTickEnd: '2024-06-18T15:00:00.000Z', ar: '1/1', rounding: 'half-even' },
        { ar: '1/3', rounding: 'half-even' },
      ],
    });
  });

  it('reads the first wave\'s recorded ao-mainnet@1 (phases only) as the announced law under its old name', () => {
    const recorded = { id: 'ao-mainnet', version: 1, phases: [{ untilTickEnd: '2024-06-18T15:00:00.000Z', ar: '1/1' }, { ar: '1/3' }] };
    const policy = policyFromRecord(recorded);
    expect(policyLabel(policy)).toBe('ao-mainnet@1');
    expect(policy.curve).toEqual(AO_ANNOUNCED.curve);
    expect(mintAt(policy.curve, 1)).toBe(34_137_577_002_053n);
    expect(policy.gate).toEqual(AO_ANNOUNCED.gate);
    expect(policyToData(policy)).toEqual(recorded); // written back byte for byte: old ticks' hashes still verify
    expect(samePolicy(policy, AO_MAINNET_V1)).toBe(true);
    expect(parsePolicyName('ao-mainnet@1')).toBe(AO_MAINNET_V1);
    // …but a config or scenario must give the whole law: a phases-only object is refused there.
    expect(() => policyFromData(recorded)).toThrow(/policy\.rate/);
  });

  it('rejects malformed policies with one line naming the field', () => {
    const base = policyToData(AO_MAINNET);
    expect(() => parsePolicyName('flat:0/0')).toThrow(/flat:0\/0/);
    // flat:A/B is a ratio, unlike policy data's fraction; the messages say which.
    expect(() => parsePolicyName('flat:0/0')).toThrow(/\(flat:A\/B is the ratio AR:bridges, AR gets A\/\(A\+B\)\)$/);
    expect(() => parsePolicyName('half')).toThrow(/flat:A\/B \(a ratio AR:bridges, e\.g\. flat:1\/2 gives AR a third; policy data's ar: "1\/3" is a fraction\)$/);
    expect(() => parsePolicyName('mainnet')).toThrow(/policy: "mainnet" is not a policy; expected ao-mainnet, ao-announced/);
    expect(() => parsePolicyName('ao-mainnet@3', '--policy')).toThrow(/--policy: "ao-mainnet@3" is not a policy/);
    expect(() => policyFromData({ ...base, rate: '1/1' })).toThrow(/policy\.rate: 1\/1 is not a per-tick rate; expected a fraction strictly between 0 and 1/);
    expect(() => policyFromData({ ...base, rate: '3/2' })).toThrow(/policy\.rate: 3\/2 is not a per-tick rate/);
    expect(() => policyFromData({ ...base, rate: '0/5' })).toThrow(/policy\.rate: 0\/5 is not a per-tick rate/);
    expect(() => policyFromData({ ...base, rate: '-1/5' })).toThrow(/policy\.rate: "-1\/5" is not a fraction/);
    expect(() => policyFromData({ ...base, arithmetic: 'float32' })).toThrow(/policy\.arithmetic: .*float64-half-even/);
    expect(() => policyFromData({ ...base, gate: { mintCount: -1 } })).toThrow(/policy\.gate/);
    expect(() => policyFromData({ ...base, gate: { supplyShare: '2/1' } })).toThrow(/policy\.gate\.supplyShare: 2\/1 is not a share of the supply/);
    expect(() => policyFromData({ ...base, phases: [{ ar: '4/3', rounding: 'floor' }] })).toThrow(/policy\.phases\.0\.ar: 4\/3 is more than the whole mint/);
    expect(() => policyFromData({ ...base, phases: [{ ar: '1/0', rounding: 'floor' }] })).toThrow(/policy\.phases\.0\.ar/);
    expect(() => policyFromData({ ...base, phases: [{ ar: '1/3', rounding: 'up' }] })).toThrow(/policy\.phases\.0\.rounding/);
    expect(() => policyFromData({ ...base, phases: [{ ar: '1/3', rounding: 'floor' }, { ar: '1/2', rounding: 'floor' }] })).toThrow(/untilTickEnd: required/);
    expect(() => policyFromData({ ...base, version: 0 })).toThrow(/policy\.version/);
  });
});
