import { EngineError } from '../../../errors.ts';
import type { Db } from '../../store/db.ts';
import type { AoClient } from './client.ts';

/**
 * Reconciles the projects' view of delegation with the ledger's: for each project, the
 * AO it recorded per user (Get-Yield, ao/flp.lua) against Σ delegated_credits per (project, user)
 * of the reports the ledger holds as delivered. Equal to the base unit, or the differences named.
 */
export interface ProjectReconciliation {
  readonly project: string;
  readonly users: number;
  readonly processTotal: bigint;
  readonly ledgerTotal: bigint;
  readonly equal: boolean;
  /** At most MISMATCHES_SHOWN users whose totals differ: "user: process X, ledger Y". */
  readonly mismatches: readonly string[];
}

const MISMATCHES_SHOWN = 10;

export async function reconcileReports(opts: { db: Db; client: AoClient; projects: readonly string[] }): Promise<{ equal: boolean; projects: ProjectReconciliation[] }> {
  const out: ProjectReconciliation[] = [];
  for (const project of opts.projects) {
    const ledger = new Map<string, bigint>();
    const rows = await opts.db.all<{ account: string; amount: string }>(
      `SELECT a.account, d.amount FROM delegated_credits d JOIN accounts a ON a.id = d.account_id
       JOIN reports r ON r.settlement_id = d.settlement_id AND r.project = d.target
       WHERE d.target = ? AND r.status = 'delivered'`,
      [project],
    );
    for (const r of rows) ledger.set(r.account, (ledger.get(r.account) ?? 0n) + BigInt(r.amount));
    const result = await opts.client.dryrun({ process: project, tags: [{ name: 'Action', value: 'Get-Yield' }] });
    const data = result.Messages?.[0]?.Data;
    let yields: Record<string, string>;
    try {
      yields = JSON.parse(data ?? '') as Record<string, string>;
    } catch {
      throw new EngineError('MALFORMED_RESPONSE', `project ${project}: Get-Yield answered ${JSON.stringify(String(data).slice(0, 80))}; expected JSON {user: "total"}`);
    }
    const process = new Map(Object.entries(yields).map(([u, q]) => [u, BigInt(q)]));
    const mismatches: string[] = [];
    for (const user of new Set([...ledger.keys(), ...process.keys()])) {
      const p = process.get(user) ?? 0n;
      const l = ledger.get(user) ?? 0n;
      if (p !== l && mismatches.length < MISMATCHES_SHOWN) mismatches.push(`${user}: process ${p}, ledger ${l}`);
    }
    const sum = (m: Map<string, bigint>): bigint => [...m.values()].reduce((a, b) => a + b, 0n);
    out.push({ project, users: process.size, processTotal: sum(process), ledgerTotal: sum(ledger), equal: mismatches.length === 0, mismatches });
  }
  return { equal: out.every((p) => p.equal), projects: out };
}
