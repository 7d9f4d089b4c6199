import { EngineError } from '../../../errors.ts';
import { parseUnits } from '../../../units.ts';
import type { Db } from '../../store/db.ts';
import type { OutboxStatus } from '../../store/outbox.ts';
import type { AoClient } from './client.ts';

/**
 * Ledger ↔ process reconciliation: the process's balances against what the ledger says each
 * recipient was minted, recipient by recipient. Two ways to read the process:
 * - 'dryrun' (default): a dry-run Balances and Total-Supply through the CU (nothing is sent);
 * - 'hyperbeam': the state the process publishes with patch@1.0, as a HyperBEAM node (or the local
 *   AO node) serves it: GET /<pid>~process@1.0/compute/balances/<address> for every ledger
 *   recipient (404 = zero), several reads in flight at once, and compute/token-info/supply. Only
 *   the ledger's recipients are read this way, so a holder the ledger does not know (a transfer's
 *   recipient) shows up as Σ balances ≠ Total-Supply rather than by address.
 *
 * Basis 'settled' (default): every credit the ledger settled (table credits), delivered or not —
 * a batch still pending shows up as a difference, which is the point. Basis 'delivered': only
 * batches the writer saw confirmed (outbox_batches with status delivered).
 * Transfers move balances between holders after the 15 % gate, so once AO is transferable a
 * difference per recipient is expected; the totals (Σ ledger = Σ balances = Total-Supply) still hold.
 */
export type ReconcileBasis = 'settled' | 'delivered';
export type ReconcileVia = 'dryrun' | 'hyperbeam';

/** Where the hyperbeam reads go, and how many are in flight at once (default 16). */
export interface HyperbeamReads {
  readonly url: string;
  readonly concurrency?: number;
}

export interface BalanceDifference {
  readonly recipient: string;
  readonly ledger: bigint;
  readonly process: bigint;
  /** process − ledger, base units. */
  readonly difference: bigint;
}

export interface ReconcileReport {
  readonly processId: string;
  readonly basis: ReconcileBasis;
  readonly via: ReconcileVia;
  readonly equal: boolean;
  readonly recipients: number;
  readonly ledgerTotal: bigint;
  readonly processTotal: bigint;
  readonly processTotalSupply: bigint;
  readonly outbox: Readonly<Record<OutboxStatus, number>>;
  /** Every differing recipient, largest |difference| first. */
  readonly differences: readonly BalanceDifference[];
}

/** Rows read per query: bounds memory with a million credits. */
const PAGE_ROWS = 10_000;

async function ledgerTotals(db: Db, basis: ReconcileBasis): Promise<Map<string, bigint>> {
  const totals = new Map<string, bigint>();
  const add = (recipient: string, amount: bigint) => totals.set(recipient, (totals.get(recipient) ?? 0n) + amount);
  if (basis === 'settled') {
    for (let offset = 0; ; offset += PAGE_ROWS) {
      const rows = await db.all<{ recipient: string; amount: string }>('SELECT recipient, amount FROM credits ORDER BY settlement_id, account_id LIMIT ? OFFSET ?', [PAGE_ROWS, offset]);
      for (const r of rows) add(r.recipient, BigInt(r.amount));
      if (rows.length < PAGE_ROWS) break;
    }
  } else {
    for (let after = ''; ; ) {
      const rows = await db.all<{ batch_id: string; payload: string }>("SELECT batch_id, payload FROM outbox_batches WHERE status = 'delivered' AND batch_id > ? ORDER BY batch_id LIMIT 100", [after]);
      for (const r of rows) for (const [recipient, quantity] of JSON.parse(r.payload) as [string, string][]) add(recipient, BigInt(quantity));
      if (rows.length < 100) break;
      after = rows[rows.length - 1]!.batch_id;
    }
  }
  return totals;
}

async function outboxCounts(db: Db): Promise<Record<OutboxStatus, number>> {
  const out: Record<OutboxStatus, number> = { pending: 0, sent: 0, delivered: 0, failed: 0 };
  for (const r of await db.all<{ status: OutboxStatus; n: number | string }>('SELECT status, COUNT(*) AS n FROM outbox_batches GROUP BY status')) out[r.status] = Number(r.n);
  return out;
}

function answerData(result: { Messages?: readonly { Data?: string; Tags?: readonly { name: string; value: string }[] }[]; Error?: string; error?: string }, what: string): string {
  if (typeof result.error === 'string' || typeof result.Error === 'string') {
    throw new EngineError('MALFORMED_RESPONSE', `${what}: the CU answered an error: ${result.error ?? result.Error}`);
  }
  const data = result.Messages?.[0]?.Data;
  if (typeof data !== 'string') throw new EngineError('MALFORMED_RESPONSE', `${what}: the dry-run answered no message with Data`);
  return data;
}

/** The process's Balances and Total-Supply, by dry-run. */
export async function readProcessBalances(client: AoClient, processId: string): Promise<{ balances: Map<string, bigint>; totalSupply: bigint }> {
  let parsed: unknown;
  const balancesData = answerData(await client.dryrun({ process: processId, tags: [{ name: 'Action', value: 'Balances' }] }), 'Balances');
  try {
    parsed = JSON.parse(balancesData);
  } catch {
    throw new EngineError('MALFORMED_RESPONSE', `Balances: Data is not JSON (${balancesData.slice(0, 80)}…)`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    // An empty Lua table encodes as [] in some json libraries: no balances.
    if (Array.isArray(parsed) && parsed.length === 0) parsed = {};
    else throw new EngineError('MALFORMED_RESPONSE', 'Balances: Data is not a JSON object of address → quantity');
  }
  const balances = new Map<string, bigint>();
  for (const [address, quantity] of Object.entries(parsed as Record<string, unknown>)) balances.set(address, parseUnits(quantity, `Balances[${address}]`));
  const supplyData = answerData(await client.dryrun({ process: processId, tags: [{ name: 'Action', value: 'Total-Supply' }] }), 'Total-Supply');
  return { balances, totalSupply: parseUnits(supplyData, 'Total-Supply') };
}

/** One HyperBEAM read: the body of a 200, null for a 404 (a key the process never patched). */
async function hyperbeamGet(base: string, path: string): Promise<string | null> {
  let res: Response;
  try {
    res = await fetch(`${base}/${path}`);
  } catch (error) {
    throw new EngineError('SOURCE_UNAVAILABLE', `hyperbeam: GET ${path}: ${(error as Error).message}`);
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return null;
  }
  if (!res.ok) throw new EngineError('MALFORMED_RESPONSE', `hyperbeam: GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return (await res.text()).trim();
}

/** The recipients' balances and the supply through the process's patched state (see the header). */
export async function readHyperbeamBalances(reads: HyperbeamReads, processId: string, recipients: readonly string[]): Promise<{ balances: Map<string, bigint>; totalSupply: bigint }> {
  const base = reads.url.replace(/\/$/, '');
  const concurrency = reads.concurrency ?? 16;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 256) throw new EngineError('INVALID_ARGUMENT', `hyperbeam concurrency ${concurrency} must be an integer in 1..256`);
  const balances = new Map<string, bigint>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < recipients.length) {
      const address = recipients[next++]!;
      const text = await hyperbeamGet(base, `${processId}~process@1.0/compute/balances/${encodeURIComponent(address)}`);
      if (text !== null) balances.set(address, parseUnits(text, `compute/balances/${address}`));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, recipients.length) }, worker));
  const supply = await hyperbeamGet(base, `${processId}~process@1.0/compute/token-info/supply`);
  if (supply === null) throw new EngineError('MALFORMED_RESPONSE', `hyperbeam: ${processId} has no token-info/supply (has the process sent its patch@1.0?)`);
  return { balances, totalSupply: parseUnits(supply, 'compute/token-info/supply') };
}

export async function reconcile(opts: { db: Db; client?: AoClient; hyperbeam?: HyperbeamReads; processId: string; basis?: ReconcileBasis }): Promise<ReconcileReport> {
  const basis = opts.basis ?? 'settled';
  const via: ReconcileVia = opts.hyperbeam !== undefined ? 'hyperbeam' : 'dryrun';
  const [ledger, outbox] = [await ledgerTotals(opts.db, basis), await outboxCounts(opts.db)];
  let proc: { balances: Map<string, bigint>; totalSupply: bigint };
  if (opts.hyperbeam !== undefined) proc = await readHyperbeamBalances(opts.hyperbeam, opts.processId, [...ledger.keys()]);
  else if (opts.client !== undefined) proc = await readProcessBalances(opts.client, opts.processId);
  else throw new EngineError('INVALID_ARGUMENT', 'reconcile: neither a CU client (dry-run) nor a hyperbeam URL was given');
  const differences: BalanceDifference[] = [];
  let ledgerTotal = 0n;
  let processTotal = 0n;
  for (const [recipient, amount] of ledger) {
    ledgerTotal += amount;
    const held = proc.balances.get(recipient) ?? 0n;
    if (held !== amount) differences.push({ recipient, ledger: amount, process: held, difference: held - amount });
  }
  for (const [address, held] of proc.balances) {
    processTotal += held;
    // A zero balance left by transfers is no difference.
    if (!ledger.has(address) && held !== 0n) differences.push({ recipient: address, ledger: 0n, process: held, difference: held });
  }
  const abs = (v: bigint) => (v < 0n ? -v : v);
  differences.sort((a, b) => (abs(b.difference) > abs(a.difference) ? 1 : abs(b.difference) < abs(a.difference) ? -1 : a.recipient < b.recipient ? -1 : 1));
  const equal = differences.length === 0 && ledgerTotal === processTotal && processTotal === proc.totalSupply;
  return { processId: opts.processId, basis, via, equal, recipients: ledger.size, ledgerTotal, processTotal, processTotalSupply: proc.totalSupply, outbox, differences };
}
