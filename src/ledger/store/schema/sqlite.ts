import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * The ledger's tables, SQLite dialect (DESIGN.md §4, §5). Same logical schema as ./postgres.ts:
 * amounts and scaled values are canonical decimal TEXT here (no sign but '-', no leading zeros,
 * '0' for zero), numeric(78,0) there. Columns documented once, in ./postgres.ts.
 */
const amount = (name: string) => text(name).notNull();

export const ticks = sqliteTable('ticks', {
  tick: integer('tick').primaryKey(),
  startMs: integer('start_ms').notNull(),
  endMs: integer('end_ms').notNull(),
  appliedAtMs: integer('applied_at_ms').notNull(),
  mint: amount('mint'),
  splitAr: amount('split_ar'),
  splitBridges: amount('split_bridges'),
  bridgeCarryIn: amount('bridge_carry_in'),
  bridgeCarryOut: amount('bridge_carry_out'),
  policyLabel: text('policy_label').notNull(),
  policy: text('policy').notNull(),
  notes: text('notes').notNull(),
  changeCount: integer('change_count').notNull(),
  hash: text('hash').notNull(),
  prevHash: text('prev_hash').notNull(),
});

export const tickPools = sqliteTable(
  'tick_pools',
  {
    tick: integer('tick').notNull(),
    pool: text('pool').notNull(),
    amount: amount('amount'),
    totalWeight: amount('total_weight'),
    indexDelta: amount('index_delta'),
    indexValue: amount('index_value'),
    residue: amount('residue'),
    yieldWeight: text('yield_weight'),
    pin: text('pin'),
    yieldQuote: text('yield_quote'),
    complete: integer('complete'),
    cursor: text('cursor'),
    notes: text('notes').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tick, t.pool] })],
);

export const pools = sqliteTable('pools', {
  pool: text('pool').primaryKey(),
  indexValue: amount('index_value'),
  residue: amount('residue'),
  totalWeight: amount('total_weight'),
  minted: amount('minted'),
  accruedTotal: amount('accrued_total'),
  credited: amount('credited'),
  /** Σ accrued and Σ w·index_at_change of the pool's accounts (schema/postgres.ts); null until backfilled. */
  accruedSum: text('accrued_sum'),
  weightIndexSum: text('weight_index_sum'),
  lastTick: integer('last_tick').notNull(),
  lastSettledTick: integer('last_settled_tick').notNull(),
  cursor: text('cursor'),
  yieldQuote: text('yield_quote'),
});

export const accounts = sqliteTable(
  'accounts',
  {
    id: integer('id').primaryKey(),
    pool: text('pool').notNull(),
    account: text('account').notNull(),
  },
  (t) => [uniqueIndex('accounts_pool_account').on(t.pool, t.account)],
);

export const accountState = sqliteTable(
  'account_state',
  {
    id: integer('id')
      .primaryKey()
      .references(() => accounts.id),
    recipient: text('recipient'),
    weight: amount('weight'),
    indexAtChange: amount('index_at_change'),
    accrued: amount('accrued'),
    joinedTick: integer('joined_tick').notNull(),
    changedTick: integer('changed_tick').notNull(),
  },
  (t) => [index('account_state_recipient').on(t.recipient)],
);

export const accountSettled = sqliteTable('account_settled', {
  id: integer('id')
    .primaryKey()
    .references(() => accounts.id),
  settled: amount('settled'),
});

export const accountStateTick = sqliteTable('account_state_tick', {
  id: integer('id').primaryKey(),
  tick: integer('tick').notNull(),
});

/** Rows a source remembers between snapshots (schema/postgres.ts). */
export const sourceState = sqliteTable(
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

/** The source-state changes of one (tick, pool), as hashed into the journal (schema/postgres.ts). */
export const sourceStateLog = sqliteTable(
  'source_state_log',
  {
    tick: integer('tick').notNull(),
    pool: text('pool').notNull(),
    reset: integer('reset').notNull(),
    count: integer('count').notNull(),
    payload: text('payload').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tick, t.pool] })],
);

export const weightChanges = sqliteTable(
  'weight_changes',
  {
    tick: integer('tick').notNull(),
    pool: text('pool').notNull(),
    count: integer('count').notNull(),
    payload: text('payload').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tick, t.pool] })],
);

export const settlements = sqliteTable(
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
    createdAtMs: integer('created_at_ms').notNull(),
  },
  (t) => [uniqueIndex('settlements_pool_to').on(t.pool, t.toTick)],
);

export const credits = sqliteTable(
  'credits',
  {
    settlementId: text('settlement_id').notNull(),
    accountId: integer('account_id').notNull(),
    recipient: text('recipient').notNull(),
    amount: amount('amount'),
  },
  (t) => [primaryKey({ columns: [t.settlementId, t.accountId] })],
);

export const outboxBatches = sqliteTable(
  'outbox_batches',
  {
    batchId: text('batch_id').primaryKey(),
    settlementId: text('settlement_id').notNull(),
    batchIndex: integer('batch_index').notNull(),
    pool: text('pool').notNull(),
    fromTick: integer('from_tick').notNull(),
    toTick: integer('to_tick').notNull(),
    creditCount: integer('credit_count').notNull(),
    total: amount('total'),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull(),
    messageId: text('message_id'),
    /** The SU's assignment slot (Nonce) of the delivered message, when the node reported it. */
    assignmentSlot: integer('assignment_slot'),
    lastError: text('last_error'),
    createdAtMs: integer('created_at_ms').notNull(),
    updatedAtMs: integer('updated_at_ms').notNull(),
  },
  (t) => [index('outbox_status').on(t.status, t.settlementId, t.batchIndex), uniqueIndex('outbox_settlement_index').on(t.settlementId, t.batchIndex)],
);

/** Yield delegation (schema/postgres.ts documents each table). */
export const delegations = sqliteTable(
  'delegations',
  {
    wallet: text('wallet').notNull(),
    target: text('target').notNull(),
    factor: integer('factor').notNull(),
    sinceTick: integer('since_tick').notNull(),
  },
  (t) => [primaryKey({ columns: [t.wallet, t.target] }), index('delegations_target').on(t.target)],
);

export const delegationHistory = sqliteTable(
  'delegation_history',
  {
    wallet: text('wallet').notNull(),
    tick: integer('tick').notNull(),
    prefs: text('prefs').notNull(),
  },
  (t) => [primaryKey({ columns: [t.wallet, t.tick] }), index('delegation_history_tick').on(t.tick)],
);

export const delegationLog = sqliteTable('delegation_log', {
  tick: integer('tick').primaryKey(),
  pin: text('pin').notNull(),
  cursor: text('cursor').notNull(),
  count: integer('count').notNull(),
  payload: text('payload').notNull(),
  notes: text('notes').notNull(),
});

export const delegationMarks = sqliteTable(
  'delegation_marks',
  {
    accountId: integer('account_id').notNull(),
    tick: integer('tick').notNull(),
    wallet: text('wallet').notNull(),
    accrued: amount('accrued'),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.tick] }), index('delegation_marks_tick').on(t.tick)],
);

export const delegatedCredits = sqliteTable(
  'delegated_credits',
  {
    settlementId: text('settlement_id').notNull(),
    accountId: integer('account_id').notNull(),
    target: text('target').notNull(),
    amount: amount('amount'),
  },
  (t) => [primaryKey({ columns: [t.settlementId, t.accountId, t.target] })],
);

export const reports = sqliteTable(
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
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'sent', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull(),
    messageId: text('message_id'),
    lastError: text('last_error'),
    createdAtMs: integer('created_at_ms').notNull(),
    updatedAtMs: integer('updated_at_ms').notNull(),
  },
  (t) => [index('reports_status').on(t.status, t.toTick), uniqueIndex('reports_settlement_project').on(t.settlementId, t.project)],
);
