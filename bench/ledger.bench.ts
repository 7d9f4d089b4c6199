// Ledger bench (issue 3): N accounts in one pool, 0.5 % changing weight per tick, T ticks, then one
// settlement of every account, on SQLite (WAL, synchronous=NORMAL). Beside it, in the same process, a
// naive baseline that recomputes every account's share every tick (read all rows, compute, write all).
// Knobs: BENCH_ACCOUNTS (1,000,000), BENCH_TICKS (288), BENCH_CHANGE_PERMILLE (5 = 0.5 %),
// BENCH_NAIVE_TICKS (3: the baseline is O(accounts) a tick, so it runs a few ticks only),
// BENCH_DEFER_ACCOUNTS (the ledger's deferAccounts, default DEFAULT_DEFER_ACCOUNTS; 1 = account_state rewritten every tick),
// BENCH_REWRITE_ACCOUNTS (deferred accounts a tick rewrites once that many are behind, default DEFAULT_REWRITE_ACCOUNTS).
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { mintAt } from '../src/emission/curve.ts';
import { AO_MAINNET } from '../src/emission/policy.ts';
import { SCALE, openLedger } from '../src/ledger/index.ts';
import { DEFAULT_DEFER_ACCOUNTS, DEFAULT_REWRITE_ACCOUNTS } from '../src/ledger/store/sqlite-db.ts';
import { intKnob } from './knob.ts';
import { BenchPopulation, quantile, tickInput } from './ledger-input.ts';

// BENCH_DATABASE=postgres: the same scenario on SQLite and on Postgres, side by side (bench/ledger-postgres.ts).
if (process.env['BENCH_DATABASE'] === 'postgres') {
  const { compareWithPostgres } = await import('./ledger-postgres.ts');
  await compareWithPostgres();
  process.exit();
}

const ACCOUNTS = intKnob('BENCH_ACCOUNTS', 1_000_000);
const TICKS = intKnob('BENCH_TICKS', 288);
const CHANGES = Math.max(1, Math.floor((ACCOUNTS * intKnob('BENCH_CHANGE_PERMILLE', 5)) / 1000));
const NAIVE_TICKS = intKnob('BENCH_NAIVE_TICKS', 3);
const DEFER_ACCOUNTS = intKnob('BENCH_DEFER_ACCOUNTS', DEFAULT_DEFER_ACCOUNTS);
const REWRITE_ACCOUNTS = intKnob('BENCH_REWRITE_ACCOUNTS', DEFAULT_REWRITE_ACCOUNTS);

const population = new BenchPopulation(ACCOUNTS, 42);

const fileBytes = (path: string): number => [path, `${path}-wal`].filter(existsSync).reduce((s, p) => s + statSync(p).size, 0);
const ms = (x: number): string => `${x.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), 'ao-emission-bench-ledger-'));
try {
  const path = join(dir, 'ledger.db');
  const ledger = await openLedger({ url: `sqlite:${path}`, deferAccounts: DEFER_ACCOUNTS, rewriteAccounts: REWRITE_ACCOUNTS });
  await ledger.migrate();
  console.log(`load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores; other work on the machine inflates wall times)`);
  console.log(
    `accounts ${ACCOUNTS.toLocaleString('en')}, ${CHANGES.toLocaleString('en')} weight changes per tick, ${TICKS} ticks, SQLite file (WAL, synchronous=NORMAL), account_state rewritten once ${DEFER_ACCOUNTS.toLocaleString('en')} accounts are behind, ${REWRITE_ACCOUNTS.toLocaleString('en')} a tick`,
  );

  // Setup (not part of the figures): every account joins at tick 1; 1 % have no recipient yet.
  let t0 = performance.now();
  const joins = population.joins(0, ACCOUNTS);
  await ledger.applyTick(tickInput(1, joins));
  joins.length = 0;
  await ledger.db.all('PRAGMA wal_checkpoint(TRUNCATE)');
  // Tick 1's million joins leave ≈ 2 GiB of garbage; collected here (run.ts passes --expose-gc) so
  // the measured ticks do not pay for the setup (scavenges in that heap took 12–34 ms each).
  (globalThis as { gc?: () => void }).gc?.();
  console.log(`setup: tick 1 with ${ACCOUNTS.toLocaleString('en')} joins ${ms(performance.now() - t0)}`);

  const bytesBefore = fileBytes(path);
  const latencies: number[] = [];
  const cpuMs: number[] = [];
  const rewrote: boolean[] = [];
  t0 = performance.now();
  for (let k = 2; k <= TICKS + 1; k++) {
    const updates = population.changes(CHANGES);
    const behindBefore = (await ledger.db.pendingAccountState()).size;
    const start = performance.now();
    const cpu = process.cpuUsage();
    await ledger.applyTick(tickInput(k, updates));
    latencies.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
    // Fewer accounts behind after a tick with changes: that tick rewrote deferred accounts (all, or a slice).
    rewrote.push((await ledger.db.pendingAccountState()).size < behindBefore);
  }
  const tickWallMs = performance.now() - t0;
  await ledger.db.all('PRAGMA wal_checkpoint(TRUNCATE)');
  const bytesPerTick = (fileBytes(path) - bytesBefore) / TICKS;
  const p50 = quantile(latencies, 0.5);
  const p99 = quantile(latencies, 0.99);
  console.log(`tick latency p50 ${ms(p50)} (target < 100 ms), p99 ${ms(p99)}, max ${ms(Math.max(...latencies))}`);
  const deferred = latencies.filter((_, i) => !rewrote[i]);
  const rewrites = latencies.filter((_, i) => rewrote[i]);
  const group = (xs: number[]): string => (xs.length === 0 ? '' : `: p50 ${ms(quantile(xs, 0.5))}, max ${ms(Math.max(...xs))}`);
  console.log(
    `  ${deferred.length} ticks appended to the change log only${group(deferred)}; ${rewrites.length} also rewrote account_state${group(rewrites)}; mean of all ${ms(latencies.reduce((a, b) => a + b, 0) / latencies.length)}`,
  );
  console.log(`tick CPU time (user+system of this process; immune to other load on the machine) p50 ${ms(quantile(cpuMs, 0.5))}, p99 ${ms(quantile(cpuMs, 0.99))}`);
  console.log(`  CPU of change-log-only ticks${group(cpuMs.filter((_, i) => !rewrote[i]))}; of rewrite ticks${group(cpuMs.filter((_, i) => rewrote[i]))}`);
  console.log(`ticks/s ${(latencies.length / (latencies.reduce((a, b) => a + b, 0) / 1000)).toFixed(1)} (applyTick only; ${(latencies.length / (tickWallMs / 1000)).toFixed(1)} including input generation)`);
  console.log(`DB bytes per tick ${(bytesPerTick / 1024).toFixed(1)} KiB (file + WAL growth over ${TICKS} ticks, after checkpoint)`);

  // Another connection (an HTTP reader, a CLI query) replays the deferred ticks before its first read.
  const reader = await openLedger({ url: `sqlite:${path}` });
  t0 = performance.now();
  const behind = (await reader.db.pendingAccountState()).size;
  console.log(`another connection's first read: ${behind.toLocaleString('en')} accounts behind account_state rebuilt from the change log in ${ms(performance.now() - t0)}`);
  await reader.close();

  t0 = performance.now();
  const settleCpu = process.cpuUsage();
  const settlement = await ledger.settle('ar', TICKS + 1);
  const settleMs = performance.now() - t0;
  const settleCpuUsed = process.cpuUsage(settleCpu);
  console.log(
    `settlement of ${ACCOUNTS.toLocaleString('en')} accounts ${ms(settleMs)} wall, ${ms((settleCpuUsed.user + settleCpuUsed.system) / 1000)} CPU (target < 10 s): ${settlement!.creditCount.toLocaleString('en')} credits, ${settlement!.batchIds.length} outbox batches, total ${settlement!.total} base units`,
  );
  t0 = performance.now();
  const conservation = await ledger.conservation();
  console.log(`conservation (full recompute over every row) ${conservation.ok ? 'ok' : 'FAILED'} in ${ms(performance.now() - t0)}`);
  await ledger.close();

  // Naive baseline: accounts (id, weight, accrued) in a table of the same shape, and every tick
  // reads every row, adds w·P·SCALE/W (rounded down) to each and writes every row back.
  const naive = new Database(join(dir, 'naive.db'));
  naive.pragma('journal_mode = WAL');
  naive.pragma('synchronous = NORMAL');
  naive.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY, weight TEXT NOT NULL, accrued TEXT NOT NULL)');
  const ins = naive.prepare('INSERT INTO accounts (id, weight, accrued) VALUES (?, ?, ?)');
  naive.transaction(() => {
    for (let i = 0; i < ACCOUNTS; i++) ins.run(i + 1, population.weightOf(i).toString(), '0');
  })();
  const all = naive.prepare('SELECT id, weight, accrued FROM accounts ORDER BY id').raw();
  const upd = naive.prepare('UPDATE accounts SET accrued = ? WHERE id = ?');
  const naiveLatencies: number[] = [];
  for (let k = 2; k < 2 + NAIVE_TICKS; k++) {
    const start = performance.now();
    naive.transaction(() => {
      const rows = all.all() as [number, string, string][];
      const total = rows.reduce((s, r) => s + BigInt(r[1]), 0n);
      const amount = mintAt(AO_MAINNET.curve, k) * SCALE;
      for (const [id, w, acc] of rows) upd.run((BigInt(acc) + (amount * BigInt(w)) / total).toString(), id);
    })();
    naiveLatencies.push(performance.now() - start);
  }
  naive.close();
  const naiveP50 = quantile(naiveLatencies, 0.5);
  console.log(`naive baseline (recompute every account every tick, ${NAIVE_TICKS} ticks): p50 ${ms(naiveP50)} per tick → index accrual is ${(naiveP50 / p50).toFixed(1)}× faster per tick`);
  console.log(`load average at end ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
