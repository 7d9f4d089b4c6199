import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalAoNode } from '../../devnet/ao-node/server.ts';
import type { LocalAoNode } from '../../devnet/ao-node/server.ts';
import type { PoolId, Snapshot, Source } from '../../src/bridges/types.ts';
import { ManualClock } from '../../src/clock.ts';
import { DEFAULT_GENESIS_MS, TICK_MS, tickEndMs } from '../../src/emission/index.ts';
import { flatPolicy } from '../../src/emission/policy.ts';
import { EngineError } from '../../src/errors.ts';
import { createAoWriter, readProcessBalances } from '../../src/ledger/delivery/ao/index.ts';
import type { AoClient, AoResultIn, AoTag, AoWriter, ArweaveJwk } from '../../src/ledger/delivery/ao/index.ts';
import { verifyLedger } from '../../src/ledger/audit/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { Ledger, OutboxStore, TickInput } from '../../src/ledger/index.ts';
import { createLeaderLock } from '../../src/service/leader.ts';
import type { LeaderLock } from '../../src/service/leader.ts';
import { createSyntheticSource } from '../../devnet/synthetic-source.ts';
import { FaultPlan, SimulatedCrash } from './faults.ts';
import type { FaultKind, FaultRates } from './faults.ts';
import { PipelineModel } from './model.ts';
import { nodeHttpClient } from './node-client.ts';

/**
 * The whole pipeline in one process, deterministic from one seed: seeded synthetic sources →
 * ledger.applyTick (the real ledger: a SQLite temp file, or Postgres) → ledger.settle → outbox → the real AO
 * writer → the local AO node (devnet/ao-node, ao/token.lua in wasmoon) — in the order and with the resume
 * rule of src/service/runner.ts (snapshots, apply, settle the pools whose cadence divides the tick,
 * deliver; after a restart, settle a settlement point the previous instance reached).
 *
 * Every call into the pipeline is a numbered step. At each step the FaultPlan may inject a fault,
 * and after each step the invariants are checked against PipelineModel. A crash abandons the
 * instance (ledger connection, writer, leader lock) and opens a new one from the database file, as
 * a restarted process would; the AO node is its own process and keeps running. Time is the
 * ManualClock: the writer's backoff advances it, nothing sleeps.
 */
export interface SimOptions {
  readonly seed: number;
  /** false: the fault-free run of the seed. */
  readonly faults: boolean;
  /** A fresh directory for the run's files. */
  readonly dir: string;
  /** The ledger's database; default a SQLite file in dir. A Postgres URL must name an empty database. */
  readonly databaseUrl?: string;
  readonly minter: { readonly jwk: ArweaveJwk; readonly address: string };
  readonly ticks?: number;
  readonly rates?: FaultRates;
  /** Runs after each tick's settlements; the test that proves a corrupted ledger fails the run uses it. */
  readonly afterSettlements?: (ledger: Ledger, tick: number) => Promise<void>;
}

export interface SimResult {
  readonly seed: number;
  /** sha256 of the journal's last hash, the outbox digest and the token balances. */
  readonly hash: string;
  readonly steps: number;
  readonly restarts: number;
  readonly batches: number;
  readonly fired: Readonly<Record<FaultKind, number>>;
}

/** An invariant broke: the message names the step and ends with the seed to reproduce it. */
export class SimFailure extends Error {
  constructor(
    readonly seed: number,
    readonly step: number,
    detail: string,
  ) {
    super(`pipeline simulation failed at step ${step}: ${detail}\nreproduce with seed=${seed}`);
  }
}

export const SIM_TICKS = 12;
const POOLS: readonly PoolId[] = ['ar', 'steth'];
/** 36 % to AR, 64 % to the bridges from tick 1 (the mainnet law gives the bridges nothing in its first ticks). */
const POLICY = flatPolicy(36n, 64n);
/** Settle a pool after tick k when k % cadence = 0. */
const CADENCE: Readonly<Record<string, number>> = { ar: 4, steth: 6 };
const POPULATION: Readonly<Record<string, { accounts: number; changesPerBlock: number }>> = { ar: { accounts: 20, changesPerBlock: 3 }, steth: { accounts: 8, changesPerBlock: 2 } };
const SETTLE_BATCH_SIZE = 32;
/** Small, so that some ticks rewrite account_state and restarts rebuild the deferred state. */
const DEFER_ACCOUNTS = 12;
const WRITER_ATTEMPTS_MAX = 3;
const BATCHES_PER_ROUND = 4;
/** Bounds: a run that needs more has a bug (a loop that does not converge). */
const STEPS_MAX = 5_000;
const SNAPSHOT_ATTEMPTS_MAX = 30;
const DRAIN_ROUNDS_MAX = 60;
/** Drain rounds that may still see faults; after them the plan is quiet, so the drain ends. */
const DRAIN_FAULTY_ROUNDS = 6;
const NODE_DOWN_CALLS_MAX = 8;

interface Instance {
  readonly ledger: Ledger;
  readonly writer: AoWriter;
  readonly lock: LeaderLock;
}

const tagOf = (tags: readonly AoTag[], name: string): string | undefined => tags.find((t) => t.name === name)?.value;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

class Simulation {
  readonly #o: SimOptions;
  readonly #plan: FaultPlan;
  readonly #model = new PipelineModel();
  readonly #clock = new ManualClock(tickEndMs(1, DEFAULT_GENESIS_MS));
  readonly #sources: Source[];
  readonly #ledgerUrl: string;
  readonly #nodePath: string;
  readonly #ticks: number;
  #node: LocalAoNode | null = null;
  /** The token process's id: the same on every start of the node (devnet/ao-node/README.md). */
  #processId = '';
  #nodeClient: AoClient | null = null;
  #nodeDownCalls = 0;
  #instance: Instance | null = null;
  #quiet = false;
  /**
   * Set when a crash or a failure happens inside a call the writer makes: the writer treats any
   * error of its AO client as a network failure and retries, so the simulation refuses every later
   * call of the dead instance (its steps and its outbox) until the crash reaches the driver.
   */
  #crashed: SimulatedCrash | null = null;
  #failure: SimFailure | null = null;
  steps = 0;
  restarts = 0;
  /** The tags of every message sent, by message id: an observer outside the engine, so it survives crashes. */
  readonly #sentTags = new Map<string, readonly AoTag[]>();
  /** Cumulative credits per recipient as the ledger's settlements wrote them (outbox payloads). */
  readonly #ledgerCredited = new Map<string, bigint>();

  constructor(o: SimOptions) {
    this.#o = o;
    this.#plan = new FaultPlan(o.faults ? o.seed : null, o.rates);
    this.#ticks = o.ticks ?? SIM_TICKS;
    this.#ledgerUrl = o.databaseUrl ?? `sqlite:${join(o.dir, 'ledger.db')}`;
    this.#nodePath = join(o.dir, 'ao-node.db');
    this.#sources = POOLS.map((pool) => createSyntheticSource({ pool, seed: o.seed, genesisMs: DEFAULT_GENESIS_MS, clock: this.#clock, ...POPULATION[pool]! }));
  }

  #fail(detail: string): never {
    this.#failure ??= new SimFailure(this.#o.seed, this.steps, detail);
    throw this.#failure;
  }

  /** A dead instance does nothing more: the failure, else the crash, is thrown again. */
  #throwIfDead(): void {
    if (this.#failure !== null) throw this.#failure;
    if (this.#crashed !== null) throw this.#crashed;
  }

  #fires(kind: keyof FaultRates): boolean {
    return !this.#quiet && this.#plan.fires(kind);
  }

  get #current(): Instance {
    return this.#instance ?? this.#fail('no open instance');
  }

  /** One numbered step: maybe a crash before or after it, then every cheap invariant. */
  async #step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    this.#throwIfDead();
    const n = ++this.steps;
    if (n > STEPS_MAX) this.#fail(`more than ${STEPS_MAX} steps`);
    const crash = this.#quiet ? null : this.#plan.crash();
    if (crash === 'before') throw (this.#crashed = new SimulatedCrash(n, name, crash));
    const result = await fn();
    if (crash === 'after') throw (this.#crashed = new SimulatedCrash(n, name, crash));
    await this.#checkStep(name);
    return result;
  }

  /** After every step: the ledger is at the model's tick, holds the batches the model knows, and delivered none the process was not sent. */
  async #checkStep(name: string): Promise<void> {
    const { ledger } = this.#current;
    const at = await ledger.lastAppliedTick();
    if (at !== this.#model.tick) this.#fail(`after ${name}: ledger at tick ${at}, model at ${this.#model.tick}`);
    const counts = await ledger.outbox.counts();
    const total = counts.pending + counts.sent + counts.delivered + counts.failed;
    if (total !== this.#model.batches.size) this.#fail(`after ${name}: outbox holds ${total} batches, the settlements wrote ${this.#model.batches.size}`);
    if (counts.failed > 0) this.#fail(`after ${name}: ${counts.failed} batches failed`);
    if (counts.delivered > this.#model.posted.size) this.#fail(`after ${name}: ${counts.delivered} batches delivered but only ${this.#model.posted.size} were ever sent to the process`);
  }

  // --- The AO node: its own process, so it survives an engine crash; "down" stops it. ---

  async #startNode(): Promise<void> {
    this.#node = await startLocalAoNode({ dbPath: this.#nodePath, minter: this.#o.minter.address });
    if (this.#processId !== '' && this.#node.processId !== this.#processId) this.#fail(`the restarted node runs process ${this.#node.processId}, not ${this.#processId}`);
    this.#processId = this.#node.processId;
    this.#nodeClient = nodeHttpClient(this.#node.url, this.#o.minter.jwk);
  }

  /** A call to the node, unless it is down; a node that was down long enough is restarted (it replays its store). */
  async #toNode<T>(call: (client: AoClient) => Promise<T>): Promise<T> {
    if (this.#node !== null && this.#fires('nodeDown')) {
      await this.#node.stop();
      this.#node = null;
      this.#nodeDownCalls = this.#plan.upTo(NODE_DOWN_CALLS_MAX);
    }
    if (this.#node === null) {
      if (this.#nodeDownCalls-- > 0) throw new Error('fetch failed: connect ECONNREFUSED (simulated: the AO node is down)');
      await this.#startNode();
    }
    return call(this.#nodeClient!);
  }

  #noteAnswer(tags: readonly AoTag[], messageId: string, result: AoResultIn): void {
    for (const m of result.Messages ?? []) {
      if (tagOf(m.Tags ?? [], 'Action') !== 'Mint-Batch-Notice') continue;
      const batchId = tagOf(m.Tags ?? [], 'Batch-Id') ?? tagOf(tags, 'Batch-Id')!;
      const seen = this.#model.notices.get(batchId) ?? new Set<string>();
      seen.add(messageId);
      this.#model.notices.set(batchId, seen);
      if (seen.size > 1) this.#fail(`batch ${batchId} applied twice by the token process (messages ${[...seen].join(', ')})`);
    }
  }

  /** The writer's AoClient: every message and result is a step, with the node's faults. */
  #client(): AoClient {
    const sentTags = this.#sentTags;
    return {
      message: (args) =>
        this.#step(`ao message ${tagOf(args.tags, 'Batch-Id')?.slice(0, 8)}`, async () => {
          const id = await this.#toNode((c) => c.message(args));
          sentTags.set(id, args.tags);
          this.#model.post(tagOf(args.tags, 'Batch-Id')!, args.data);
          if (this.#fires('duplicateMessage')) {
            // A second signed message with the same Batch-Id: the process must answer Duplicate and change nothing.
            const again = await this.#toNode((c) => c.message(args));
            this.#noteAnswer(args.tags, again, await this.#toNode((c) => c.result({ message: again, process: args.process })));
          }
          return id;
        }),
      result: (args) =>
        this.#step(`ao result ${args.message.slice(0, 8)}`, async () => {
          const result = await this.#toNode((c) => c.result(args));
          const tags = sentTags.get(args.message);
          if (tags !== undefined) this.#noteAnswer(tags, args.message, result);
          return result;
        }),
      dryrun: (args) => this.#toNode((c) => c.dryrun(args)),
    };
  }

  /** The outbox as the writer sees it: refused once the instance is dead; the reorder fault shuffles the batches it reads. */
  #outbox(store: OutboxStore): OutboxStore {
    return new Proxy(store, {
      get: (target, prop) => {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        const method = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
        return async (...args: unknown[]) => {
          this.#throwIfDead();
          const read = await method(...args);
          const listed = Array.isArray(read) ? read : ((read as { batches?: unknown } | null)?.batches ?? null);
          if (!Array.isArray(listed) || listed.length < 2 || !this.#fires('reorderBatches')) return read;
          return Array.isArray(read) ? this.#plan.shuffle(read) : { ...(read as object), batches: this.#plan.shuffle(listed) };
        };
      },
    });
  }

  // --- Engine instances: opened at start, after a crash and at a leader change. ---

  async #open(): Promise<void> {
    const lock = createLeaderLock(this.#ledgerUrl);
    if (!(await lock.tryAcquire())) this.#fail('a new instance could not take the leader lock');
    const ledger = await openLedger({ url: this.#ledgerUrl, clock: this.#clock, deferAccounts: DEFER_ACCOUNTS });
    await ledger.migrate();
    const writer = createAoWriter({
      outbox: this.#outbox(ledger.outbox),
      processId: this.#processId,
      client: this.#client(),
      attemptsMax: WRITER_ATTEMPTS_MAX,
      backoffMsBase: 1_000,
      backoffMsMax: 8_000,
      sleep: async (ms) => this.#clock.advance(ms),
    });
    this.#instance = { ledger, writer, lock };
  }

  /** A crashed process: its memory is gone; its ledger connection and lock die with it (nothing is flushed). */
  async #abandon(): Promise<void> {
    const gone = this.#current;
    this.#instance = null;
    await gone.ledger.close();
    await gone.lock.release();
  }

  /** A leader change: the next instance cannot lead while this one holds the lock; once it steps down, it can. */
  async #handOver(): Promise<void> {
    const successor = createLeaderLock(this.#ledgerUrl);
    if (await successor.tryAcquire()) this.#fail('a second instance took the leader lock while the leader held it');
    await this.#abandon();
    await this.#open();
  }

  // --- The pipeline's steps. ---

  async #snapshot(source: Source, tick: number): Promise<Snapshot> {
    for (let attempt = 1; attempt <= SNAPSHOT_ATTEMPTS_MAX; attempt++) {
      try {
        return await this.#step(`snapshot ${source.pool} tick ${tick}`, async () => {
          if (this.#fires('sourceFails')) throw new EngineError('SOURCE_UNAVAILABLE', `${source.pool}: simulated outage`);
          // Tick 1 is every source's first answer: it jumps to the head, so the clock must not have moved on.
          if (tick > 1 && this.#fires('sourceLate')) this.#clock.advance(this.#plan.upTo(3) * TICK_MS);
          return source.snapshot(await this.#current.ledger.cursor(source.pool));
        });
      } catch (error) {
        if (!(error instanceof EngineError && error.code === 'SOURCE_UNAVAILABLE')) throw error;
      }
    }
    this.#fail(`source ${source.pool}: no snapshot for tick ${tick} after ${SNAPSHOT_ATTEMPTS_MAX} attempts`);
  }

  async #applyTick(tick: number): Promise<void> {
    const sources = this.#fires('reorderAnswers') ? [...this.#sources].reverse() : this.#sources;
    const snapshots: Snapshot[] = [];
    for (const source of sources) snapshots.push(await this.#snapshot(source, tick));
    const input: TickInput = { tick, genesisMs: DEFAULT_GENESIS_MS, policy: POLICY, snapshots, notes: [] };
    await this.#step(`applyTick ${tick}`, async () => {
      const applied = await this.#current.ledger.applyTick(input);
      const problems = this.#model.applyTick(tick, snapshots, applied.pools);
      if (problems.length > 0) this.#fail(problems.join('; '));
    });
    if (this.#fires('duplicateCall')) {
      await this.#step(`applyTick ${tick} again`, async () => {
        const error = await this.#current.ledger.applyTick(input).then(
          () => null,
          (e: unknown) => e,
        );
        if (!(error instanceof EngineError && error.code === 'TICK_CONFLICT')) this.#fail(`a repeated applyTick(${tick}) was not refused with TICK_CONFLICT: ${String(error)}`);
      });
    }
  }

  async #settle(pool: PoolId, tick: number): Promise<void> {
    const once = (): Promise<void> =>
      this.#step(`settle ${pool} tick ${tick}`, async () => {
        const { ledger } = this.#current;
        const result = await ledger.settle(pool, tick, { batchSize: SETTLE_BATCH_SIZE });
        this.#model.settle(pool);
        for (const batchId of result?.batchIds ?? []) {
          const batch = (await ledger.outbox.get(batchId)) ?? this.#fail(`settlement ${result!.id}: batch ${batchId} is not in the outbox`);
          if (this.#model.batches.has(batchId)) this.#fail(`settlement ${result!.id}: batch ${batchId} was written before`);
          const payload = new Map((JSON.parse(batch.payload) as [string, string][]).map(([r, q]) => [r, BigInt(q)] as const));
          this.#model.batches.set(batchId, payload);
          for (const [recipient, amount] of payload) this.#ledgerCredited.set(recipient, (this.#ledgerCredited.get(recipient) ?? 0n) + amount);
        }
        const problems = this.#model.compareCredits(this.#ledgerCredited);
        if (problems.length > 0) this.#fail(`after settlement of ${pool} at tick ${tick}: ${problems.slice(0, 3).join('; ')}`);
      });
    await once();
    // A lost answer: settling the same point again must credit nothing.
    if (this.#fires('duplicateCall')) await once();
  }

  async #deliver(limit: number): Promise<void> {
    await this.#current.writer.deliverPending(limit);
    this.#throwIfDead();
  }

  /** From wherever the ledger is: a missed settlement point first (runner.ts #settleMissed), then the remaining ticks. */
  async #drive(): Promise<void> {
    let last = await this.#current.ledger.lastAppliedTick();
    for (const pool of POOLS) if (last > 0 && last % CADENCE[pool]! === 0) await this.#settle(pool, last);
    while (last < this.#ticks) {
      const tick = last + 1;
      // The tick has ended (a late answer may have moved the clock further already).
      this.#clock.set(Math.max(this.#clock.nowMs(), tickEndMs(tick, DEFAULT_GENESIS_MS)));
      await this.#applyTick(tick);
      for (const pool of POOLS) if (tick % CADENCE[pool]! === 0) await this.#settle(pool, tick);
      await this.#o.afterSettlements?.(this.#current.ledger, tick);
      await this.#deliver(BATCHES_PER_ROUND);
      last = tick;
      if (last < this.#ticks && this.#fires('leaderChange')) await this.#handOver();
    }
  }

  /** Runs fn to completion across crashes: each crash abandons the instance and opens a new one. */
  async #surviving(fn: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        if (!(error instanceof SimulatedCrash) || this.#failure !== null) throw this.#failure ?? error;
        this.#crashed = null;
        this.restarts++;
        await this.#abandon();
        await this.#open();
      }
    }
  }

  async run(): Promise<SimResult> {
    mkdirSync(this.#o.dir, { recursive: true });
    await this.#startNode();
    await this.#open();
    try {
      await this.#surviving(() => this.#drive());
      for (let round = 1; ; round++) {
        if (round > DRAIN_ROUNDS_MAX) this.#fail(`outbox not drained after ${DRAIN_ROUNDS_MAX} delivery rounds`);
        if (round > DRAIN_FAULTY_ROUNDS) this.#quiet = true;
        await this.#surviving(() => this.#deliver(100));
        const c = await this.#current.ledger.outbox.counts();
        if (c.pending + c.sent === 0) break;
      }
      if (this.#node === null) await this.#startNode();
      return { seed: this.#o.seed, hash: await this.#finalCheck(), steps: this.steps, restarts: this.restarts, batches: this.#model.batches.size, fired: { ...this.#plan.fired } };
    } finally {
      if (this.#instance !== null) await this.#abandon();
      await this.#node?.stop();
    }
  }

  /** The end state against the model; returns the final hash. */
  async #finalCheck(): Promise<string> {
    const { ledger } = this.#current;
    const at = await ledger.lastAppliedTick();
    if (at !== this.#ticks) this.#fail(`ended at tick ${at}, not ${this.#ticks}`);
    const delivered = await ledger.outbox.withStatus('delivered', 100_000);
    if (delivered.length !== this.#model.batches.size) this.#fail(`${delivered.length} of ${this.#model.batches.size} batches delivered`);
    const ledgerDelivered = new Map<string, bigint>();
    for (const b of delivered) for (const [r, q] of JSON.parse(b.payload) as [string, string][]) ledgerDelivered.set(r, (ledgerDelivered.get(r) ?? 0n) + BigInt(q));
    const token = await readProcessBalances(this.#nodeClient!, this.#node!.processId);
    const differs = (a: ReadonlyMap<string, bigint>, b: ReadonlyMap<string, bigint>): string | null => {
      for (const k of new Set([...a.keys(), ...b.keys()])) if ((a.get(k) ?? 0n) !== (b.get(k) ?? 0n)) return `${k}: ${a.get(k) ?? 0n} vs ${b.get(k) ?? 0n}`;
      return null;
    };
    const tokenVsLedger = differs(token.balances, ledgerDelivered);
    if (tokenVsLedger !== null) this.#fail(`token balance ≠ ledger deliveries for ${tokenVsLedger}`);
    const tokenVsModel = differs(token.balances, this.#model.balances);
    if (tokenVsModel !== null) this.#fail(`token balance ≠ the first sends of each batch for ${tokenVsModel}`);
    const supply = [...ledgerDelivered.values()].reduce((s, v) => s + v, 0n);
    if (token.totalSupply !== supply) this.#fail(`token total supply ${token.totalSupply}, ledger delivered ${supply}`);
    const credits = this.#model.compareCredits(ledgerDelivered);
    if (credits.length > 0) this.#fail(`final credits: ${credits.slice(0, 3).join('; ')}`);
    if (supply > this.#model.minted) this.#fail(`delivered ${supply} units, more than the ${this.#model.minted} minted`);
    const conservation = await ledger.conservation();
    if (!conservation.ok) this.#fail(`conservation: ${conservation.problems.join('; ')}`);
    const audit = await verifyLedger(ledger.db);
    if (audit.divergences.length > 0) this.#fail(`audit verify: ${JSON.stringify(audit.divergences.slice(0, 2), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);

    const outboxDigest = sha256(
      delivered
        .map((b) => `${b.batchId} ${b.settlementId} ${b.status} ${b.total} ${b.payload}`)
        .sort()
        .join('\n'),
    );
    const balances = sha256(
      [...token.balances]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([r, q]) => `${r} ${q}`)
        .join('\n'),
    );
    return sha256(`${await ledger.lastHash()}\n${outboxDigest}\n${balances}`);
  }
}

export function simulate(options: SimOptions): Promise<SimResult> {
  return new Simulation(options).run();
}
