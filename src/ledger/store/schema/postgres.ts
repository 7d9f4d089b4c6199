import { bigint, boolean, index, integer, numeric, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * The ledger's tables, Postgres dialect (DESIGN.md §4, §5); ./sqlite.ts is the same logical schema.
 * Amounts (AO base units, asset base units) and scaled accrual values (× SCALE = 10^36) exceed
 * 64 bits: numeric(78,0) here, canonical decimal TEXT in SQLite, bigint in code.
 */
const amount = (name: string) => numeric(name, { precision: 78, scale: 0 }).notNull();
const ms = (name: string) => bigint(name, { mode: 'number' }).notNull();

/** One row per applied tick: the journal. hash = sha256(prev_hash ‖ canonical tick), see journal.ts. */
export const ticks = pgTable('ticks', {
  tick: integer('tick').primaryKey(),
  startMs: ms('start_ms'),
  endMs: ms('end_ms'),
  /** Wall time of application (from the injected clock); not part of the hash. */
  appliedAtMs: ms('applied_at_ms'),
  mint: amount('mint'),
  splitAr: amount('split_ar'),
  splitBridges: amount('split_bridges'),
  /** Bridge amount carried in from the previous tick because every bridge's yield weight was zero. */
  bridgeCarryIn: amount('bridge_carry_in'),
  /** Bridge amount carried on to the next tick (split_bridges + carry_in when no bridge could take it, else 0). */
  bridgeCarryOut: amount('bridge_carry_out'),
  policyLabel: text('policy_label').notNull(),
  /** policyToData(policy) as canonical JSON. */
  policy: text('policy').notNull(),
  /** JSON array of strings. */
  notes: text('notes').notNull(),
  changeCount: integer('change_count').notNull(),
  hash: text('hash').notNull(),
  prevHash: text('prev_hash').notNull(),
});

/** Per tick and pool: the pool's amount and index step (DESIGN.md §4), with the source's pin/quote/cursor. */
export const tickPools = pgTable(
  'tick_pools',
  {
    tick: integer('tick').notNull(),
    pool: text('pool').notNull(),
    /** P_k, base units. */
    amount: amount('amount'),
    /** W_k, the pool's total weight after the tick's changes. */
    totalWeight: amount('total_weight'),
    /** ΔI_k = floor(N_k / W_k). */
    indexDelta: amount('index_delta'),
    /** I_k, the cumulative index after this tick. */
    indexValue: amount('index_value'),
    /** r_k. */
    residue: amount('residue'),
    /** The bridge pool's yield weight (deposits·price·APR at 10^54), null for 'ar'. */
    yieldWeight: numeric('yield_weight'),
    /** JSON of the snapshot's Pin, null when the pool had no snapshot this tick. */
    pin: text('pin'),
    yieldQuote: text('yield_quote'),
    complete: boolean('complete'),
    cursor: text('cursor'),
    notes: text('notes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tick, t.pool] })],
);

/** Current state of each pool. minted·SCALE = accrued_total + residue (checked every tick). */
export const pools = pgTable('pools', {
  pool: text('pool').primaryKey(),
  indexValue: amount('index_value'),
  residue: amount('residue'),
  totalWeight: amount('total_weight'),
  /** Σ P_k over applied ticks, base units. */
  minted: amount('minted'),
  /** Σ W_k·ΔI_k: everything accrued to accounts so far, scaled. */
  accruedTotal: amount('accrued_total'),
  /** Σ credits, base units. */
  credited: amount('credited'),
  /** Σ_a accrued_a over the pool's accounts, scaled (src/ledger/distribution); null until the first tick after migration 0005 backfills it. */
  accruedSum: numeric('accrued_sum', { precision: 78, scale: 0 }),
  /** Σ_a w_a · index_at_change_a, scaled; with accrued_sum, Σ account accrual = accrued_sum + I·W − this is checked against accrued_total every tick. */
  weightIndexSum: numeric('weight_index_sum', { precision: 78, scale: 0 }),
  lastTick: integer('last_tick').notNull(),
  lastSettledTick: integer('last_settled_tick').notNull(),
  cursor: text('cursor'),
  /** The latest YieldQuote seen (JSON), used while a bridge pool has no snapshot. */
  yieldQuote: text('yield_quote'),
});

/**
 * The identity of an account: (pool, account key) → an integer surrogate id, written once and never
 * reused, so a tick's writes go in primary-key order. Everything else about the account is in
 * account_state (what a tick reads and writes) and account_settled (what a settlement writes), so
 * the 0.5 % of accounts a tick changes rewrite narrow rows only (DESIGN.md §4).
 *
 * account_state.id and account_settled.id are accounts.id without a foreign key (dropped in
 * migration 0003): the ledger is their only writer and writes an account's three rows in the same
 * transaction (apply-tick inserts accounts and account_state together; settle credits only ids it
 * read from account_state), and audit verify / conservation() recompute every account from the
 * rows. Measured at 1 M accounts, the FK check and the KEY SHARE row lock it takes on accounts
 * cost ~10 s of a 22 s settlement (one per credit) and half of the first tick.
 */
export const accounts = pgTable(
  'accounts',
  {
    id: integer('id').primaryKey(),
    pool: text('pool').notNull(),
    account: text('account').notNull(),
  },
  (t) => [uniqueIndex('accounts_pool_account').on(t.pool, t.account)],
);

/**
 * An account's current state, one row per account. accrued is cumulative (never reduced by
 * settlement): the account's scaled accrual up to index_at_change (the pool's index when its weight
 * last changed, at tick changed_tick); its unsettled scaled amount is
 * accrued + weight·(I − index_at_change) − settled·SCALE.
 */
export const accountState = pgTable(
  'account_state',
  {
    /** accounts.id. No foreign key (migration 0003): see the note above accounts. */
    id: integer('id').primaryKey(),
    /** The address credits go to; null: unclaimed (keeps accruing, paid once one is set). */
    recipient: text('recipient'),
    weight: amount('weight'),
    indexAtChange: amount('index_at_change'),
    accrued: amount('accrued'),
    joinedTick: integer('joined_tick').notNull(),
    changedTick: integer('changed_tick').notNull(),
  },
  (t) => [index('account_state_recipient').on(t.recipient)],
);

/** Σ of an account's credits, base units; no row until its first credit (settle.ts). */
export const accountSettled = pgTable('account_settled', {
  /** accounts.id (no foreign key, migration 0003). */
  id: integer('id').primaryKey(),
  settled: amount('settled'),
});

/**
 * At most one row (id 1). Present: account_state holds the weight changes of ticks ≤ tick only; the
 * changes of later ticks are in weight_changes alone, and a reader replays them onto account_state
 * (deferred-state.ts: both dialects defer a tick's account_state writes this way, DESIGN.md §4).
 * Absent: account_state is current (after the compaction that follows each tick on Postgres).
 */
export const accountStateTick = pgTable('account_state_tick', {
  id: integer('id').primaryKey(),
  tick: integer('tick').notNull(),
});

/**
 * What a source remembers between snapshots (src/bridges/types.ts, the source-state contract): one
 * row per (pool, kind, key), e.g. ('steth', 'depositor', user) → [deposited wei, recipient]. Written
 * in the tick's transaction from the snapshot's changes (source-state.ts); the source reads it back.
 */
export const sourceState = pgTable(
  'source_state',
  {
    pool: text('pool').notNull(),
    kind: text('kind').notNull(),
    key: text('key').notNull(),
    value: text('value').notNull(),
    changedTick: integer('changed_tick').notNull(),
  },
  (t) => [primaryKey({ columns: [t.pool, t.kind, t.key] })],
);

/**
 * Append-only: the source-state changes of one (tick, pool), as hashed into that tick's journal entry
 * (reset, then [kind, key, value or null] sorted by kind then key). Replaying them rebuilds source_state.
 */
export const sourceStateLog = pgTable(
  'source_state_log',
  {
    tick: integer('tick').notNull(),
    pool: text('pool').notNull(),
    reset: boolean('reset').notNull(),
    count: integer('count').notNull(),
    /** change-log.ts; stored uncompressed (STORAGE EXTERNAL, migration 0008). */
    payload: text('payload').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tick, t.pool] })],
);

/** Append-only: one row per (tick, pool) with every change of that tick, encoded by change-log.ts. */
export const weightChanges = pgTable(
  'weight_changes',
  {
    tick: integer('tick').notNull(),
    pool: text('pool').notNull(),
    count: integer('count').notNull(),
    /** change-log.ts; stored uncompressed (STORAGE EXTERNAL, migration 0008). */
    payload: text('payload').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tick, t.pool] })],
);

/** id = `${pool}:${fromTick}-${toTick}`. */
export const settlements = pgTable(
  'settlements',
  {
    id: text('id').primaryKey(),
    pool: text('pool').notNull(),
    fromTick: integer('from_tick').notNull(),
    toTick: integer('to_tick').notNull(),
    indexValue: amount('index_value'),
    creditCount: integer('credit_count').notNull(),
    recipientCount: integer('recipient_count').notNull(),
    batchCount: integer('batch_count').notNull(),
    total: amount('total'),
    createdAtMs: ms('created_at_ms'),
  },
  (t) => [uniqueIndex('settlements_pool_to').on(t.pool, t.toTick)],
);

/** One row per credited account and settlement. */
export const credits = pgTable(
  'credits',
  {
    settlementId: text('settlement_id').notNull(),
    accountId: integer('account_id').notNull(),
    recipient: text('recipient').notNull(),
    amount: amount('amount'),
  },
  (t) => [primaryKey({ columns: [t.settlementId, t.accountId] })],
);

/** The outbox (DESIGN.md §5): written in the settlement's transaction, delivered by src/ledger/delivery/ao. */
export const outboxBatches = pgTable(
  'outbox_batches',
  {
    /** sha256 hex of `${settlement_id}:${batch_index}` (outbox.ts batchIdOf). */
    batchId: text('batch_id').primaryKey(),
    settlementId: text('settlement_id').notNull(),
    batchIndex: integer('batch_index').notNull(),
    pool: text('pool').notNull(),
    fromTick: integer('from_tick').notNull(),
    toTick: integer('to_tick').notNull(),
    creditCount: integer('credit_count').notNull(),
    total: amount('total'),
    /** Canonical JSON [[recipient, "quantity"], …] sorted by recipient; stored uncompressed (migration 0008). */
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull(),
    messageId: text('message_id'),
    /** The SU's assignment slot (Nonce) of the delivered message, when the node reported it. */
    assignmentSlot: bigint('assignment_slot', { mode: 'number' }),
    lastError: text('last_error'),
    createdAtMs: ms('created_at_ms'),
    updatedAtMs: ms('updated_at_ms'),
  },
  (t) => [index('outbox_status').on(t.status, t.settlementId, t.batchIndex), uniqueIndex('outbox_settlement_index').on(t.settlementId, t.batchIndex)],
);

/**
 * Yield delegation (DESIGN.md §9). The preferences in force: one row per (wallet, target)
 * with a non-zero factor in basis points (the wallet's own share is what the others leave, never a
 * row). Written by the tick that brought the change (since_tick); a wallet with no rows keeps all.
 */
export const delegations = pgTable(
  'delegations',
  {
    wallet: text('wallet').notNull(),
    target: text('target').notNull(),
    factor: integer('factor').notNull(),
    sinceTick: integer('since_tick').notNull(),
  },
  (t) => [primaryKey({ columns: [t.wallet, t.target] }), index('delegations_target').on(t.target)],
);

/** Append-only: a wallet's whole preference set from `tick` on, canonical JSON [[target, factor], …] by target ([] = keeps all). */
export const delegationHistory = pgTable(
  'delegation_history',
  {
    wallet: text('wallet').notNull(),
    tick: integer('tick').notNull(),
    prefs: text('prefs').notNull(),
  },
  (t) => [primaryKey({ columns: [t.wallet, t.tick] }), index('delegation_history_tick').on(t.tick)],
);

/** Append-only: the delegation snapshot of one tick as hashed into its journal entry (pin, cursor, changes, notes as JSON). */
export const delegationLog = pgTable('delegation_log', {
  tick: integer('tick').primaryKey(),
  pin: text('pin').notNull(),
  cursor: text('cursor').notNull(),
  count: integer('count').notNull(),
  /** Canonical JSON [[wallet, [[target, factor], …]], …] sorted by wallet. */
  payload: text('payload').notNull(),
  notes: text('notes').notNull(),
});

/**
 * Where a settlement period is cut for an account (the mid-period rule): the account's cumulative
 * accrual (scaled) at the end of tick − 1, recorded by the tick that changed its recipient's preferences.
 */
export const delegationMarks = pgTable(
  'delegation_marks',
  {
    accountId: integer('account_id').notNull(),
    tick: integer('tick').notNull(),
    wallet: text('wallet').notNull(),
    accrued: amount('accrued'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.tick] }), index('delegation_marks_tick').on(t.tick)],
);

/** The parts of a credit that went to projects (the rest of the credits row's amount stayed with its recipient). */
export const delegatedCredits = pgTable(
  'delegated_credits',
  {
    settlementId: text('settlement_id').notNull(),
    accountId: integer('account_id').notNull(),
    target: text('target').notNull(),
    amount: amount('amount'),
  },
  (t) => [primaryKey({ columns: [t.settlementId, t.accountId, t.target] })],
);

/**
 * The report outbox: one Report.Mint per (settlement, project), sent after the settlement's Mint-Batches
 * are delivered. report_id = sha256 hex of `${settlement_id}:report:${project}` (reports.ts).
 */
export const reports = pgTable(
  'reports',
  {
    reportId: text('report_id').primaryKey(),
    settlementId: text('settlement_id').notNull(),
    project: text('project').notNull(),
    pool: text('pool').notNull(),
    fromTick: integer('from_tick').notNull(),
    toTick: integer('to_tick').notNull(),
    rowCount: integer('row_count').notNull(),
    total: amount('total'),
    /** Canonical JSON array of AO's rows {Mint, Yield, User, Recipient, Amount, ReportTo, Token}, by User; stored uncompressed (migration 0008). */
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull(),
    messageId: text('message_id'),
    lastError: text('last_error'),
    createdAtMs: ms('created_at_ms'),
    updatedAtMs: ms('updated_at_ms'),
  },
  (t) => [index('reports_status').on(t.status, t.toTick), uniqueIndex('reports_settlement_project').on(t.settlementId, t.project)],
);
