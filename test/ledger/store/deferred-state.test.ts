import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/errors.ts';
import { verifyLedger } from '../../../src/ledger/audit/index.ts';
import { decodeChanges, encodeChanges } from '../../../src/ledger/index.ts';
import type { Ledger, PoolId } from '../../../src/ledger/index.ts';
import { CRASH_TICKS, crashInput } from '../crash-history.ts';
import { sliceAfter } from '../../../src/ledger/store/deferred-state.ts';
import { sqliteLedgers } from '../sqlite-files.ts';

/**
 * SQLite's deferred account state (src/ledger/store/deferred-state.ts, DESIGN.md §4): a tick appends its
 * changes to weight_changes and leaves account_state behind until deferAccounts accounts are
 * behind. Every reader — this connection, another one, a restarted process, the audit — must see
 * exactly the accounts of a ledger that writes account_state in every tick (deferAccounts 1).
 * History: crash-history.ts (3,000 keys per pool, 200 AR and 50 stETH changes a tick).
 */
const SEED = 7;
const { dir, ledgerAt } = sqliteLedgers('deferred');
const apply = async (ledger: Ledger, from: number, to: number): Promise<string[]> => {
  const hashes: string[] = [];
  for (let k = from; k <= to; k++) hashes.push((await ledger.applyTick(crashInput(SEED, k))).hash);
  return hashes;
};
const POOLS: PoolId[] = ['ar', 'steth'];

/** Every account of every pool as the ledger's queries show it. */
async function accounts(ledger: Ledger): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const pool of POOLS) for (const a of await ledger.db.accountPage(pool, 0, 1_000_000, false)) out.push(await ledger.account(pool, a.account));
  return out;
}
const storedState = (ledger: Ledger) => ledger.db.all('SELECT * FROM account_state ORDER BY id');
const checkpoint = async (ledger: Ledger) => (await ledger.db.all<{ tick: number }>('SELECT tick FROM account_state_tick'))[0]?.tick ?? null;

describe('SQLite deferred account state', () => {
  it('another connection sees the writer’s deferred changes: the accounts, recipients and totals of a ledger that writes every tick', async () => {
    const every = await ledgerAt({ deferAccounts: 1 });
    const path = join(dir, 'shared.db');
    const writer = await ledgerAt({ path });
    expect(await apply(writer, 1, 6)).toEqual(await apply(every, 1, 6));
    // The writer really did leave account_state behind (default: 100,000 accounts may wait).
    expect(await checkpoint(writer)).toBe(1);
    expect(await storedState(writer)).not.toEqual(await storedState(every));
    expect(await checkpoint(every)).toBeNull();

    const reader = await ledgerAt({ path });
    expect(await accounts(reader)).toEqual(await accounts(every));
    // Then the reader catches up with what the writer logs after it first looked.
    await apply(writer, 7, 9);
    await apply(every, 7, 9);
    expect(await accounts(reader)).toEqual(await accounts(every));
    expect(await accounts(writer)).toEqual(await accounts(every));
    for (const r of ['R5', 'R17', 'R996'].map((x) => x.padEnd(43, 'x'))) {
      expect(await reader.accountsByRecipient(r)).toEqual(await every.accountsByRecipient(r));
    }
    expect(await reader.conservation()).toEqual(await every.conservation());
    expect(await reader.poolTotals()).toEqual(await every.poolTotals());
    expect((await verifyLedger(reader.db)).divergences).toEqual([]);
  });

  it('a reopened ledger replays the change log, continues to the same hashes, and its settlement leaves account_state equal to the every-tick ledger’s', async () => {
    const every = await ledgerAt({ deferAccounts: 1 });
    const path = join(dir, 'reopened.db');
    const first = await ledgerAt({ path });
    await apply(first, 1, 7);
    await first.close();
    const again = await ledgerAt({ path });
    expect(await apply(again, 8, CRASH_TICKS)).toEqual((await apply(every, 1, CRASH_TICKS)).slice(7));
    expect(await accounts(again)).toEqual(await accounts(every));
    for (const pool of POOLS) expect(await again.settle(pool, CRASH_TICKS)).toEqual(await every.settle(pool, CRASH_TICKS));
    expect(await checkpoint(again)).toBeNull();
    expect(await storedState(again)).toEqual(await storedState(every));
  });

  it('the tick that brings deferAccounts accounts behind rewrites account_state and drops account_state_tick', async () => {
    const every = await ledgerAt({ deferAccounts: 1 });
    const ledger = await ledgerAt({ deferAccounts: 100 });
    let rewrites = 0;
    for (let k = 1; k <= CRASH_TICKS; k++) {
      await apply(ledger, k, k);
      await apply(every, k, k);
      const behind = (await ledger.db.pendingAccountState()).size;
      expect(behind).toBeLessThan(100);
      // account_state_tick names the tick account_state is complete for, exactly while some account is behind.
      expect((await checkpoint(ledger)) === null).toBe(behind === 0);
      if (behind === 0 && k > 1) rewrites++;
      expect(await accounts(ledger)).toEqual(await accounts(every));
    }
    expect(rewrites).toBeGreaterThanOrEqual(2);
  });

  // Issue 17: the rewrite of all deferred accounts in one tick was the 1 M-account p99 (1.4 s).
  it('spread over ticks (rewriteAccounts a tick, in id order, wrapping), every reader still sees the every-tick ledger and account_state_tick only moves forward', async () => {
    const every = await ledgerAt({ deferAccounts: 1 });
    const path = join(dir, 'spread.db');
    const ledger = await ledgerAt({ path, deferAccounts: 200, rewriteAccounts: 150 });
    let partial = 0;
    let last = 0;
    for (let k = 1; k <= CRASH_TICKS; k++) {
      const before = await ledger.db.pendingAccountState();
      expect(await apply(ledger, k, k)).toEqual(await apply(every, k, k));
      const behind = await ledger.db.pendingAccountState();
      const t = await checkpoint(ledger);
      // A rewrite tick of a partial slice: fewer behind than before plus this tick's 250 changes, T still set.
      if (behind.size < before.size && t !== null) partial++;
      expect(t === null).toBe(behind.size === 0);
      if (t !== null) {
        expect(t).toBeGreaterThanOrEqual(last);
        last = t;
        // T is the oldest change still behind, minus one.
        expect(t).toBe(Math.min(...[...behind.values()].map((a) => (a as unknown as { since: number }).since)) - 1);
      }
      expect(behind.size).toBeLessThan(200 + 250);
      expect(await accounts(ledger)).toEqual(await accounts(every));
      // Another connection rebuilds the same state from account_state and the log after T.
      const reader = await ledgerAt({ path });
      expect(await accounts(reader)).toEqual(await accounts(every));
      await reader.close();
    }
    expect(partial).toBeGreaterThanOrEqual(2);
    expect((await verifyLedger(ledger.db)).divergences).toEqual([]);
  });

  it('a tick rolled back before or during its rewrite leaves the deferred state as it was', async () => {
    const every = await ledgerAt({ deferAccounts: 1 });
    const expected = await apply(every, 1, CRASH_TICKS);
    const ledger = await ledgerAt({ deferAccounts: 100 });
    await apply(ledger, 1, 4);
    const before = await accounts(ledger);
    await ledger.db.run("CREATE TRIGGER fail_tick BEFORE INSERT ON ticks BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    await expect(ledger.applyTick(crashInput(SEED, 5))).rejects.toThrow('injected failure');
    await ledger.db.run('DROP TRIGGER fail_tick');
    expect(await accounts(ledger)).toEqual(before);
    await apply(ledger, 5, 5);
    // Tick 6 brings 100 accounts behind (the previous test): fail its rewrite at the last step.
    await ledger.db.run("CREATE TRIGGER fail_rewrite BEFORE DELETE ON account_state_tick BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    await expect(ledger.applyTick(crashInput(SEED, 6))).rejects.toThrow('injected failure');
    await ledger.db.run('DROP TRIGGER fail_rewrite');
    expect(await ledger.lastAppliedTick()).toBe(5);
    expect(await apply(ledger, 6, CRASH_TICKS)).toEqual(expected.slice(5));
    expect(await accounts(ledger)).toEqual(await accounts(every));
  });

  it('a change log that does not replay onto account_state is refused with STORAGE_MISMATCH, and audit verify reports it', async () => {
    const ledger = await ledgerAt();
    await apply(ledger, 1, 5);
    // Alter the old weight of one logged update (not a join: joins are already in account_state).
    const [row] = await ledger.db.all<{ payload: string }>("SELECT payload FROM weight_changes WHERE tick = 5 AND pool = 'ar'");
    const changes = decodeChanges(row!.payload);
    const i = changes.findIndex((c) => c.oldWeight !== 0n);
    changes[i] = { ...changes[i]!, oldWeight: changes[i]!.oldWeight + 1n };
    await ledger.db.run("UPDATE weight_changes SET payload = ? WHERE tick = 5 AND pool = 'ar'", [encodeChanges(changes)]);
    const error = await ledger.conservation().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).code).toBe('STORAGE_MISMATCH');
    expect((error as EngineError).message).toMatch(new RegExp(`tick 5 pool ar account id ${changes[i]!.accountId} changes weight`));
    const report = await verifyLedger(ledger.db);
    expect(report.ok).toBe(false);
    expect(report.divergences.map((d) => d.field)).toContain('account_state_tick');
  });
});

describe('the spread rewrite’s slice (sliceAfter)', () => {
  it('takes the next size ids after the sweep position, wrapping, and moves T to the oldest change left behind minus one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 2, maxLength: 80 }), fc.integer({ min: 0, max: 520 }), fc.nat(), (raw, sweepAfter, seed) => {
        const ids = Float64Array.from(raw).sort();
        const size = 1 + (seed % (ids.length - 1));
        const since = (id: number): number => 1 + ((id * 7919 + seed) % 50);
        const slice = sliceAfter(ids, sweepAfter, size, since);
        const after = [...ids].filter((id) => id > sweepAfter);
        const expected = [...after, ...ids.filter((id) => id <= sweepAfter)].slice(0, size);
        expect([...slice.tail, ...slice.head].sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
        expect([...slice.tail].every((id) => id > sweepAfter) || after.length === 0).toBe(true);
        const left = [...ids].filter((id) => !expected.includes(id));
        expect(slice.checkpoint).toBe(Math.min(...left.map(since)) - 1);
        // The next slice starts after the last id written in sweep order.
        expect(slice.sweepAfter).toBe(slice.head.length > 0 ? slice.head[slice.head.length - 1] : slice.tail[slice.tail.length - 1]);
      }),
    );
  });
});
