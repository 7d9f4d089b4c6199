// Ledger bench, BENCH_DATABASE=postgres (issue 23): the ledger bench's scenario (N accounts in one
// pool, 0.5 % changing weight per tick, T ticks, one settlement of every account) run on SQLite and
// then on Postgres in the same process, figures side by side with the Postgres/SQLite ratio, and the
// journal hash and outbox digest of both (they must be identical).
// Postgres: DATABASE_URL (a database is created for the run and dropped after), else a throw-away
// embedded Postgres 18 started here (test/support/postgres-server.ts) with the settings below.
// Knobs: BENCH_ACCOUNTS (1,000,000), BENCH_TICKS (288), BENCH_CHANGE_PERMILLE (5), BENCH_JOINS_PER_TICK
// (1,000,000: setup joins this many accounts per tick, since one tick's journal entry for 10 M joins
// would exceed V8's largest string), BENCH_ONLY (sqlite | postgres: one side only).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openLedger } from '../src/ledger/index.ts';
import type { Ledger } from '../src/ledger/index.ts';
import { intKnob } from './knob.ts';
import { BenchPopulation, quantile, tickInput } from './ledger-input.ts';
import { startPostgres } from '../test/support/postgres-server.ts';

const ACCOUNTS = intKnob('BENCH_ACCOUNTS', 1_000_000);
const TICKS = intKnob('BENCH_TICKS', 288);
const CHANGES = Math.max(1, Math.floor((ACCOUNTS * intKnob('BENCH_CHANGE_PERMILLE', 5)) / 1000));
const JOINS_PER_TICK = intKnob('BENCH_JOINS_PER_TICK', 1_000_000);
const ONLY = process.env['BENCH_ONLY'];

/**
 * The embedded server's settings, the README's for a large ledger. shared_buffers 1 GB holds a 1 M-account
 * ledger's hot tables; wal_buffers 64 MB lets a settlement's ~200 MB of WAL be written in larger
 * pieces (measured, COPY of 1 M credits and settled totals: 3.8 → 3.2 s); max_wal_size keeps the
 * setup's bulk load from forcing checkpoints mid-run; synchronous_commit stays on (every commit
 * fsynced: stronger than SQLite's synchronous=NORMAL).
 */
const SERVER_SETTINGS = ['shared_buffers=1GB', 'wal_buffers=64MB', 'work_mem=64MB', 'maintenance_work_mem=256MB', 'max_wal_size=8GB', 'checkpoint_timeout=30min'];


interface Figures {
  setupMs: number;
  firstJoinMs: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
  /** The compaction the ledger runs after each tick (Postgres: the deferred account_state UPDATE; SQLite: none), timed apart. */
  compactP50: number;
  compactMax: number;
  /** Tick and its compaction: the writer's time per tick, what a catch-up pays. */
  withCompactP50: number;
  settleMs: number;
  credits: number;
  conservationMs: number;
  conservationOk: boolean;
  lastHash: string;
  outboxDigest: string;
}

/** The same deterministic history on any ledger (seeded PRNG: both dialects see identical inputs). */
async function scenario(ledger: Ledger): Promise<Figures> {
  const population = new BenchPopulation(ACCOUNTS, 42);
  let tick = 0;
  let t0 = performance.now();
  let firstJoinMs = 0;
  for (let from = 0; from < ACCOUNTS; from += JOINS_PER_TICK) {
    const joins = population.joins(from, Math.min(ACCOUNTS, from + JOINS_PER_TICK));
    const start = performance.now();
    await ledger.applyTick(tickInput(++tick, joins));
    if (tick === 1) firstJoinMs = performance.now() - start;
    if (ACCOUNTS > JOINS_PER_TICK) console.log(`  setup tick ${tick}: ${joins.length.toLocaleString('en')} joins in ${(performance.now() - start).toFixed(0)} ms`);
    (globalThis as { gc?: () => void }).gc?.();
  }
  const setupMs = performance.now() - t0;
  const latencies: number[] = [];
  const compactions: number[] = [];
  const totals: number[] = [];
  for (let n = 0; n < TICKS; n++) {
    const updates = population.changes(CHANGES);
    const start = performance.now();
    await ledger.applyTick(tickInput(++tick, updates));
    const committed = performance.now();
    latencies.push(committed - start);
    await ledger.idle();
    compactions.push(performance.now() - committed);
    totals.push(performance.now() - start);
    if (ACCOUNTS > JOINS_PER_TICK && n % 10 === 9) console.log(`  ticks ${n - 8}–${n + 1} after setup: p50 ${quantile(latencies.slice(-10), 0.5).toFixed(1)} ms`);
  }
  t0 = performance.now();
  const settlement = await ledger.settle('ar', tick);
  const settleMs = performance.now() - t0;
  t0 = performance.now();
  const conservation = await ledger.conservation();
  const conservationMs = performance.now() - t0;
  const digest = createHash('sha256');
  for (const r of await ledger.db.all<{ batch_id: string; payload: string }>('SELECT batch_id, payload FROM outbox_batches ORDER BY batch_id')) digest.update(`${r.batch_id}\n${r.payload}\n`);
  return {
    setupMs,
    firstJoinMs,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: Math.max(...latencies),
    mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    compactP50: quantile(compactions, 0.5),
    compactMax: Math.max(...compactions),
    withCompactP50: quantile(totals, 0.5),
    settleMs,
    credits: settlement?.creditCount ?? 0,
    conservationMs,
    conservationOk: conservation.ok,
    lastHash: (await ledger.lastHash()) as string,
    outboxDigest: digest.digest('hex'),
  };
}

async function onSqlite(): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'ao-emission-bench-ledger-'));
  try {
    const ledger = await openLedger({ url: `sqlite:${join(dir, 'ledger.db')}` });
    await ledger.migrate();
    try {
      return await scenario(ledger);
    } finally {
      await ledger.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgres(): Promise<{ figures: Figures; where: string }> {
  const external = process.env['DATABASE_URL'];
  const server = external === undefined ? await startPostgres({ settings: SERVER_SETTINGS }) : null;
  const base = new URL(external ?? server!.url);
  const name = `bench_ledger_${process.pid}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const ledger = await openLedger({ url: url.toString() });
    await ledger.migrate();
    try {
      const where = server === null ? 'DATABASE_URL' : `embedded Postgres 18 (${SERVER_SETTINGS.join(', ')})`;
      return { figures: await scenario(ledger), where };
    } finally {
      await ledger.close();
      await admin.query(`DROP DATABASE ${name}`);
    }
  } finally {
    await admin.end();
    await server?.stop();
  }
}

export async function compareWithPostgres(): Promise<void> {
  console.log(`load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores shared with other work: wall times are inflated)`);
  console.log(`accounts ${ACCOUNTS.toLocaleString('en')} (joined ${JOINS_PER_TICK.toLocaleString('en')} per setup tick), ${CHANGES.toLocaleString('en')} weight changes per tick, ${TICKS} ticks, then one settlement`);
  const sqlite = ONLY === 'postgres' ? null : await onSqlite();
  if (sqlite !== null) console.log(`SQLite done (setup ${(sqlite.setupMs / 1000).toFixed(1)} s)`);
  const postgres = ONLY === 'sqlite' ? null : await onPostgres();
  if (postgres !== null) console.log(`Postgres: ${postgres.where}`);
  const rows: [string, (f: Figures) => number, string][] = [
    ['first setup tick (joins)', (f) => f.firstJoinMs, 'ms'],
    ['setup, all joins', (f) => f.setupMs, 'ms'],
    ['tick p50', (f) => f.p50, 'ms'],
    ['tick p99', (f) => f.p99, 'ms'],
    ['tick max', (f) => f.max, 'ms'],
    ['tick mean', (f) => f.mean, 'ms'],
    ['compaction after a tick, p50', (f) => f.compactP50, 'ms'],
    ['compaction after a tick, max', (f) => f.compactMax, 'ms'],
    ['tick + its compaction, p50', (f) => f.withCompactP50, 'ms'],
    [`settlement of ${ACCOUNTS.toLocaleString('en')} accounts`, (f) => f.settleMs, 'ms'],
    ['conservation recompute', (f) => f.conservationMs, 'ms'],
  ];
  const cell = (f: Figures | null, get: (f: Figures) => number): string => (f === null ? '—' : `${get(f).toFixed(1)} ms`);
  console.log('| figure | SQLite | Postgres | Postgres / SQLite |');
  console.log('|---|---|---|---|');
  for (const [label, get] of rows) {
    const ratio = sqlite !== null && postgres !== null ? `${(get(postgres.figures) / get(sqlite)).toFixed(2)}×` : '—';
    console.log(`| ${label} | ${cell(sqlite, get)} | ${cell(postgres?.figures ?? null, get)} | ${ratio} |`);
  }
  for (const [label, f] of [['SQLite', sqlite], ['Postgres', postgres?.figures ?? null]] as const) {
    if (f !== null) console.log(`${label}: ${f.credits.toLocaleString('en')} credits, conservation ${f.conservationOk ? 'ok' : 'FAILED'}, last journal hash ${f.lastHash}, outbox digest ${f.outboxDigest}`);
  }
  if (sqlite !== null && postgres !== null) {
    const same = sqlite.lastHash === postgres.figures.lastHash && sqlite.outboxDigest === postgres.figures.outboxDigest;
    console.log(same ? 'journal hash and outbox digest identical on both dialects' : 'DIFFERENT journal hash or outbox digest on the two dialects');
    if (!same) process.exitCode = 1;
  }
  console.log(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}
