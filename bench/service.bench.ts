// Catch-up throughput of the service's tick runner (src/service/runner.ts): after an outage of
// TICKS ticks, one run applies them all — snapshots from the seeded synthetic chain (an input
// generator), one SQLite ledger transaction per tick, AR settled every 12 ticks — compared with a
// naive loop calling the same sources and ledger directly (no runner: no leader check, no
// late-snapshot check, no event-loop yield, no logging, no metrics). The ratio is the runner's overhead.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/clock.ts';
import { AO_MAINNET, TICK_MS } from '../src/emission/index.ts';
import { openLedger } from '../src/ledger/index.ts';
import { createLogger } from '../src/service/logger.ts';
import { createMetrics } from '../src/service/metrics.ts';
import { manualTrigger } from '../src/service/scheduler.ts';
import { startService } from '../src/service/service.ts';
import { createSyntheticSource } from '../devnet/synthetic-source.ts';

const TICKS = 864;
const GENESIS_MS = Date.parse('2024-06-18T15:00:00Z');
const population = { ar: 5_000, steth: 500, sol: 500 } as const;
const dir = mkdtempSync(join(tmpdir(), 'ao-emission-bench-service-'));

const sourcesFor = (clock: ManualClock) =>
  (['ar', 'steth', 'sol'] as const).map((pool) => createSyntheticSource({ pool, seed: 1, genesisMs: GENESIS_MS, clock, accounts: population[pool], changesPerBlock: 20 }));

async function measure(fn: () => Promise<void>): Promise<{ wallS: number; cpuS: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const cpu = process.cpuUsage(cpu0);
  return { wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
}

// Runner: bootstrap at tick 1, then the clock jumps TICKS ticks and one run catches up.
const clockA = new ManualClock(GENESIS_MS + TICK_MS);
const service = await startService({
  databaseUrl: `sqlite:${join(dir, 'runner.db')}`,
  genesisMs: GENESIS_MS,
  policy: AO_MAINNET,
  settlementTicks: { ar: 12, steth: 288, sol: 288 },
  sources: sourcesFor(clockA),
  clock: clockA,
  log: createLogger({ level: 'silent' }),
  metrics: createMetrics({ defaultMetrics: false }),
  trigger: manualTrigger(),
});
await service.runNow();
clockA.advance(TICKS * TICK_MS);
const runner = await measure(async () => {
  const outcome = await service.runNow();
  if (outcome.kind !== 'applied' || outcome.ticks !== TICKS) throw new Error(`runner applied ${JSON.stringify(outcome)}`);
});
const runnerHash = await service.ledger.lastHash();
await service.stop();

// Naive: the same work, called directly.
const clockB = new ManualClock(GENESIS_MS + TICK_MS);
const ledger = await openLedger({ url: `sqlite:${join(dir, 'naive.db')}`, clock: clockB });
await ledger.migrate();
const sources = sourcesFor(clockB);
const applyNext = async (tick: number) => {
  const snapshots = await Promise.all(sources.map(async (s) => s.snapshot(await ledger.cursor(s.pool))));
  await ledger.applyTick({ tick, genesisMs: GENESIS_MS, policy: AO_MAINNET, snapshots });
  if (tick % 12 === 0) await ledger.settle('ar', tick);
  if (tick % 288 === 0) for (const pool of ['steth', 'sol'] as const) await ledger.settle(pool, tick);
};
await applyNext(1);
clockB.advance(TICKS * TICK_MS);
const naive = await measure(async () => {
  for (let k = 2; k <= TICKS + 1; k++) await applyNext(k);
});
const naiveHash = await ledger.lastHash();
await ledger.close();
if (naiveHash !== runnerHash) throw new Error('runner and naive loop disagree on the journal hash');

const row = (name: string, m: { wallS: number; cpuS: number }) =>
  `| ${name} | ${TICKS} | ${m.wallS.toFixed(2)} s | ${(TICKS / m.wallS).toFixed(0)} | ${((m.wallS / TICKS) * 1000).toFixed(2)} ms | ${m.cpuS.toFixed(2)} s |`;
console.log(`population ${population.ar} AR / ${population.steth} stETH / ${population.sol} SOL accounts, 20 changes per pool per tick; same final journal hash ${runnerHash.slice(0, 16)}…`);
console.log('| run | ticks | wall | ticks/s | per tick | CPU |');
console.log('|---|---:|---:|---:|---:|---:|');
console.log(row('runner catch-up (one run)', runner));
console.log(row('naive loop (direct ledger calls)', naive));
console.log(`| ratio runner / naive (wall) | | ${(runner.wallS / naive.wallS).toFixed(2)}× | | | ${(runner.cpuS / naive.cpuS).toFixed(2)}× CPU |`);
