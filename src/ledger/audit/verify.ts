import assert from 'node:assert/strict';
import { EngineError } from '../../errors.ts';
import { splitByYield } from '../../emission/asset-weight.ts';
import type { AssetYield } from '../../emission/asset-weight.ts';
import { MAX_SUPPLY, mintStep } from '../../emission/curve.ts';
import { policyFromRecord, policyLabel } from '../../emission/policy.ts';
import type { Policy } from '../../emission/policy.ts';
import { splitMint } from '../../emission/split.ts';
import type { AoUnits } from '../../units.ts';
import { tickEndMs, tickStartMs } from '../../emission/ticks.ts';
import { SCALE, accrual, stepPool } from '../accrual.ts';
import type { PoolTotalsState } from '../accrual.ts';
import { decodeChanges } from '../change-log.ts';
import type { AccountState, Db, Row } from '../db.ts';
import { GENESIS_HASH, canonicalJson, entryHash } from '../journal.ts';
import type { JournalChange, JournalPool } from '../journal.ts';
import { batchIdOf, decodePayload } from '../outbox.ts';
import { settlementIdOf } from '../settle.ts';
import type { PoolId } from '../types.ts';
import { divergence } from './divergence.ts';
import type { Divergence, DivergenceInput } from './divergence.ts';

/**
 * `audit verify`: one streaming pass over the history in tick order (DESIGN.md §4, §5). Per tick it
 * reads the tick row, its tick_pools rows and its weight-change records, replays the changes on an
 * in-memory copy of every account (weight, recipient, accrual checkpoint), recomputes mint, split,
 * bridge split, index step and residue with the exact core (src/emission, ../accrual.ts), rebuilds
 * the journal entry and its hash (../journal.ts), and checks conservation; after a tick that closes
 * a settlement it recomputes what every account of the pool was owed and compares the credit rows,
 * the settlement row and the outbox batches (recipient sums, deterministic ids, delivery status).
 * At the end the recomputed accounts and pools are compared with the stored ones.
 *
 * Cost: O(ticks + changes + credits + accounts) reads in pages of TICKS_PER_PAGE ticks, never a
 * query per account. State is always rebuilt from tick 1 (every tick depends on all before it);
 * `fromTick`/`toTick` restrict which ticks are checked and reported.
 */
export interface VerifyOptions {
  readonly fromTick?: number;
  readonly toTick?: number;
  /** Stop collecting after this many divergences (the first is what the CLI reports). */
  readonly maxDivergences?: number;
  /** Treat settlements whose outbox batches are not all delivered as divergences. */
  readonly requireDelivered?: boolean;
  /** Called after each page of ticks with the last tick replayed and the last tick to replay. */
  readonly onProgress?: (tick: number, lastTick: number) => void;
}

export interface DeliverySummary {
  readonly batches: number;
  readonly delivered: number;
  /** Base units in delivered batches. */
  readonly deliveredTotal: bigint;
  /** Base units credited but in batches not (yet) delivered: pending, sent or failed. */
  readonly undeliveredTotal: bigint;
  readonly failed: number;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly fromTick: number;
  readonly toTick: number;
  readonly lastTick: number;
  /** hash of toTick as recomputed (the stored one when they agree). */
  readonly journalHash: string;
  readonly ticks: number;
  readonly changes: number;
  readonly settlements: number;
  readonly credits: number;
  readonly minted: bigint;
  readonly credited: bigint;
  readonly delivery: DeliverySummary;
  readonly divergences: readonly Divergence[];
  /** More divergences existed than maxDivergences. */
  readonly truncated: boolean;
  /** Whether the stored accounts and pools were compared with the replayed state ('checked'), and why not. */
  readonly finalState: string;
}

export const DEFAULT_MAX_DIVERGENCES = 1_000;
/** Ticks read per round trip: bounds memory (a page holds its ticks' change records). */
const TICKS_PER_PAGE = 2_000;
/** Accounts compared per page in the final-state check. */
const ACCOUNT_PAGE_ROWS = 50_000;

interface Acc {
  readonly id: number;
  readonly pool: string;
  readonly key: string;
  weight: bigint;
  recipient: string | null;
  indexAtChange: bigint;
  accrued: bigint;
  settled: bigint;
  joinedTick: number;
  changedTick: number;
  seen: boolean;
}

interface PoolReplay extends PoolTotalsState {
  readonly pool: PoolId;
  credited: bigint;
  lastSettledTick: number;
  yieldQuote: string | null;
  /** In id order (ids only grow), for settlement. */
  readonly accounts: Acc[];
}

class Stop extends Error {}

const big = (v: unknown): bigint => BigInt(v as string);
const parseJson = (text: unknown): unknown => (text === null || text === undefined ? null : JSON.parse(text as string));
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const emptyDelivery = (): { -readonly [K in keyof DeliverySummary]: DeliverySummary[K] } => ({ batches: 0, delivered: 0, deliveredTotal: 0n, undeliveredTotal: 0n, failed: 0 });

function groupBy(rows: readonly Row[], key: string): Map<number, Row[]> {
  const out = new Map<number, Row[]>();
  for (const r of rows) {
    const k = Number(r[key]);
    const list = out.get(k);
    if (list === undefined) out.set(k, [r]);
    else list.push(r);
  }
  return out;
}

export async function verifyLedger(db: Db, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const lastRows = await db.all<{ t: number | string | null }>('SELECT MAX(tick) AS t FROM ticks');
  const lastTick = Number(lastRows[0]?.t ?? 0);
  const fromTick = opts.fromTick ?? 1;
  const toTick = opts.toTick ?? lastTick;
  if (!Number.isSafeInteger(fromTick) || fromTick < 1) throw new EngineError('INVALID_TICK', `from: ${String(opts.fromTick)} is not a tick; expected an integer ≥ 1`);
  if (!Number.isSafeInteger(toTick) || toTick < fromTick - 1 || toTick > lastTick) {
    throw new EngineError('INVALID_TICK', `to: ${String(opts.toTick)} is not an applied tick; expected an integer in ${fromTick}..${lastTick}`);
  }
  const maxDivergences = opts.maxDivergences ?? DEFAULT_MAX_DIVERGENCES;
  const found: Divergence[] = [];
  let truncated = false;
  let checking = false;
  const report = (d: DivergenceInput): void => {
    if (!checking) return;
    if (found.length >= maxDivergences) {
      truncated = true;
      throw new Stop();
    }
    found.push(divergence(d));
  };

  const accounts = new Map<number, Acc>();
  for (let after = 0; ; ) {
    const page = await db.all('SELECT id, pool, account FROM accounts WHERE id > ? ORDER BY id LIMIT ?', [after, ACCOUNT_PAGE_ROWS]);
    for (const r of page) {
      const id = Number(r['id']);
      accounts.set(id, { id, pool: r['pool'] as string, key: r['account'] as string, weight: 0n, recipient: null, indexAtChange: 0n, accrued: 0n, settled: 0n, joinedTick: 0, changedTick: 0, seen: false });
    }
    if (page.length < ACCOUNT_PAGE_ROWS) break;
    after = Number(page[page.length - 1]!['id']);
  }

  const pools = new Map<PoolId, PoolReplay>();
  const delivery = emptyDelivery();
  const messageIds = new Map<string, string>();
  let prevHash = GENESIS_HASH;
  let carry = 0n;
  let genesisMs = Number.NaN;
  let ticks = 0;
  let changeCount = 0;
  let settlementCount = 0;
  let creditCount = 0;
  let minted = 0n;
  let credited = 0n;
  let journalHash = GENESIS_HASH;
  let finalState = 'not checked: toTick is before the last tick';
  let storedPoolTotal = 0n;
  const prevResidue = new Map<string, bigint>();
  const policies = new Map<string, Policy | null>();

  const ensurePool = (pool: PoolId): PoolReplay => {
    let p = pools.get(pool);
    if (p === undefined) {
      p = { pool, index: 0n, residue: 0n, totalWeight: 0n, minted: 0n, accruedTotal: 0n, credited: 0n, lastSettledTick: 0, yieldQuote: null, accounts: [] };
      pools.set(pool, p);
    }
    return p;
  };

  const cmp = (base: Omit<DivergenceInput, 'field' | 'expected' | 'found'>, field: string, expected: unknown, stored: unknown): void => {
    if (expected !== stored) report({ ...base, field, expected, found: stored });
  };

  async function verifySettlement(s: Row, k: number): Promise<void> {
    const id = s['id'] as string;
    const poolId = s['pool'] as PoolId;
    const where = { check: 'settlement', tick: k, pool: poolId, settlementId: id };
    const p = pools.get(poolId);
    if (p === undefined) {
      report({ ...where, field: 'pool', expected: 'a pool with ticks', found: poolId });
      return;
    }
    settlementCount++;
    const fromT = Number(s['from_tick']);
    cmp(where, 'from_tick', p.lastSettledTick + 1, fromT);
    cmp(where, 'id', settlementIdOf(poolId, p.lastSettledTick + 1, k), id);
    cmp(where, 'index_value', p.index, big(s['index_value']));

    const stored = new Map<number, Row>();
    for (const c of await db.all('SELECT account_id, recipient, amount FROM credits WHERE settlement_id = ?', [id])) stored.set(Number(c['account_id']), c);
    // owed = floor(cumulative accrual / SCALE) − settled (settle.ts: rounds down, the fraction stays).
    const byRecipient = new Map<string, bigint>();
    let total = 0n;
    let count = 0;
    for (const a of p.accounts) {
      const row = stored.get(a.id);
      stored.delete(a.id);
      const owed = a.recipient === null ? 0n : (a.accrued + accrual(a.weight, a.indexAtChange, p.index)) / SCALE - a.settled;
      const cw = { check: 'credit', tick: k, pool: poolId, account: a.key, settlementId: id };
      if (owed <= 0n) {
        if (row !== undefined) report({ ...cw, field: 'amount', expected: 'no credit', found: row['amount'] });
        continue;
      }
      if (row === undefined) {
        report({ ...cw, field: 'amount', expected: owed, found: 'no credit' });
      } else {
        cmp(cw, 'amount', owed, big(row['amount']));
        cmp(cw, 'recipient', a.recipient, row['recipient']);
      }
      a.settled += owed;
      byRecipient.set(a.recipient!, (byRecipient.get(a.recipient!) ?? 0n) + owed);
      total += owed;
      count++;
    }
    for (const [accountId, row] of stored) {
      report({ check: 'credit', tick: k, pool: poolId, account: accounts.get(accountId)?.key ?? `#${accountId}`, settlementId: id, field: 'amount', expected: 'no credit', found: row['amount'] });
    }
    creditCount += count;
    credited += total;
    p.credited += total;
    p.lastSettledTick = k;
    cmp(where, 'credit_count', count, Number(s['credit_count']));
    cmp(where, 'recipient_count', byRecipient.size, Number(s['recipient_count']));
    cmp(where, 'total', total, big(s['total']));

    // Outbox: the recipient sums, in recipient order, cut into batches with deterministic ids.
    const expected = [...byRecipient].sort(([a], [b]) => byString(a, b));
    const batches = await db.all('SELECT * FROM outbox_batches WHERE settlement_id = ? ORDER BY batch_index', [id]);
    cmp(where, 'batch_count', batches.length, Number(s['batch_count']));
    let at = 0;
    for (const [i, b] of batches.entries()) {
      const bw = { check: 'outbox', tick: k, pool: poolId, settlementId: id };
      const batchId = b['batch_id'] as string;
      cmp(bw, `batch[${i}].batch_index`, i, Number(b['batch_index']));
      cmp(bw, `batch[${i}].batch_id`, batchIdOf(id, i), batchId);
      cmp(bw, `batch[${i}].pool`, poolId, b['pool']);
      cmp(bw, `batch[${i}].from_tick`, fromT, Number(b['from_tick']));
      cmp(bw, `batch[${i}].to_tick`, k, Number(b['to_tick']));
      let entries: [string, bigint][] = [];
      try {
        entries = decodePayload(b['payload'] as string);
      } catch {
        report({ ...bw, field: `batch[${i}].payload`, expected: 'JSON [[recipient, "quantity"], …]', found: String(b['payload']).slice(0, 80) });
      }
      let batchTotal = 0n;
      for (const [recipient, quantity] of entries) {
        const want = expected[at++];
        if (want === undefined || want[0] !== recipient || want[1] !== quantity) {
          report({ ...bw, account: recipient, field: `batch[${i}].payload`, expected: want === undefined ? 'no entry' : `${want[0]} ${want[1]}`, found: `${recipient} ${quantity}` });
        }
        batchTotal += quantity;
      }
      cmp(bw, `batch[${i}].credit_count`, entries.length, Number(b['credit_count']));
      cmp(bw, `batch[${i}].total`, batchTotal, big(b['total']));
      const status = b['status'] as string;
      const messageId = (b['message_id'] as string | null) ?? null;
      delivery.batches++;
      if (status === 'delivered') {
        delivery.delivered++;
        delivery.deliveredTotal += batchTotal;
        if (messageId === null) report({ ...bw, check: 'delivery', field: `batch[${i}].message_id`, expected: 'the AO message id of the delivered batch', found: null });
      } else {
        delivery.undeliveredTotal += batchTotal;
        if (status === 'failed') delivery.failed++;
        if (opts.requireDelivered) report({ ...bw, check: 'delivery', field: `batch[${i}].status`, expected: 'delivered', found: status });
      }
      if (messageId !== null) {
        const other = messageIds.get(messageId);
        if (other !== undefined) report({ ...bw, check: 'delivery', field: `batch[${i}].message_id`, expected: `a message id not used by batch ${other}`, found: messageId });
        messageIds.set(messageId, batchId);
      }
    }
    if (at < expected.length) report({ ...where, check: 'outbox', account: expected[at]![0], field: 'payload', expected: `${expected[at]![0]} ${expected[at]![1]}`, found: 'no entry' });
  }

  function applyChanges(k: number, pool: PoolReplay, payload: string): JournalChange[] {
    const out: JournalChange[] = [];
    let changes;
    try {
      changes = decodeChanges(payload);
    } catch {
      report({ check: 'change', tick: k, pool: pool.pool, field: 'payload', expected: 'JSON change entries', found: payload.slice(0, 80) });
      return out;
    }
    for (const c of changes) {
      const a = accounts.get(c.accountId);
      if (a === undefined || a.pool !== pool.pool) {
        report({ check: 'change', tick: k, pool: pool.pool, account: `#${c.accountId}`, field: 'account_id', expected: `an account of pool ${pool.pool}`, found: a === undefined ? 'no such account' : `an account of pool ${a.pool}` });
        continue;
      }
      const where = { check: 'change', tick: k, pool: pool.pool, account: a.key };
      // The log's oldWeight must be the weight the replay holds: a dropped or reordered change shows here.
      cmp(where, 'old_weight', a.weight, c.oldWeight);
      if (!a.seen) {
        if (c.recipient === undefined) report({ ...where, field: 'recipient', expected: 'set on the first change of an account', found: 'unchanged' });
        a.seen = true;
        a.joinedTick = k;
        a.indexAtChange = pool.index;
        pool.accounts.push(a);
      } else {
        // Settle the span at constant weight up to I_{k−1} (DESIGN.md §4), then change the weight.
        a.accrued += accrual(a.weight, a.indexAtChange, pool.index);
        a.indexAtChange = pool.index;
      }
      const oldRecipient = a.recipient;
      if (c.recipient !== undefined) a.recipient = c.recipient;
      pool.totalWeight += c.newWeight - a.weight;
      a.weight = c.newWeight;
      a.changedTick = k;
      out.push({ pool: pool.pool, account: a.key, oldWeight: c.oldWeight, newWeight: c.newWeight, oldRecipient, newRecipient: a.recipient });
    }
    changeCount += out.length;
    return out;
  }

  function replayTick(k: number, t: Row, poolRows: readonly Row[], changeRows: readonly Row[]): void {
    const where = { check: 'tick', tick: k };
    const storedHash = t['hash'] as string;
    const storedPrev = t['prev_hash'] as string;
    if (k === 1) genesisMs = Number(t['start_ms']);
    cmp({ check: 'chain', tick: k }, 'prev_hash', prevHash, storedPrev);
    cmp(where, 'start_ms', tickStartMs(k, genesisMs), Number(t['start_ms']));
    cmp(where, 'end_ms', tickEndMs(k, genesisMs), Number(t['end_ms']));

    // Parsed once per distinct policy text (policies are data and change rarely).
    const policyText = t['policy'] as string;
    let policy = policies.get(policyText);
    if (policy === undefined) {
      try {
        policy = policyFromRecord(JSON.parse(policyText));
      } catch (error) {
        report({ ...where, field: 'policy', expected: 'a valid emission policy', found: (error as Error).message });
        policy = null;
      }
      policies.set(policyText, policy);
    }
    // The tick's law stepped from the supply replayed so far (DESIGN.md §2), as the ledger steps it.
    const mint = (policy === null ? big(t['mint']) : mintStep(policy.curve)(MAX_SUPPLY - minted)) as AoUnits;
    cmp(where, 'mint', mint, big(t['mint']));
    const split = policy === null ? { ar: big(t['split_ar']), bridges: big(t['split_bridges']) } : splitMint(policy, k, mint, genesisMs);
    if (policy !== null) cmp(where, 'policy_label', policyLabel(policy), t['policy_label']);
    cmp(where, 'split_ar', split.ar, big(t['split_ar']));
    cmp(where, 'split_bridges', split.bridges, big(t['split_bridges']));
    cmp(where, 'bridge_carry_in', carry, big(t['bridge_carry_in']));

    // 1. weight changes (a pool exists from its first snapshot on; 'ar' always).
    ensurePool('ar');
    const storedPools = new Map(poolRows.map((r) => [r['pool'] as string, r]));
    for (const r of poolRows) if (r['complete'] !== null && r['complete'] !== undefined) ensurePool(r['pool'] as PoolId);
    const journalChanges: JournalChange[] = [];
    for (const r of [...changeRows].sort((a, b) => byString(a['pool'] as string, b['pool'] as string))) {
      const poolId = r['pool'] as PoolId;
      const p = pools.get(poolId);
      if (p === undefined) {
        report({ check: 'change', tick: k, pool: poolId, field: 'pool', expected: 'a pool with a snapshot in this tick', found: poolId });
        continue;
      }
      const applied = applyChanges(k, p, r['payload'] as string);
      cmp({ check: 'change', tick: k, pool: poolId }, 'count', applied.length, Number(r['count']));
      journalChanges.push(...applied);
    }
    cmp(where, 'change_count', journalChanges.length, Number(t['change_count']));

    // 2. the bridge amount split by yield weight (the quote a pool last reported stays in force).
    for (const r of poolRows) {
      const p = pools.get(r['pool'] as PoolId);
      if (p !== undefined && r['yield_quote'] !== null && r['yield_quote'] !== undefined) p.yieldQuote = canonicalJson(JSON.parse(r['yield_quote'] as string));
    }
    const ordered = [...pools.values()].sort((a, b) => byString(a.pool, b.pool));
    const assets: AssetYield[] = [];
    for (const p of ordered) {
      if (p.pool === 'ar' || p.yieldQuote === null) continue;
      const q = JSON.parse(p.yieldQuote) as { decimals: number; priceUsd: string; apr: string };
      assets.push({ asset: p.pool, deposits: p.totalWeight, decimals: q.decimals, priceUsd: q.priceUsd, apr: q.apr });
    }
    const bridgeSplit = splitByYield(split.bridges + carry, assets);
    carry = bridgeSplit.carried;
    cmp(where, 'bridge_carry_out', carry, big(t['bridge_carry_out']));

    // 3. index step per pool, against the stored tick_pools rows.
    const journalPools: JournalPool[] = [];
    let storedSum = 0n;
    for (const p of ordered) {
      const amount = p.pool === 'ar' ? split.ar : (bridgeSplit.parts.get(p.pool) ?? 0n);
      const indexDelta = stepPool(p, amount);
      const r = storedPools.get(p.pool);
      storedPools.delete(p.pool);
      const pw = { check: 'pool', tick: k, pool: p.pool };
      if (r === undefined) {
        report({ ...pw, field: 'row', expected: `a tick_pools row (amount ${amount})`, found: 'none' });
        continue;
      }
      cmp(pw, 'amount', amount, big(r['amount']));
      cmp(pw, 'total_weight', p.totalWeight, big(r['total_weight']));
      cmp(pw, 'index_delta', indexDelta, big(r['index_delta']));
      cmp(pw, 'index_value', p.index, big(r['index_value']));
      cmp(pw, 'residue', p.residue, big(r['residue']));
      const yieldWeight = r['yield_weight'] === null ? null : big(r['yield_weight']);
      cmp(pw, 'yield_weight', p.pool === 'ar' ? null : (bridgeSplit.weights.get(p.pool) ?? 0n), yieldWeight);
      // Conservation on the stored row: P·SCALE + r_{k−1} = W·ΔI + r_k (DESIGN.md §4).
      const storedAmount = big(r['amount']);
      const storedResidue = big(r['residue']);
      const lhs = storedAmount * SCALE + (prevResidue.get(p.pool) ?? 0n);
      const rhs = big(r['total_weight']) * big(r['index_delta']) + storedResidue;
      if (lhs !== rhs) report({ check: 'conservation', tick: k, pool: p.pool, field: 'amount·SCALE + residue_in', expected: rhs, found: lhs });
      prevResidue.set(p.pool, storedResidue);
      storedSum += storedAmount;
      journalPools.push({
        pool: p.pool,
        amount: storedAmount,
        totalWeight: big(r['total_weight']),
        indexDelta: big(r['index_delta']),
        index: big(r['index_value']),
        residue: big(r['residue']),
        yieldWeight,
        pin: parseJson(r['pin']),
        yieldQuote: parseJson(r['yield_quote']),
        complete: r['complete'] === null || r['complete'] === undefined ? null : Boolean(r['complete']),
        cursor: (r['cursor'] as string | null) ?? null,
        notes: JSON.parse(r['notes'] as string) as string[],
      });
    }
    for (const pool of storedPools.keys()) report({ check: 'pool', tick: k, pool, field: 'row', expected: 'no row (the pool has no snapshot yet)', found: 'a tick_pools row' });
    // Conservation, on the stored rows: Σ_k pool amounts + the carry = supply_k (DESIGN.md §1).
    storedPoolTotal += storedSum;
    minted += mint;
    cmp({ check: 'conservation', tick: k }, 'Σ pool amounts + bridge_carry_out', minted, storedPoolTotal + big(t['bridge_carry_out']));
    // 4. the journal entry as stored, hashed: any edited column changes the hash.
    const entry = {
      tick: k,
      startMs: Number(t['start_ms']),
      endMs: Number(t['end_ms']),
      mint: big(t['mint']),
      splitAr: big(t['split_ar']),
      splitBridges: big(t['split_bridges']),
      bridgeCarryIn: big(t['bridge_carry_in']),
      bridgeCarryOut: big(t['bridge_carry_out']),
      policyLabel: t['policy_label'] as string,
      policy: JSON.parse(t['policy'] as string) as unknown,
      notes: JSON.parse(t['notes'] as string) as string[],
      pools: journalPools,
      changes: journalChanges,
    };
    const hash = entryHash(storedPrev, entry);
    cmp({ check: 'chain', tick: k }, 'hash', hash, storedHash);
    prevHash = storedHash;
    journalHash = hash;
  }

  async function compareFinalState(): Promise<void> {
    // Rows whose account_state is behind the change log (SQLite defers them) compare as they stand
    // once the log after account_state_tick is replayed onto them (deferred-state.ts).
    let pending: ReadonlyMap<number, AccountState> = new Map();
    try {
      pending = await db.pendingAccountState();
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      report({ check: 'account', tick: lastTick, field: 'account_state_tick', expected: 'a change log that replays onto account_state', found: error.message });
    }
    for (let after = 0; ; ) {
      const page = await db.all(
        `SELECT a.id, a.pool, a.account, s.recipient, s.weight, s.index_at_change, s.accrued, COALESCE(p.settled, '0') AS settled, s.joined_tick, s.changed_tick
         FROM accounts a LEFT JOIN account_state s ON s.id = a.id LEFT JOIN account_settled p ON p.id = a.id WHERE a.id > ? ORDER BY a.id LIMIT ?`,
        [after, ACCOUNT_PAGE_ROWS],
      );
      for (const r of page) {
        const a = accounts.get(Number(r['id']));
        if (a === undefined) {
          report({ check: 'account', tick: lastTick, pool: r['pool'] as string, account: r['account'] as string, field: 'id', expected: 'an account present when verify started', found: Number(r['id']) });
          continue;
        }
        const w = { check: 'account', tick: lastTick, pool: a.pool, account: a.key };
        if (!a.seen) {
          report({ ...w, field: 'joined_tick', expected: 'a change-log record for the account', found: Number(r['joined_tick']) });
          continue;
        }
        if (r['weight'] === null) {
          report({ ...w, field: 'account_state', expected: 'a row', found: 'none' });
          continue;
        }
        const s = pending.get(a.id);
        // changed_tick first: when a change record was dropped it names the tick that lost it.
        cmp(w, 'changed_tick', a.changedTick, s?.changedTick ?? Number(r['changed_tick']));
        cmp(w, 'joined_tick', a.joinedTick, s?.joinedTick ?? Number(r['joined_tick']));
        cmp(w, 'weight', a.weight, s?.weight ?? big(r['weight']));
        cmp(w, 'recipient', a.recipient, s === undefined ? ((r['recipient'] as string | null) ?? null) : s.recipient);
        cmp(w, 'index_at_change', a.indexAtChange, s?.indexAtChange ?? big(r['index_at_change']));
        cmp(w, 'accrued', a.accrued, s?.accrued ?? big(r['accrued']));
        cmp(w, 'settled', a.settled, big(r['settled']));
      }
      if (page.length < ACCOUNT_PAGE_ROWS) break;
      after = Number(page[page.length - 1]!['id']);
    }
    const storedPools = await db.all('SELECT * FROM pools');
    for (const r of storedPools) {
      const p = pools.get(r['pool'] as PoolId);
      const w = { check: 'pool', tick: lastTick, pool: r['pool'] as string };
      if (p === undefined) {
        report({ ...w, field: 'row', expected: 'no pool', found: 'a pools row' });
        continue;
      }
      cmp(w, 'pools.index_value', p.index, big(r['index_value']));
      cmp(w, 'pools.residue', p.residue, big(r['residue']));
      cmp(w, 'pools.total_weight', p.totalWeight, big(r['total_weight']));
      cmp(w, 'pools.minted', p.minted, big(r['minted']));
      cmp(w, 'pools.accrued_total', p.accruedTotal, big(r['accrued_total']));
      cmp(w, 'pools.credited', p.credited, big(r['credited']));
      cmp(w, 'pools.last_settled_tick', p.lastSettledTick, Number(r['last_settled_tick']));
    }
    if (storedPools.length !== pools.size) report({ check: 'pool', tick: lastTick, field: 'pools rows', expected: pools.size, found: storedPools.length });
    const counts = await db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM settlements');
    cmp({ check: 'settlement' }, 'count (settlements whose to_tick is an applied tick)', settlementCount, Number(counts[0]?.n ?? 0));
    const creditRows = await db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM credits');
    cmp({ check: 'credit' }, 'count (credit rows of verified settlements)', creditCount, Number(creditRows[0]?.n ?? 0));
    const batchRows = await db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM outbox_batches');
    cmp({ check: 'outbox' }, 'count (batches of verified settlements)', delivery.batches, Number(batchRows[0]?.n ?? 0));
  }

  try {
    for (let start = 1; start <= toTick; start += TICKS_PER_PAGE) {
      const end = Math.min(toTick, start + TICKS_PER_PAGE - 1);
      const tickRows = new Map((await db.all('SELECT * FROM ticks WHERE tick >= ? AND tick <= ? ORDER BY tick', [start, end])).map((r) => [Number(r['tick']), r]));
      const poolRows = groupBy(await db.all('SELECT * FROM tick_pools WHERE tick >= ? AND tick <= ? ORDER BY tick, pool', [start, end]), 'tick');
      const changeRows = groupBy(await db.all('SELECT tick, pool, count, payload FROM weight_changes WHERE tick >= ? AND tick <= ? ORDER BY tick, pool', [start, end]), 'tick');
      const settlementRows = groupBy(await db.all('SELECT * FROM settlements WHERE to_tick >= ? AND to_tick <= ? ORDER BY to_tick, pool', [start, end]), 'to_tick');
      for (let k = start; k <= end; k++) {
        checking = k >= fromTick;
        const t = tickRows.get(k);
        if (t === undefined) {
          report({ check: 'chain', tick: k, field: 'row', expected: `tick ${k} (ticks run 1..${lastTick} without a gap)`, found: 'none' });
          throw new Stop();
        }
        replayTick(k, t, poolRows.get(k) ?? [], changeRows.get(k) ?? []);
        ticks += checking ? 1 : 0;
        for (const s of settlementRows.get(k) ?? []) await verifySettlement(s, k);
      }
      opts.onProgress?.(end, toTick);
    }
    checking = true;
    if (toTick === lastTick) {
      // A live ledger may have moved on while we replayed: its current rows are then not the state
      // after lastTick, so the comparison is skipped (and said so) rather than reported as divergences.
      const now = Number((await db.all<{ t: number | string | null }>('SELECT MAX(tick) AS t FROM ticks'))[0]?.t ?? 0);
      const settledNow = Number((await db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM settlements'))[0]?.n ?? 0);
      if (now === lastTick && settledNow === settlementCount) {
        await compareFinalState();
        finalState = 'checked';
      } else {
        finalState = `skipped: the ledger moved on to tick ${now} during verify`;
      }
    }
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  }
  return {
    ok: found.length === 0,
    fromTick,
    toTick,
    lastTick,
    journalHash,
    ticks,
    changes: changeCount,
    settlements: settlementCount,
    credits: creditCount,
    minted,
    credited,
    delivery,
    divergences: found,
    truncated,
    finalState,
  };
}
