import type { Ledger } from '../ledger/index.ts';
import { createAoWriter, type ArweaveJwk } from '../ledger/ao/index.ts';
import type { Logger } from './logger.ts';
import type { Deliverer } from './runner.ts';

/**
 * The runner's delivery step on the AO writer (src/ledger/ao): one bounded pass over the pending
 * outbox per run. The writer retries transport failures itself (idempotent: the token process
 * applies a Batch-Id once) and leaves batches pending when the node stays unreachable.
 */
export function aoDeliverer(ledger: Ledger, opts: { processId: string; muUrl: string; cuUrl: string; jwk: ArweaveJwk; log: Logger; batchesPerPass?: number }): Deliverer {
  const writer = createAoWriter({
    outbox: ledger.outbox,
    processId: opts.processId,
    jwk: opts.jwk,
    endpoints: { muUrl: opts.muUrl, cuUrl: opts.cuUrl },
    ...(opts.batchesPerPass === undefined ? {} : { batchesPerPass: opts.batchesPerPass }),
    log: (event, fields) => opts.log.debug({ ...fields, event }, 'ao writer'),
  });
  return {
    async deliver() {
      const report = await writer.deliverPending();
      if (report.unavailable !== null) opts.log.warn({ reason: report.unavailable }, 'AO node unreachable; batches stay pending');
      return { sent: report.delivered + report.failed, delivered: report.delivered, failed: report.failed };
    },
  };
}
