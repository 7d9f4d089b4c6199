import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EngineError } from '../../errors.ts';
import { AccountIds } from './account-ids.ts';
import { ACCOUNT_SELECT, byPoolThenAccount, rowOf, toAccountRow } from './db.ts';
import type { AccountRow, AccountState, AccountUpdate, CreditTuple, Db, OutboxBatchRow, Param, Row, SettleTuple } from './db.ts';
import { DeferredState, deferredAfter } from './deferred-state.ts';
import type { DeferredAccount } from './deferred-state.ts';
import { loadDeferred, readStates, writeStates } from './postgres-deferred.ts';
import { TxConnection } from './postgres-connection.ts';
import type { Queryable } from './postgres-connection.ts';

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


// ---- The hot paths' statements (index-driven reads, set-based writes, no FK checks). ----

const LOOKUP_SQL = `SELECT a.id, a.account, s.recipient, s.weight::text, s.index_at_change::text, s.accrued::text, s.joined_tick, s.changed_tick
  FROM unnest($2::text[]) AS k(account)
  JOIN accounts a ON a.pool = $1 AND a.account = k.account
  JOIN account_state s ON s.id = a.id`;
type LookupTuple = [number, string, string | null, string, string, string, number, number];

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

/** Rows into a table by COPY … FROM STDIN, tab-separated lines, given in one or more pieces. */
async function copyInto(client: pg.PoolClient, sql: string, lines: string | Iterable<string>): Promise<void> {
  await pipeline(Readable.from(typeof lines === 'string' ? [lines] : lines), client.query(copyFrom(sql)));
}

/**
 * A settlement's outbox batches by COPY, a batch a piece (1,000 batches at 1 M accounts are 62 MB
 * of JSON: measured, 20 multi-row INSERTs 1.3 s against COPY 0.8 s, and the COPY is written behind).
 */
async function insertOutboxBatches(client: pg.PoolClient, rows: readonly OutboxBatchRow[]): Promise<void> {
  const line = (b: OutboxBatchRow): string =>
    `${copyField(b.batchId)}\t${copyField(b.settlementId)}\t${b.batchIndex}\t${copyField(b.pool)}\t${b.fromTick}\t${b.toTick}\t${b.creditCount}\t${b.total}\t${copyField(b.payload)}\tpending\t0\t${b.createdAtMs}\t${b.createdAtMs}\n`;
  await copyInto(
    client,
    'COPY outbox_batches (batch_id, settlement_id, batch_index, pool, from_tick, to_tick, credit_count, total, payload, status, attempts, created_at_ms, updated_at_ms) FROM STDIN',
    (function* () {
      for (const b of rows) yield line(b);
    })(),
  );
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

/** A statement that writes this table outside writeAccounts makes the id map stale. */
const ACCOUNTS_TABLE = /\baccounts\b/;
/** A statement naming one of these in a transaction may write rows only that transaction's connection sees (TxState.wroteAccounts). */
const ACCOUNT_ROWS = /\b(accounts|account_state)\b/;
/** Tables the deferred state is derived from: a statement writing one directly (tests, repairs) makes it stale. */
const DEFERRED_SOURCES = /\b(account_state|account_state_tick|weight_changes|tick_pools)\b/;
/**
 * Accounts a writer may leave behind account_state before a tick writes them itself: the bound
 * when nothing compacts (compactAccountState, which the ledger runs after every tick, keeps it near
 * one tick's changes).
 */
export const PG_DEFER_ACCOUNTS_MAX = 100_000;

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

  drop(): void {
    this.ids.drop();
    this.maxId = 0;
  }

  async ensure(q: Queryable): Promise<void> {
    const r = await q.query({ text: 'SELECT COALESCE(MAX(id), 0) FROM accounts', rowMode: 'array' });
    const max = Number((r.rows as [number | string][])[0]![0]);
    if (!this.ids.loaded || max < this.maxId) {
      this.drop();
      await this.#load(q, 0);
    } else if (max > this.maxId) await this.#load(q, this.maxId);
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

/**
 * What the writer keeps between its transactions: the id map and the committed deferred state
 * (postgres-deferred.ts), with the last tick and T it was checked against. Another process's
 * commit moves one of them; the next transaction then replays what it logged.
 */
class WriterState {
  readonly map = new IdMap();
  deferred: DeferredState | null = null;
  lastTick = -1;

  drop(): void {
    this.map.drop();
    this.deferred = null;
  }
}

const SETTLEMENT_PAGE_SQL = `SELECT s.id, s.recipient, s.weight::text, s.index_at_change::text, s.accrued::text, COALESCE(p.settled, 0)::text
  FROM account_state s JOIN accounts a ON a.id = s.id AND a.id > $2 LEFT JOIN account_settled p ON p.id = s.id AND p.id > $2
  WHERE a.pool = $1 AND s.id > $2 AND s.recipient IS NOT NULL AND NOT (s.weight = 0 AND s.changed_tick < $3) ORDER BY s.id LIMIT $4`;

/**
 * Every joined table carries the page's `id > afterId` bound: with it on account_state alone the
 * planner's merge joins scanned accounts and account_settled from their first id for every page
 * (measured at 10 M accounts, page 100 of 200: 4.1 s, against 76 ms bounded).
 */
async function settlementRows(q: Queryable, pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]> {
  return (await q.query({ text: SETTLEMENT_PAGE_SQL, values: [pool, afterId, sinceTick, limit], rowMode: 'array' })).rows as SettleTuple[];
}

/**
 * Settlement's read-ahead: a read-only transaction on another connection that imports the
 * settlement transaction's snapshot (pg_export_snapshot), so it reads exactly the rows the
 * settlement would, and reads the next page while the settlement computes and writes the current
 * one. Measured at 1 M accounts: page reads were 3.1 s of a 10.7 s settlement, all on its path.
 */
class ReadAhead {
  #next: { readonly key: string; readonly rows: Promise<SettleTuple[]> } | null = null;

  private constructor(readonly client: pg.PoolClient) {}

  static async open(tx: Queryable, pool: pg.Pool): Promise<ReadAhead> {
    const snapshot = (await tx.query({ text: 'SELECT pg_export_snapshot()', rowMode: 'array' })).rows as [string][];
    const client = await pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET TRANSACTION SNAPSHOT '${snapshot[0]![0].replace(/'/g, "''")}'`);
    } catch (error) {
      client.release(true);
      throw error;
    }
    return new ReadAhead(client);
  }

  /** The page asked for (read ahead by the previous call when it was the next one), and the read of the page after it started. */
  async page(pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]> {
    const key = `${pool}\n${afterId}\n${limit}\n${sinceTick}`;
    const ahead = this.#next;
    this.#next = null;
    let rows: SettleTuple[];
    if (ahead?.key === key) rows = await ahead.rows;
    else {
      if (ahead !== null) await ahead.rows.catch(() => undefined);
      rows = await settlementRows(this.client, pool, afterId, limit, sinceTick);
    }
    const last = rows[rows.length - 1];
    if (rows.length === limit && last !== undefined) {
      const next = settlementRows(this.client, pool, last[0], limit, sinceTick);
      // Awaited by the next call or by close(); handled here so an unused failure is not unhandled.
      next.catch(() => undefined);
      this.#next = { key: `${pool}\n${last[0]}\n${limit}\n${sinceTick}`, rows: next };
    }
    return rows;
  }

  /** Ends the read-only transaction once no read is in flight, and returns the connection. */
  async close(): Promise<void> {
    if (this.#next !== null) await this.#next.rows.catch(() => undefined);
    this.#next = null;
    const ok = await this.client.query('ROLLBACK').then(() => true, () => false);
    this.client.release(!ok);
  }
}

/** One transaction's deferred updates, joined to the writer's state at COMMIT. */
class TxState {
  readonly staged = new Map<number, DeferredAccount>();
  /** The account_state_tick this transaction wrote (T = tick − 1 of its first deferred update). */
  stagedCheckpoint: number | null = null;
  /** This transaction wrote every deferred account to account_state. */
  flushed = false;
  /** The id map and deferred state have been compared with the database in this transaction. */
  checked = false;
  /** This transaction has written accounts or account_state: only its own connection sees those rows. */
  wroteAccounts = false;
  /** Settlement's read-ahead connection, opened by the first settlementPage. */
  ahead: ReadAhead | null = null;
}

/**
 * A lookup of at least this many stored rows inside the writer's transaction reads half of them on
 * a second connection at the same time. Measured at 1 M accounts, 5,000 rows by primary key: one
 * statement 35 ms, two halves at once 26 ms (the server's time is the index probes, one core each).
 */
const SPLIT_READ_ROWS = 2_000;

/**
 * node-postgres. numeric(78,0) comes back as a decimal string (exact); batches go as arrays through
 * unnest so a tick is a handful of round trips, not one per account.
 *
 * A tick's account updates are deferred, as on SQLite: they go to memory and the tick's
 * weight_changes row, not to account_state (an UPDATE of 5,000 random rows was 45–65 ms of a tick
 * at 1 M accounts). compactAccountState writes them in a transaction of its own, which the ledger
 * runs after each tick, off the tick's path; settlement flushes whatever is still behind. Inside
 * the writer's transactions the deferred state is the writer's memory; outside them (queries, the
 * read-only reader) it is read from the database on each call, which costs one statement while
 * nothing is behind.
 */
class PgQueries {
  readonly dialect = 'postgres' as const;
  /**
   * q: the pool (queries) or a transaction's client; tx: the open transaction's state (null outside
   * one); beside: in a transaction, the pool its lookups may read committed rows from (lookupAccounts).
   */
  constructor(
    protected readonly q: Queryable,
    protected readonly writer: WriterState,
    protected readonly tx: TxState | null,
    protected readonly beside: pg.Pool | null = null,
  ) {}

  async all<T = Row>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return (await this.q.query(numbered(sql), params as Param[])).rows as T[];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    if (ACCOUNTS_TABLE.test(sql)) this.writer.map.drop();
    if (this.tx !== null && ACCOUNT_ROWS.test(sql)) this.tx.wroteAccounts = true;
    // Outside a transaction only: the ledger's own transactions write these tables as the deferred state expects.
    if (this.tx === null && DEFERRED_SOURCES.test(sql)) this.writer.deferred = null;
    return (await this.q.query(numbered(sql), params as Param[])).rowCount ?? 0;
  }

  /** In the writer's transaction: the id map and committed deferred state, brought up to the database once per transaction. */
  protected async writerState(tx: TxState): Promise<DeferredState> {
    const w = this.writer;
    if (!tx.checked || w.deferred === null) {
      await w.map.ensure(this.q);
      const r = await this.q.query({ text: 'SELECT COALESCE(MAX(tick), 0) FROM ticks', rowMode: 'array' });
      const lastTick = Number((r.rows as [number | string][])[0]![0]);
      // Replays only what was logged after the state's last tick, unless T moved (deferred-state.ts).
      if (w.deferred === null || lastTick !== w.lastTick) w.deferred = await loadDeferred(this.q, w.deferred);
      else {
        const c = await this.q.query({ text: 'SELECT tick FROM account_state_tick WHERE id = 1', rowMode: 'array' });
        const checkpoint = c.rows.length === 0 ? null : Number((c.rows as [number][])[0]![0]);
        if (checkpoint !== w.deferred.checkpoint) w.deferred = await loadDeferred(this.q, null);
      }
      w.lastTick = lastTick;
      tx.checked = true;
    }
    return w.deferred;
  }

  /** Account id → current state of the accounts behind account_state. */
  async pendingAccountState(): Promise<ReadonlyMap<number, AccountState>> {
    if (this.tx === null) return (await loadDeferred(this.q, null)).accounts;
    const merged = new Map<number, AccountState>((await this.writerState(this.tx)).accounts);
    for (const [id, s] of this.tx.staged) merged.set(id, s);
    return merged;
  }

  /** Stored rows → current rows. */
  async #current(rows: readonly AccountRow[]): Promise<AccountRow[]> {
    if (rows.length === 0) return [];
    const pending = await this.pendingAccountState();
    return rows.map((r) => {
      const s = pending.get(r.id);
      return s === undefined ? r : rowOf(r.id, r.pool, r.account, s);
    });
  }

  /**
   * In the writer's transaction: ids from the map; accounts behind account_state from memory, the
   * others read by primary key. Outside it (a query, a reader): the (pool, account) index, one
   * lookup not paying for the map; then the deferred state merged.
   *
   * A large read in the transaction goes half on its connection and half on another, at once, the
   * first half sent while the second's ids are still being found. The other connection's statement
   * sees what one of the transaction's own would (READ COMMITTED: each statement reads the last
   * commit) except the transaction's own writes, so it is used only while the transaction has
   * written no accounts or account_state row (wroteAccounts).
   */
  async lookupAccounts(pool: string, keys: readonly string[]): Promise<AccountRow[]> {
    const out: AccountRow[] = [];
    if (this.tx !== null) {
      const tx = this.tx;
      const deferred = await this.writerState(tx);
      const accountOf = new Map<number, string>();
      const split = this.beside !== null && !tx.wroteAccounts && keys.length >= 2 * SPLIT_READ_ROWS;
      const reads: Promise<Map<number, AccountState>>[] = [];
      let ids: number[] = [];
      for (let i = 0; i < keys.length; i++) {
        if (split && i === keys.length >> 1) {
          reads.push(readStates(this.q, ids));
          ids = [];
        }
        const key = keys[i]!;
        const id = this.writer.map.ids.idOf(pool, key);
        if (id === undefined) continue;
        const pending = tx.staged.get(id) ?? deferred.accounts.get(id);
        if (pending !== undefined) out.push(rowOf(id, pool, key, pending));
        else {
          accountOf.set(id, key);
          ids.push(id);
        }
      }
      reads.push(readStates(split ? this.beside! : this.q, ids));
      for (const states of await Promise.all(reads)) {
        for (const [id, state] of states) {
          out.push(rowOf(id, pool, accountOf.get(id)!, state));
          accountOf.delete(id);
        }
      }
      const [missing] = accountOf;
      if (missing !== undefined) throw new EngineError('STORAGE_MISMATCH', `accounts: ${pool} account ${missing[1]} (id ${missing[0]}) has no account_state row; run ao-emission audit verify`);
      return out;
    }
    // Joins the keys as an unnest relation to the (pool, account) index: `account = ANY($2)` made
    // the planner choose a parallel scan of all of accounts (1 M rows: 248 ms for 5,000 keys).
    for (const part of chunks(keys)) {
      const r = await this.q.query({ text: LOOKUP_SQL, values: [pool, part], rowMode: 'array' });
      for (const row of r.rows as LookupTuple[]) out.push(lookupRow(pool, row));
    }
    return this.#current(out);
  }

  async accountPage(pool: string, afterId: number, limit: number, onlyActive: boolean): Promise<AccountRow[]> {
    const page = async (after: number, active: boolean): Promise<AccountRow[]> => {
      // s.id > $2 as well as a.id: see settlementPage.
      const sql = `${ACCOUNT_SELECT} WHERE a.pool = $1 AND a.id > $2 AND s.id > $2${active ? ` AND s.weight <> 0` : ''} ORDER BY a.id LIMIT $3`;
      return ((await this.q.query(sql, [pool, after, limit])).rows as Row[]).map(toAccountRow);
    };
    const pending = await this.pendingAccountState();
    if (pending.size === 0) return page(afterId, onlyActive);
    // A deferred change can make a stored zero weight active or the reverse: filter after merging.
    const out: AccountRow[] = [];
    for (let after = afterId; ; ) {
      const rows = await page(after, false);
      for (const r of rows) {
        const s = pending.get(r.id);
        const a = s === undefined ? r : rowOf(r.id, r.pool, r.account, s);
        if (onlyActive && a.weight === 0n) continue;
        out.push(a);
        if (out.length === limit) return out;
      }
      if (rows.length < limit) return out;
      after = rows[rows.length - 1]!.id;
    }
  }

  async accountsWithRecipient(recipient: string): Promise<AccountRow[]> {
    const stored = ((await this.q.query(`${ACCOUNT_SELECT} WHERE s.recipient = $1`, [recipient])).rows as Row[]).map(toAccountRow);
    const pending = await this.pendingAccountState();
    const out = new Map<number, AccountRow>();
    for (const r of stored) {
      const s = pending.get(r.id);
      const a = s === undefined ? r : rowOf(r.id, r.pool, r.account, s);
      if (a.recipient === recipient) out.set(a.id, a);
    }
    const ids = [...pending].filter(([id, s]) => s.recipient === recipient && !out.has(id)).map(([id]) => id);
    if (ids.length > 0) {
      const r = await this.q.query({ text: 'SELECT id, pool, account FROM accounts WHERE id = ANY($1::int[])', values: [ids], rowMode: 'array' });
      for (const [id, pool, account] of r.rows as [number, string, string][]) out.set(id, rowOf(id, pool, account, pending.get(id)!));
    }
    return [...out.values()].sort(byPoolThenAccount);
  }

  /** Writes every account behind to account_state (id order) in the open transaction; account_state is then current. */
  async flushAccountState(): Promise<void> {
    if (this.tx === null) throw new EngineError('STORAGE_MISMATCH', 'flushAccountState: called outside a transaction');
    const deferred = await this.writerState(this.tx);
    if (deferred.checkpoint === null && this.tx.stagedCheckpoint === null && this.tx.staged.size === 0) return;
    const behind = new Map<number, DeferredAccount>(deferred.accounts);
    for (const [id, s] of this.tx.staged) behind.set(id, s);
    await writeStates(this.q, [...behind]);
    await this.q.query('DELETE FROM account_state_tick');
    this.tx.flushed = true;
    this.tx.wroteAccounts = true;
  }

  /**
   * In the writer's transaction, read ahead on another connection (ReadAhead) unless the
   * transaction has written account rows itself (the flush before a settlement, when accounts were
   * behind): the other connection could not see them.
   */
  async settlementPage(pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]> {
    const tx = this.tx;
    if (tx === null || this.beside === null || tx.wroteAccounts) return settlementRows(this.q, pool, afterId, limit, sinceTick);
    tx.ahead ??= await ReadAhead.open(this.q, this.beside);
    return tx.ahead.page(pool, afterId, limit, sinceTick);
  }

  async writeAccounts(updates: readonly AccountUpdate[], inserts: readonly AccountRow[]): Promise<void> {
    if (this.tx === null) throw new EngineError('STORAGE_MISMATCH', 'writeAccounts: called outside a transaction');
    const tx = this.tx;
    if (updates.length > 0) {
      const deferred = await this.writerState(tx);
      if (deferred.checkpoint === null && tx.stagedCheckpoint === null) {
        // account_state is current up to the tick before these updates; from here on it may lag.
        tx.stagedCheckpoint = updates[0]!.row.changedTick - 1;
        await this.q.query('INSERT INTO account_state_tick (id, tick) VALUES (1, $1)', [tx.stagedCheckpoint]);
      }
      for (const { row: a, recipientChanged } of updates) tx.staged.set(a.id, deferredAfter(tx.staged.get(a.id) ?? deferred.accounts.get(a.id), a, recipientChanged));
      let behind = deferred.accounts.size;
      for (const id of tx.staged.keys()) if (!deferred.accounts.has(id)) behind++;
      if (behind >= PG_DEFER_ACCOUNTS_MAX) await this.flushAccountState();
    }
    if (inserts.length > 0) tx.wroteAccounts = true;
    for (const part of chunks(inserts)) await insertAccounts(this.q, part);
    if (this.writer.map.ids.loaded) for (const a of inserts) this.writer.map.add(a.pool, a.account, a.id);
    if (inserts.length >= ANALYZE_AFTER_INSERTS) await this.q.query('ANALYZE accounts, account_state');
  }

  async writeCredits(settlementId: string, rows: readonly CreditTuple[]): Promise<void> {
    if (this.tx === null || !(this.q instanceof TxConnection)) throw new EngineError('STORAGE_MISMATCH', 'writeCredits: called outside a transaction');
    // A settlement page (≤ 50,000 credits, a few MB of COPY text) per call, written behind: the
    // settlement computes its next page meanwhile (measured at 1 M accounts with the read-ahead:
    // 10.5 s → 9.6 s; the COPYs, one connection's, are then the settlement's path).
    this.q.writeBehind((client) => insertCredits(client, settlementId, rows));
  }

  async writeOutboxBatches(rows: readonly OutboxBatchRow[]): Promise<void> {
    if (this.tx === null || !(this.q instanceof TxConnection)) throw new EngineError('STORAGE_MISMATCH', 'writeOutboxBatches: called outside a transaction');
    if (rows.length === 0) return;
    this.q.writeBehind((client) => insertOutboxBatches(client, rows));
  }
}

class PgTransaction extends PgQueries implements Db {
  async transaction<T>(): Promise<T> {
    throw new Error('PgTransaction: transactions do not nest');
  }
  async compactAccountState(): Promise<void> {
    throw new Error('PgTransaction: compactAccountState runs a transaction of its own');
  }
  async migrate(): Promise<void> {
    throw new Error('PgTransaction: migrate outside a transaction');
  }
  async close(): Promise<void> {}
}

export class PostgresDb extends PgQueries implements Db {
  readonly #pool: pg.Pool;
  readonly #writer: WriterState;

  constructor(url: string, readOnly = false) {
    // A reader's sessions refuse writes in the server, whatever the SQL asks. Idle connections are
    // kept longer than a tick's 5 minutes (pg's default closes them after 10 s, so every tick paid
    // new sessions), with TCP keep-alive; one the server or the network closed while idle is
    // dropped by the pool (its 'error' event, which would otherwise end the process) and replaced.
    const pool = new pg.Pool({
      connectionString: url,
      max: readOnly ? 2 : 4,
      idleTimeoutMillis: 15 * 60_000,
      keepAlive: true,
      ...(readOnly && { options: '-c default_transaction_read_only=on' }),
    });
    pool.on('error', () => undefined);
    const writer = new WriterState();
    super(pool, writer, null);
    this.#pool = pool;
    this.#writer = writer;
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    const connection = new TxConnection(client);
    const state = new TxState();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgTransaction(connection, this.#writer, state, this.#pool));
      // After the writes still behind (TxConnection): one that failed fails the COMMIT.
      await connection.query('COMMIT');
      this.#committed(state);
      return result;
    } catch (error) {
      // The transaction's inserts did not happen: the map may name accounts that do not exist (the
      // committed deferred state is still the database's: this transaction's updates were only staged).
      this.#writer.map.drop();
      await connection.quiet();
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await state.ahead?.close();
      client.release();
    }
  }

  /** After COMMIT: the transaction's deferred updates join the writer's state. */
  #committed(tx: TxState): void {
    const w = this.#writer;
    if (!tx.checked || w.deferred === null) return;
    if (tx.flushed) {
      w.deferred = new DeferredState(null);
      return;
    }
    w.deferred.absorb(tx.staged, tx.stagedCheckpoint);
    if (w.deferred.through > w.lastTick) w.lastTick = w.deferred.through;
  }

  /**
   * Writes every account behind account_state, in a transaction of its own (a crash before it
   * commits leaves them in the change log, replayed on next use). The ledger runs it after each
   * tick, so the tick's commit does not wait for the UPDATE.
   */
  async compactAccountState(): Promise<void> {
    if (this.#writer.deferred !== null && this.#writer.deferred.checkpoint === null) return;
    await this.transaction((tx) => tx.flushAccountState());
  }

  async migrate(): Promise<void> {
    await migrate(drizzle({ client: this.#pool }), { migrationsFolder: MIGRATIONS });
    this.#writer.drop();
  }

  async close(): Promise<void> {
    this.#writer.drop();
    await this.#pool.end();
  }
}
