import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EngineError } from '../../errors.ts';
import { AccountIds } from './account-ids.ts';
import { ACCOUNT_SELECT, toAccountRow } from './db.ts';
import type { AccountRow, AccountState, AccountUpdate, CreditTuple, Db, Param, Row, SettleTuple } from './db.ts';

const MIGRATIONS = fileURLToPath(new URL('../../../drizzle/postgres', import.meta.url));
/** Rows per array-parameter statement: bounds one statement's size (and pg's parameter buffer). */
const CHUNK_ROWS = 10_000;

/** `?` → `$1, $2, …` (the portable SQL of db.ts never has `?` inside a string literal). */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function* chunks<T>(rows: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) yield rows.slice(i, i + CHUNK_ROWS);
}

type Queryable = pg.Pool | pg.PoolClient;

// ---- The hot paths' statements (index-driven reads, set-based writes, no FK checks). ----

const LOOKUP_SQL = `SELECT a.id, a.account, s.recipient, s.weight::text, s.index_at_change::text, s.accrued::text, s.joined_tick, s.changed_tick
  FROM unnest($2::text[]) AS k(account)
  JOIN accounts a ON a.pool = $1 AND a.account = k.account
  JOIN account_state s ON s.id = a.id`;
type LookupTuple = [number, string, string | null, string, string, string, number, number];

/**
 * The account_state rows of these ids, by the primary key (ids ascending: neighbouring rows share
 * pages). Measured at 1 M accounts, 5,000 accounts: 18 ms in the server against 61 ms for LOOKUP_SQL,
 * whose (pool, account) probes of a 43-character text index are most of its time.
 */
const STATES_BY_ID_SQL = `SELECT s.id, s.recipient, s.weight::text, s.index_at_change::text, s.accrued::text, s.joined_tick, s.changed_tick
  FROM unnest($1::int[]) AS k(id) JOIN account_state s ON s.id = k.id`;
type StateTuple = [number, string | null, string, string, string, number, number];

const lookupRow = (pool: string, [id, account, recipient, weight, idx, accrued, joined, changed]: LookupTuple): AccountRow => ({
  id,
  pool,
  account,
  recipient,
  weight: BigInt(weight),
  indexAtChange: BigInt(idx),
  accrued: BigInt(accrued),
  joinedTick: joined,
  changedTick: changed,
});

/**
 * A tick's changed accounts, in id order, one statement. Postgres compares indexed values before
 * touching an index (HOT), so recipient is always assigned; account_state's fillfactor 80
 * (migration 0003) leaves each page room for its updated rows, so they stay HOT.
 */
async function updateAccountState(q: Queryable, part: readonly AccountRow[]): Promise<void> {
  await q.query(
    `UPDATE account_state AS s SET recipient = u.recipient, weight = u.weight, index_at_change = u.idx, accrued = u.accrued, changed_tick = u.changed
     FROM unnest($1::int[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::int[]) AS u(id, recipient, weight, idx, accrued, changed)
     WHERE s.id = u.id`,
    [part.map((a) => a.id), part.map((a) => a.recipient), part.map((a) => a.weight.toString()), part.map((a) => a.indexAtChange.toString()), part.map((a) => a.accrued.toString()), part.map((a) => a.changedTick)],
  );
}

/**
 * A tick that inserts this many accounts refreshes the planner's statistics of the account tables
 * in its own transaction (ANALYZE counts the transaction's own new rows). Measured: after a first
 * tick of 100,000 joins and before autovacuum's analyze, the lookup's plan hash-joined every row of
 * both tables (545 ms for 500 keys) and the UPDATE scanned account_state (152 ms); with statistics,
 * index lookups, 19 ms and 6 ms.
 */
const ANALYZE_AFTER_INSERTS = 10_000;

async function insertAccounts(q: Queryable, part: readonly AccountRow[]): Promise<void> {
  const ids = part.map((a) => a.id);
  await q.query(`INSERT INTO accounts (id, pool, account) SELECT * FROM unnest($1::int[], $2::text[], $3::text[])`, [ids, part.map((a) => a.pool), part.map((a) => a.account)]);
  await q.query(
    `INSERT INTO account_state (id, recipient, weight, index_at_change, accrued, joined_tick, changed_tick)
     SELECT * FROM unnest($1::int[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::int[], $7::int[])`,
    [ids, part.map((a) => a.recipient), part.map((a) => a.weight.toString()), part.map((a) => a.indexAtChange.toString()), part.map((a) => a.accrued.toString()), part.map((a) => a.joinedTick), part.map((a) => a.changedTick)],
  );
}

/** COPY's text format: backslash, tab, newline and carriage return are escaped (postgresql.org/docs/current/sql-copy.html, "Text Format"). */
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyField = (v: string): string => (/[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : v);

/** Rows into a table by COPY … FROM STDIN, one tab-separated line each. */
async function copyInto(client: pg.PoolClient, sql: string, lines: string): Promise<void> {
  await pipeline(Readable.from([lines]), client.query(copyFrom(sql)));
}

/**
 * Credits and settled totals. An account's first credit has settled = amount (no account_settled
 * row yet, settle.ts): those rows and every credits row go in by COPY (measured, 990,000 rows:
 * credits 6.5 s → 4.8 s and account_settled 4.0 s → 2.6 s against INSERT … SELECT FROM unnest);
 * the accounts credited before take an UPDATE joined by id. Not `INSERT … ON CONFLICT DO UPDATE`
 * for all: its speculative insertion and row lock per credit were most of a 1 M-account settlement.
 */
async function insertCredits(client: pg.PoolClient, settlementId: string, rows: readonly CreditTuple[]): Promise<void> {
  let first = '';
  const again: CreditTuple[] = [];
  let credits = '';
  const settlement = copyField(settlementId);
  for (const r of rows) {
    if (r[2] === r[3]) first += `${r[0]}\t${r[3]}\n`;
    else again.push(r);
    credits += `${settlement}\t${r[0]}\t${copyField(r[1])}\t${r[2]}\n`;
  }
  if (first !== '') await copyInto(client, 'COPY account_settled (id, settled) FROM STDIN', first);
  for (const part of chunks(again)) {
    await client.query(`UPDATE account_settled AS p SET settled = u.settled FROM unnest($1::int[], $2::numeric[]) AS u(id, settled) WHERE p.id = u.id`, [part.map((r) => r[0]), part.map((r) => r[3])]);
  }
  await copyInto(client, 'COPY credits (settlement_id, account_id, recipient, amount) FROM STDIN', credits);
}

/**
 * node-postgres. numeric(78,0) comes back as a decimal string (exact); batches go as arrays through
 * unnest so a tick is a handful of round trips, not one per account.
 */
/** A statement that writes this table outside writeAccounts makes the id map stale. */
const ACCOUNTS_TABLE = /\baccounts\b/;

/**
 * The writer's account key → id map (account-ids.ts), as on SQLite, so a tick reads its changed
 * accounts by primary key. Kept exact across processes without a notification: account ids are
 * only ever assigned as MAX(id) + 1 (apply-tick.ts) and never reused, so a transaction that finds
 * MAX(id) above the map's reads just the accounts another writer added; below it (a restore, a
 * rolled-back insert) it reloads.
 */
class IdMap {
  readonly ids = new AccountIds();
  /** The highest id in the map (0 when none). */
  maxId = 0;
  /** The open transaction has compared the map with the table. */
  checked = false;

  drop(): void {
    this.ids.drop();
    this.maxId = 0;
    this.checked = false;
  }

  async ensure(q: Queryable): Promise<void> {
    if (this.checked && this.ids.loaded) return;
    const r = await q.query({ text: 'SELECT COALESCE(MAX(id), 0) FROM accounts', rowMode: 'array' });
    const max = Number((r.rows as [number | string][])[0]![0]);
    if (!this.ids.loaded || max < this.maxId) {
      this.drop();
      await this.#load(q, 0);
    } else if (max > this.maxId) await this.#load(q, this.maxId);
    this.checked = true;
  }

  add(pool: string, account: string, id: number): void {
    this.ids.add(pool, account, id);
    if (id > this.maxId) this.maxId = id;
  }

  async #load(q: Queryable, afterId: number): Promise<void> {
    const r = await q.query({ text: 'SELECT id, pool, account FROM accounts WHERE id > $1 ORDER BY id', values: [afterId], rowMode: 'array' });
    const rows = r.rows as [number, string, string][];
    if (this.ids.loaded) for (const [id, pool, account] of rows) this.add(pool, account, id);
    else this.ids.ensure(() => rows);
    const last = rows[rows.length - 1];
    if (last !== undefined && last[0] > this.maxId) this.maxId = last[0];
  }
}

class PgQueries {
  readonly dialect = 'postgres' as const;
  /** q: the pool (queries) or a transaction's client; map: the writer's id map, used inside its transactions (`inTransaction`). */
  constructor(
    protected readonly q: Queryable,
    protected readonly map: IdMap,
    protected readonly inTransaction: boolean,
  ) {}

  async all<T = Row>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return (await this.q.query(numbered(sql), params as Param[])).rows as T[];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    if (ACCOUNTS_TABLE.test(sql)) this.map.drop();
    return (await this.q.query(numbered(sql), params as Param[])).rowCount ?? 0;
  }

  /**
   * Joins the keys as an unnest relation to the (pool, account) index: `account = ANY($2)` made
   * the planner choose a parallel scan of all of accounts (1 M rows: 248 ms for 5,000 keys).
   */
  async lookupAccounts(pool: string, keys: readonly string[]): Promise<AccountRow[]> {
    const out: AccountRow[] = [];
    // Outside a transaction (a query, a reader) the text index serves: one lookup does not pay for loading the map.
    if (this.inTransaction) {
      await this.map.ensure(this.q);
      const accountOf = new Map<number, string>();
      for (const key of keys) {
        const id = this.map.ids.idOf(pool, key);
        if (id !== undefined) accountOf.set(id, key);
      }
      const ids = [...accountOf.keys()].sort((x, y) => x - y);
      for (const part of chunks(ids)) {
        const r = await this.q.query({ text: STATES_BY_ID_SQL, values: [part], rowMode: 'array' });
        for (const [id, recipient, weight, idx, accrued, joined, changed] of r.rows as StateTuple[]) {
          out.push(lookupRow(pool, [id, accountOf.get(id)!, recipient, weight, idx, accrued, joined, changed]));
          accountOf.delete(id);
        }
      }
      const [missing] = accountOf;
      if (missing !== undefined) throw new EngineError('STORAGE_MISMATCH', `accounts: ${pool} account ${missing[1]} (id ${missing[0]}) has no account_state row; run ao-emission audit verify`);
      return out;
    }
    for (const part of chunks(keys)) {
      const r = await this.q.query({ text: LOOKUP_SQL, values: [pool, part], rowMode: 'array' });
      for (const row of r.rows as LookupTuple[]) out.push(lookupRow(pool, row));
    }
    return out;
  }

  async accountPage(pool: string, afterId: number, limit: number, onlyActive: boolean): Promise<AccountRow[]> {
    const sql = `${ACCOUNT_SELECT} WHERE a.pool = $1 AND a.id > $2${onlyActive ? ` AND s.weight <> 0` : ''} ORDER BY a.id LIMIT $3`;
    return ((await this.q.query(sql, [pool, afterId, limit])).rows as Row[]).map(toAccountRow);
  }

  async accountsWithRecipient(recipient: string): Promise<AccountRow[]> {
    return ((await this.q.query(`${ACCOUNT_SELECT} WHERE s.recipient = $1 ORDER BY a.pool, a.account`, [recipient])).rows as Row[]).map(toAccountRow);
  }

  /** Postgres writes account_state in every tick: nothing is deferred. */
  async pendingAccountState(): Promise<ReadonlyMap<number, AccountState>> {
    return new Map();
  }

  async flushAccountState(): Promise<void> {}

  async settlementPage(pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]> {
    const r = await this.q.query({
      text: `SELECT s.id, s.recipient, s.weight::text, s.index_at_change::text, s.accrued::text, COALESCE(p.settled, 0)::text
             FROM account_state s JOIN accounts a ON a.id = s.id LEFT JOIN account_settled p ON p.id = s.id
             WHERE a.pool = $1 AND s.id > $2 AND s.recipient IS NOT NULL AND NOT (s.weight = 0 AND s.changed_tick < $3) ORDER BY s.id LIMIT $4`,
      values: [pool, afterId, sinceTick, limit],
      rowMode: 'array',
    });
    return r.rows as SettleTuple[];
  }

  async writeAccounts(updates: readonly AccountUpdate[], inserts: readonly AccountRow[]): Promise<void> {
    for (const part of chunks(updates.map((u) => u.row).sort((x, y) => x.id - y.id))) await updateAccountState(this.q, part);
    for (const part of chunks(inserts)) await insertAccounts(this.q, part);
    if (this.map.ids.loaded) for (const a of inserts) this.map.add(a.pool, a.account, a.id);
    if (inserts.length >= ANALYZE_AFTER_INSERTS) await this.q.query('ANALYZE accounts, account_state');
  }

  async writeCredits(settlementId: string, rows: readonly CreditTuple[]): Promise<void> {
    if (!this.inTransaction) throw new EngineError('STORAGE_MISMATCH', 'writeCredits: called outside a transaction');
    // A settlement page (≤ 50,000 credits, a few MB of COPY text) per call.
    await insertCredits(this.q as pg.PoolClient, settlementId, rows);
  }
}

class PgTransaction extends PgQueries implements Db {
  async transaction<T>(): Promise<T> {
    throw new Error('PgTransaction: transactions do not nest');
  }
  async migrate(): Promise<void> {
    throw new Error('PgTransaction: migrate outside a transaction');
  }
  async close(): Promise<void> {}
}

export class PostgresDb extends PgQueries implements Db {
  readonly #pool: pg.Pool;
  readonly #map: IdMap;

  constructor(url: string, readOnly = false) {
    // A reader's sessions refuse writes in the server, whatever the SQL asks.
    const pool = new pg.Pool({ connectionString: url, max: readOnly ? 2 : 4, ...(readOnly && { options: '-c default_transaction_read_only=on' }) });
    const map = new IdMap();
    super(pool, map, false);
    this.#pool = pool;
    this.#map = map;
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgTransaction(client, this.#map, true));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // The transaction's inserts did not happen: the map may name accounts that do not exist.
      this.#map.drop();
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      this.#map.checked = false;
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await migrate(drizzle({ client: this.#pool }), { migrationsFolder: MIGRATIONS });
  }

  async close(): Promise<void> {
    this.#map.drop();
    await this.#pool.end();
  }
}
