import { describe, expect, inject, it } from 'vitest';
import { verifyLedger } from '../../../src/ledger/audit/index.ts';
import { applyTickIn } from '../../../src/ledger/apply-tick.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import type { Ledger, PoolId } from '../../../src/ledger/index.ts';
import { CRASH_TICKS, crashInput } from '../crash-history.ts';
import { freshPostgresDatabase } from '../../support/postgres.ts';

/**
 * Postgres's deferred account state (postgres-db.ts, postgres-deferred.ts): a tick writes its
 * account updates to weight_changes only, and the compaction the ledger runs after it writes
 * account_state. Between the two (a crash, a failed compaction) every reader — the writer, another
 * process, the read-only reader, a restarted writer, the audit — must see exactly the accounts of
 * the SQLite ledger given the same history (crash-history.ts: 3,000 keys per pool, 200 AR and 50
 * stETH changes a tick).
 */
const SEED = 7;
const POOLS: PoolId[] = ['ar', 'steth'];

const open = async (url: string, readOnly = false): Promise<Ledger> => {
  const ledger = await openLedger({ url, ...(readOnly && { readOnly }) });
  if (!readOnly) await ledger.migrate();
  return ledger;
};
const apply = async (ledger: Ledger, from: number, to: number): Promise<string[]> => {
  const hashes: string[] = [];
  for (let k = from; k <= to; k++) hashes.push((await ledger.applyTick(crashInput(SEED, k))).hash);
  return hashes;
};
/** Ticks committed as the ledger commits them, but with no compaction after them: the state a crash right after COMMIT leaves. */
const applyUncompacted = async (ledger: Ledger, from: number, to: number): Promise<string[]> => {
  const hashes: string[] = [];
  for (let k = from; k <= to; k++) hashes.push((await ledger.db.transaction((tx) => applyTickIn(tx, crashInput(SEED, k), 0))).hash);
  return hashes;
};
/**
 * Every account of every pool as the ledger's pages show it, and every 40th as the account query
 * shows it (outside the writer's transactions each query replays the change log: all 6,000 would
 * be most of this file's time).
 */
async function accounts(ledger: Ledger): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const pool of POOLS) {
    const page = await ledger.db.accountPage(pool, 0, 1_000_000, false);
    out.push(page);
    for (let i = 0; i < page.length; i += 40) out.push(await ledger.account(pool, page[i]!.account));
  }
  return out;
}
const checkpoint = async (ledger: Ledger): Promise<number | null> => (await ledger.db.all<{ tick: number }>('SELECT tick FROM account_state_tick'))[0]?.tick ?? null;
const storedState = (ledger: Ledger) => ledger.db.all('SELECT id, recipient, weight::text, index_at_change::text, accrued::text, joined_tick, changed_tick FROM account_state ORDER BY id');

describe('Postgres deferred account state', () => {
  it('ticks committed without their compaction: another process, the reader, a restarted writer and the audit see SQLite’s accounts; the next compaction makes account_state current', async () => {
    const sqlite = await open('sqlite::memory:');
    const url = await freshPostgresDatabase(inject('postgresUrl'), 'pg-deferred');
    const writer = await open(url);
    try {
      expect(await apply(writer, 1, 5)).toEqual(await apply(sqlite, 1, 5));
      await writer.idle();
      expect(await checkpoint(writer)).toBeNull();
      expect(await applyUncompacted(writer, 6, 8)).toEqual(await apply(sqlite, 6, 8));
      // account_state is complete for tick 5; ticks 6–8 are in the change log only.
      expect(await checkpoint(writer)).toBe(5);
      const other = await open(url);
      const reader = await open(url, true);
      try {
        for (const view of [writer, other, reader]) {
          expect(await accounts(view)).toEqual(await accounts(sqlite));
          expect(await view.conservation()).toEqual(await sqlite.conservation());
          expect(await view.poolTotals()).toEqual(await sqlite.poolTotals());
          for (const r of ['R5', 'R17', 'R996'].map((x) => x.padEnd(43, 'x'))) expect(await view.accountsByRecipient(r)).toEqual(await sqlite.accountsByRecipient(r));
        }
        expect((await verifyLedger(reader.db)).divergences).toEqual([]);
        // A restarted writer replays the log and continues to the same hashes; its compaction runs after each tick.
        expect(await apply(other, 9, 10)).toEqual(await apply(sqlite, 9, 10));
        await other.idle();
        expect(await checkpoint(other)).toBeNull();
        // The first writer's memory is behind the database now: its next transaction notices and replays.
        expect(await apply(writer, 11, CRASH_TICKS)).toEqual(await apply(sqlite, 11, CRASH_TICKS));
        expect(await accounts(reader)).toEqual(await accounts(sqlite));
        for (const pool of POOLS) expect(await writer.settle(pool, CRASH_TICKS)).toEqual(await sqlite.settle(pool, CRASH_TICKS));
        expect(await checkpoint(writer)).toBeNull();
        await sqlite.db.transaction((tx) => tx.flushAccountState());
        const sqliteState = (await sqlite.db.all<Record<string, unknown>>('SELECT id, recipient, weight, index_at_change, accrued, joined_tick, changed_tick FROM account_state ORDER BY id')).map((r) => ({ ...r, weight: String(r['weight']), index_at_change: String(r['index_at_change']), accrued: String(r['accrued']) }));
        expect(await storedState(writer)).toEqual(sqliteState);
      } finally {
        await other.close();
        await reader.close();
      }
    } finally {
      await writer.close();
      await sqlite.close();
    }
  });

  it('a failed compaction leaves the accounts behind, every read right, and the next one writes them', async () => {
    const sqlite = await open('sqlite::memory:');
    const writer = await open(await freshPostgresDatabase(inject('postgresUrl'), 'pg-deferred-fail'));
    try {
      expect(await apply(writer, 1, 3)).toEqual(await apply(sqlite, 1, 3));
      // Tick 3's compaction first (the trigger below must not race it), then every compaction's last statement fails: its UPDATEs roll back with it.
      await writer.idle();
      await writer.db.run("CREATE FUNCTION fail_compaction() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$");
      await writer.db.run('CREATE TRIGGER fail_compaction BEFORE DELETE ON account_state_tick FOR EACH ROW EXECUTE FUNCTION fail_compaction()');
      expect(await apply(writer, 4, 6)).toEqual(await apply(sqlite, 4, 6));
      await writer.idle();
      expect(await checkpoint(writer)).toBe(3);
      expect(await accounts(writer)).toEqual(await accounts(sqlite));
      await writer.db.run('DROP TRIGGER fail_compaction ON account_state_tick');
      expect(await apply(writer, 7, 7)).toEqual(await apply(sqlite, 7, 7));
      await writer.idle();
      expect(await checkpoint(writer)).toBeNull();
      expect(await accounts(writer)).toEqual(await accounts(sqlite));
      expect((await verifyLedger(writer.db)).divergences).toEqual([]);
    } finally {
      await writer.close();
      await sqlite.close();
    }
  });
});
