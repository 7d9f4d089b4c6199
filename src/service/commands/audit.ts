import { readFileSync } from 'node:fs';
import Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { EngineError } from '../../errors.ts';
import { AO_DECIMALS, formatAo, formatUnits } from '../../units.ts';
import { DEFAULT_DATABASE_URL, SCALE, openLedger } from '../../ledger/index.ts';
import type { Ledger } from '../../ledger/index.ts';
import { assertExistingLedger } from '../../ledger/existing-ledger.ts';
import { describeDivergence, exportHistory, proofFor, publishSettlements, settlementTree, statement, verifyLedger, verifyPublished } from '../../ledger/audit/index.ts';
import type { Divergence, Statement } from '../../ledger/audit/index.ts';
import { printTable, writeJson } from '../output.ts';
import { parseAuditAddress } from './audit-address.ts';
import type { AddressKind } from './audit-address.ts';
import { registerCheckProofCommand } from './check-proof.ts';

/**
 * `ao-emission audit …`. verify exits 0 when everything holds, 1 on a divergence
 * (AUDIT_MISMATCH, the first one on stderr), 2 on bad input; check-proof exits 1 when the proof
 * does not hold. Progress on stderr only when it is a terminal.
 */
const DATABASE_OPTION = ['--database <url>', 'sqlite:<path>, sqlite::memory: or postgres://…', DEFAULT_DATABASE_URL] as const;
/** Divergences printed as text (all of them are in --json). */
const SHOWN_MAX = 20;

function tickOption(value: string | undefined, field: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) throw new EngineError('INVALID_TICK', `${field}: ${JSON.stringify(value)} is not a tick; expected an integer ≥ 1`);
  return Number(value);
}

export function arweaveClient(gateway: string): Arweave {
  let url: URL;
  try {
    url = new URL(gateway);
  } catch {
    throw new EngineError('INVALID_ARGUMENT', `gateway: ${JSON.stringify(gateway)} is not a URL; expected e.g. https://arweave.net`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new EngineError('INVALID_ARGUMENT', `gateway: ${JSON.stringify(gateway)} must be http:// or https://`);
  const protocol = url.protocol.slice(0, -1);
  return Arweave.init({ host: url.hostname, port: url.port === '' ? (protocol === 'https' ? 443 : 80) : Number(url.port), protocol });
}

function readWallet(path: string): JWKInterface {
  let jwk: unknown;
  try {
    jwk = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new EngineError('INVALID_ARGUMENT', `wallet: cannot read a JWK from ${JSON.stringify(path)} (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof jwk !== 'object' || jwk === null || (jwk as { kty?: unknown }).kty !== 'RSA' || typeof (jwk as { n?: unknown }).n !== 'string') {
    throw new EngineError('INVALID_ARGUMENT', `wallet: ${JSON.stringify(path)} is not an Arweave RSA JWK`);
  }
  return jwk as JWKInterface;
}

/**
 * The read-only commands (verify, statement, proof, export) first check that the database holds a
 * ledger: opening a missing SQLite path would create it (exit 2, one line, nothing created).
 */
async function withLedger<T>(url: string, fn: (ledger: Ledger) => Promise<T>): Promise<T> {
  await assertExistingLedger(url);
  // Read-only: an audit never changes the ledger it checks, not even the SQLite file's header.
  const ledger = await openLedger({ url, readOnly: true });
  try {
    return await fn(ledger);
  } finally {
    await ledger.close();
  }
}

/** An Arweave address (43 base64url characters) that begins with '-' (1 in 64 of them). */
const DASH_ADDRESS = /^-[A-Za-z0-9_-]{42}$/;

/**
 * A command whose address operand may begin with '-': commander would read `-CcZZ…` as an unknown
 * option. Such an argument (not the value of an option that takes one) is hidden from the option
 * parser and put back as the operand it is; `--` before it works too.
 */
class AddressCommand extends Command {
  override createCommand(name?: string): Command {
    return new AddressCommand(name);
  }

  override parseOptions(argv: string[]): { operands: string[]; unknown: string[] } {
    const hidden = new Map<string, string>();
    const takesValue = (arg: string | undefined): boolean => arg !== undefined && this.options.some((o) => (o.long === arg || o.short === arg) && (o.required || o.optional));
    const masked = argv.map((arg, i) => {
      if (!DASH_ADDRESS.test(arg) || takesValue(argv[i - 1]) || argv.slice(0, i).includes('--')) return arg;
      const token = `\u0000address${hidden.size}`;
      hidden.set(token, arg);
      return token;
    });
    const parsed = super.parseOptions(masked);
    const back = (xs: string[]): string[] => xs.map((x) => hidden.get(x) ?? x);
    return { operands: back(parsed.operands), unknown: back(parsed.unknown) };
  }
}

/** "1 settlement", "2 settlements". */
const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function mismatch(divergences: readonly Divergence[], json: boolean): never {
  if (!json) {
    process.stderr.write(`${count(divergences.length, 'divergence')}:\n`);
    for (const d of divergences.slice(0, SHOWN_MAX)) process.stderr.write(`  ${describeDivergence(d)}\n`);
    if (divergences.length > SHOWN_MAX) process.stderr.write(`  … ${divergences.length - SHOWN_MAX} more (--json lists all)\n`);
  }
  throw new EngineError('AUDIT_MISMATCH', `audit: first divergence: ${describeDivergence(divergences[0]!)}`, { details: { divergences: divergences.length } });
}

function printStatement(s: Statement, format: 'table' | 'csv' | 'json', kind: AddressKind): void {
  if (format === 'json') {
    writeJson(s);
    return;
  }
  const header = ['kind', 'tick', 'to_tick', 'pool', 'account', 'recipient', 'weight', 'amount', 'settlement_id', 'batch_id', 'status', 'message_id', 'assignment_slot', 'accrued_scaled_total', 'credited_total'];
  const rows = s.lines.map((l) => [l.kind, String(l.tick), String(l.toTick), l.pool, l.account ?? '', l.recipient ?? '', l.weight?.toString() ?? '', l.amount.toString(), l.settlementId ?? '', l.batchId ?? '', l.status ?? '', l.messageId ?? '', l.assignmentSlot?.toString() ?? '', l.accruedScaledTotal.toString(), l.creditedTotal.toString()]);
  if (format === 'csv') {
    const cell = (c: string): string => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
    process.stdout.write(`${header.join(',')}\n${rows.map((r) => `${r.map(cell).join(',')}\n`).join('')}`);
    return;
  }
  // Human form: amounts in AO (12 decimals); a span's scaled accrual shown as its whole base
  // units. The account / recipient column is blank where it is the address itself.
  const other = (x: string | null): string => (x === null || x === s.address ? '' : x);
  const ao = (l: Statement['lines'][number]): string => formatUnits(l.kind === 'span' ? l.amount / SCALE : l.amount, AO_DECIMALS);
  printTable(
    s.lines.map((l) => [l.kind, l.kind === 'span' ? `${l.tick}-${l.toTick}` : String(l.tick), l.pool, other(l.account), other(l.recipient), l.weight?.toString() ?? '', ao(l), l.settlementId ?? '', l.status ?? '', formatUnits(l.creditedTotal, AO_DECIMALS)]),
    ['kind', 'ticks', 'pool', 'account', 'recipient', 'weight', 'amount (AO)', 'settlement', 'status', 'credited (AO)'],
  );
  if (s.lines.length > 0) process.stdout.write('\n');
  process.stdout.write(`${s.address}, ticks ${s.fromTick}..${s.toTick}: accrued ${formatAo(s.accrued)}, credited ${formatAo(s.credited)} (raw base units and message ids: --json or --csv)\n`);
  // Yield delegation (DESIGN.md §9): the preferences in force and what they sent to projects.
  for (const d of s.delegations) {
    const to = d.prefs.map((p) => `${(p.factor / 100).toFixed(2)} % to ${p.target}`);
    const kept = 10_000 - d.prefs.reduce((t, p) => t + p.factor, 0);
    process.stdout.write(`delegation from tick ${d.tick}: ${[...to, `${(kept / 100).toFixed(2)} % kept`].join(', ')}\n`);
  }
  if (s.delegated > 0n) process.stdout.write(`of the credits, ${formatAo(s.delegated)} went to projects by delegation (the delegated lines)\n`);
  if (kind === 'evm') {
    const recipients = [...new Set(s.lines.filter((l) => l.kind !== 'message' && l.account === s.address && l.recipient !== null).map((l) => l.recipient!))];
    process.stdout.write(
      recipients.length === 0 ? `${s.address} is a depositor with no Arweave recipient registered: nothing credited\n` : `${s.address} is a depositor; its credits went to ${recipients.join(', ')} (see \`audit statement ${recipients[0]}\`)\n`,
    );
  }
}

export function registerAuditCommands(program: Command): void {
  // Every audit subcommand accepts addresses that begin with '-' (AddressCommand).
  const audit = new AddressCommand('audit').copyInheritedSettings(program).description('Verify, replay and prove the distribution history');
  program.addCommand(audit);

  audit
    .command('verify')
    .description('Re-walk the hash chain and recompute every tick, settlement and credit; exit 0 only if all hold')
    .option(...DATABASE_OPTION)
    .option('--from <tick>', 'first tick to check (the state is always rebuilt from tick 1)')
    .option('--to <tick>', 'last tick to check (default: the last applied tick)')
    .option('--require-delivered', 'also fail when a settled batch is not delivered to AO')
    .option('--published', 'also check the settlement records published on Arweave')
    .option('--gateway <url>', 'Arweave gateway for --published', 'https://arweave.net')
    .option('--owner <address>', 'the publisher address whose records count (--published)')
    .option('--wallet <jwk.json>', 'take the publisher address from this wallet (--published)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { database: string; from?: string; to?: string; requireDelivered?: boolean; published?: boolean; gateway: string; owner?: string; wallet?: string; json?: boolean }) => {
      const fromTick = tickOption(opts.from, 'from');
      const toTick = tickOption(opts.to, 'to');
      const arweave = opts.published ? arweaveClient(opts.gateway) : null;
      if (opts.published && opts.owner === undefined && opts.wallet === undefined) throw new EngineError('INVALID_ARGUMENT', '--published: give --owner <address> or --wallet <jwk.json> (whose records count)');
      const owner = arweave === null ? null : (opts.owner ?? (await arweave.wallets.jwkToAddress(readWallet(opts.wallet!))));
      await withLedger(opts.database, async (ledger) => {
        const bar = process.stderr.isTTY && !opts.json ? new SingleBar({ stream: process.stderr, format: 'verify [{bar}] {percentage}% | tick {value}/{total} | {eta_formatted} left', etaBuffer: 20 }) : null;
        let started = false;
        const report = await verifyLedger(ledger.db, {
          ...(fromTick === undefined ? {} : { fromTick }),
          ...(toTick === undefined ? {} : { toTick }),
          requireDelivered: opts.requireDelivered === true,
          onProgress: (tick, last) => {
            if (bar === null) return;
            if (!started) bar.start(last, 0);
            started = true;
            bar.update(tick);
          },
        });
        bar?.stop();
        const published = arweave === null || owner === null ? [] : await verifyPublished(ledger.db, arweave, owner);
        const divergences = [...report.divergences, ...published];
        if (opts.json) writeJson({ ...report, ok: divergences.length === 0, published: arweave === null ? null : { owner, divergences: published }, divergences });
        else if (divergences.length === 0 && report.lastTick === 0) {
          process.stdout.write(`ok: the ledger is empty (no tick applied yet), nothing to verify; journal hash ${report.journalHash}\n`);
        } else if (divergences.length === 0) {
          const range = report.fromTick === report.toTick ? `tick ${report.fromTick}` : `ticks ${report.fromTick}..${report.toTick}`;
          process.stdout.write(
            `ok: ${range} of ${report.lastTick} verified — ${count(report.changes, 'weight change')}, ${count(report.settlements, 'settlement')}, ${count(report.credits, 'credit')}; ` +
              `minted ${formatAo(report.minted)}, credited ${formatAo(report.credited)}; delivered ${report.delivery.delivered}/${count(report.delivery.batches, 'batch', 'batches')} ` +
              `(${formatAo(report.delivery.undeliveredTotal)} not yet delivered)${arweave === null ? '' : `; published records of ${owner} match`}; journal hash ${report.journalHash}\n`,
          );
        }
        if (divergences.length > 0) mismatch(divergences, opts.json === true);
      });
    });

  audit
    .command('statement <address>')
    .description('Every accrual span, credit, settlement and message for an address, with running totals')
    .option(...DATABASE_OPTION)
    .option('--from <tick>', 'first tick')
    .option('--to <tick>', 'last tick')
    .option('--csv', 'print CSV')
    .option('--json', 'print JSON')
    .action(async (address: string, opts: { database: string; from?: string; to?: string; csv?: boolean; json?: boolean }) => {
      if (opts.csv && opts.json) throw new EngineError('INVALID_ARGUMENT', 'statement: --csv and --json exclude each other');
      const fromTick = tickOption(opts.from, 'from');
      const toTick = tickOption(opts.to, 'to');
      const { key, kind } = await parseAuditAddress(address);
      await withLedger(opts.database, async (ledger) => {
        const s = await statement(ledger.db, key, { ...(fromTick === undefined ? {} : { fromTick }), ...(toTick === undefined ? {} : { toTick }) });
        printStatement(s, opts.json ? 'json' : opts.csv ? 'csv' : 'table', kind);
      });
    });

  audit
    .command('proof <address>')
    .description("The Merkle leaf and proof of an address's credit in a settlement (OpenZeppelin standard tree, leaves [string recipient, uint256 amount])")
    .requiredOption('--settlement <id>', 'settlement id, e.g. ar:1-288')
    .option(...DATABASE_OPTION)
    .action(async (address: string, opts: { database: string; settlement: string }) => {
      const { key } = await parseAuditAddress(address);
      await withLedger(opts.database, async (ledger) => writeJson(proofFor(await settlementTree(ledger.db, opts.settlement), key)));
    });

  registerCheckProofCommand(audit);

  audit
    .command('publish')
    .description("Publish each settlement's Merkle root and summary as an Arweave data transaction (skips those already published)")
    .option(...DATABASE_OPTION)
    .requiredOption('--wallet <jwk.json>', 'Arweave wallet (JWK) that signs and pays')
    .option('--gateway <url>', 'Arweave gateway', 'https://arweave.net')
    .option('--json', 'print JSON')
    .action(async (opts: { database: string; wallet: string; gateway: string; json?: boolean }) => {
      const arweave = arweaveClient(opts.gateway);
      const jwk = readWallet(opts.wallet);
      await withLedger(opts.database, async (ledger) => {
        const r = await publishSettlements(ledger.db, arweave, jwk);
        if (opts.json) writeJson(r);
        else {
          for (const p of r.published) process.stdout.write(`${p.settlementId}\t${p.txId}\n`);
          process.stdout.write(`published ${count(r.published.length, 'settlement record')} as ${r.owner}; ${r.alreadyPublished} already published\n`);
        }
      });
    });

  audit
    .command('export <dir>')
    .description('Write the full history as CSV files (ticks, tick_pools, weight_changes, settlements, credits, outbox)')
    .option(...DATABASE_OPTION)
    .option('--force', "overwrite an earlier export's files in <dir>")
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { database: string; force?: boolean; json?: boolean }) => {
      await withLedger(opts.database, async (ledger) => {
        const r = await exportHistory(ledger.db, dir, { force: opts.force === true });
        if (opts.json) writeJson(r);
        else for (const f of r.files) process.stdout.write(`${dir}/${f.file}\t${f.rows} rows\n`);
      });
    });
}
