import type { PoolTotalsState } from './accrual.ts';
import type { Db, Row } from './db.ts';
import type { PoolId } from './types.ts';

/** A pools row in memory. Invariant (checked every tick): minted·SCALE = accruedTotal + residue. */
export interface PoolState extends PoolTotalsState {
  readonly pool: PoolId;
  credited: bigint;
  lastTick: number;
  lastSettledTick: number;
  cursor: string | null;
  yieldQuote: string | null;
  /** Not yet in the table. */
  fresh: boolean;
}

export const POOL_IDS: readonly PoolId[] = ['ar', 'steth', 'sol'];
export const isPoolId = (v: unknown): v is PoolId => typeof v === 'string' && (POOL_IDS as readonly string[]).includes(v);

export const emptyPool = (pool: PoolId): PoolState => ({
  pool,
  index: 0n,
  residue: 0n,
  totalWeight: 0n,
  minted: 0n,
  accruedTotal: 0n,
  credited: 0n,
  lastTick: 0,
  lastSettledTick: 0,
  cursor: null,
  yieldQuote: null,
  fresh: true,
});

const toPoolState = (r: Row): PoolState => ({
  pool: r['pool'] as PoolId,
  index: BigInt(r['index_value'] as string),
  residue: BigInt(r['residue'] as string),
  totalWeight: BigInt(r['total_weight'] as string),
  minted: BigInt(r['minted'] as string),
  accruedTotal: BigInt(r['accrued_total'] as string),
  credited: BigInt(r['credited'] as string),
  lastTick: Number(r['last_tick']),
  lastSettledTick: Number(r['last_settled_tick']),
  cursor: (r['cursor'] as string | null) ?? null,
  yieldQuote: (r['yield_quote'] as string | null) ?? null,
  fresh: false,
});

export async function loadPools(db: Db): Promise<Map<PoolId, PoolState>> {
  const rows = await db.all('SELECT * FROM pools ORDER BY pool');
  return new Map(rows.map((r) => [r['pool'] as PoolId, toPoolState(r)]));
}

export async function savePool(db: Db, p: PoolState): Promise<void> {
  const values = [p.index.toString(), p.residue.toString(), p.totalWeight.toString(), p.minted.toString(), p.accruedTotal.toString(), p.credited.toString(), p.lastTick, p.lastSettledTick, p.cursor, p.yieldQuote];
  if (p.fresh) {
    await db.run(
      'INSERT INTO pools (index_value, residue, total_weight, minted, accrued_total, credited, last_tick, last_settled_tick, cursor, yield_quote, pool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [...values, p.pool],
    );
    p.fresh = false;
  } else {
    await db.run(
      'UPDATE pools SET index_value = ?, residue = ?, total_weight = ?, minted = ?, accrued_total = ?, credited = ?, last_tick = ?, last_settled_tick = ?, cursor = ?, yield_quote = ? WHERE pool = ?',
      [...values, p.pool],
    );
  }
}

/** I_k of a pool after tick k (0 for k = 0 or before the pool's first tick). */
export async function indexAt(db: Db, pool: PoolId, tick: number): Promise<bigint> {
  const rows = await db.all<{ index_value: string }>('SELECT index_value FROM tick_pools WHERE pool = ? AND tick <= ? ORDER BY tick DESC LIMIT 1', [pool, tick]);
  return rows.length === 0 ? 0n : BigInt(rows[0]!.index_value);
}
