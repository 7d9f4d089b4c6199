import type { Ledger } from '../ledger/index.ts';
import { createAoClient, createAoWriter, type ArweaveJwk } from '../ledger/delivery/ao/index.ts';
import { createReportWriter } from '../ledger/delivery/ao/report-writer.ts';
import type { Logger } from './logger.ts';
import type { Deliverer } from './runner.ts';

/**
 * The runner's delivery step on the AO writer (src/ledger/delivery/ao): one bounded pass over the pending
 * outbox per run. The writer retries transport failures itself (idempotent: the token process
 * applies a Batch-Id once) and leaves batches pending when the node stays unreachable. Then the
 * delegation reports: each Report.Mint whose settlement's batches are now delivered goes
 * to its project (a project applies a Report-Id once).
 */
export function aoDeliverer(ledger: Ledger, opts: { processId: string; muUrl: string; cuUrl: string; jwk: ArweaveJwk; log: Logger; batchesPerPass?: number }): Deliverer {
  const client = createAoClient({ muUrl: opts.muUrl, cuUrl: opts.cuUrl }, opts.jwk);
  const writer = createAoWriter({
    outbox: ledger.outbox,
    processId: opts.processId,
    client,
    ...(opts.batchesPerPass === undefined ? {} : { batchesPerPass: opts.batchesPerPass }),
    log: (event, fields) => opts.log.debug({ ...fields, event }, 'ao writer'),
  });
  const reports = createReportWriter({ reports: ledger.reports, client, log: (event, fields) => opts.log.debug({ ...fields, event }, 'report writer') });
  return {
    async deliver() {
      const report = await writer.deliverPending();
      if (report.unavailable !== null) opts.log.warn({ reason: report.unavailable }, 'AO node unreachable; batches stay pending');
      const told = report.unavailable === null ? await reports.deliverPending() : { delivered: 0, failed: 0, unavailable: null };
      if (told.unavailable !== null) opts.log.warn({ reason: told.unavailable }, 'a project is unreachable; its reports stay pending');
      return { sent: report.delivered + report.failed + told.delivered + told.failed, delivered: report.delivered + told.delivered, failed: report.failed + told.failed };
    },
  };
}
