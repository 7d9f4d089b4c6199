import { EngineError } from '../../../errors.ts';
import { retry } from '../../../retry.ts';
import type { OutboxBatch, OutboxStore } from '../../store/outbox.ts';
import { createAoClient, tagOf } from './client.ts';
import type { AoClient, AoEndpoints, AoResultIn, ArweaveJwk } from './client.ts';

/**
 * The AO writer (DESIGN.md §5): delivers outbox batches to the token process as Mint-Batch
 * messages and marks each delivered only when the process confirms it (Mint-Batch-Notice, or
 * Mint-Batch-Duplicate with the same Total and Count). A Mint-Error marks the batch failed with the
 * process's reason: kept, counted, never retried. Network failures are retried with bounded
 * exponential backoff; only this retry is safe because the process applies a Batch-Id once.
 */
export interface AoWriterOptions {
  readonly outbox: OutboxStore;
  readonly processId: string;
  /** The minter's wallet: the process accepts Mint-Batch only from its address. */
  readonly jwk?: ArweaveJwk;
  /** MU and CU endpoints (aoconnect legacy mode); or a prebuilt client. */
  readonly endpoints?: AoEndpoints;
  readonly client?: AoClient;
  /** Tries per batch within one pass before the pass gives up (the node is unreachable). Default 6. */
  readonly attemptsMax?: number;
  /** First retry delay, doubled each try up to backoffMsMax (src/retry.ts). Defaults 200 ms, 5,000 ms. */
  readonly backoffMsBase?: number;
  readonly backoffMsMax?: number;
  /**
   * Batches in flight at once. Default 1. More overlaps signing here with evaluation on the node;
   * batches are independent (one Batch-Id each), except that at the max-supply cap which of two
   * concurrent batches is refused depends on their arrival order.
   */
  readonly concurrency?: number;
  /** Batches read per pass. Default 100. */
  readonly batchesPerPass?: number;
  /** Pause between passes of start() when nothing is pending. Default 2,000 ms. */
  readonly idleMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

export interface DeliveryReport {
  readonly delivered: number;
  /** Of those, confirmed as already applied (a re-send after a crash). */
  readonly duplicates: number;
  readonly failed: number;
  readonly credits: number;
  /** Network retries taken in this pass. */
  readonly retries: number;
  /** Set when the pass stopped early because the node stayed unreachable (batches stay pending). */
  readonly unavailable: string | null;
}

export interface WriterStats {
  delivered: number;
  duplicates: number;
  failed: number;
  credits: number;
  retries: number;
  passes: number;
  lastError: string | null;
}

export interface AoWriter {
  /** One pass over at most `limit` pending (and sent, unconfirmed) batches, oldest first. */
  deliverPending(limit?: number): Promise<DeliveryReport>;
  /** Runs passes until stop(); backs off while the node is unreachable. */
  start(): void;
  stop(): Promise<void>;
  stats(): Readonly<WriterStats>;
}

/** A transport failure worth retrying: nothing was decided by the process. */
class Unreachable extends Error {}

type Verdict = { kind: 'delivered'; duplicate: boolean; messageId?: string } | { kind: 'failed'; reason: string } | { kind: 'unknown'; reason: string };

export const mintBatchTags = (b: OutboxBatch) => [
  { name: 'Action', value: 'Mint-Batch' },
  { name: 'Batch-Id', value: b.batchId },
  { name: 'Settlement-Id', value: b.settlementId },
  { name: 'From-Tick', value: String(b.fromTick) },
  { name: 'To-Tick', value: String(b.toTick) },
  { name: 'Count', value: String(b.creditCount) },
  { name: 'Total', value: b.total.toString() },
];

/** Reads the process's answer about this batch out of a CU result. */
export function verdictOf(batch: OutboxBatch, result: AoResultIn): Verdict {
  if (typeof result.error === 'string') return { kind: 'unknown', reason: `CU: ${result.error}` };
  if (typeof result.Error === 'string' && result.Error !== '') return { kind: 'failed', reason: `process error: ${result.Error}` };
  const answer = (result.Messages ?? []).find((m) => tagOf(m, 'Batch-Id') === batch.batchId);
  if (answer === undefined) return { kind: 'failed', reason: 'the process answered nothing about this Batch-Id' };
  const action = tagOf(answer, 'Action');
  const total = tagOf(answer, 'Total');
  const count = tagOf(answer, 'Count');
  if (action === 'Mint-Error') return { kind: 'failed', reason: `Mint-Error: ${tagOf(answer, 'Error') ?? '(no reason given)'}` };
  if (action !== 'Mint-Batch-Notice' && action !== 'Mint-Batch-Duplicate') return { kind: 'failed', reason: `unexpected answer ${String(action)}` };
  if (total !== batch.total.toString() || count !== String(batch.creditCount)) {
    return { kind: 'failed', reason: `${action}: process holds Total ${String(total)} Count ${String(count)} for this Batch-Id; the outbox has Total ${batch.total} Count ${batch.creditCount}` };
  }
  return { kind: 'delivered', duplicate: action === 'Mint-Batch-Duplicate' };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
/** aoconnect reports an MU refusal as "<status>: <body>"; a 4xx other than 408/429 is final. */
const refusedStatus = (message: string): number | null => {
  const m = /^(4\d\d): /.exec(message);
  return m === null || m[1] === '408' || m[1] === '429' ? null : Number(m[1]);
};

export function createAoWriter(opts: AoWriterOptions): AoWriter {
  const client = opts.client ?? (opts.endpoints !== undefined ? createAoClient(opts.endpoints, opts.jwk) : undefined);
  if (client === undefined) throw new EngineError('INVALID_CONFIG', 'AO writer: neither endpoints (muUrl, cuUrl) nor a client was given');
  const attemptsMax = opts.attemptsMax ?? 6;
  const backoffMsBase = opts.backoffMsBase ?? 200;
  const backoffMsMax = opts.backoffMsMax ?? 5_000;
  const batchesPerPass = opts.batchesPerPass ?? 100;
  const idleMs = opts.idleMs ?? 2_000;
  const concurrency = opts.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 16) throw new EngineError('INVALID_CONFIG', `AO writer: concurrency ${concurrency} must be an integer in 1..16`);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = opts.log ?? (() => undefined);
  if (!Number.isSafeInteger(attemptsMax) || attemptsMax < 1) throw new EngineError('INVALID_CONFIG', `AO writer: attemptsMax ${attemptsMax} must be an integer >= 1`);
  const stats: WriterStats = { delivered: 0, duplicates: 0, failed: 0, credits: 0, retries: 0, passes: 0, lastError: null };
  let running: Promise<void> | null = null;
  let stopping = false;
  let wake: () => void = () => undefined;
  const stopped = (): Promise<void> => new Promise<void>((resolve) => (wake = resolve));

  async function send(batch: OutboxBatch): Promise<string> {
    try {
      return await client!.message({ process: opts.processId, tags: mintBatchTags(batch), data: batch.payload });
    } catch (error) {
      const message = messageOf(error);
      const status = refusedStatus(message);
      if (status === 413) throw new EngineError('DELIVERY_FAILED', `MU refused batch ${batch.batchId}: ${message}`);
      if (status !== null) throw new EngineError('INVALID_CONFIG', `MU refused the message (${message}); check the process id, wallet and MU URL`);
      throw new Unreachable(`MU: ${message}`);
    }
  }

  async function readResult(batch: OutboxBatch, messageId: string): Promise<Verdict> {
    let result: AoResultIn;
    try {
      result = await client!.result({ message: messageId, process: opts.processId });
    } catch (error) {
      throw new Unreachable(`CU: ${messageOf(error)}`);
    }
    return verdictOf(batch, result);
  }

  /** One batch, to a verdict or to Unreachable after attemptsMax tries. */
  async function deliverOne(batch: OutboxBatch, report: { retries: number }): Promise<Verdict> {
    let messageId = batch.status === 'sent' ? batch.messageId : null;
    const attempt = async (): Promise<Verdict> => {
      try {
        if (messageId !== null) {
          const verdict = await readResult(batch, messageId);
          // The CU does not know the message (lost before scheduling): send it again.
          if (verdict.kind !== 'unknown') return verdict.kind === 'delivered' ? { ...verdict, messageId } : verdict;
        }
        messageId = await send(batch);
        await opts.outbox.markSent(batch.batchId, messageId);
        log('batch sent', { batchId: batch.batchId, messageId, credits: batch.creditCount, total: batch.total.toString() });
        const verdict = await readResult(batch, messageId);
        if (verdict.kind !== 'unknown') return verdict.kind === 'delivered' ? { ...verdict, messageId } : verdict;
        throw new Unreachable(verdict.reason);
      } catch (error) {
        if (error instanceof Unreachable) await opts.outbox.recordAttempt(batch.batchId, error.message);
        throw error;
      }
    };
    const onRetry = (error: unknown, n: number, delayMs: number): void => {
      report.retries++;
      stats.retries++;
      log('delivery retry', { batchId: batch.batchId, attempt: n, delayMs, error: (error as Error).message });
    };
    try {
      return await retry(attempt, { attemptsMax, backoffMsBase, backoffMsMax, retryable: (e) => e instanceof Unreachable, onRetry, sleep });
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      return { kind: 'unknown', reason: error.message };
    }
  }

  /** The SU's slot of a delivered message; unknown (null) when the SU does not answer it. */
  async function slotOf(messageId: string | undefined): Promise<number | null> {
    if (messageId === undefined || client!.assignmentSlot === undefined) return null;
    try {
      return await client!.assignmentSlot({ message: messageId, process: opts.processId });
    } catch (error) {
      log('assignment slot unknown', { messageId, error: messageOf(error) });
      return null;
    }
  }

  async function deliverPending(limit = batchesPerPass): Promise<DeliveryReport> {
    stats.passes++;
    const report = { delivered: 0, duplicates: 0, failed: 0, credits: 0, retries: 0, unavailable: null as string | null };
    // Sent-but-unconfirmed first, then pending; a batch failing the outbox's delivery check is never sent.
    const { batches, refused } = await opts.outbox.deliverable(limit);
    for (const r of refused) {
      report.failed++;
      stats.failed++;
      stats.lastError = r.reason;
      log('batch refused', { batchId: r.batchId, reason: r.reason });
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!stopping && report.unavailable === null && next < batches.length) {
        const batch = batches[next++]!;
        const verdict = await deliverOne(batch, report);
        if (verdict.kind === 'unknown') {
          // The node is unreachable: stop taking batches; those in flight finish their own retries.
          report.unavailable = verdict.reason;
          stats.lastError = verdict.reason;
          return;
        }
        if (verdict.kind === 'failed') {
          await opts.outbox.markFailed(batch.batchId, verdict.reason);
          report.failed++;
          stats.failed++;
          stats.lastError = verdict.reason;
          log('batch failed', { batchId: batch.batchId, reason: verdict.reason });
          continue;
        }
        await opts.outbox.markDelivered(batch.batchId, await slotOf(verdict.messageId));
        report.delivered++;
        report.credits += batch.creditCount;
        stats.delivered++;
        stats.credits += batch.creditCount;
        if (verdict.duplicate) {
          report.duplicates++;
          stats.duplicates++;
        }
        log('batch delivered', { batchId: batch.batchId, duplicate: verdict.duplicate, credits: batch.creditCount });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
    return report;
  }

  async function loop(): Promise<void> {
    let idle = idleMs;
    while (!stopping) {
      let pause = idleMs;
      try {
        const r = await deliverPending();
        if (r.unavailable !== null) {
          idle = Math.min(backoffMsMax * 4, idle * 2);
          pause = idle;
        } else {
          idle = idleMs;
          if (r.delivered + r.failed > 0) pause = 0;
        }
      } catch (error) {
        stats.lastError = messageOf(error);
        log('delivery pass failed', { error: stats.lastError });
      }
      // stop() must not wait out a long idle pause.
      if (pause > 0 && !stopping) await Promise.race([sleep(pause), stopped()]);
    }
  }

  return {
    deliverPending,
    start() {
      if (running !== null) return;
      stopping = false;
      running = loop();
    },
    async stop() {
      stopping = true;
      wake();
      await running;
      running = null;
    },
    stats: () => ({ ...stats }),
  };
}
