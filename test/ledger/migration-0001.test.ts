import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openLedger } from '../../src/ledger/index.ts';
import type { Ledger } from '../../src/ledger/index.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';

/**
 * Migration 0001 splits the old wide accounts row into accounts (identity), account_state and
 * account_settled. A ledger written under 0000 must come out of `migrate()` with every account's
 * state and settled total where the code now reads them.
 */
const dir = mkdtempSync(join(tmpdir(), 'ao-emission-migration-0001-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of drizzle/<dialect> whose journal stops at 0000. */
function onlyFirstMigration(dialect: 'sqlite' | 'postgres'): string {
  const folder = join(dir, `${dialect}-0000`);
  cpSync(new URL(`../../drizzle/${dialect}`, import.meta.url).pathname, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, 1) }));
  return folder;
}

// Two accounts in the 0000 layout: one settled, one without a recipient and never credited.
const OLD_ROWS = [
  [1, 'ar', 'A'.repeat(43), 'R'.repeat(43), '5000', '12', '700000000000000000000000000000000000000', '3', 1, 2],
  [2, 'ar', 'B'.repeat(43), null, '0', '7', '9', '0', 1, 4],
] as const;
const OLD_INSERT =
  'INSERT INTO accounts (id, pool, account, recipient, weight, index_at_change, accrued, settled, joined_tick, changed_tick) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)';

async function expectMigrated(ledger: Ledger): Promise<void> {
  await ledger.migrate();
  const state = await ledger.db.all('SELECT id, recipient, weight, index_at_change, accrued, joined_tick, changed_tick FROM account_state ORDER BY id');
  expect(state.map((r) => [Number(r['id']), r['recipient'], String(r['weight']), String(r['index_at_change']), String(r['accrued']), Number(r['joined_tick']), Number(r['changed_tick'])])).toEqual(
    OLD_ROWS.map(([id, , , recipient, weight, index, accrued, , joined, changed]) => [id, recipient, weight, index, accrued, joined, changed]),
  );
  const settled = await ledger.db.all('SELECT id, settled FROM account_settled ORDER BY id');
  expect(settled.map((r) => [Number(r['id']), String(r['settled'])])).toEqual([[1, '3']]);
  const identity = await ledger.db.all('SELECT * FROM accounts ORDER BY id');
  expect(identity.map((r) => Object.keys(r).sort())).toEqual([
    ['account', 'id', 'pool'],
    ['account', 'id', 'pool'],
  ]);
  const rows = await ledger.db.lookupAccounts('ar', ['A'.repeat(43), 'B'.repeat(43)]);
  expect(rows.sort((x, y) => x.id - y.id).map((r) => [r.id, r.recipient, r.weight, r.indexAtChange, r.accrued, r.joinedTick, r.changedTick])).toEqual([
    [1, 'R'.repeat(43), 5000n, 12n, 7n * 10n ** 38n, 1, 2],
    [2, null, 0n, 7n, 9n, 1, 4],
  ]);
  await ledger.close();
}

describe('migration 0001 (account_state, account_settled)', () => {
  it('moves each account of a 0000 SQLite ledger into account_state and its settled total into account_settled', async () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    migrateSqlite(drizzleSqlite({ client: db }), { migrationsFolder: onlyFirstMigration('sqlite') });
    const insert = db.prepare(OLD_INSERT.replace(/\$\d+/g, '?'));
    for (const row of OLD_ROWS) insert.run(...row);
    db.close();
    await expectMigrated(await openLedger({ url: `sqlite:${path}` }));
  });

  it('does the same on Postgres', async () => {
    const url = await freshPostgresDatabase(inject('postgresUrl'), 'migration0001');
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await migratePg(drizzlePg({ client: pool }), { migrationsFolder: onlyFirstMigration('postgres') });
    for (const row of OLD_ROWS) await pool.query(OLD_INSERT, [...row]);
    await pool.end();
    await expectMigrated(await openLedger({ url }));
  });
});
