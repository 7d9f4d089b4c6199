import type { Db } from './store/db.ts';

/**
 * The bytes one tick wrote for its pools, its journal and its sources: the text length of every
 * column of its ticks, tick_pools, weight_changes and source_state_log rows, of the pools rows
 * (each tick rewrites them, cursor included) and of the source_state rows it changed. A measure of
 * what the tick costs in storage, the same on both dialects (not the page-level size on disk).
 */
const TABLES: readonly { readonly table: string; readonly columns: readonly string[]; readonly where: string }[] = [
  { table: 'ticks', columns: ['tick', 'start_ms', 'end_ms', 'applied_at_ms', 'mint', 'split_ar', 'split_bridges', 'bridge_carry_in', 'bridge_carry_out', 'policy_label', 'policy', 'notes', 'change_count', 'hash', 'prev_hash'], where: 'tick = ?' },
  { table: 'tick_pools', columns: ['tick', 'pool', 'amount', 'total_weight', 'index_delta', 'index_value', 'residue', 'yield_weight', 'pin', 'yield_quote', 'complete', 'cursor', 'notes'], where: 'tick = ?' },
  { table: 'weight_changes', columns: ['tick', 'pool', 'count', 'payload'], where: 'tick = ?' },
  { table: 'source_state_log', columns: ['tick', 'pool', 'reset', 'count', 'payload'], where: 'tick = ?' },
  { table: 'source_state', columns: ['pool', 'kind', 'key', 'value', 'changed_tick'], where: 'changed_tick = ?' },
  { table: 'pools', columns: ['pool', 'index_value', 'residue', 'total_weight', 'minted', 'accrued_total', 'credited', 'last_tick', 'last_settled_tick', 'cursor', 'yield_quote'], where: 'last_tick = ?' },
];

export type TickBytes = Readonly<Record<string, number>> & { readonly total: number };

export async function tickBytes(db: Db, tick: number): Promise<TickBytes> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const t of TABLES) {
    const sum = t.columns.map((c) => `COALESCE(LENGTH(CAST(${c} AS TEXT)), 0)`).join(' + ');
    const rows = await db.all<{ n: number | string | null }>(`SELECT SUM(${sum}) AS n FROM ${t.table} WHERE ${t.where}`, [tick]);
    const n = Number(rows[0]?.n ?? 0);
    out[t.table] = n;
    total += n;
  }
  return { ...out, total };
}
