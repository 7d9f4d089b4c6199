import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { PoolId, Source } from '../../../src/bridges/types.ts';
import { ManualClock } from '../../../src/clock.ts';
import { BRIDGE_START_MS, TICK_MS, AO_MAINNET } from '../../../src/emission/index.ts';
import { createLogger } from '../../../src/service/logger.ts';
import { createMetrics } from '../../../src/service/metrics.ts';
import { manualTrigger } from '../../../src/service/scheduler.ts';
import { startService, type ServiceHandle, type ServiceOptions } from '../../../src/service/service.ts';
import { createSyntheticSource } from '../../../devnet/synthetic-source.ts';

/** A genesis 100 ticks before bridge rewards start, so short runs cross the ao-mainnet policy change. */
export const TEST_GENESIS_MS = BRIDGE_START_MS - 100 * TICK_MS;

export const tempDir = (label: string): string => mkdtempSync(join(tmpdir(), `ao-emission-${label}-`));

/** Collects pino's JSON lines. */
export function logSink(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, lines };
}

export interface SyntheticPopulation {
  readonly seed: number;
  readonly accounts?: Partial<Record<PoolId, number>>;
  readonly changesPerBlock?: number;
  readonly mode?: 'follow' | 'head';
}

export function syntheticSources(pop: SyntheticPopulation, clock: ManualClock, genesisMs = TEST_GENESIS_MS): Source[] {
  return (['ar', 'steth', 'sol'] as const).map((pool) =>
    createSyntheticSource({ pool, seed: pop.seed, genesisMs, clock, accounts: pop.accounts?.[pool] ?? 60, changesPerBlock: pop.changesPerBlock ?? 3, mode: pop.mode ?? 'follow' }),
  );
}

/** A service on a synthetic population with a manual clock and trigger (no HTTP unless asked). */
export async function syntheticService(opts: {
  databaseUrl: string;
  population: SyntheticPopulation;
  clock: ManualClock;
  http?: boolean;
  settlementTicks?: Partial<Record<PoolId, number>>;
  extra?: Partial<ServiceOptions>;
}): Promise<ServiceHandle & { logs: Record<string, unknown>[] }> {
  const sink = logSink();
  const handle = await startService({
    databaseUrl: opts.databaseUrl,
    genesisMs: TEST_GENESIS_MS,
    policy: AO_MAINNET,
    settlementTicks: opts.settlementTicks ?? { ar: 12, steth: 288, sol: 288 },
    sources: syntheticSources(opts.population, opts.clock),
    clock: opts.clock,
    log: createLogger({ level: 'info', destination: sink.stream }),
    metrics: createMetrics({ defaultMetrics: false }),
    trigger: manualTrigger(),
    http: opts.http ? { host: '127.0.0.1', port: 0 } : null,
    ...opts.extra,
  });
  return Object.assign(handle, { logs: sink.lines });
}

export const clockAtTickEnd = (tick: number): ManualClock => new ManualClock(TEST_GENESIS_MS + tick * TICK_MS);
