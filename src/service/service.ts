import type { PoolId, Source } from '../bridges/types.ts';
import type { DelegationSource } from '../bridges/ao/delegation-source.ts';
import type { Clock } from '../clock.ts';
import type { Policy } from '../emission/index.ts';
import { openLedger, openLedgerReader, type Ledger, type LedgerReader } from '../ledger/index.ts';
import { redactUrl } from '../redact-url.ts';
import { startHttp, type HttpHandle } from './http.ts';
import { DEFAULT_HEALTH, type HealthLimits } from './config.ts';
import { createLeaderLock, type LeaderLock } from './leader.ts';
import type { Logger } from './logger.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { policyContinuity } from './policy-continuity.ts';
import { TickRunner, type Deliverer, type RunOutcome, type TickReport } from './runner.ts';
import { SourceHealth } from './source-health.ts';
import type { Trigger } from './scheduler.ts';

/**
 * The service: ledger + leader lock + tick runner + trigger + HTTP, started in that order and
 * stopped in reverse. Both `serve` (cron, system clock, real sources) and `demo` (accelerated
 * clock, local chains) run this same code.
 */
export interface ServiceOptions {
  readonly databaseUrl: string;
  /** SQLite: OpenLedgerOptions.deferAccounts. */
  readonly deferAccounts?: number | undefined;
  readonly genesisMs: number;
  readonly policy: Policy;
  /** Config policyChange: the recorded policy label the ledger may switch away from (src/service/policy-continuity.ts). */
  readonly policyChange?: string | undefined;
  /** Settlement cadence per pool (ticks); every source's pool must have one. */
  readonly settlementTicks: Readonly<Partial<Record<PoolId, number>>>;
  readonly sources: readonly Source[];
  /** The delegation process's source, when the service reads yield-delegation preferences. */
  readonly delegationSource?: DelegationSource | null;
  /** The reader the sources were handed (sources.ts LateSourceState), bound to the ledger's once it is open. */
  readonly sourceState?: { bind(reader: ReturnType<Ledger['sourceState']>): void };
  readonly clock: Clock;
  readonly log: Logger;
  readonly trigger: Trigger;
  readonly http?: { readonly host: string; readonly port: number } | null;
  /** The AO writer, built on the opened ledger's outbox (null: credits stay in the outbox). */
  readonly createDeliverer?: ((ledger: Ledger) => Deliverer) | null;
  readonly metrics?: ServiceMetrics;
  readonly settleBatchSize?: number;
  readonly onTick?: (report: TickReport) => void;
  readonly onDelivery?: (result: { sent: number; delivered: number; failed: number }) => void;
  readonly onRun?: (outcome: RunOutcome) => void | Promise<void>;
  readonly ticksPerRunMax?: number;
  /** Readiness bounds of /readyz and /healthz (default DEFAULT_HEALTH). */
  readonly health?: HealthLimits;
  /** Extra facts /status reports as they are (the demo: its AO node's URL and process id). */
  readonly statusInfo?: Readonly<Record<string, unknown>>;
}

export interface ServiceHandle {
  readonly ledger: Ledger;
  readonly runner: TickRunner;
  readonly leader: LeaderLock;
  readonly metrics: ServiceMetrics;
  readonly http: HttpHandle | null;
  /** Runs the due ticks now (what a trigger does), resolving when the run ends. */
  runNow(): Promise<RunOutcome>;
  /** Graceful stop: no new run, the tick in progress finishes or never started, outbox state flushed, lock released, database closed. */
  stop(): Promise<void>;
}

export async function startService(options: ServiceOptions): Promise<ServiceHandle> {
  const { log } = options;
  const ledger = await openLedger({ url: options.databaseUrl, clock: options.clock, deferAccounts: options.deferAccounts });
  const leader = createLeaderLock(options.databaseUrl);
  const metrics = options.metrics ?? createMetrics();
  let http: HttpHandle | null = null;
  let reader: { reader: LedgerReader; shared: boolean } | null = null;
  try {
    await ledger.migrate();
    // After the migration (a reader cannot create tables): HTTP reads never wait behind a tick or a settlement.
    reader = await openLedgerReader(ledger, { url: options.databaseUrl, clock: options.clock });
    options.sourceState?.bind(ledger.sourceState());
    // Refuse at start, not at the first due tick, to continue a ledger under another law.
    await policyContinuity(ledger, options.policy, options.policyChange);
    const sourceHealth = new SourceHealth(options.clock);
    const sources = sourceHealth.track(options.sources);
    const runner = new TickRunner({ ...options, sources, ledger, leader, metrics, deliverer: options.createDeliverer?.(ledger) ?? null });
    if (options.http) {
      http = await startHttp(
        {
          ledger: reader.reader,
          clock: options.clock,
          genesisMs: options.genesisMs,
          policy: options.policy,
          pools: options.sources.map((s) => s.pool),
          leader,
          metrics,
          log,
          lastOutcome: () => runner.lastOutcome,
          health: options.health ?? DEFAULT_HEALTH,
          sourceHealth,
          info: { pid: process.pid, ...options.statusInfo },
        },
        options.http.host,
        options.http.port,
      );
      log.info({ url: http.url }, 'http listening');
    }
    let stopped = false;
    // Triggers that fire during a run share it (and its onRun): one loop at a time.
    let current: Promise<RunOutcome> | null = null;
    const runNow = (): Promise<RunOutcome> => {
      current ??= (async () => {
        const outcome = await runner.runDue();
        await options.onRun?.(outcome);
        if (outcome.kind === 'standby') log.debug({ lock: leader.description }, 'standby: another instance is the leader');
        return outcome;
      })().finally(() => {
        current = null;
      });
      const run = current;
      void run.then((outcome) => {
        // A bounded run that left due ticks behind continues at once rather than at the next trigger.
        if (!stopped && outcome.kind === 'applied' && outcome.lastTick < outcome.dueTick) setImmediate(() => void runNow());
      });
      return run;
    };
    options.trigger.start(() => void runNow());
    const handle: ServiceHandle = {
      ledger,
      runner,
      leader,
      metrics,
      http,
      runNow,
      async stop() {
        if (stopped) return;
        stopped = true;
        await options.trigger.stop();
        await runner.stop();
        await current?.catch(() => undefined);
        await http?.close();
        if (reader?.shared === false) await reader.reader.close();
        await leader.release();
        metrics.isLeader.set(0);
        const outbox = await ledger.outbox.counts();
        const lastTick = await ledger.lastAppliedTick();
        await ledger.close();
        log.info({ lastTick, outbox }, 'stopped');
      },
    };
    log.info({ database: redactUrl(options.databaseUrl), lock: leader.description, pools: options.sources.map((s) => s.pool) }, 'service started');
    return handle;
  } catch (error) {
    await http?.close();
    if (reader?.shared === false) await reader.reader.close();
    await leader.release();
    await ledger.close();
    throw error;
  }
}
