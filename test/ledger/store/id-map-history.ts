import { expect } from 'vitest';
import type { ArweaveAddress } from '../../../src/address.ts';
import type { WeightUpdate } from '../../../src/bridges/types.ts';
import { flatPolicy } from '../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../src/emission/ticks.ts';
import type { EngineError } from '../../../src/errors.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
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

/**
 * Tick 2 aborted at its ticks row (the trigger `failTicks` creates, `unfail` drops), after its
 * account rows and map entries were written: nothing of it may remain, and re-applying it and the
 * rest must give `expected` (the plain run's hashes) and the plain run's ids.
 */
export async function rollBackTick2(ledger: Ledger, expected: readonly string[], failTicks: readonly string[], unfail: string): Promise<void> {
  expect((await ledger.applyTick(history[0]!)).hash).toBe(expected[0]);
  for (const sql of failTicks) await ledger.db.run(sql);
  await expect(ledger.applyTick(history[1]!)).rejects.toThrow('injected failure');
  expect(await ledger.lastAppliedTick()).toBe(1);
  expect(await ledger.account('ar', key('C'))).toBeNull();
  await ledger.db.run(unfail);
  expect((await ledger.applyTick(history[1]!)).hash).toBe(expected[1]);
  expect((await ledger.account('ar', key('C')))?.id).toBe(3);
  for (const input of history.slice(2)) await ledger.applyTick(input);
  expect(await ledger.lastHash()).toBe(expected[3]);
  expect((await ledger.conservation()).ok).toBe(true);
}

/** After ticks 1–3, account A's account_state row deleted: tick 4, which changes A, must be refused naming A, and write nothing. */
export async function refusesMissingState(ledger: Ledger): Promise<void> {
  for (const input of history.slice(0, 3)) await ledger.applyTick(input);
  await ledger.db.run('DELETE FROM account_state WHERE id = 1');
  const error = (await ledger.applyTick(history[3]!).catch((e: unknown) => e)) as EngineError;
  expect(error.code).toBe('STORAGE_MISMATCH');
  expect(error.message).toBe(`accounts: ar account ${key('A')} (id 1) has no account_state row; run ao-emission audit verify`);
  expect(await ledger.lastAppliedTick()).toBe(3);
}
