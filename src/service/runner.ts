import type { Clock } from '../clock.ts';
import type { PoolId, Snapshot, Source } from '../bridges/types.ts';
import type { DelegationSnapshot, DelegationSource } from '../bridges/ao/delegation-source.ts';
import { EngineError } from '../errors.ts';
import { isTransferable, lastEndedTick, TICK_MS, tickEndMs, toIso, type Policy } from '../emission/index.ts';
import type { AppliedTick, Ledger, SettlementResult } from '../ledger/index.ts';
import type { LeaderLock } from './leader.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';
import { policyContinuity } from './policy-continuity.ts';
import { retry, type RetryPolicy } from '../retry.ts';

/**
 * The tick loop (DESIGN.md §5): every run applies, in order, every tick whose end has passed and
 * that the ledger has not applied — so after downtime it catches up tick by tick, each tick's mint
 * and split exactly as if it had run on time (they depend on the tick number alone). Due ticks
 * are computed from the injected clock, never from when the trigger fired.
 *
 * A source answers for its current block only. For a tick in the past the snapshot is the earliest
 * available one after the tick, and when its pin is later than the tick's end by more than one
 * tick the fact is written into the tick's journal notes (hashed with the tick).
 *
 * Per tick: snapshots (all pools, in parallel) → ledger.applyTick (one transaction) → settlement
 * of every pool whose cadence divides the tick → AO delivery after the run. Stopping is only ever
 * at a tick boundary: an aborted snapshot means the tick was never started; a started ledger
 * transaction always finishes with its settlement.
 */

/** What the runner needs of the AO writer: deliver pending outbox batches, bounded. */
export interface Deliverer {
  deliver(signal?: AbortSignal): Promise<{ readonly sent: number; readonly delivered: number; readonly failed: number }>;
}

export interface TickReport {
  readonly tick: number;
  readonly applied: AppliedTick;
  readonly settlements: readonly SettlementResult[];
  readonly notes: readonly string[];
  readonly snapshots: readonly Snapshot[];
  readonly transferable: boolean;
  readonly durationMs: number;
}

export interface RunnerOptions {
  readonly ledger: Ledger;
  readonly sources: readonly Source[];
  /** The delegation process's preferences: read every tick beside the pools' snapshots, applied with the tick. */
  readonly delegationSource?: DelegationSource | null | undefined;
  readonly policy: Policy;
  /** The recorded policy label a ledger may switch away from to `policy` (config policyChange). */
  readonly policyChange?: string | undefined;
  readonly genesisMs: number;
  readonly clock: Clock;
  /** Settle a pool after tick k when k % ticks === 0; every source's pool must have one. */
  readonly settlementTicks: Readonly<Partial<Record<PoolId, number>>>;
  readonly leader: LeaderLock;
  readonly log: Logger;
  readonly metrics: ServiceMetrics;
  readonly deliverer?: Deliverer | null;
  readonly settleBatchSize?: number;
  /** Called after each tick is applied and settled (the demo prints its line here). */
  readonly onTick?: (report: TickReport) => void;
  /** Called after each delivery round. */
  readonly onDelivery?: (result: { sent: number; delivered: number; failed: number }) => void;
  /** Bounds one run (the rest waits for the next trigger, which comes at once in catch-up). */
  readonly ticksPerRunMax?: number;
}

export type RunOutcome =
  | { readonly kind: 'applied'; readonly ticks: number; readonly lastTick: number; readonly dueTick: number }
  | { readonly kind: 'standby' }
  | { readonly kind: 'stopped'; readonly lastTick: number }
  | { readonly kind: 'failed'; readonly error: EngineError; readonly lastTick: number };

/** A snapshot older than this past the tick's end is recorded as late in the tick's notes. */
export const LATE_SNAPSHOT_GRACE_MS = TICK_MS;
/** Attempts per source per tick; only snapshot reads are retried (they change nothing). */
export const SNAPSHOT_ATTEMPTS_MAX = 3;
/** Waits between a source's attempts: 250 ms, then 500 ms (src/retry.ts). */
const SNAPSHOT_RETRY: RetryPolicy = { attemptsMax: SNAPSHOT_ATTEMPTS_MAX, backoffMsBase: 250, backoffMsMax: 1_000 };
export const TICKS_PER_RUN_MAX = 10_000;

export class TickRunner {
  readonly #o: RunnerOptions;
  #stopping = false;
  #abort = new AbortController();
  #running: Promise<RunOutcome> | null = null;
  #lastOutcome: RunOutcome | null = null;
  #resumed = false;

  constructor(options: RunnerOptions) {
    for (const s of options.sources) {
      const every = options.settlementTicks[s.pool];
      if (every === undefined || !Number.isSafeInteger(every) || every < 1) throw new EngineError('INVALID_CONFIG', `settlement.${s.pool}: no settlement cadence for the ${s.pool} source; expected every-tick or a period like 1d`);
    }
    this.#o = options;
  }

  /** The pool's cadence in ticks (the constructor checked every source's pool has one). */
  #every(pool: PoolId): number {
    return this.#o.settlementTicks[pool]!;
  }

  get lastOutcome(): RunOutcome | null {
    return this.#lastOutcome;
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  /** Runs every due tick; concurrent calls share the run in progress (a cron tick during catch-up does not start a second loop). */
  runDue(): Promise<RunOutcome> {
    if (this.#running) return this.#running;
    this.#running = this.#run().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Stops at the next tick boundary: aborts snapshots in flight, waits for a ledger transaction in flight. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#abort.abort(new EngineError('SOURCE_UNAVAILABLE', 'service: shutting down'));
    if (this.#running) await this.#running;
  }

  async #run(): Promise<RunOutcome> {
    const o = this.#o;
    const outcome = await this.#applyDue().catch(async (error: unknown): Promise<RunOutcome> => {
      // An error of unknown origin is a bug, not a source outage: it keeps a code of its own.
      const engineError = error instanceof EngineError ? error : new EngineError('INTERNAL_ERROR', `tick: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      o.log.error({ err: error, code: engineError.code }, 'tick run failed');
      return { kind: 'failed', error: engineError, lastTick: await o.ledger.lastAppliedTick() };
    });
    if (outcome.kind !== 'standby' && !this.#stopping) await this.deliver();
    this.#lastOutcome = outcome;
    return outcome;
  }

  /** One bounded delivery round of the outbox (no-op without an AO writer). */
  async deliver(): Promise<void> {
    const o = this.#o;
    if (!o.deliverer) return;
    try {
      const result = await o.deliverer.deliver(this.#abort.signal);
      if (result.sent + result.delivered + result.failed > 0) o.log.info({ ...result }, 'batch sent');
      o.onDelivery?.(result);
    } catch (error) {
      o.metrics.deliveryErrors.inc();
      o.log.warn({ err: error }, 'delivery failed; the outbox keeps the batches for the next round');
    }
  }

  async #applyDue(): Promise<RunOutcome> {
    const o = this.#o;
    if (!o.leader.held() && !(await o.leader.tryAcquire())) {
      this.#resumed = false;
      o.metrics.isLeader.set(0);
      return { kind: 'standby' };
    }
    o.metrics.isLeader.set(1);
    let last = await o.ledger.lastAppliedTick();
    // Once per leadership: a settlement point the previous leader reached but did not settle.
    if (!this.#resumed) await this.#settleMissed(last);
    this.#resumed = true;
    const dueTick = lastEndedTick(o.clock.nowMs(), o.genesisMs);
    o.metrics.lagTicks.set(Math.max(0, dueTick - last));
    const limit = Math.min(o.ticksPerRunMax ?? TICKS_PER_RUN_MAX, TICKS_PER_RUN_MAX);
    let applied = 0;
    while (last < dueTick && applied < limit) {
      // With a synchronous driver (better-sqlite3) a catch-up would otherwise run entirely in
      // microtasks, starving signals, HTTP and log output until it ends.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#stopping) return { kind: 'stopped', lastTick: last };
      if (!o.leader.held()) {
        o.log.warn({ lastTick: last }, 'leader lock lost; stepping down');
        this.#resumed = false;
        o.metrics.isLeader.set(0);
        return { kind: 'standby' };
      }
      const snapshots = await this.#snapshots(last + 1);
      if (snapshots === null) return { kind: 'stopped', lastTick: last };
      const delegations = await this.#delegations(last + 1);
      if (delegations === null) return { kind: 'stopped', lastTick: last };
      await this.#applyOne(last + 1, snapshots, delegations);
      last += 1;
      applied += 1;
      o.metrics.lagTicks.set(Math.max(0, dueTick - last));
    }
    return { kind: 'applied', ticks: applied, lastTick: last, dueTick };
  }

  /** A settlement point the previous process reached but did not settle (it was killed in between): settle it now. */
  async #settleMissed(last: number): Promise<void> {
    if (last === 0) return;
    for (const pool of this.#pools()) {
      if (last % this.#every(pool) !== 0) continue;
      const result = await this.#o.ledger.settle(pool, last, { batchSize: this.#o.settleBatchSize });
      if (result) this.#o.log.info({ settlement: result.id, total: result.total, credits: result.creditCount }, 'settled (resumed)');
    }
  }

  #pools(): PoolId[] {
    return this.#o.sources.map((s) => s.pool);
  }

  /** Every source's snapshot for the tick, or null when stopping interrupted them (nothing was written). */
  async #snapshots(tick: number): Promise<Snapshot[] | null> {
    const o = this.#o;
    const signal = this.#abort.signal;
    const take = async (source: Source): Promise<Snapshot> => {
      const cursor = await o.ledger.cursor(source.pool);
      const attempt = async (n: number): Promise<Snapshot> => {
        try {
          const snapshot = await source.snapshot(cursor, signal, { tick });
          if (snapshot.pool !== source.pool) throw new EngineError('SNAPSHOT_MISMATCH', `source ${source.pool}: returned a snapshot for pool ${snapshot.pool}`);
          o.log.info({ tick, pool: source.pool, chain: snapshot.pin.chain, height: snapshot.pin.height, hash: snapshot.pin.hash, updates: snapshot.updates.length, complete: snapshot.complete }, 'snapshot taken');
          return snapshot;
        } catch (error) {
          if (!signal.aborted) {
            o.metrics.sourceErrors.inc({ pool: source.pool });
            o.log.warn({ tick, pool: source.pool, attempt: n, err: error }, 'snapshot failed');
          }
          throw error;
        }
      };
      try {
        return await retry(attempt, { ...SNAPSHOT_RETRY, signal, retryable: () => true });
      } catch (error) {
        if (signal.aborted) throw error;
        // A source's own code (MALFORMED_RESPONSE, SNAPSHOT_MISMATCH …) is kept; only I/O failures are SOURCE_UNAVAILABLE.
        const code = error instanceof EngineError ? error.code : 'SOURCE_UNAVAILABLE';
        throw new EngineError(code, `source ${source.pool}: no snapshot for tick ${tick} after ${SNAPSHOT_ATTEMPTS_MAX} attempts: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
    };
    try {
      return await Promise.all(o.sources.map(take));
    } catch (error) {
      if (signal.aborted) return null;
      throw error;
    }
  }

  /**
   * The delegation snapshot for the tick (undefined without a delegation source), retried like a
   * pool's (a read changes nothing); null when stopping interrupted it.
   */
  async #delegations(tick: number): Promise<DelegationSnapshot | undefined | null> {
    const o = this.#o;
    const source = o.delegationSource;
    if (!source) return undefined;
    const signal = this.#abort.signal;
    const cursor = await o.ledger.delegationCursor();
    const attempt = async (n: number): Promise<DelegationSnapshot> => {
      try {
        const snapshot = await source.snapshot(cursor, signal);
        o.log.info({ tick, process: source.processId, seq: snapshot.pin.seq, changes: snapshot.changes.length }, 'delegation snapshot taken');
        return snapshot;
      } catch (error) {
        if (!signal.aborted) o.log.warn({ tick, process: source.processId, attempt: n, err: error }, 'delegation snapshot failed');
        throw error;
      }
    };
    try {
      return await retry(attempt, { ...SNAPSHOT_RETRY, signal, retryable: () => true });
    } catch (error) {
      if (signal.aborted) return null;
      const code = error instanceof EngineError ? error.code : 'SOURCE_UNAVAILABLE';
      throw new EngineError(code, `delegation source: no snapshot for tick ${tick} after ${SNAPSHOT_ATTEMPTS_MAX} attempts: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }

  async #applyOne(tick: number, snapshots: Snapshot[], delegations: DelegationSnapshot | undefined): Promise<void> {
    const o = this.#o;
    const started = performance.now();
    const endMs = tickEndMs(tick, o.genesisMs);
    const notes: string[] = [];
    const change = await policyContinuity(o.ledger, o.policy, o.policyChange);
    if (change !== null) notes.push(change);
    for (const s of snapshots) {
      if (s.pin.timeMs > endMs + LATE_SNAPSHOT_GRACE_MS) {
        notes.push(
          `${s.pool}: late snapshot — tick ended ${toIso(endMs)}; earliest available ${s.pin.chain} block ${s.pin.height} (${toIso(s.pin.timeMs)}, ${Math.round((s.pin.timeMs - endMs) / 1000)} s after)`,
        );
      }
    }
    const applied = await o.ledger.applyTick({ tick, genesisMs: o.genesisMs, policy: o.policy, snapshots, notes, ...(delegations === undefined ? {} : { delegations }) });
    const settlements: SettlementResult[] = [];
    for (const pool of this.#pools()) {
      if (tick % this.#every(pool) !== 0) continue;
      const result = await o.ledger.settle(pool, tick, { batchSize: o.settleBatchSize });
      if (result) settlements.push(result);
    }
    const durationMs = performance.now() - started;
    o.metrics.tickDuration.observe(durationMs / 1000);
    o.metrics.lastTick.set(tick);
    o.metrics.ticksApplied.inc();
    const transferable = isTransferable(o.policy, tick);
    o.log.info(
      {
        tick,
        hash: applied.hash,
        mint: applied.mint,
        splitAr: applied.split.ar,
        splitBridges: applied.split.bridges,
        changes: applied.changeCount,
        transferable,
        notes,
        settlements: settlements.map((s) => ({ id: s.id, total: s.total, recipients: s.recipientCount, batches: s.batchIds.length })),
        durationMs: Math.round(durationMs * 1000) / 1000,
      },
      'tick applied',
    );
    o.onTick?.({ tick, applied, settlements, notes, snapshots, transferable, durationMs });
  }
}
