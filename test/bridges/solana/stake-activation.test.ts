import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { U64_MAX, type Delegation } from '../../../src/bridges/solana/stake-account.ts';
import { decodeStakeHistory, stakeActivation, type StakeHistoryEntry } from '../../../src/bridges/solana/stake-activation.ts';

const d = (stake: bigint, activationEpoch: bigint, deactivationEpoch = U64_MAX): Delegation => ({ voter: 'v', stake, activationEpoch, deactivationEpoch });
const h = (entries: Record<number, [number, number, number]>): Map<bigint, StakeHistoryEntry> =>
  new Map(Object.entries(entries).map(([e, [effective, activating, deactivating]]) => [BigInt(e), { effective: BigInt(effective), activating: BigInt(activating), deactivating: BigInt(deactivating) }]));

// Expected values worked by hand from the runtime's formula (stake-activation.ts header):
//   newly = max(1, trunc(remaining/cluster.activating · cluster.effective · rate))
describe('stakeActivation — warm-up (rate 25 % when newRateActivationEpoch is null)', () => {
  const history = h({ 0: [1000, 1000, 0], 1: [1250, 750, 0], 2: [1562, 438, 0] });
  it.each([
    // [target epoch, effective, activating, derivation]
    [0n, 0n, 1000n, 'target = activation epoch: all activating'],
    [1n, 250n, 750n, '1000/1000 · 1000 · 0.25 = 250'],
    [2n, 562n, 438n, '250 + 750/750 · 1250 · 0.25 = 250 + 312 (312.5 truncated)'],
    [3n, 952n, 48n, '562 + 438/438 · 1562 · 0.25 = 562 + 390 (390.5 truncated)'],
  ])('at epoch %s the delegation of 1000 activated in epoch 0 is %s effective, %s activating (%s)', (target, effective, activating) => {
    expect(stakeActivation(d(1000n, 0n), target, history, null)).toEqual({ effective, activating, deactivating: 0n });
  });

  it('uses 9 % from the new-rate epoch on: 1000/1000 · 1000 · 0.09 = 90 at epoch 1', () => {
    expect(stakeActivation(d(1000n, 0n), 1n, history, 0n)).toEqual({ effective: 90n, activating: 910n, deactivating: 0n });
  });

  it('stops where the history stops: with only epoch 0 recorded, epoch 5 still sees 250 effective', () => {
    expect(stakeActivation(d(1000n, 0n), 5n, h({ 0: [1000, 1000, 0] }), null).effective).toBe(250n);
  });

  it('treats a delegation as fully active from the epoch after activation when the history has no entry (litesvm, old stakes)', () => {
    expect(stakeActivation(d(1000n, 4n), 4n, new Map(), null)).toEqual({ effective: 0n, activating: 1000n, deactivating: 0n });
    expect(stakeActivation(d(1000n, 4n), 5n, new Map(), null)).toEqual({ effective: 1000n, activating: 0n, deactivating: 0n });
    expect(stakeActivation(d(1000n, 4n), 3n, new Map(), null)).toEqual({ effective: 0n, activating: 0n, deactivating: 0n });
  });

  it('counts nothing for a delegation deactivated in its own activation epoch', () => {
    expect(stakeActivation(d(1000n, 4n, 4n), 9n, new Map(), null)).toEqual({ effective: 0n, activating: 0n, deactivating: 0n });
  });
});

describe('stakeActivation — cool-down', () => {
  // Bootstrap stake (activation epoch u64::MAX) of 1000, deactivated in epoch 5.
  const history = h({ 5: [4000, 0, 2000], 6: [3000, 0, 1000] });
  it.each([
    [4n, 1000n, 0n, 'before deactivation: fully effective'],
    [5n, 1000n, 1000n, 'deactivation epoch: still effective, all deactivating'],
    [6n, 500n, 500n, '1000 − 1000/2000 · 4000 · 0.25 = 1000 − 500'],
    [7n, 125n, 125n, '500 − 500/1000 · 3000 · 0.25 = 500 − 375'],
  ])('at epoch %s it is %s effective, %s deactivating (%s)', (target, effective, deactivating) => {
    expect(stakeActivation(d(1000n, U64_MAX, 5n), target, history, null)).toEqual({ effective, activating: 0n, deactivating });
  });

  it('is fully inactive the epoch after deactivation when the history has no entry', () => {
    expect(stakeActivation(d(1000n, 0n, 5n), 6n, new Map(), null)).toEqual({ effective: 0n, activating: 0n, deactivating: 0n });
  });
});

describe('stakeActivation — properties', () => {
  it('never counts more than the delegation, and warm-up never goes backwards', () => {
    const entry = fc.record({ effective: fc.bigInt(1n, 10n ** 18n), activating: fc.bigInt(0n, 10n ** 18n), deactivating: fc.bigInt(0n, 10n ** 18n) });
    fc.assert(
      fc.property(fc.bigInt(1n, 10n ** 17n), fc.array(entry, { minLength: 1, maxLength: 12 }), fc.option(fc.bigInt(0n, 12n)), (stake, entries, newRate) => {
        const history = new Map(entries.map((e, i) => [BigInt(i), e]));
        let previous = 0n;
        for (let target = 0n; target < 14n; target++) {
          const a = stakeActivation(d(stake, 0n), target, history, newRate);
          expect(a.effective + a.activating).toBe(stake);
          expect(a.effective).toBeGreaterThanOrEqual(previous);
          previous = a.effective;
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('decodeStakeHistory', () => {
  it('reads the sysvar layout: u64 count, then (epoch, effective, activating, deactivating) u64 tuples', () => {
    const data = Buffer.alloc(8 + 2 * 32);
    data.writeBigUInt64LE(2n, 0);
    [
      [7n, 100n, 20n, 3n],
      [6n, 90n, 10n, 0n],
    ].forEach((row, i) => row.forEach((v, j) => data.writeBigUInt64LE(v, 8 + i * 32 + j * 8)));
    const history = decodeStakeHistory(data);
    expect(history.get(7n)).toEqual({ effective: 100n, activating: 20n, deactivating: 3n });
    expect(history.get(6n)).toEqual({ effective: 90n, activating: 10n, deactivating: 0n });
  });

  it('refuses a count the data cannot hold with MALFORMED_RESPONSE', () => {
    const data = Buffer.alloc(8);
    data.writeBigUInt64LE(3n, 0);
    expect(() => decodeStakeHistory(data)).toThrow(expect.objectContaining({ code: 'MALFORMED_RESPONSE' }));
  });
});
