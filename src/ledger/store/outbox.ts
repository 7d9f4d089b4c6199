import { createHash } from 'node:crypto';
import { EngineError } from '../../errors.ts';
import type { Clock } from '../../clock.ts';
import type { Db, Row } from './db.ts';
import type { PoolId } from '../types.ts';

/**
 * The outbox (DESIGN.md §5): settlement writes its credits as batches in its own transaction; the AO
 * writer (src/ledger/delivery/ao) delivers them. Each batch's id is deterministic, so a retry after a crash
 * re-sends the same batch under the same id:
 *   batch_id = lowercase hex sha256(UTF-8 `${settlement_id}:${batch_index}`)   (64 chars)
 *   payload  = canonical JSON array of [recipient, "quantity"] sorted by recipient (code-unit order),
 *              quantity a decimal string of AO base units; no whitespace.
 * Status: pending → sent (message id known) → delivered; pending/sent → failed (given up, kept).
 */
export type OutboxStatus = 'pending' | 'sent' | 'delivered' | 'failed';

export interface OutboxBatch {
  readonly batchId: string;
  readonly settlementId: string;
  readonly batchIndex: number;
  readonly pool: PoolId;
  readonly fromTick: number;
  readonly toTick: number;
  readonly creditCount: number;
  readonly total: bigint;
  readonly payload: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly messageId: string | null;
  /** The SU's assignment slot of the delivered message, when the node reported it. */
  readonly assignmentSlot: number | null;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export const batchIdOf = (settlementId: string, batchIndex: number): string => createHash('sha256').update(`${settlementId}:${batchIndex}`, 'utf8').digest('hex');

/** A settlement's id: `${pool}:${fromTick}-${toTick}` (the batch ids derive from it). */
export const settlementIdOf = (pool: PoolId, fromTick: number, toTick: number): string => `${pool}:${fromTick}-${toTick}`;

/** [[recipient, "quantity"], …] sorted by recipient, as the payload column holds it. */
export function encodePayload(entries: readonly (readonly [string, bigint])[]): string {
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `[${sorted.map(([r, q]) => `[${JSON.stringify(r)},"${q}"]`).join(',')}]`;
}

export function decodePayload(payload: string): [string, bigint][] {
  return (JSON.parse(payload) as [string, string][]).map(([r, q]) => [r, BigInt(q)]);
}

const toBatch = (r: Row): OutboxBatch => ({
  batchId: r['batch_id'] as string,
  settlementId: r['settlement_id'] as string,
  batchIndex: Number(r['batch_index']),
  pool: r['pool'] as PoolId,
  fromTick: Number(r['from_tick']),
  toTick: Number(r['to_tick']),
  creditCount: Number(r['credit_count']),
  total: BigInt(r['total'] as string),
  payload: r['payload'] as string,
  status: r['status'] as OutboxStatus,
  attempts: Number(r['attempts']),
  messageId: (r['message_id'] as string | null) ?? null,
  assignmentSlot: r['assignment_slot'] === null || r['assignment_slot'] === undefined ? null : Number(r['assignment_slot']),
  lastError: (r['last_error'] as string | null) ?? null,
  createdAtMs: Number(r['created_at_ms']),
  updatedAtMs: Number(r['updated_at_ms']),
});

/** Bounds what one error message may store. */
const ERROR_CHARS_MAX = 2_000;

/** A batch the delivery check refused (marked failed with the reason; never sent). */
export interface RefusedBatch {
  readonly batchId: string;
  readonly reason: string;
}

/** What a delivery pass may send, oldest first, and what it must not. */
export interface DeliverableBatches {
  readonly batches: readonly OutboxBatch[];
  readonly refused: readonly RefusedBatch[];
}

/**
 * Why a batch must not be sent, or null. Only a batch of a settlement the ledger wrote for an
 * applied tick goes out, under the id recomputed from its content: a row inserted or edited by
 * hand (a forged settlement after the last tick, a batch of a tick whose ticks row is gone, an id
 * that is not sha256(settlement:index), a payload that does not add up) is refused.
 */
async function refusalOf(db: Db, b: OutboxBatch): Promise<string | null> {
  const settlementId = settlementIdOf(b.pool, b.fromTick, b.toTick);
  if (b.settlementId !== settlementId) return `settlement id ${b.settlementId} is not ${settlementId} (pool ${b.pool}, ticks ${b.fromTick}-${b.toTick})`;
  if (b.batchId !== batchIdOf(settlementId, b.batchIndex)) return `batch id ${b.batchId} is not sha256("${settlementId}:${b.batchIndex}")`;
  const [s] = await db.all('SELECT pool, from_tick, to_tick, batch_count FROM settlements WHERE id = ?', [settlementId]);
  if (s === undefined) return `no settlement ${settlementId}`;
  if (s['pool'] !== b.pool || Number(s['from_tick']) !== b.fromTick || Number(s['to_tick']) !== b.toTick) return `settlement ${settlementId} row does not match the batch`;
  if (b.batchIndex >= Number(s['batch_count'])) return `batch index ${b.batchIndex} is past settlement ${settlementId}'s ${String(s['batch_count'])} batches`;
  const [last] = await db.all<{ t: number | string | null }>('SELECT MAX(tick) AS t FROM ticks');
  const lastTick = Number(last?.t ?? 0);
  if (b.toTick > lastTick) return `settlement ${settlementId} ends after the last applied tick ${lastTick}`;
  if ((await db.all('SELECT tick FROM ticks WHERE tick = ?', [b.toTick])).length === 0) return `tick ${b.toTick} of settlement ${settlementId} has no ticks row`;
  let entries: [string, bigint][];
  try {
    entries = decodePayload(b.payload);
  } catch {
    return 'payload is not JSON [[recipient, "quantity"], …]';
  }
  const total = entries.reduce((sum, [, q]) => sum + q, 0n);
  if (entries.length !== b.creditCount || total !== b.total) return `payload holds ${entries.length} entries totalling ${total}; the batch says ${b.creditCount} totalling ${b.total}`;
  if (entries.some(([, q]) => q <= 0n)) return 'payload holds a quantity that is not positive';
  return null;
}

/** Runs a call in the ledger's serial queue. */
export type Serialize = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Every call goes through the ledger's serial queue: on SQLite a settlement transaction holds the one
 * connection across awaits, and an outbox read interleaved with it would see (and could deliver)
 * batches that the settlement may still roll back.
 */
/** 1 the first time a batch reaches this final status, 0 when it is marked so again (SQL). */
const FIRST_VERDICT = (status: 'delivered' | 'failed'): string => `CASE WHEN status = '${status}' THEN 0 ELSE 1 END`;

export class OutboxStore {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #serial: Serialize;

  constructor(db: Db, clock: Clock, serial: Serialize) {
    this.#db = db;
    this.#clock = clock;
    this.#serial = serial;
  }

  /** Oldest first (by settlement end tick, pool, batch index). */
  pending(limit: number): Promise<OutboxBatch[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new EngineError('INVALID_ARGUMENT', `limit: ${String(limit)} is not a positive integer`);
    return this.#serial(async () => (await this.#db.all(`SELECT * FROM outbox_batches WHERE status = 'pending' ORDER BY to_tick, pool, batch_index LIMIT ?`, [limit])).map(toBatch));
  }

  /**
   * What one delivery pass may send: sent-but-unconfirmed batches first (a crash between send and
   * confirmation), then pending ones, at most `limit`, each passing the delivery check (refusalOf).
   * A batch that fails it is marked failed with `refused: <reason>` and returned in `refused`.
   */
  deliverable(limit: number): Promise<DeliverableBatches> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new EngineError('INVALID_ARGUMENT', `limit: ${String(limit)} is not a positive integer`);
    return this.#serial(async () => {
      const rows = [
        ...(await this.#db.all(`SELECT * FROM outbox_batches WHERE status = 'sent' ORDER BY to_tick, pool, batch_index LIMIT ?`, [limit])),
        ...(await this.#db.all(`SELECT * FROM outbox_batches WHERE status = 'pending' ORDER BY to_tick, pool, batch_index LIMIT ?`, [limit])),
      ].slice(0, limit);
      const batches: OutboxBatch[] = [];
      const refused: RefusedBatch[] = [];
      for (const b of rows.map(toBatch)) {
        const reason = await refusalOf(this.#db, b);
        if (reason === null) {
          batches.push(b);
          continue;
        }
        const error = `refused: ${reason}`.slice(0, ERROR_CHARS_MAX);
        await this.#db.run(`UPDATE outbox_batches SET status = 'failed', last_error = ?, updated_at_ms = ? WHERE batch_id = ?`, [error, this.#clock.nowMs(), b.batchId]);
        refused.push({ batchId: b.batchId, reason: error });
      }
      return { batches, refused };
    });
  }

  /** Batches in a status (e.g. 'sent' to confirm delivery after a restart), oldest first. */
  withStatus(status: OutboxStatus, limit: number): Promise<OutboxBatch[]> {
    return this.#serial(async () => (await this.#db.all('SELECT * FROM outbox_batches WHERE status = ? ORDER BY to_tick, pool, batch_index LIMIT ?', [status, limit])).map(toBatch));
  }

  get(batchId: string): Promise<OutboxBatch | null> {
    return this.#serial(() => this.#get(batchId));
  }

  async #get(batchId: string): Promise<OutboxBatch | null> {
    const rows = await this.#db.all('SELECT * FROM outbox_batches WHERE batch_id = ?', [batchId]);
    return rows.length === 0 ? null : toBatch(rows[0]!);
  }

  async markSent(batchId: string, messageId: string): Promise<void> {
    await this.#transition(batchId, ['pending', 'sent'], 'UPDATE outbox_batches SET status = ?, message_id = ?, updated_at_ms = ? WHERE batch_id = ?', ['sent', messageId, this.#clock.nowMs(), batchId]);
  }

  /**
   * Confirmed by the process; `assignmentSlot` (the SU's slot of the message) is kept when known.
   * `attempts` counts delivery attempts: the failed ones (recordAttempt) plus the one that reached
   * this verdict, so a batch delivered first time shows 1, not 0. Marking it again adds nothing.
   */
  async markDelivered(batchId: string, assignmentSlot: number | null = null): Promise<void> {
    await this.#transition(batchId, ['pending', 'sent', 'delivered'], `UPDATE outbox_batches SET attempts = attempts + ${FIRST_VERDICT('delivered')}, status = ?, assignment_slot = COALESCE(?, assignment_slot), updated_at_ms = ? WHERE batch_id = ?`, [
      'delivered',
      assignmentSlot,
      this.#clock.nowMs(),
      batchId,
    ]);
  }

  /** The process refused the batch: the attempt that got this answer counts (see markDelivered). */
  async markFailed(batchId: string, reason: string): Promise<void> {
    await this.#transition(batchId, ['pending', 'sent', 'failed'], `UPDATE outbox_batches SET attempts = attempts + ${FIRST_VERDICT('failed')}, status = ?, last_error = ?, updated_at_ms = ? WHERE batch_id = ?`, [
      'failed',
      reason.slice(0, ERROR_CHARS_MAX),
      this.#clock.nowMs(),
      batchId,
    ]);
  }

  /** A failed attempt that will be retried: attempts + 1, last_error kept, status unchanged. */
  async recordAttempt(batchId: string, error: string | null): Promise<void> {
    const n = await this.#serial(() => this.#db.run('UPDATE outbox_batches SET attempts = attempts + 1, last_error = ?, updated_at_ms = ? WHERE batch_id = ?', [
      error === null ? null : error.slice(0, ERROR_CHARS_MAX),
      this.#clock.nowMs(),
      batchId,
    ]));
    if (n === 0) throw new EngineError('NOT_FOUND', `outbox: batch ${batchId} does not exist`);
  }

  async counts(): Promise<Record<OutboxStatus, number>> {
    const rows = await this.#serial(() => this.#db.all<{ status: OutboxStatus; n: number | string }>('SELECT status, COUNT(*) AS n FROM outbox_batches GROUP BY status'));
    const out: Record<OutboxStatus, number> = { pending: 0, sent: 0, delivered: 0, failed: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  #transition(batchId: string, from: readonly OutboxStatus[], sql: string, params: (string | number | null)[]): Promise<void> {
    return this.#serial(async () => {
      const current = await this.#get(batchId);
      if (current === null) throw new EngineError('NOT_FOUND', `outbox: batch ${batchId} does not exist`);
      if (!from.includes(current.status)) {
        throw new EngineError('OUTBOX_CONFLICT', `outbox: batch ${batchId} is ${current.status}; cannot move it to ${String(params[0])}`);
      }
      await this.#db.run(sql, params);
    });
  }
}
