import type { Command } from 'commander';
import { EngineError } from '../../errors.ts';
import { formatAo } from '../../units.ts';
import type { ReconcileReport } from '../../ledger/delivery/ao/index.ts';
import { printTable, writeJson } from '../output.ts';

// The ledger and aoconnect load only when an ao command runs: every other command of the CLI starts
// without them. The local AO node's command (`ao node`) is devnet's (devnet/cli.ts).

const PROCESS_ID = /^[A-Za-z0-9_-]{43}$/;

function parseUrl(text: string, field: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text.replace(/\/$/, '');
  } catch {
    // falls through to the error below
  }
  throw new EngineError('INVALID_ARGUMENT', `${field}: ${JSON.stringify(text)} is not an http(s) URL`);
}

function printReport(r: ReconcileReport): void {
  process.stdout.write(`process ${r.processId}, basis ${r.basis}, via ${r.via}: ${r.equal ? 'EQUAL' : `${r.differences.length} difference(s)`}\n`);
  printTable(
    [
      ['ledger', r.ledgerTotal.toString(), formatAo(r.ledgerTotal)],
      ['process Σ Balances', r.processTotal.toString(), formatAo(r.processTotal)],
      ['process Total-Supply', r.processTotalSupply.toString(), formatAo(r.processTotalSupply)],
    ],
    ['total', 'base units', 'AO'],
  );
  process.stdout.write(`outbox: ${r.outbox.delivered} delivered, ${r.outbox.pending} pending, ${r.outbox.sent} sent, ${r.outbox.failed} failed; ${r.recipients} recipients\n`);
  if (r.differences.length > 0) {
    printTable(
      r.differences.map((d) => [d.recipient, d.ledger.toString(), d.process.toString(), d.difference.toString()]),
      ['recipient', 'ledger', 'process', 'process - ledger'],
    );
  }
}

export function registerAoCommands(program: Command): void {
  const ao = program.command('ao').description('The AO token process: reconciliation (and, in a development install, the local AO node).');

  ao.command('reconcile')
    .description(
      "Compare the token process's balances with the ledger's settled totals, recipient by recipient: by dry-run Balances through a CU, or (--via hyperbeam) through the process's patched state, compute/balances/<address> per recipient and compute/token-info/supply. Exit 0 when equal, 1 when not.",
    )
    .requiredOption('--database <url>', 'ledger database URL (sqlite:<path> or postgres://…)')
    .requiredOption('--process <id>', 'token process id (43 characters)')
    .requiredOption('--cu <url>', 'compute unit URL, or with --via hyperbeam the HyperBEAM node URL (the local node: its own URL)')
    .option('--via <how>', 'dryrun (a dry-run Balances) or hyperbeam (the patch@1.0 state, one read per recipient)', 'dryrun')
    .option('--concurrency <n>', 'with --via hyperbeam: reads in flight at once (1..256)', '16')
    .option('--delivered-only', 'compare only batches the writer saw confirmed, not every settled credit')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { database: string; process: string; cu: string; via: string; concurrency: string; deliveredOnly?: boolean; json?: boolean }) => {
      if (!PROCESS_ID.test(opts.process)) throw new EngineError('INVALID_ARGUMENT', `--process: ${JSON.stringify(opts.process)} is not a process id; expected 43 base64url characters`);
      if (opts.via !== 'dryrun' && opts.via !== 'hyperbeam') throw new EngineError('INVALID_ARGUMENT', `--via: ${JSON.stringify(opts.via)} is not a way to read the process; expected dryrun or hyperbeam`);
      const concurrency = Number(opts.concurrency);
      if (!/^[1-9][0-9]{0,2}$/.test(opts.concurrency) || concurrency > 256) throw new EngineError('INVALID_ARGUMENT', `--concurrency: ${JSON.stringify(opts.concurrency)} is not an integer in 1..256`);
      const cu = parseUrl(opts.cu, '--cu');
      const [{ openLedger }, { createAoClient, reconcile }] = await Promise.all([import('../../ledger/index.ts'), import('../../ledger/delivery/ao/index.ts')]);
      const ledger = await openLedger({ url: opts.database });
      try {
        const read = opts.via === 'hyperbeam' ? { hyperbeam: { url: cu, concurrency } } : { client: createAoClient({ muUrl: cu, cuUrl: cu }) };
        const report = await reconcile({ db: ledger.db, ...read, processId: opts.process, basis: opts.deliveredOnly ? 'delivered' : 'settled' });
        if (opts.json) writeJson(report);
        else printReport(report);
        process.exitCode = report.equal ? 0 : 1;
      } finally {
        await ledger.close();
      }
    });
}
