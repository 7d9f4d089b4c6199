import { EngineError } from '../errors.ts';
import { redactUrl } from '../redact-url.ts';
import { systemClock } from '../clock.ts';
import type { Clock } from '../clock.ts';
import { applyTickIn, lastTickRow } from './apply-tick.ts';
import type { Db, Dialect } from './store/db.ts';
import { OutboxStore } from './store/outbox.ts';
import { ReportStore } from './store/reports.ts';
import { delegationCursor } from './delegation.ts';
import { IndexHistory } from './pool-state.ts';
import { accountView, accountsByRecipient, conservation, poolTotals, tickRecord } from './queries.ts';
import { DEFAULT_BATCH_SIZE, settleIn } from './settle.ts';
import { sourceStateReader } from './store/source-state.ts';
import type { LedgerSourceStateReader } from './store/source-state.ts';
import type { AccountView, AppliedTick, Conservation, PoolId, PoolTotals, SettlementResult, TickInput, TickRecord } from './types.ts';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/ao-emission.db';

export interface OpenLedgerOptions {
  /** 'sqlite:<path>' (default path ./data/ao-emission.db), 'sqlite::memory:', or 'postgres://…'. */
  readonly url: string;
  readonly clock?: Clock;
  /**
   * SQLite: how many accounts' account_state rewrites may wait in the change log before a tick
   * writes them all (deferred-state.ts; default DEFAULT_DEFER_ACCOUNTS; 1 = every tick). Postgres
   * writes account_state in every tick and ignores it.
   */
  readonly deferAccounts?: number | undefined;
  /** SQLite: deferred accounts a tick rewrites once deferAccounts are behind (sqlite-db.ts DEFAULT_REWRITE_ACCOUNTS). */
  readonly rewriteAccounts?: number | undefined;
  /**
   * A read-only connection of its own (SQLite opened readonly, Postgres with
   * default_transaction_read_only): its reads see the last committed state and never wait behind
   * the writer's queue or its open transaction (openLedgerReader).
   */
  readonly readOnly?: boolean;
}

/** What a reader of the ledger may call: the HTTP status API and the dashboard hold only this. */
export type LedgerReader = Pick<Ledger, 'dialect' | 'lastAppliedTick' | 'tick' | 'poolTotals' | 'cursor' | 'account' | 'accountsByRecipient' | 'conservation' | 'db' | 'close'> & {
  readonly outbox: Pick<OutboxStore, 'counts'>;
};

/** Parses a database URL; the message never echoes credentials. */
export function parseDatabaseUrl(url: string): { dialect: Dialect; target: string } {
  if (typeof url === 'string' && url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    return { dialect: 'sqlite', target: path === '' ? './data/ao-emission.db' : path };
  }
  if (typeof url === 'string' && /^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', target: url };
  const shown = typeof url === 'string' ? redactUrl(url) : String(url);
  throw new EngineError('INVALID_CONFIG', `database: ${JSON.stringify(shown)} is not a database URL; expected sqlite:<path>, sqlite::memory: or postgres://…`);
}

/**
 * The ledger (DESIGN.md §4, §5). Every mutating call is one database transaction, and calls are
 * serialised in this process (a single writer: the service holds the leader lock).
 */
export class Ledger {
  readonly dialect: Dialect;
  readonly outbox: OutboxStore;
  /** The Report.Mint outbox of delegated credits (reports.ts). */
  readonly reports: ReportStore;
  readonly #db: Db;
  readonly #clock: Clock;
  /** Pool indices by tick, for the tick step's check of each changed account (pool-state.ts). */
  readonly #history = new IndexHistory();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(db: Db, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    this.dialect = db.dialect;
    this.outbox = new OutboxStore(db, clock, (fn) => this.#serial(fn));
    this.reports = new ReportStore(db, clock, (fn) => this.#serial(fn));
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Applies the drizzle-kit migrations of the dialect (drizzle/sqlite or drizzle/postgres); idempotent. */
  migrate(): Promise<void> {
    return this.#serial(() => this.#db.migrate());
  }

  close(): Promise<void> {
    return this.#serial(() => this.#db.close());
  }

  /** One transaction: weight changes, mint/split, index step, change log, journal entry, conservation check. */
  applyTick(input: TickInput): Promise<AppliedTick> {
    const applied = this.#serial(() => this.#db.transaction((tx) => applyTickIn(tx, input, this.#clock.nowMs(), this.#history)));
    // Then, queued behind it and not awaited by the caller: the accounts the tick left behind
    // account_state (Postgres; store/db.ts). A failure leaves them in the change log, where every
    // read finds them and the next compaction or settlement writes them.
    void applied.then(() => this.#serial(() => this.#db.compactAccountState()).catch(() => undefined), () => undefined);
    return applied;
  }

  /** Resolves when the operations queued so far (the compaction after a tick among them) have ended. */
  idle(): Promise<void> {
    return this.#serial(async () => undefined);
  }

  /** Credits the pool's accounts up to upToTick (= the last applied tick) and writes the outbox; null when nothing is owed. */
  settle(pool: PoolId, upToTick: number, opts: { batchSize?: number } = {}): Promise<SettlementResult | null> {
    return this.#serial(() => this.#db.transaction((tx) => settleIn(tx, pool, upToTick, opts.batchSize ?? DEFAULT_BATCH_SIZE, this.#clock.nowMs())));
  }

  lastAppliedTick(): Promise<number> {
    return this.#serial(async () => (await lastTickRow(this.#db)).tick);
  }

  /** The hash of the last applied tick (64 zeros before the first). */
  lastHash(): Promise<string> {
    return this.#serial(async () => (await lastTickRow(this.#db)).hash);
  }

  cursor(pool: PoolId): Promise<string | null> {
    return this.#serial(async () => {
      const rows = await this.#db.all<{ cursor: string | null }>('SELECT cursor FROM pools WHERE pool = ?', [pool]);
      return rows[0]?.cursor ?? null;
    });
  }

  /** The delegation source's cursor as of the last applied tick (null before its first snapshot). */
  delegationCursor(): Promise<string | null> {
    return this.#serial(() => delegationCursor(this.#db));
  }

  /** What the sources remember (source_state), as of the last applied tick: the reader each source is handed. */
  sourceState(): LedgerSourceStateReader {
    return sourceStateReader(this.#db, (fn) => this.#serial(fn));
  }

  account(pool: PoolId, account: string, atTick?: number): Promise<AccountView | null> {
    return this.#serial(() => accountView(this.#db, pool, account, atTick));
  }

  accountsByRecipient(recipient: string): Promise<AccountView[]> {
    return this.#serial(() => accountsByRecipient(this.#db, recipient));
  }

  poolTotals(atTick?: number): Promise<PoolTotals[]> {
    return this.#serial(() => poolTotals(this.#db, atTick));
  }

  tick(k: number): Promise<TickRecord | null> {
    return this.#serial(() => tickRecord(this.#db, k));
  }

  conservation(): Promise<Conservation> {
    return this.#serial(() => conservation(this.#db));
  }

  /** The raw storage port, for the audit (read-only use) and tests. */
  get db(): Db {
    return this.#db;
  }
}

export async function openLedger(opts: OpenLedgerOptions): Promise<Ledger> {
  const { dialect, target } = parseDatabaseUrl(opts.url);
  // Drivers load on demand: a SQLite process never loads pg (and starts faster), and vice versa.
  const readOnly = opts.readOnly ?? false;
  const db =
    dialect === 'sqlite'
      ? new (await import('./store/sqlite-db.ts')).SqliteDb(target, opts.deferAccounts, opts.rewriteAccounts, readOnly)
      : new (await import('./store/postgres-db.ts')).PostgresDb(target, readOnly);
  return new Ledger(db, opts.clock ?? systemClock);
}

/**
 * A second, read-only connection to the writer's ledger for concurrent readers (HTTP): WAL lets
 * SQLite readers run beside the writer's transaction, Postgres readers see the last commit. An
 * in-memory SQLite ledger exists only in the writer's connection, so it is its own reader.
 */
export async function openLedgerReader(writer: Ledger, opts: OpenLedgerOptions): Promise<{ reader: LedgerReader; shared: boolean }> {
  if (parseDatabaseUrl(opts.url).target === ':memory:') return { reader: writer, shared: true };
  return { reader: await openLedger({ ...opts, readOnly: true }), shared: false };
}
