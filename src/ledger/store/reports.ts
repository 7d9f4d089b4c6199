import { createHash } from 'node:crypto';
import { EngineError } from '../../errors.ts';
import type { Clock } from '../../clock.ts';
import type { Db, Row } from './db.ts';
import type { OutboxStatus, Serialize } from './outbox.ts';
import type { PoolId } from '../types.ts';

/**
 * The report outbox (DESIGN.md §9): per settlement, one Report.Mint per project credited
 * by delegation, written in the settlement's transaction and delivered by src/ledger/delivery/ao/report-writer.ts
 * after every Mint-Batch of that settlement is delivered (the project holds the AO before it is told).
 *   report_id = lowercase hex sha256(UTF-8 `${settlement_id}:report:${project}`)
 *   payload   = JSON array of AO's rows {"Mint","Yield","User","Recipient","Amount","ReportTo","Token"}
 *               in that key order, sorted by User; Mint = Yield (early FLPs read Mint, later ones Yield).
 * The project's process applies a Report-Id once (ao/flp.lua), so a re-send changes nothing.
 */
export const reportIdOf = (settlementId: string, project: string): string => createHash('sha256').update(`${settlementId}:report:${project}`, 'utf8').digest('hex');

/** The Token field of a report row: AO's names of the assets. */
export const TOKEN_OF_POOL: Readonly<Record<PoolId, string>> = { ar: 'AR', steth: 'stETH', dai: 'DAI', usds: 'USDS', sol: 'SOL' };

export interface ReportRow {
  /** AO base units the project received from this user in the settlement. */
  readonly mint: bigint;
  /** The depositor: the account's key (an Arweave address, 0x…, or a Solana address). */
  readonly user: string;
  /** The Arweave address the depositor named (the account's recipient: whose preferences split it). */
  readonly recipient: string;
  /** The account's weight at settlement, in the asset's base units. */
  readonly amount: bigint;
}

export function encodeReport(project: string, pool: PoolId, rows: readonly ReportRow[]): string {
  const sorted = [...rows].sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  const token = TOKEN_OF_POOL[pool];
  return JSON.stringify(sorted.map((r) => ({ Mint: r.mint.toString(), Yield: r.mint.toString(), User: r.user, Recipient: r.recipient, Amount: r.amount.toString(), ReportTo: project, Token: token })));
}

export interface DecodedReportRow {
  readonly Mint: string;
  readonly Yield: string;
  readonly User: string;
  readonly Recipient: string;
  readonly Amount: string;
  readonly ReportTo: string;
  readonly Token: string;
}

export const decodeReport = (payload: string): DecodedReportRow[] => JSON.parse(payload) as DecodedReportRow[];

export interface ReportMessage {
  readonly reportId: string;
  readonly settlementId: string;
  readonly project: string;
  readonly pool: PoolId;
  readonly fromTick: number;
  readonly toTick: number;
  readonly rowCount: number;
  readonly total: bigint;
  readonly payload: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly messageId: string | null;
  readonly lastError: string | null;
}

const toReport = (r: Row): ReportMessage => ({
  reportId: r['report_id'] as string,
  settlementId: r['settlement_id'] as string,
  project: r['project'] as string,
  pool: r['pool'] as PoolId,
  fromTick: Number(r['from_tick']),
  toTick: Number(r['to_tick']),
  rowCount: Number(r['row_count']),
  total: BigInt(r['total'] as string),
  payload: r['payload'] as string,
  status: r['status'] as OutboxStatus,
  attempts: Number(r['attempts']),
  messageId: (r['message_id'] as string | null) ?? null,
  lastError: (r['last_error'] as string | null) ?? null,
});

const ERROR_CHARS_MAX = 2_000;

/** Writes one settlement's reports in its transaction (settle.ts). */
export async function writeReports(db: Db, settlementId: string, pool: PoolId, fromTick: number, toTick: number, byProject: ReadonlyMap<string, ReportRow[]>, createdAtMs: number): Promise<{ project: string; reportId: string; rows: number; total: bigint }[]> {
  const out: { project: string; reportId: string; rows: number; total: bigint }[] = [];
  for (const project of [...byProject.keys()].sort()) {
    const rows = byProject.get(project)!;
    const total = rows.reduce((s, r) => s + r.mint, 0n);
    const reportId = reportIdOf(settlementId, project);
    await db.run(
      `INSERT INTO reports (report_id, settlement_id, project, pool, from_tick, to_tick, row_count, total, payload, status, attempts, message_id, last_error, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, NULL, NULL, ?, ?)`,
      [reportId, settlementId, project, pool, fromTick, toTick, rows.length, total.toString(), encodeReport(project, pool, rows), createdAtMs, createdAtMs],
    );
    out.push({ project, reportId, rows: rows.length, total });
  }
  return out;
}

/** The report outbox's reads and status changes, through the ledger's serial queue (as OutboxStore). */
export class ReportStore {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #serial: Serialize;

  constructor(db: Db, clock: Clock, serial: Serialize) {
    this.#db = db;
    this.#clock = clock;
    this.#serial = serial;
  }

  /**
   * Reports a delivery pass may send, oldest first: sent-unconfirmed then pending ones whose
   * settlement's Mint-Batches are all delivered (the project is told only of AO it holds).
   */
  deliverable(limit: number): Promise<ReportMessage[]> {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new EngineError('INVALID_ARGUMENT', `limit: ${String(limit)} is not a positive integer`);
    return this.#serial(async () => {
      const ready = `NOT EXISTS (SELECT 1 FROM outbox_batches b WHERE b.settlement_id = r.settlement_id AND b.status <> 'delivered')`;
      const rows = [
        ...(await this.#db.all(`SELECT r.* FROM reports r WHERE r.status = 'sent' AND ${ready} ORDER BY r.to_tick, r.pool, r.project LIMIT ?`, [limit])),
        ...(await this.#db.all(`SELECT r.* FROM reports r WHERE r.status = 'pending' AND ${ready} ORDER BY r.to_tick, r.pool, r.project LIMIT ?`, [limit])),
      ];
      return rows.slice(0, limit).map(toReport);
    });
  }

  all(): Promise<ReportMessage[]> {
    return this.#serial(async () => (await this.#db.all('SELECT * FROM reports ORDER BY to_tick, pool, project')).map(toReport));
  }

  get(reportId: string): Promise<ReportMessage | null> {
    return this.#serial(async () => {
      const [r] = await this.#db.all('SELECT * FROM reports WHERE report_id = ?', [reportId]);
      return r === undefined ? null : toReport(r);
    });
  }

  async counts(): Promise<Record<OutboxStatus, number>> {
    const rows = await this.#serial(() => this.#db.all<{ status: OutboxStatus; n: number | string }>('SELECT status, COUNT(*) AS n FROM reports GROUP BY status'));
    const out: Record<OutboxStatus, number> = { pending: 0, sent: 0, delivered: 0, failed: 0 };
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  markSent(reportId: string, messageId: string): Promise<void> {
    return this.#update(reportId, ['pending', 'sent'], 'sent', 'UPDATE reports SET status = ?, message_id = ?, updated_at_ms = ? WHERE report_id = ?', ['sent', messageId, this.#clock.nowMs(), reportId]);
  }

  /** Confirmed by the project (Report-Notice, or Report-Duplicate for a re-send): the attempt counts. */
  markDelivered(reportId: string): Promise<void> {
    return this.#update(reportId, ['pending', 'sent', 'delivered'], 'delivered', `UPDATE reports SET attempts = attempts + CASE WHEN status = 'delivered' THEN 0 ELSE 1 END, status = ?, updated_at_ms = ? WHERE report_id = ?`, [
      'delivered',
      this.#clock.nowMs(),
      reportId,
    ]);
  }

  markFailed(reportId: string, reason: string): Promise<void> {
    return this.#update(reportId, ['pending', 'sent', 'failed'], 'failed', `UPDATE reports SET attempts = attempts + CASE WHEN status = 'failed' THEN 0 ELSE 1 END, status = ?, last_error = ?, updated_at_ms = ? WHERE report_id = ?`, [
      'failed',
      reason.slice(0, ERROR_CHARS_MAX),
      this.#clock.nowMs(),
      reportId,
    ]);
  }

  recordAttempt(reportId: string, error: string): Promise<void> {
    return this.#serial(async () => {
      const n = await this.#db.run('UPDATE reports SET attempts = attempts + 1, last_error = ?, updated_at_ms = ? WHERE report_id = ?', [error.slice(0, ERROR_CHARS_MAX), this.#clock.nowMs(), reportId]);
      if (n === 0) throw new EngineError('NOT_FOUND', `reports: report ${reportId} does not exist`);
    });
  }

  #update(reportId: string, from: readonly OutboxStatus[], to: OutboxStatus, sql: string, params: (string | number | null)[]): Promise<void> {
    return this.#serial(async () => {
      const [r] = await this.#db.all<{ status: OutboxStatus }>('SELECT status FROM reports WHERE report_id = ?', [reportId]);
      if (r === undefined) throw new EngineError('NOT_FOUND', `reports: report ${reportId} does not exist`);
      if (!from.includes(r.status)) throw new EngineError('OUTBOX_CONFLICT', `reports: report ${reportId} is ${r.status}; cannot move it to ${to}`);
      await this.#db.run(sql, params);
    });
  }
}
