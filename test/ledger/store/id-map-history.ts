import type { ArweaveAddress } from '../../../src/address.ts';
import type { WeightUpdate } from '../../../src/bridges/types.ts';
import { flatPolicy } from '../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../src/emission/ticks.ts';
import { inPoolUnit } from '../../support/pool-weights.ts';

/**
 * The four-tick AR history the id-map tests of both drivers apply (sqlite-db.test.ts,
 * postgres-db.test.ts): joins in ticks 1, 2 and 4, weight-only and recipient changes of the same
 * accounts in between.
 */
export const key = (c: string): ArweaveAddress => c.padEnd(43, c.toLowerCase()) as ArweaveAddress;
const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };
const flat = flatPolicy(36n, 64n);
const tick = (k: number, updates: readonly WeightUpdate[]) => ({
  tick: k,
  genesisMs: DEFAULT_GENESIS_MS,
  policy: flat,
  snapshots: [{ pool: 'ar' as const, pin, complete: false, updates: inPoolUnit('ar', updates), cursor: `c${k}`, notes: [] }],
});
export const history = [
  tick(1, [
    { account: key('A'), recipient: key('R'), weight: 10n },
    { account: key('B'), recipient: null, weight: 7n },
  ]),
  tick(2, [
    { account: key('C'), recipient: key('S'), weight: 5n },
    { account: key('A'), recipient: key('R'), weight: 3n },
  ]),
  tick(3, [
    { account: key('B'), recipient: key('S'), weight: 7n },
    { account: key('C'), recipient: key('S'), weight: 9n },
  ]),
  tick(4, [
    { account: key('D'), recipient: key('R'), weight: 2n },
    { account: key('A'), recipient: key('S'), weight: 3n },
  ]),
];
