/**
 * The ledger's storage port: a few portable SQL calls plus the batch operations of the hot paths,
 * implemented once per driver (sqlite-db.ts, postgres-db.ts). Why not drizzle's query builder
 * everywhere: the schema and migrations are drizzle's (schema/, drizzle/), but the same SQL text
 * must run on both dialects with amounts as exact decimal strings, and the per-tick path needs the
 * driver's own prepared statements (better-sqlite3) and array parameters (pg unnest) to stay
 * O(changes) with a small constant (DESIGN.md §4).
 *
 * SQL given to all/run uses `?` placeholders; amounts are bound as canonical decimal strings and
 * compared to zero as `<> '0'` (TEXT in SQLite, numeric in Postgres: both read '0' as zero).
 */
export type Dialect = 'sqlite' | 'postgres';
export type Param = string | number | null;
export type Row = Record<string, unknown>;

/** An account's account_state columns. */
export interface AccountState {
  readonly recipient: string | null;
  readonly weight: bigint;
  readonly indexAtChange: bigint;
  readonly accrued: bigint;
  readonly joinedTick: number;
  readonly changedTick: number;
}

export interface AccountRow {
  readonly id: number;
  readonly pool: string;
  readonly account: string;
  recipient: string | null;
  weight: bigint;
  indexAtChange: bigint;
  accrued: bigint;
  readonly joinedTick: number;
  changedTick: number;
}

/**
 * An existing account after a change. recipientChanged says whether the recipient column must be
 * written: SQLite rewrites an indexed column's index entry whenever the column is assigned, even to
 * the value it holds (measured: 1,000 updates dirty ~1,800 pages with it, ~930 without), so a tick
 * whose recipients did not change leaves the recipient index alone.
 */
export interface AccountUpdate {
  readonly row: AccountRow;
  readonly recipientChanged: boolean;
}

/** [id, recipient, weight, index_at_change, accrued, settled ('0' before the first credit)]. */
export type SettleTuple = [number, string, string, string, string, string];

/**
 * One credit of a settlement, as settlement writes it (1 M of them: tuples, no per-row objects):
 * [account id, recipient, amount credited, the account's settled total after it], amounts as
 * canonical decimal strings.
 */
export type CreditTuple = [number, string, string, string];

/** One outbox batch as a settlement writes it: pending, never attempted (outbox.ts). Amounts as canonical decimal strings. */
export interface OutboxBatchRow {
  readonly batchId: string;
  readonly settlementId: string;
  readonly batchIndex: number;
  readonly pool: string;
  readonly fromTick: number;
  readonly toTick: number;
  readonly creditCount: number;
  readonly total: string;
  /** Canonical JSON [[recipient, "quantity"], …] (outbox.ts encodePayload). */
  readonly payload: string;
  readonly createdAtMs: number;
}

/**
 * Every method that returns accounts returns their current state: account_state with the deferred
 * changes applied (deferred-state.ts; both dialects defer a tick's account updates).
 * SQL given to all() that reads account_state sees the stored rows: merge pendingAccountState().
 */
export interface Db {
  readonly dialect: Dialect;
  all<T = Row>(sql: string, params?: readonly Param[]): Promise<T[]>;
  run(sql: string, params?: readonly Param[]): Promise<number>;
  /** Runs fn in one transaction on one connection; rolls back if it throws. Not re-entrant. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** The rows of these account keys (missing keys are simply absent). */
  lookupAccounts(pool: string, keys: readonly string[]): Promise<AccountRow[]>;
  /** Accounts of a pool with id > afterId, by id, at most limit; onlyActive = weight ≠ 0. */
  accountPage(pool: string, afterId: number, limit: number, onlyActive: boolean): Promise<AccountRow[]>;
  /** Accounts (of every pool) whose recipient is this address, by pool then account key. */
  accountsWithRecipient(recipient: string): Promise<AccountRow[]>;
  /** Account id → current state, for the accounts whose account_state row is behind (empty on Postgres). */
  pendingAccountState(): Promise<ReadonlyMap<number, AccountState>>;
  /** Writes every deferred account state to account_state, in the caller's transaction (settle: its read is plain SQL). */
  flushAccountState(): Promise<void>;
  /**
   * Writes the accounts a driver left behind account_state, in a transaction of its own, off a
   * tick's path (the ledger runs it after each tick). Postgres: every account behind; SQLite:
   * nothing, its ticks rewrite their own slices.
   */
  compactAccountState(): Promise<void>;
  /**
   * Settlement's read, as raw tuples (1 M rows: no per-row objects beyond the tuple): accounts of a
   * pool with a recipient and id > afterId, by id, skipping those with weight 0 unchanged since
   * before `sinceTick` (the previous settlement already paid them everything). Reads account_state
   * as stored: call flushAccountState() first in the same transaction.
   */
  settlementPage(pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]>;
  /**
   * Updates weight/index_at_change/accrued/changed_tick (and recipient when it changed) of existing
   * accounts, inserts new ones. SQLite may defer the updates (the tick's weight_changes row holds them).
   */
  writeAccounts(updates: readonly AccountUpdate[], inserts: readonly AccountRow[]): Promise<void>;
  /** Inserts the credits rows of settlementId and sets each credited account's settled total (rows in id order). */
  writeCredits(settlementId: string, rows: readonly CreditTuple[]): Promise<void>;
  /** Inserts a settlement's outbox batches, in the caller's transaction. */
  writeOutboxBatches(rows: readonly OutboxBatchRow[]): Promise<void>;
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An account is its identity in accounts (id, pool, key) and its state in account_state; settled
 * totals are in account_settled (schema/postgres.ts). This reads the first two as one row.
 */
export const ACCOUNT_SELECT =
  'SELECT a.id, a.pool, a.account, s.recipient, s.weight, s.index_at_change, s.accrued, s.joined_tick, s.changed_tick FROM accounts a JOIN account_state s ON s.id = a.id';

/** A fresh row (apply-tick mutates the rows it is given). */
export const rowOf = (id: number, pool: string, account: string, s: AccountState): AccountRow => ({
  id,
  pool,
  account,
  recipient: s.recipient,
  weight: s.weight,
  indexAtChange: s.indexAtChange,
  accrued: s.accrued,
  joinedTick: s.joinedTick,
  changedTick: s.changedTick,
});

/** Accounts by pool, then account key, in code-unit order: the same on both dialects whatever a database's collation. */
export const byPoolThenAccount = (x: AccountRow, y: AccountRow): number => (x.pool !== y.pool ? (x.pool < y.pool ? -1 : 1) : x.account < y.account ? -1 : x.account > y.account ? 1 : 0);

export function toAccountRow(r: Row): AccountRow {
  return {
    id: Number(r['id']),
    pool: r['pool'] as string,
    account: r['account'] as string,
    recipient: (r['recipient'] as string | null) ?? null,
    weight: BigInt(r['weight'] as string),
    indexAtChange: BigInt(r['index_at_change'] as string),
    accrued: BigInt(r['accrued'] as string),
    joinedTick: Number(r['joined_tick']),
    changedTick: Number(r['changed_tick']),
  };
}
