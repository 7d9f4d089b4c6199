import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { history, refusesMissingState, rollBackTick2 } from './id-map-history.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { freshPostgresDatabase } from '../../support/postgres.ts';

/**
 * The Postgres writer's account key → id map (postgres-db.ts): a rolled-back tick, another process
 * writing the same database and a missing account_state row must give exactly what SQLite's
 * in-memory ledger gives for the same history.
 */
const open = async (url: string): Promise<Ledger> => {
  const ledger = await openLedger({ url });
  await ledger.migrate();
  return ledger;
};

async function sqliteHashes(): Promise<string[]> {
  const ledger = await open('sqlite::memory:');
  const hashes: string[] = [];
  for (const input of history) hashes.push((await ledger.applyTick(input)).hash);
  await ledger.close();
  return hashes;
}

describe('Postgres account key → id map', () => {
  it('a tick rolled back after inserting accounts leaves nothing behind; re-applying it gives SQLite’s hash and ids', async () => {
    const expected = await sqliteHashes();
    const ledger = await open(await freshPostgresDatabase(inject('postgresUrl'), 'pg-ids-rollback'));
    try {
      await rollBackTick2(
        ledger,
        expected,
        ["CREATE FUNCTION fail_tick() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$", 'CREATE TRIGGER fail_tick BEFORE INSERT ON ticks FOR EACH ROW EXECUTE FUNCTION fail_tick()'],
        'DROP TRIGGER fail_tick ON ticks',
      );
    } finally {
      await ledger.close();
    }
  });

  it('an account another process added is found by this writer’s next tick, not inserted twice', async () => {
    const expected = await sqliteHashes();
    const url = await freshPostgresDatabase(inject('postgresUrl'), 'pg-ids-shared');
    const first = await open(url);
    const second = await open(url);
    try {
      await first.applyTick(history[0]!); // loads first's map (A, B)
      await second.applyTick(history[1]!); // inserts C through the other pool of connections
      expect((await first.applyTick(history[2]!)).hash).toBe(expected[2]); // changes C: must update id 3
      expect((await first.applyTick(history[3]!)).hash).toBe(expected[3]);
      expect((await first.db.all<{ n: string }>('SELECT COUNT(*) AS n FROM accounts'))[0]!.n).toBe('4');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('a changed account without an account_state row is refused with STORAGE_MISMATCH naming it, and the tick writes nothing', async () => {
    const ledger = await open(await freshPostgresDatabase(inject('postgresUrl'), 'pg-ids-missing'));
    try {
      await refusesMissingState(ledger);
    } finally {
      await ledger.close();
    }
  });

  it('an idle connection the server ends between ticks is replaced: the next tick applies, the process goes on', async () => {
    const expected = await sqliteHashes();
    const url = await freshPostgresDatabase(inject('postgresUrl'), 'pg-idle-terminated');
    const ledger = await open(url);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      expect((await ledger.applyTick(history[0]!)).hash).toBe(expected[0]);
      await ledger.idle();
      // What a server restart or an idle-session timeout does to the pool's idle connections.
      const ended = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      expect(ended.rowCount).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      for (const input of history.slice(1)) await ledger.applyTick(input);
      expect(await ledger.lastHash()).toBe(expected[3]);
    } finally {
      await admin.end();
      await ledger.close();
    }
  });
});
