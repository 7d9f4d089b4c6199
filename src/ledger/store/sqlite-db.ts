import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { EngineError } from '../../errors.ts';
import { ACCOUNT_SELECT, byPoolThenAccount, rowOf, toAccountRow } from './db.ts';
import type { AccountRow, AccountState, AccountUpdate, CreditTuple, Db, OutboxBatchRow, Param, Row, SettleTuple } from './db.ts';
import { DeferredState, deferredAfter, sliceAfter } from './deferred-state.ts';
import type { ChangeLogRow, DeferredAccount } from './deferred-state.ts';
import { AccountIds } from './account-ids.ts';
import { Checkpointer } from './checkpointer.ts';

const MIGRATIONS = fileURLToPath(new URL('../../../drizzle/sqlite', import.meta.url));
/** Page cache, KiB: holds the hot account pages of a 1 M-account pool. */
const CACHE_KIB = 256 * 1024;
const MMAP_BYTES = 2 ** 30;
/** WAL pages (4 KiB) between automatic checkpoints: 16 MiB. */
const WAL_CHECKPOINT_PAGES = 4_096;
/** Rows per multi-row INSERT of a settlement: one statement per 100 credits instead of one each (measured: 1 M credits 4.0 s → 2.6 s). */
const CREDIT_ROWS_PER_STATEMENT = 100;

/**
 * Accounts whose account_state rewrite is deferred before a tick writes them all (deferred-state.ts).
 * 100,000 at 5,000 changes a tick: one rewrite every ~20 ticks, of most of account_state's pages
 * instead of ~4,500 pages in each of those ticks.
 */
export const DEFAULT_DEFER_ACCOUNTS = 100_000;

/**
 * Deferred accounts a tick rewrites once deferAccounts are behind: the next ones in id order after
 * the previous rewrite (wrapping), so the rewrite is spread over ticks instead of one tick writing
 * all 100,000 (measured at 1 M accounts: 1.4 s, one tick in ~22, the whole p99). Must be at least
 * the changes of a tick for the accounts behind to stay near deferAccounts.
 */
export const DEFAULT_REWRITE_ACCOUNTS = 12_500;

/** A statement that writes this table outside writeAccounts makes the id map stale. */
const ACCOUNTS_TABLE = /\baccounts\b/;
/** Tables the deferred state is derived from: written directly (outside a transaction: tests, repairs), it is rebuilt. */
const DEFERRED_SOURCES = /\b(account_state|account_state_tick|weight_changes|tick_pools)\b/;
const STATE_COLUMNS = 'recipient, weight, index_at_change, accrued, joined_tick, changed_tick';
/** Ids per `json_each` read of account_state rows (bounds one statement's JSON text). */
const READ_IDS_PER_STATEMENT = 50_000;
type StateTuple = [string | null, string, string, string, number, number];

const stateOf = (r: StateTuple): AccountState => ({ recipient: r[0], weight: BigInt(r[1]), indexAtChange: BigInt(r[2]), accrued: BigInt(r[3]), joinedTick: r[4], changedTick: r[5] });

/**
 * better-sqlite3: one connection, WAL + synchronous=NORMAL (a committed tick survives a process
 * crash; an OS crash may lose the last commits but never leaves a partial one). Statements are
 * prepared once and cached by their SQL text. Calls are synchronous underneath; the ledger
 * serialises its operations, so an open transaction never interleaves with another.
 *
 * A tick's account updates are deferred (deferred-state.ts): they stay in memory and in the tick's
 * weight_changes row until `deferAccounts` accounts are behind, and that tick then rewrites all of
 * them in id order, in its own transaction.
 */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #deferAccounts: number;
  readonly #rewriteAccounts: number;
  /** The rewrite sweep: the last account id a rewrite tick wrote (the next starts after it). */
  #sweepAfter = 0;
  /** The open transaction's partial rewrite: the ids written, account_state_tick after it, the sweep position. */
  #stagedRewrite: { readonly ids: readonly number[]; readonly checkpoint: number; readonly sweepAfter: number } | null = null;
  readonly #statements = new Map<string, Database.Statement>();
  /** Account key → id (account-ids.ts). */
  readonly #ids = new AccountIds();
  /** The committed deferred state; null: not loaded (rebuilt from the database on next use). */
  #deferred: DeferredState | null = null;
  /** Another connection has committed since #deferred was built: replay what it logged. */
  #deferredStale = false;
  /** The open transaction's deferred updates, merged into #deferred at commit. */
  #staged = new Map<number, DeferredAccount>();
  /** The open transaction wrote the account_state_tick row (T = tick − 1 of its updates). */
  #stagedCheckpoint: number | null = null;
  /** The open transaction wrote every deferred state to account_state. */
  #flushed = false;
  #dataVersion = -1;
  #inTransaction = false;
  #checkpointer: Checkpointer | null = null;

  constructor(path: string, deferAccounts = DEFAULT_DEFER_ACCOUNTS, rewriteAccounts = DEFAULT_REWRITE_ACCOUNTS, readOnly = false) {
    if (!Number.isSafeInteger(deferAccounts) || deferAccounts < 1) {
      throw new EngineError('INVALID_CONFIG', `deferAccounts: ${String(deferAccounts)} is not a positive integer (accounts whose account_state rewrite may wait)`);
    }
    if (!Number.isSafeInteger(rewriteAccounts) || rewriteAccounts < 1) {
      throw new EngineError('INVALID_CONFIG', `rewriteAccounts: ${String(rewriteAccounts)} is not a positive integer (deferred accounts a tick rewrites)`);
    }
    this.#rewriteAccounts = rewriteAccounts;
    this.#deferAccounts = deferAccounts;
    if (readOnly) {
      // The writer made the file and put it in WAL mode; a reader changes neither (nor the header).
      this.#db = new Database(path, { readonly: true, fileMustExist: true });
    } else {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      this.#db = new Database(path);
      this.#db.pragma('journal_mode = WAL');
    }
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    // A tick reads ~5,000 random account pages at 1 M accounts and a rewrite of the deferred
    // accounts touches most of account_state; the default 2 MiB page cache would re-read them all.
    this.#db.pragma(`cache_size = -${CACHE_KIB}`);
    // Reads through a memory map instead of a pread per page (measured: ~3× less system time per lookup).
    if (path !== ':memory:') this.#db.pragma(`mmap_size = ${MMAP_BYTES}`);
    // Checkpoint (copy WAL → database, fsync) every 16 MiB of WAL instead of SQLite's 4 MiB. It
    // was 128 MiB while one tick rewrote every deferred account (~100 MiB): that tick paid one
    // checkpoint. With the rewrite spread over ticks a 128 MiB checkpoint would land whole in one
    // of them (up to 0.9 s measured); 16 MiB ones are small and spread. Durability is unchanged: WAL commits.
    this.#db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
    if (!readOnly && path !== ':memory:') {
      // Checkpoints move to a worker thread (checkpointer.ts); if it stops, this connection takes them back.
      this.#db.pragma('wal_autocheckpoint = 0');
      this.#checkpointer = new Checkpointer(path, () => {
        this.#checkpointer = null;
        if (this.#db.open) this.#db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`);
      });
    }
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
    if (ACCOUNTS_TABLE.test(sql)) this.#ids.drop();
    if (!this.#inTransaction && DEFERRED_SOURCES.test(sql)) this.#deferred = null;
    return this.#prepare(sql).run(...params).changes;
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    this.#db.exec('BEGIN IMMEDIATE');
    this.#inTransaction = true;
    this.#checkDataVersion();
    try {
      const result = await fn(this);
      if (this.#staged.size > 0 && this.#behind() >= this.#deferAccounts) this.#rewriteSlice();
      this.#db.exec('COMMIT');
      this.#checkpointer?.committed();
      this.#commitDeferred();
      return result;
    } catch (error) {
      // #deferred stays: the transaction's own deferred updates were only staged.
      this.#ids.drop();
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    } finally {
      this.#staged = new Map();
      this.#stagedCheckpoint = null;
      this.#stagedRewrite = null;
      this.#flushed = false;
      this.#inTransaction = false;
    }
  }

  /** Notes another connection's commit (PRAGMA data_version moved): the id map is dropped, the deferred state refreshed on next use. */
  #checkDataVersion(): void {
    const version = this.#prepare('PRAGMA data_version').pluck().get() as number;
    if (version !== this.#dataVersion) {
      this.#ids.drop();
      this.#deferredStale = true;
    }
    this.#dataVersion = version;
  }

  /** The committed deferred state, (re)built from the database when needed. */
  #deferredState(): DeferredState {
    if (!this.#inTransaction) this.#checkDataVersion();
    if (this.#deferred === null || this.#deferredStale) {
      const previous = this.#deferred;
      this.#deferred = null;
      this.#deferred = this.#inTransaction ? this.#loadDeferred(previous) : this.#db.transaction(() => this.#loadDeferred(previous)).deferred();
      this.#deferredStale = false;
    }
    return this.#deferred;
  }

  /**
   * Replays the changes logged after account_state_tick onto account_state (in one read transaction:
   * one snapshot). Only the ticks after previous.through when the checkpoint has not moved since.
   */
  #loadDeferred(previous: DeferredState | null): DeferredState {
    const checkpoint = (this.#prepare('SELECT tick FROM account_state_tick WHERE id = 1').pluck().get() as number | undefined) ?? null;
    if (checkpoint === null) return new DeferredState(null);
    const state = previous !== null && previous.checkpoint === checkpoint ? previous : new DeferredState(checkpoint);
    const indices = new Map<string, bigint>();
    for (const [tick, pool, index] of this.#prepare('SELECT tick, pool, index_value FROM tick_pools WHERE tick >= ?').raw(true).iterate(state.through) as IterableIterator<[number, string, string]>) {
      indices.set(`${tick}:${pool}`, BigInt(index));
    }
    const read = this.#prepare(`SELECT ${STATE_COLUMNS} FROM account_state WHERE id = ?`).raw(true);
    state.replay(
      this.#prepare('SELECT tick, pool, payload FROM weight_changes WHERE tick > ? ORDER BY tick, pool').iterate(state.through) as IterableIterator<ChangeLogRow>,
      // A pool without a row at k − 1 did not exist yet: its index was 0.
      (tick, pool) => indices.get(`${tick - 1}:${pool}`) ?? 0n,
      (id) => {
        const r = read.get(id) as StateTuple | undefined;
        return r === undefined ? undefined : stateOf(r);
      },
    );
    return state;
  }

  /**
   * The account_state rows of these ids (ascending: neighbouring rows share B-tree pages), read by
   * a join over a JSON array of ids rather than a statement per id (measured at 1 M accounts:
   * 5,000 reads in 15–18 ms instead of 48–56 ms). Ids without a row are simply absent.
   */
  *#storedStates(ids: readonly number[]): Generator<[number, ...StateTuple]> {
    // (json_each has an id column of its own: s.id; the state columns' names are account_state's alone.)
    const read = this.#prepare(`SELECT s.id, ${STATE_COLUMNS} FROM json_each(?) j JOIN account_state s ON s.id = j.value`).raw(true);
    for (let i = 0; i < ids.length; i += READ_IDS_PER_STATEMENT) {
      yield* read.iterate(JSON.stringify(ids.slice(i, i + READ_IDS_PER_STATEMENT))) as IterableIterator<[number, ...StateTuple]>;
    }
  }

  /** The account's deferred state (this transaction's first), if its account_state row is behind. */
  #pending(id: number): AccountState | undefined {
    return this.#staged.get(id) ?? this.#deferredState().accounts.get(id);
  }

  /** Accounts whose account_state row is behind, counting this transaction's. */
  #behind(): number {
    const committed = this.#deferredState().accounts;
    let n = committed.size;
    for (const id of this.#staged.keys()) if (!committed.has(id)) n++;
    return n;
  }

  /** Stored row → current row. */
  #current(row: AccountRow): AccountRow {
    const s = this.#pending(row.id);
    return s === undefined ? row : rowOf(row.id, row.pool, row.account, s);
  }

  /** An account's deferred state, this transaction's first (the id must be behind). */
  #deferredOf = (id: number): DeferredAccount => this.#staged.get(id) ?? this.#deferredState().accounts.get(id)!;

  /** Ids of every account behind, ascending (a typed-array sort: ~10× faster than Array#sort with a comparator at 100,000 ids). */
  #behindIds(): Float64Array {
    const committed = this.#deferredState().accounts;
    const ids = new Float64Array(committed.size + this.#staged.size);
    let n = 0;
    for (const id of committed.keys()) ids[n++] = id;
    for (const id of this.#staged.keys()) if (!committed.has(id)) ids[n++] = id;
    return ids.subarray(0, n).sort();
  }

  /** Writes every deferred state to account_state (id order) in the open transaction; account_state is then current. */
  #flush(): void {
    this.#writeStates(this.#behindIds());
    this.#prepare('DELETE FROM account_state_tick').run();
    this.#flushed = true;
  }

  /**
   * One step of the spread rewrite: the next rewriteAccounts deferred accounts in id order after
   * the sweep position (wrapping to the lowest ids), written with their current state. A replay
   * from account_state_tick leaves them alone (their changed_tick is their last change), so T only
   * moves up to the oldest change still behind (since − 1), and goes when none is.
   */
  #rewriteSlice(): void {
    const ids = this.#behindIds();
    if (ids.length <= this.#rewriteAccounts) {
      this.#flush();
      return;
    }
    const slice = sliceAfter(ids, this.#sweepAfter, this.#rewriteAccounts, (id) => this.#deferredOf(id).since);
    this.#writeStates(slice.head);
    this.#writeStates(slice.tail);
    this.#prepare('UPDATE account_state_tick SET tick = ? WHERE id = 1').run(slice.checkpoint);
    this.#stagedRewrite = { ids: [...slice.head, ...slice.tail], checkpoint: slice.checkpoint, sweepAfter: slice.sweepAfter };
  }

  /** UPDATEs of these deferred accounts' account_state rows, in the order given (id order). */
  #writeStates(ids: Float64Array): void {
    const withRecipient = this.#prepare('UPDATE account_state SET recipient = ?, weight = ?, index_at_change = ?, accrued = ?, changed_tick = ? WHERE id = ?');
    const keepRecipient = this.#prepare('UPDATE account_state SET weight = ?, index_at_change = ?, accrued = ?, changed_tick = ? WHERE id = ?');
    // Accounts changed in the same tick share index_at_change: converted once per run of equal values.
    let index: bigint | undefined;
    let indexText = '';
    for (const id of ids) {
      const a = this.#deferredOf(id);
      if (a.indexAtChange !== index) indexText = (index = a.indexAtChange).toString();
      if (a.recipientChanged) withRecipient.run(a.recipient, a.weight.toString(), indexText, a.accrued.toString(), a.changedTick, id);
      else keepRecipient.run(a.weight.toString(), indexText, a.accrued.toString(), a.changedTick, id);
    }
  }

  /** After COMMIT: the transaction's deferred updates join the committed state. */
  #commitDeferred(): void {
    if (this.#flushed) {
      this.#deferred = new DeferredState(null);
      return;
    }
    if (this.#staged.size === 0) return;
    const state = this.#deferredState();
    state.absorb(this.#staged, this.#stagedCheckpoint);
    const rewrite = this.#stagedRewrite;
    if (rewrite !== null) {
      for (const id of rewrite.ids) state.accounts.delete(id);
      state.checkpoint = rewrite.checkpoint;
      this.#sweepAfter = rewrite.sweepAfter;
    }
  }

  #accountRows(): Iterable<readonly [number, string, string]> {
    return this.#prepare('SELECT id, pool, account FROM accounts').raw(true).iterate() as IterableIterator<[number, string, string]>;
  }

  async lookupAccounts(pool: string, keys: readonly string[]): Promise<AccountRow[]> {
    // Outside a transaction (a query) the map is used if present but never loaded for one lookup.
    if (!this.#inTransaction) this.#checkDataVersion();
    else this.#ids.ensure(() => this.#accountRows());
    const rows: AccountRow[] = [];
    if (!this.#ids.loaded) {
      const byKey = this.#prepare(`${ACCOUNT_SELECT} WHERE a.pool = ? AND a.account = ?`);
      for (const key of keys) {
        const r = byKey.get(pool, key) as Row | undefined;
        if (r !== undefined) rows.push(this.#current(toAccountRow(r)));
      }
      return rows;
    }
    // Accounts behind account_state come from memory, the others from one read.
    const accountOf = new Map<number, string>();
    for (const key of keys) {
      const id = this.#ids.idOf(pool, key);
      if (id === undefined) continue;
      const pending = this.#pending(id);
      if (pending !== undefined) rows.push(rowOf(id, pool, key, pending));
      else accountOf.set(id, key);
    }
    if (accountOf.size === 0) return rows;
    for (const [id, ...r] of this.#storedStates([...accountOf.keys()].sort((x, y) => x - y))) {
      const account = accountOf.get(id)!;
      accountOf.delete(id);
      rows.push({ id, pool, account, recipient: r[0], weight: BigInt(r[1]), indexAtChange: BigInt(r[2]), accrued: BigInt(r[3]), joinedTick: r[4], changedTick: r[5] });
    }
    const [missing] = accountOf;
    if (missing !== undefined) throw new EngineError('STORAGE_MISMATCH', `accounts: ${pool} account ${missing[1]} (id ${missing[0]}) has no account_state row; run ao-emission audit verify`);
    return rows;
  }

  async accountPage(pool: string, afterId: number, limit: number, onlyActive: boolean): Promise<AccountRow[]> {
    // `+a.pool` keeps the planner on the rowid range (id > ?) instead of the (pool, account) index,
    // which would sort the whole pool for every page.
    const page = (after: number, active: boolean): Row[] =>
      this.#prepare(`${ACCOUNT_SELECT} WHERE a.id > ? AND +a.pool = ?${active ? ` AND s.weight <> '0'` : ''} ORDER BY a.id LIMIT ?`).all(after, pool, limit) as Row[];
    if (this.#staged.size === 0 && this.#deferredState().accounts.size === 0) return page(afterId, onlyActive).map(toAccountRow);
    // A deferred change can make a stored zero weight active or the reverse: filter after merging.
    const out: AccountRow[] = [];
    for (let after = afterId; ; ) {
      const rows = page(after, false);
      for (const r of rows) {
        const a = this.#current(toAccountRow(r));
        if (onlyActive && a.weight === 0n) continue;
        out.push(a);
        if (out.length === limit) return out;
      }
      if (rows.length < limit) return out;
      after = Number(rows[rows.length - 1]!['id']);
    }
  }

  async accountsWithRecipient(recipient: string): Promise<AccountRow[]> {
    const stored = this.#prepare(`${ACCOUNT_SELECT} WHERE s.recipient = ?`).all(recipient) as Row[];
    const out = new Map<number, AccountRow>();
    for (const r of stored) {
      const a = this.#current(toAccountRow(r));
      if (a.recipient === recipient) out.set(a.id, a);
    }
    const identity = this.#prepare('SELECT pool, account FROM accounts WHERE id = ?').raw(true);
    for (const [id, s] of await this.pendingAccountState()) {
      if (s.recipient !== recipient || out.has(id)) continue;
      const [pool, account] = identity.get(id) as [string, string];
      out.set(id, rowOf(id, pool, account, s));
    }
    return [...out.values()].sort(byPoolThenAccount);
  }

  async pendingAccountState(): Promise<ReadonlyMap<number, AccountState>> {
    const merged = new Map<number, AccountState>(this.#deferredState().accounts);
    for (const [id, s] of this.#staged) merged.set(id, s);
    return merged;
  }

  /** SQLite rewrites its deferred accounts inside the ticks themselves, a slice at a time (#rewriteSlice): nothing to do between them. */
  async compactAccountState(): Promise<void> {}

  async flushAccountState(): Promise<void> {
    if (!this.#inTransaction) throw new EngineError('STORAGE_MISMATCH', 'flushAccountState: called outside a transaction');
    if (this.#staged.size > 0 || this.#deferredState().checkpoint !== null) this.#flush();
  }

  async settlementPage(pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]> {
    // better-sqlite3 is synchronous: without a turn of the event loop between pages, a 1 M-account
    // settlement would hold off every HTTP request (the readers have their own connection) for its whole run.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const s = this.#prepare(
      `SELECT s.id, s.recipient, s.weight, s.index_at_change, s.accrued, COALESCE(p.settled, '0')
       FROM account_state s JOIN accounts a ON a.id = s.id LEFT JOIN account_settled p ON p.id = s.id
       WHERE s.id > ? AND +a.pool = ? AND s.recipient IS NOT NULL AND NOT (s.weight = '0' AND s.changed_tick < ?) ORDER BY s.id LIMIT ?`,
    );
    return s.raw(true).all(afterId, pool, sinceTick, limit) as SettleTuple[];
  }

  async writeAccounts(updates: readonly AccountUpdate[], inserts: readonly AccountRow[]): Promise<void> {
    if (updates.length > 0) {
      const state = this.#deferredState();
      if (state.checkpoint === null && this.#stagedCheckpoint === null) {
        // account_state is current up to the tick before these updates; from here on it may lag.
        this.#stagedCheckpoint = updates[0]!.row.changedTick - 1;
        this.#prepare('INSERT INTO account_state_tick (id, tick) VALUES (1, ?)').run(this.#stagedCheckpoint);
      }
      for (const { row: a, recipientChanged } of updates) this.#staged.set(a.id, deferredAfter(this.#staged.get(a.id) ?? state.accounts.get(a.id), a, recipientChanged));
    }
    const account = this.#prepare('INSERT INTO accounts (id, pool, account) VALUES (?, ?, ?)');
    const initial = this.#prepare(`INSERT INTO account_state (id, ${STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    for (const a of inserts) {
      account.run(a.id, a.pool, a.account);
      initial.run(a.id, a.recipient, a.weight.toString(), a.indexAtChange.toString(), a.accrued.toString(), a.joinedTick, a.changedTick);
      this.#ids.add(a.pool, a.account, a.id);
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

  async writeOutboxBatches(rows: readonly OutboxBatchRow[]): Promise<void> {
    const statement = this.#prepare(
      `INSERT INTO outbox_batches (batch_id, settlement_id, batch_index, pool, from_tick, to_tick, credit_count, total, payload, status, attempts, message_id, last_error, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, NULL, NULL, ?, ?)`,
    );
    for (const b of rows) statement.run(b.batchId, b.settlementId, b.batchIndex, b.pool, b.fromTick, b.toTick, b.creditCount, b.total, b.payload, b.createdAtMs, b.createdAtMs);
  }

  async migrate(): Promise<void> {
    migrate(drizzle({ client: this.#db }), { migrationsFolder: MIGRATIONS });
    this.#ids.drop();
    this.#deferred = null;
  }

  async close(): Promise<void> {
    await this.#checkpointer?.close();
    this.#checkpointer = null;
    this.#statements.clear();
    this.#ids.drop();
    this.#deferred = null;
    if (this.#db.open) this.#db.close();
  }
}
