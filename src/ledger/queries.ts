import { EngineError } from '../errors.ts';
import { MAX_SUPPLY } from '../emission/curve.ts';
import { SCALE, accrual, accruedAt } from './accrual.ts';
import { lastTickRow } from './apply-tick.ts';
import { decodeChanges } from './store/change-log.ts';
import type { AccountRow, Db, Row } from './store/db.ts';
import { indexAt, loadPools } from './pool-state.ts';
import type { AccountView, Conservation, PoolId, PoolTotals, TickPoolRecord, TickRecord } from './types.ts';
import { derivedAo } from '../units.ts';
import type { AoUnits } from '../units.ts';

const PAGE_ROWS = 50_000;

async function resolveTick(db: Db, atTick: number | undefined): Promise<{ at: number; last: number }> {
  const last = (await lastTickRow(db)).tick;
  const at = atTick ?? last;
  if (!Number.isSafeInteger(at) || at < 0 || at > last) throw new EngineError('INVALID_TICK', `atTick: ${String(atTick)} is not an applied tick; expected an integer in 0..${last}`);
  return { at, last };
}

async function settledNow(db: Db, accountId: number): Promise<AoUnits> {
  const rows = await db.all<{ settled: string }>('SELECT settled FROM account_settled WHERE id = ?', [accountId]);
  return derivedAo(rows.length === 0 ? 0n : BigInt(rows[0]!.settled));
}

async function settledAt(db: Db, accountId: number, at: number): Promise<AoUnits> {
  const rows = await db.all<{ amount: string }>('SELECT c.amount FROM credits c JOIN settlements s ON s.id = c.settlement_id WHERE c.account_id = ? AND s.to_tick <= ?', [accountId, at]);
  return derivedAo(rows.reduce((sum, r) => sum + BigInt(r.amount), 0n));
}

/**
 * An account as of tick `at`. When it changed after `at`, its state then is rebuilt from the
 * change log (rows pre-filtered by `[id,`, see change-log.ts) and the per-tick indices.
 */
async function viewAt(db: Db, row: AccountRow, at: number, last: number, currentIndex: bigint): Promise<AccountView | null> {
  if (at < row.joinedTick) return null;
  const indexAtTick = at === last ? currentIndex : await indexAt(db, row.pool as PoolId, at);
  let weight = row.weight;
  let recipient = row.recipient;
  let cumulative: bigint;
  let changedTick = row.changedTick;
  if (at >= row.changedTick) {
    cumulative = accruedAt(row, indexAtTick);
  } else {
    const logs = await db.all<{ tick: number; payload: string }>('SELECT tick, payload FROM weight_changes WHERE pool = ? AND tick >= ? AND tick <= ? AND payload LIKE ? ORDER BY tick', [
      row.pool,
      row.joinedTick,
      at,
      `%[${row.id},%`,
    ]);
    weight = 0n;
    recipient = null;
    cumulative = 0n;
    let lastIndex = 0n;
    for (const log of logs) {
      const change = decodeChanges(log.payload).find((c) => c.accountId === row.id);
      if (change === undefined) continue;
      const before = await indexAt(db, row.pool as PoolId, Number(log.tick) - 1);
      cumulative += accrual(weight, lastIndex, before);
      lastIndex = before;
      weight = change.newWeight;
      if (change.recipient !== undefined) recipient = change.recipient;
      changedTick = Number(log.tick);
    }
    cumulative += accrual(weight, lastIndex, indexAtTick);
  }
  const settled = at === last ? await settledNow(db, row.id) : await settledAt(db, row.id, at);
  const unsettledScaled = cumulative - settled * SCALE;
  return { pool: row.pool as PoolId, account: row.account, id: row.id, recipient, weight, atTick: at, unsettled: derivedAo(unsettledScaled / SCALE), unsettledScaled, settled, joinedTick: row.joinedTick, changedTick };
}

export async function accountView(db: Db, pool: PoolId, account: string, atTick?: number): Promise<AccountView | null> {
  const { at, last } = await resolveTick(db, atTick);
  const row = (await db.lookupAccounts(pool, [account]))[0];
  if (row === undefined) return null;
  const state = (await loadPools(db)).get(pool);
  return viewAt(db, row, at, last, state?.index ?? 0n);
}

export async function accountsByRecipient(db: Db, recipient: string): Promise<AccountView[]> {
  const { last } = await resolveTick(db, undefined);
  const pools = await loadPools(db);
  const rows = await db.accountsWithRecipient(recipient);
  const views: AccountView[] = [];
  for (const r of rows) {
    const v = await viewAt(db, r, last, last, pools.get(r.pool as PoolId)?.index ?? 0n);
    if (v !== null) views.push(v);
  }
  return views;
}

export async function poolTotals(db: Db, atTick?: number): Promise<PoolTotals[]> {
  const { at, last } = await resolveTick(db, atTick);
  const pools = await loadPools(db);
  const out: PoolTotals[] = [];
  for (const p of pools.values()) {
    if (at === last) {
      const unsettledScaled = p.accruedTotal - p.credited * SCALE;
      out.push({ pool: p.pool, atTick: at, minted: p.minted, credited: p.credited, unsettledScaled, unsettled: derivedAo(unsettledScaled / SCALE), residueScaled: p.residue, totalWeight: p.totalWeight, index: p.index });
      continue;
    }
    const rows = await db.all<Row>('SELECT amount, total_weight, index_delta, index_value, residue FROM tick_pools WHERE pool = ? AND tick <= ? ORDER BY tick', [p.pool, at]);
    let minted = 0n;
    let accruedTotal = 0n;
    for (const r of rows) {
      minted += BigInt(r['amount'] as string);
      accruedTotal += BigInt(r['total_weight'] as string) * BigInt(r['index_delta'] as string);
    }
    const lastRow = rows[rows.length - 1];
    const settledRows = await db.all<{ total: string }>('SELECT total FROM settlements WHERE pool = ? AND to_tick <= ?', [p.pool, at]);
    const credited = settledRows.reduce((s, r) => s + BigInt(r.total), 0n);
    const unsettledScaled = accruedTotal - credited * SCALE;
    out.push({
      pool: p.pool,
      atTick: at,
      minted: derivedAo(minted),
      credited: derivedAo(credited),
      unsettledScaled,
      unsettled: derivedAo(unsettledScaled / SCALE),
      residueScaled: lastRow === undefined ? 0n : BigInt(lastRow['residue'] as string),
      totalWeight: lastRow === undefined ? 0n : BigInt(lastRow['total_weight'] as string),
      index: lastRow === undefined ? 0n : BigInt(lastRow['index_value'] as string),
    });
  }
  return out;
}

const parseJson = (text: unknown): unknown => (text === null || text === undefined ? null : JSON.parse(text as string));

export async function tickRecord(db: Db, k: number): Promise<TickRecord | null> {
  const rows = await db.all('SELECT * FROM ticks WHERE tick = ?', [k]);
  const r = rows[0];
  if (r === undefined) return null;
  const poolRows = await db.all('SELECT * FROM tick_pools WHERE tick = ? ORDER BY pool', [k]);
  const pools: TickPoolRecord[] = poolRows.map((p) => ({
    pool: p['pool'] as PoolId,
    amount: derivedAo(BigInt(p['amount'] as string)),
    totalWeight: BigInt(p['total_weight'] as string),
    indexDelta: BigInt(p['index_delta'] as string),
    index: BigInt(p['index_value'] as string),
    residue: BigInt(p['residue'] as string),
    yieldWeight: p['yield_weight'] === null ? null : BigInt(p['yield_weight'] as string),
    pin: parseJson(p['pin']),
    yieldQuote: parseJson(p['yield_quote']),
    complete: p['complete'] === null ? null : Boolean(p['complete']),
    cursor: (p['cursor'] as string | null) ?? null,
    notes: JSON.parse(p['notes'] as string) as string[],
  }));
  return {
    tick: Number(r['tick']),
    startMs: Number(r['start_ms']),
    endMs: Number(r['end_ms']),
    appliedAtMs: Number(r['applied_at_ms']),
    mint: derivedAo(BigInt(r['mint'] as string)),
    split: { ar: derivedAo(BigInt(r['split_ar'] as string)), bridges: derivedAo(BigInt(r['split_bridges'] as string)) },
    bridgeCarryIn: derivedAo(BigInt(r['bridge_carry_in'] as string)),
    bridgeCarryOut: derivedAo(BigInt(r['bridge_carry_out'] as string)),
    policyLabel: r['policy_label'] as string,
    policy: JSON.parse(r['policy'] as string),
    notes: JSON.parse(r['notes'] as string) as string[],
    changeCount: Number(r['change_count']),
    pools,
    hash: r['hash'] as string,
    prevHash: r['prev_hash'] as string,
  };
}

/**
 * Conservation recomputed from the rows (O(accounts)), not from the running totals:
 *   SCALE·minted = SCALE·credited + Σ_accounts unsettled (scaled) + Σ_pools residue + SCALE·bridge carry
 * plus the cross-checks that the running totals agree with the rows.
 */
export async function conservation(db: Db): Promise<Conservation> {
  const last = await lastTickRow(db);
  const problems: string[] = [];
  const mints = await db.all<{ mint: string }>('SELECT mint FROM ticks');
  const minted = mints.reduce((s, r) => s + BigInt(r.mint), 0n);
  if (minted > MAX_SUPPLY) problems.push(`Σ tick mints ${minted} exceeds the cap ${MAX_SUPPLY} at tick ${last.tick}`);
  const pools = await loadPools(db);
  let credited = 0n;
  let cumulativeAll = 0n;
  let residueScaled = 0n;
  let poolMinted = 0n;
  for (const p of pools.values()) {
    let weight = 0n;
    let cumulative = 0n;
    let settled = 0n;
    for (let after = 0; ; ) {
      const page = await db.accountPage(p.pool, after, PAGE_ROWS, false);
      for (const a of page) {
        weight += a.weight;
        cumulative += accruedAt(a, p.index);
      }
      if (page.length < PAGE_ROWS) break;
      after = page[page.length - 1]!.id;
    }
    for (let after = 0; ; ) {
      const page = await db.all<{ id: number | string; settled: string }>(
        // CROSS JOIN: SQLite walks account_settled by id (instead of the pool index, then a sort).
        // Both tables bounded by the page: Postgres's merge join otherwise scans accounts from its first id on every page.
        'SELECT p.id, p.settled FROM account_settled p CROSS JOIN accounts a WHERE a.id = p.id AND p.id > ? AND a.id > ? AND a.pool = ? ORDER BY p.id LIMIT ?',
        [after, after, p.pool, PAGE_ROWS],
      );
      for (const r of page) settled += BigInt(r.settled);
      if (page.length < PAGE_ROWS) break;
      after = Number(page[page.length - 1]!.id);
    }
    const settlements = await db.all<{ total: string }>('SELECT total FROM settlements WHERE pool = ?', [p.pool]);
    const settlementTotal = settlements.reduce((s, r) => s + BigInt(r.total), 0n);
    if (weight !== p.totalWeight) problems.push(`pool ${p.pool}: Σ account weights ${weight} ≠ pool total ${p.totalWeight}`);
    if (settled !== p.credited || settlementTotal !== p.credited) problems.push(`pool ${p.pool}: Σ settled ${settled}, Σ settlements ${settlementTotal}, pool credited ${p.credited} disagree`);
    if (p.minted * SCALE !== cumulative + p.residue) problems.push(`pool ${p.pool}: minted·SCALE ${p.minted * SCALE} ≠ Σ accrued ${cumulative} + residue ${p.residue}`);
    if (cumulative !== p.accruedTotal) problems.push(`pool ${p.pool}: Σ accrued ${cumulative} ≠ running total ${p.accruedTotal}`);
    credited += settled;
    cumulativeAll += cumulative;
    residueScaled += p.residue;
    poolMinted += p.minted;
  }
  if (poolMinted + last.bridgeCarryOut !== minted) problems.push(`Σ pool amounts ${poolMinted} + bridge carry ${last.bridgeCarryOut} ≠ minted ${minted}`);
  const unsettledScaled = cumulativeAll - credited * SCALE;
  if (minted * SCALE !== credited * SCALE + unsettledScaled + residueScaled + last.bridgeCarryOut * SCALE) problems.push('minted ≠ credited + unsettled + residue');
  const unsettled = unsettledScaled / SCALE;
  return { ok: problems.length === 0, minted: derivedAo(minted), credited: derivedAo(credited), unsettled: derivedAo(unsettled), residue: derivedAo(minted - credited - unsettled), unsettledScaled, residueScaled, bridgeCarry: last.bridgeCarryOut, problems };
}
