import { EngineError } from '../../errors.ts';
import { parseUnits } from '../../units.ts';
import type { Db } from '../db.ts';
import type { OutboxStatus } from '../outbox.ts';
import type { AoClient } from './client.ts';

/**
 * Ledger ↔ process reconciliation: the process's Balances (read by dry-run, so nothing is sent)
 * against what the ledger says each recipient was minted, recipient by recipient.
 *
 * Basis 'settled' (default): every credit the ledger settled (table credits), delivered or not —
 * a batch still pending shows up as a difference, which is the point. Basis 'delivered': only
 * batches the writer saw confirmed (outbox_batches with status delivered).
 * Transfers move balances between holders after the 15 % gate, so once AO is transferable a
 * difference per recipient is expected; the totals (Σ ledger = Σ balances = Total-Supply) still hold.
 */
export type ReconcileBasis = 'settled' | 'delivered';

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

export async function reconcile(opts: { db: Db; client: AoClient; processId: string; basis?: ReconcileBasis }): Promise<ReconcileReport> {
  const basis = opts.basis ?? 'settled';
  const [ledger, outbox, proc] = [await ledgerTotals(opts.db, basis), await outboxCounts(opts.db), await readProcessBalances(opts.client, opts.processId)];
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
  return { processId: opts.processId, basis, equal, recipients: ledger.size, ledgerTotal, processTotal, processTotalSupply: proc.totalSupply, outbox, differences };
}
