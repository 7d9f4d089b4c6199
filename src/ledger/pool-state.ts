import type { Db, Row } from './store/db.ts';
import { emptyBook } from './distribution/index.ts';
import type { PoolBook } from './distribution/index.ts';
import type { PoolId } from './types.ts';
import { derivedAo } from '../units.ts';

/** A pools row in memory: the distribution's book of the pool (distribution/state.ts) plus what the ledger keeps beside it. */
export interface PoolState extends PoolBook {
  lastTick: number;
  lastSettledTick: number;
  cursor: string | null;
  yieldQuote: string | null;
  /** Not yet in the table. */
  fresh: boolean;
  /** accrued_sum / weight_index_sum were null (a ledger from before migration 0004/0005): backfilled by backfillSums. */
  sumsMissing: boolean;
}

export const POOL_IDS: readonly PoolId[] = ['ar', 'steth', 'dai', 'usds', 'sol'];
export const isPoolId = (v: unknown): v is PoolId => typeof v === 'string' && (POOL_IDS as readonly string[]).includes(v);

export const emptyPool = (pool: PoolId): PoolState => ({ ...emptyBook(pool), lastTick: 0, lastSettledTick: 0, cursor: null, yieldQuote: null, fresh: true, sumsMissing: false });

const toPoolState = (r: Row): PoolState => ({
  pool: r['pool'] as PoolId,
  index: BigInt(r['index_value'] as string),
  residue: BigInt(r['residue'] as string),
  totalWeight: BigInt(r['total_weight'] as string),
  minted: derivedAo(BigInt(r['minted'] as string)),
  accruedTotal: BigInt(r['accrued_total'] as string),
  accruedSum: r['accrued_sum'] === null || r['accrued_sum'] === undefined ? 0n : BigInt(r['accrued_sum'] as string),
  weightIndexSum: r['weight_index_sum'] === null || r['weight_index_sum'] === undefined ? 0n : BigInt(r['weight_index_sum'] as string),
  credited: derivedAo(BigInt(r['credited'] as string)),
  lastTick: Number(r['last_tick']),
  lastSettledTick: Number(r['last_settled_tick']),
  cursor: (r['cursor'] as string | null) ?? null,
  yieldQuote: (r['yield_quote'] as string | null) ?? null,
  fresh: false,
  sumsMissing: r['accrued_sum'] === null || r['accrued_sum'] === undefined || r['weight_index_sum'] === null || r['weight_index_sum'] === undefined,
});

export async function loadPools(db: Db): Promise<Map<PoolId, PoolState>> {
  const rows = await db.all('SELECT * FROM pools ORDER BY pool');
  return new Map(rows.map((r) => [r['pool'] as PoolId, toPoolState(r)]));
}

/** Accounts read per page by the one-time backfill. */
const BACKFILL_PAGE_ROWS = 50_000;

/**
 * Σ accrued and Σ w·i0 of a pool's accounts, computed once from the account rows (current state)
 * for a pool stored before the sums existed; O(accounts), in the caller's transaction.
 */
export async function backfillSums(db: Db, p: PoolState): Promise<void> {
  let accruedSum = 0n;
  let weightIndexSum = 0n;
  for (let after = 0; ; ) {
    const page = await db.accountPage(p.pool, after, BACKFILL_PAGE_ROWS, false);
    for (const a of page) {
      accruedSum += a.accrued;
      weightIndexSum += a.weight * a.indexAtChange;
    }
    if (page.length < BACKFILL_PAGE_ROWS) break;
    after = page[page.length - 1]!.id;
  }
  p.accruedSum = accruedSum;
  p.weightIndexSum = weightIndexSum;
  p.sumsMissing = false;
}

export async function savePool(db: Db, p: PoolState): Promise<void> {
  const sums = p.sumsMissing ? [null, null] : [p.accruedSum.toString(), p.weightIndexSum.toString()];
  const values = [p.index.toString(), p.residue.toString(), p.totalWeight.toString(), p.minted.toString(), p.accruedTotal.toString(), p.credited.toString(), ...sums, p.lastTick, p.lastSettledTick, p.cursor, p.yieldQuote];
  if (p.fresh) {
    await db.run(
      'INSERT INTO pools (index_value, residue, total_weight, minted, accrued_total, credited, accrued_sum, weight_index_sum, last_tick, last_settled_tick, cursor, yield_quote, pool) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [...values, p.pool],
    );
    p.fresh = false;
  } else {
    await db.run(
      'UPDATE pools SET index_value = ?, residue = ?, total_weight = ?, minted = ?, accrued_total = ?, credited = ?, accrued_sum = ?, weight_index_sum = ?, last_tick = ?, last_settled_tick = ?, cursor = ?, yield_quote = ? WHERE pool = ?',
      [...values, p.pool],
    );
  }
}

/** I_k of a pool after tick k (0 for k = 0 or before the pool's first tick). */
export async function indexAt(db: Db, pool: PoolId, tick: number): Promise<bigint> {
  const rows = await db.all<{ index_value: string }>('SELECT index_value FROM tick_pools WHERE pool = ? AND tick <= ? ORDER BY tick DESC LIMIT 1', [pool, tick]);
  return rows.length === 0 ? 0n : BigInt(rows[0]!.index_value);
}

/**
 * I_t of one pool for every applied tick t, kept by the ledger across ticks (tick_pools rows never
 * change once written) and extended with the ticks applied since. The tick step asserts with it
 * that each changed account's index_at_change is I_{changedTick−1}. Dropped when it is ahead of the
 * ledger (a rollback of history: tests, repairs).
 */
export class IndexHistory {
  readonly #byPool = new Map<string, bigint[]>();
  #through = 0;

  reset(): void {
    this.#byPool.clear();
    this.#through = 0;
  }

  /** Brings the history up to tick `last` (the last applied tick), in the caller's transaction. */
  async extend(db: Db, last: number): Promise<void> {
    if (this.#through > last) this.reset();
    if (this.#through === last) return;
    for (const r of await db.all('SELECT tick, pool, index_value FROM tick_pools WHERE tick > ? AND tick <= ? ORDER BY tick', [this.#through, last])) {
      const pool = r['pool'] as string;
      let list = this.#byPool.get(pool);
      if (list === undefined) this.#byPool.set(pool, (list = []));
      list[Number(r['tick'])] = BigInt(r['index_value'] as string);
    }
    this.#through = last;
  }

  /** I_t of the pool (0 for t ≤ 0 or a tick before the pool existed). */
  indexAt(pool: string, tick: number): bigint {
    return tick <= 0 ? 0n : (this.#byPool.get(pool)?.[tick] ?? 0n);
  }
}
