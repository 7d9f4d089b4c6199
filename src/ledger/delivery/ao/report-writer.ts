import { EngineError } from '../../../errors.ts';
import { retry } from '../../../retry.ts';
import type { ReportMessage, ReportStore } from '../../store/reports.ts';
import { tagOf } from './client.ts';
import type { AoClient, AoResultIn } from './client.ts';

/**
 * Delivers the report outbox (reports.ts; DESIGN.md §9): each Report.Mint goes from the minter's
 * wallet to its project's process once the settlement's Mint-Batches are delivered, and is marked
 * delivered only when the project confirms it (Report-Notice, or Report-Duplicate for a re-send:
 * the project applies a Report-Id once, so only this retry is safe). A Report-Error marks it failed
 * with the project's reason, kept and never retried. Network failures are retried with bounded
 * exponential backoff; after attemptsMax the pass stops and the reports stay for the next one.
 */
export interface ReportWriterOptions {
  readonly reports: ReportStore;
  readonly client: AoClient;
  /** Default 6. */
  readonly attemptsMax?: number;
  /** Defaults 200 ms, 5,000 ms. */
  readonly backoffMsBase?: number;
  readonly backoffMsMax?: number;
  /** Reports read per pass. Default 100. */
  readonly reportsPerPass?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

export interface ReportDeliveryReport {
  readonly delivered: number;
  /** Of those, confirmed as already applied. */
  readonly duplicates: number;
  readonly failed: number;
  readonly retries: number;
  /** Set when the pass stopped because a project stayed unreachable. */
  readonly unavailable: string | null;
}

export const reportTags = (r: ReportMessage) => [
  { name: 'Action', value: 'Report.Mint' },
  { name: 'Report-Id', value: r.reportId },
  { name: 'Settlement-Id', value: r.settlementId },
  { name: 'From-Tick', value: String(r.fromTick) },
  { name: 'To-Tick', value: String(r.toTick) },
  { name: 'Count', value: String(r.rowCount) },
  { name: 'Total', value: r.total.toString() },
];

type Verdict = { kind: 'delivered'; duplicate: boolean } | { kind: 'failed'; reason: string } | { kind: 'unknown'; reason: string };

/** The project's answer about this report, out of a CU result. */
export function reportVerdictOf(report: ReportMessage, result: AoResultIn): Verdict {
  if (typeof result.error === 'string') return { kind: 'unknown', reason: `CU: ${result.error}` };
  if (typeof result.Error === 'string' && result.Error !== '') return { kind: 'failed', reason: `process error: ${result.Error}` };
  const answer = (result.Messages ?? []).find((m) => tagOf(m, 'Report-Id') === report.reportId);
  if (answer === undefined) return { kind: 'failed', reason: 'the project answered nothing about this Report-Id' };
  const action = tagOf(answer, 'Action');
  if (action === 'Report-Error') return { kind: 'failed', reason: `Report-Error: ${tagOf(answer, 'Error') ?? '(no reason given)'}` };
  if (action !== 'Report-Notice' && action !== 'Report-Duplicate') return { kind: 'failed', reason: `unexpected answer ${String(action)}` };
  const total = tagOf(answer, 'Total');
  if (total !== report.total.toString()) return { kind: 'failed', reason: `${action}: the project holds Total ${String(total)} for this Report-Id; the report has ${report.total}` };
  return { kind: 'delivered', duplicate: action === 'Report-Duplicate' };
}

class Unreachable extends Error {}
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function createReportWriter(opts: ReportWriterOptions): { deliverPending(limit?: number): Promise<ReportDeliveryReport> } {
  const attemptsMax = opts.attemptsMax ?? 6;
  const backoffMsBase = opts.backoffMsBase ?? 200;
  const backoffMsMax = opts.backoffMsMax ?? 5_000;
  if (!Number.isSafeInteger(attemptsMax) || attemptsMax < 1) throw new EngineError('INVALID_CONFIG', `report writer: attemptsMax ${attemptsMax} must be an integer >= 1`);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = opts.log ?? (() => undefined);

  async function attempt(report: ReportMessage, messageId: string | null): Promise<{ verdict: Verdict; messageId: string }> {
    let id = messageId;
    if (id !== null) {
      const verdict = reportVerdictOf(report, await opts.client.result({ message: id, process: report.project }).catch((e: unknown) => {
        throw new Unreachable(`CU: ${messageOf(e)}`);
      }));
      if (verdict.kind !== 'unknown') return { verdict, messageId: id };
    }
    try {
      id = await opts.client.message({ process: report.project, tags: reportTags(report), data: report.payload });
    } catch (error) {
      throw new Unreachable(`MU: ${messageOf(error)}`);
    }
    await opts.reports.markSent(report.reportId, id);
    const result = await opts.client.result({ message: id, process: report.project }).catch((e: unknown) => {
      throw new Unreachable(`CU: ${messageOf(e)}`);
    });
    const verdict = reportVerdictOf(report, result);
    if (verdict.kind === 'unknown') throw new Unreachable(verdict.reason);
    return { verdict, messageId: id };
  }

  async function deliverOne(report: ReportMessage, counts: { retries: number }): Promise<Verdict> {
    let messageId = report.status === 'sent' ? report.messageId : null;
    const once = async (): Promise<Verdict> => {
      try {
        return (await attempt(report, messageId)).verdict;
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        await opts.reports.recordAttempt(report.reportId, error.message);
        const current = await opts.reports.get(report.reportId);
        messageId = current?.status === 'sent' ? current.messageId : null;
        throw error;
      }
    };
    try {
      return await retry(once, { attemptsMax, backoffMsBase, backoffMsMax, retryable: (e) => e instanceof Unreachable, onRetry: () => void counts.retries++, sleep });
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      return { kind: 'unknown', reason: error.message };
    }
  }

  return {
    async deliverPending(limit = opts.reportsPerPass ?? 100) {
      const out = { delivered: 0, duplicates: 0, failed: 0, retries: 0, unavailable: null as string | null };
      for (const report of await opts.reports.deliverable(limit)) {
        const verdict = await deliverOne(report, out);
        if (verdict.kind === 'unknown') {
          out.unavailable = verdict.reason;
          break;
        }
        if (verdict.kind === 'failed') {
          await opts.reports.markFailed(report.reportId, verdict.reason);
          out.failed++;
          log('report failed', { reportId: report.reportId, project: report.project, reason: verdict.reason });
          continue;
        }
        await opts.reports.markDelivered(report.reportId);
        out.delivered++;
        if (verdict.duplicate) out.duplicates++;
        log('report delivered', { reportId: report.reportId, project: report.project, rows: report.rowCount, total: report.total.toString(), duplicate: verdict.duplicate });
      }
      return out;
    },
  };
}
