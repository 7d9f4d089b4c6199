/**
 * One thing the audit found that does not hold: where (tick, pool, account, settlement), which
 * stored field, what the exact core recomputed and what the database holds. Amounts are decimal
 * strings of base units (or of SCALE-scaled units for index/residue/accrued fields).
 */
export interface Divergence {
  /** The check that failed: 'chain', 'tick', 'pool', 'change', 'conservation', 'settlement', 'credit', 'outbox', 'delivery', 'account', 'published'. */
  readonly check: string;
  readonly tick: number | null;
  readonly pool: string | null;
  readonly account: string | null;
  readonly settlementId: string | null;
  readonly field: string;
  readonly expected: string;
  readonly found: string;
}

export type DivergenceInput = Partial<Omit<Divergence, 'check' | 'field' | 'expected' | 'found'>> & {
  readonly check: string;
  readonly field: string;
  readonly expected: unknown;
  readonly found: unknown;
};

const show = (v: unknown): string => (v === null || v === undefined ? 'none' : typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : JSON.stringify(v));

export const divergence = (d: DivergenceInput): Divergence => ({
  check: d.check,
  tick: d.tick ?? null,
  pool: d.pool ?? null,
  account: d.account ?? null,
  settlementId: d.settlementId ?? null,
  field: d.field,
  expected: show(d.expected),
  found: show(d.found),
});

/** "tick 12, pool ar, account k1, settlement ar:1-12: credit.amount expected 5, found 6". */
export function describeDivergence(d: Divergence): string {
  const where = [
    d.tick === null ? null : `tick ${d.tick}`,
    d.pool === null ? null : `pool ${d.pool}`,
    d.account === null ? null : `account ${d.account}`,
    d.settlementId === null ? null : `settlement ${d.settlementId}`,
  ].filter((s) => s !== null);
  return `${where.length > 0 ? `${where.join(', ')}: ` : ''}${d.check}.${d.field} expected ${d.expected}, found ${d.found}`;
}
