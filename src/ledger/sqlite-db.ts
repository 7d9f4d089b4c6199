import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { EngineError } from '../errors.ts';
import { ACCOUNT_SELECT, toAccountRow } from './db.ts';
import type { AccountRow, AccountUpdate, CreditTuple, Db, Param, Row, SettleTuple } from './db.ts';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle/sqlite', import.meta.url));
/** Page cache, KiB: holds the hot account pages of a 1 M-account pool. */
const CACHE_KIB = 256 * 1024;
const MMAP_BYTES = 2 ** 30;
/** WAL pages (4 KiB) between automatic checkpoints. */
const WAL_CHECKPOINT_PAGES = 32_768;
/** Rows per multi-row INSERT of a settlement: one statement per 100 credits instead of one each (measured: 1 M credits 4.0 s → 2.6 s). */
const CREDIT_ROWS_PER_STATEMENT = 100;

/** A statement that writes this table outside writeAccounts makes the id map stale. */
const ACCOUNTS_TABLE = /\baccounts\b/;

/**
 * better-sqlite3: one connection, WAL + synchronous=NORMAL (a committed tick survives a process
 * crash; an OS crash may lose the last commits but never leaves a partial one). Statements are
 * prepared once and cached by their SQL text. Calls are synchronous underneath; the ledger
 * serialises its operations, so an open transaction never interleaves with another.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  /**
   * pool → account key → id of every account, loaded by the first lookup inside a transaction
   * (≈ 1 s and ≈ 100 MiB at 1 M accounts) and kept in step by writeAccounts. A tick then reads each
   * changed account's account_state row by rowid instead of probing the (pool, account) text index
   * first. Exact, or absent: dropped on rollback (its inserts did not happen), when another
   * connection has committed (PRAGMA data_version moved) and when run() writes the accounts table
   * directly; reloaded on next use. (Measured, and not kept: a full copy of every account in memory
   * made ticks slower, not faster, at 1 M accounts: the collector's work on ≈ 300 MiB of small
   * objects outweighed the reads it saved.)
   */
  #ids: Map<string, Map<string, number>> | null = null;
  #dataVersion = -1;
  #inTransaction = false;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    // A tick rewrites ~one page per changed account (5,000 random pages at 1 M accounts); the
    // default 2 MiB page cache would re-read them from the OS on every tick.
    this.#db.pragma(`cache_size = -${CACHE_KIB}`);
    // Reads through a memory map instead of a pread per page (measured: ~3× less system time per lookup).
    if (path !== ':memory:') this.#db.pragma(`mmap_size = ${MMAP_BYTES}`);
    // Checkpoint (copy WAL → database, fsync) every 128 MiB of WAL instead of every 4 MiB: with
    // the default, nearly every tick at 1 M accounts pays a checkpoint; this way it is one tick in
    // several (it shows in the bench's p99, not its p50). Durability is unchanged: WAL commits.
    this.#db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
  }

  #prepare(sql: string): Database.Statement {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.#db.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  async all<T = Row>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return this.#prepare(sql).all(...params) as T[];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    if (ACCOUNTS_TABLE.test(sql)) this.#ids = null;
    return this.#prepare(sql).run(...params).changes;
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#db.exec('BEGIN IMMEDIATE');
    this.#inTransaction = true;
    this.#checkDataVersion();
    try {
      const result = await fn(this);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#ids = null;
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  /** Drops the id map when another connection has committed since this one last looked. */
  #checkDataVersion(): void {
    const version = this.#prepare('PRAGMA data_version').pluck().get() as number;
    if (version !== this.#dataVersion) this.#ids = null;
    this.#dataVersion = version;
  }

  #loadIds(): Map<string, Map<string, number>> {
    const ids = new Map<string, Map<string, number>>();
    for (const [id, pool, account] of this.#prepare('SELECT id, pool, account FROM accounts').raw(true).iterate() as IterableIterator<[number, string, string]>) {
      let keys = ids.get(pool);
      if (keys === undefined) ids.set(pool, (keys = new Map()));
      keys.set(account, id);
    }
    return ids;
  }

  async lookupAccounts(pool: string, keys: readonly string[]): Promise<AccountRow[]> {
    // Outside a transaction (a query) the map is used if present but never loaded for one lookup.
    if (!this.#inTransaction) this.#checkDataVersion();
    else if (this.#ids === null) this.#ids = this.#loadIds();
    const rows: AccountRow[] = [];
    if (this.#ids === null) {
      const byKey = this.#prepare(`${ACCOUNT_SELECT} WHERE a.pool = ? AND a.account = ?`);
      for (const key of keys) {
        const r = byKey.get(pool, key) as Row | undefined;
        if (r !== undefined) rows.push(toAccountRow(r));
      }
      return rows;
    }
    const ids = this.#ids.get(pool);
    const found: [number, string][] = [];
    for (const key of keys) {
      const id = ids?.get(key);
      if (id !== undefined) found.push([id, key]);
    }
    // In id order: consecutive reads share B-tree pages.
    found.sort((x, y) => x[0] - y[0]);
    const state = this.#prepare('SELECT recipient, weight, index_at_change, accrued, joined_tick, changed_tick FROM account_state WHERE id = ?').raw(true);
    for (const [id, account] of found) {
      const r = state.get(id) as [string | null, string, string, string, number, number] | undefined;
      if (r === undefined) throw new EngineError('STORAGE_MISMATCH', `accounts: ${pool} account ${account} (id ${id}) has no account_state row; run ao-emission audit verify`);
      rows.push({ id, pool, account, recipient: r[0], weight: BigInt(r[1]), indexAtChange: BigInt(r[2]), accrued: BigInt(r[3]), joinedTick: r[4], changedTick: r[5] });
    }
    return rows;
  }

  async accountPage(pool: string, afterId: number, limit: number, onlyActive: boolean): Promise<AccountRow[]> {
    // `+a.pool` keeps the planner on the rowid range (id > ?) instead of the (pool, account) index,
    // which would sort the whole pool for every page.
    const sql = `${ACCOUNT_SELECT} WHERE a.id > ? AND +a.pool = ?${onlyActive ? ` AND s.weight <> '0'` : ''} ORDER BY a.id LIMIT ?`;
    return (this.#prepare(sql).all(afterId, pool, limit) as Row[]).map(toAccountRow);
  }

  async settlementPage(pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]> {
    const s = this.#prepare(
      `SELECT s.id, s.recipient, s.weight, s.index_at_change, s.accrued, COALESCE(p.settled, '0')
       FROM account_state s JOIN accounts a ON a.id = s.id LEFT JOIN account_settled p ON p.id = s.id
       WHERE s.id > ? AND +a.pool = ? AND s.recipient IS NOT NULL AND NOT (s.weight = '0' AND s.changed_tick < ?) ORDER BY s.id LIMIT ?`,
    );
    return s.raw(true).all(afterId, pool, sinceTick, limit) as SettleTuple[];
  }

  async writeAccounts(updates: readonly AccountUpdate[], inserts: readonly AccountRow[]): Promise<void> {
    // Primary-key order: neighbouring rows share B-tree pages (DESIGN.md §4). The recipient column
    // is assigned only when it changed (AccountUpdate: assigning it rewrites its index entry).
    const withRecipient = this.#prepare('UPDATE account_state SET recipient = ?, weight = ?, index_at_change = ?, accrued = ?, changed_tick = ? WHERE id = ?');
    const keepRecipient = this.#prepare('UPDATE account_state SET weight = ?, index_at_change = ?, accrued = ?, changed_tick = ? WHERE id = ?');
    // A tick's changed accounts all take the pool's current index: converted once, not per row.
    let index: bigint | undefined;
    let indexText = '';
    for (const { row: a, recipientChanged } of [...updates].sort((x, y) => x.row.id - y.row.id)) {
      if (a.indexAtChange !== index) indexText = (index = a.indexAtChange).toString();
      if (recipientChanged) withRecipient.run(a.recipient, a.weight.toString(), indexText, a.accrued.toString(), a.changedTick, a.id);
      else keepRecipient.run(a.weight.toString(), indexText, a.accrued.toString(), a.changedTick, a.id);
    }
    const account = this.#prepare('INSERT INTO accounts (id, pool, account) VALUES (?, ?, ?)');
    const initial = this.#prepare('INSERT INTO account_state (id, recipient, weight, index_at_change, accrued, joined_tick, changed_tick) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const a of inserts) {
      account.run(a.id, a.pool, a.account);
      initial.run(a.id, a.recipient, a.weight.toString(), a.indexAtChange.toString(), a.accrued.toString(), a.joinedTick, a.changedTick);
      if (this.#ids !== null) {
        let keys = this.#ids.get(a.pool);
        if (keys === undefined) this.#ids.set(a.pool, (keys = new Map()));
        keys.set(a.account, a.id);
      }
    }
  }

  async writeCredits(settlementId: string, rows: readonly CreditTuple[]): Promise<void> {
    // Full chunks go through one prepared n-row statement; the tail row by row, so only two sizes are ever prepared.
    const settledSql = (k: number) => `INSERT INTO account_settled (id, settled) VALUES ${Array(k).fill('(?, ?)').join(', ')} ON CONFLICT (id) DO UPDATE SET settled = excluded.settled`;
    const creditSql = (k: number) => `INSERT INTO credits (settlement_id, account_id, recipient, amount) VALUES ${Array(k).fill('(?, ?, ?, ?)').join(', ')}`;
    for (let i = 0; i < rows.length; ) {
      const k = rows.length - i >= CREDIT_ROWS_PER_STATEMENT ? CREDIT_ROWS_PER_STATEMENT : 1;
      const settled: Param[] = [];
      const credits: Param[] = [];
      for (const [id, recipient, amount, total] of rows.slice(i, i + k)) {
        settled.push(id, total);
        credits.push(settlementId, id, recipient, amount);
      }
      this.#prepare(settledSql(k)).run(...settled);
      this.#prepare(creditSql(k)).run(...credits);
      i += k;
    }
  }

  async migrate(): Promise<void> {
    migrate(drizzle({ client: this.#db }), { migrationsFolder: MIGRATIONS });
  }

  async close(): Promise<void> {
    this.#statements.clear();
    this.#ids = null;
    if (this.#db.open) this.#db.close();
  }
}
