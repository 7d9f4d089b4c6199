import { EngineError } from '../errors.ts';
import { splitByYield } from '../emission/asset-weight.ts';
import type { AssetYield } from '../emission/asset-weight.ts';
import { assertTick, MAX_SUPPLY, mintStep } from '../emission/curve.ts';
import { policyLabel, policyToData } from '../emission/policy.ts';
import { splitMint } from '../emission/split.ts';
import { tickEndMs, tickStartMs } from '../emission/ticks.ts';
import { encodeChanges } from './store/change-log.ts';
import type { LoggedChange } from './store/change-log.ts';
import type { AccountRow, AccountUpdate, Db } from './store/db.ts';
import { GENESIS_HASH, canonicalJson, entryHash } from './journal.ts';
import type { JournalChange, JournalEntry, JournalPool } from './journal.ts';
import { changeStep, tickStep } from './distribution/index.ts';
import { IndexHistory, POOL_IDS, backfillSums, emptyPool, isPoolId, loadPools, savePool } from './pool-state.ts';
import type { PoolState } from './pool-state.ts';
import { sourceStateEntry, writeSourceState } from './store/source-state.ts';
import { delegationEntry, writeDelegations } from './delegation.ts';
import type { AppliedTick, LedgerSnapshot, PoolId, PoolStep, TickInput } from './types.ts';
import { derivedAo } from '../units.ts';
import type { AoUnits } from '../units.ts';

/** Rows read per page when a complete snapshot zeroes the accounts it no longer lists. */
const PAGE_ROWS = 20_000;

export async function lastTickRow(db: Db): Promise<{ tick: number; hash: string; endMs: number; bridgeCarryOut: AoUnits }> {
  const rows = await db.all('SELECT tick, hash, end_ms, bridge_carry_out FROM ticks ORDER BY tick DESC LIMIT 1');
  const r = rows[0];
  return r === undefined
    ? { tick: 0, hash: GENESIS_HASH, endMs: Number.NaN, bridgeCarryOut: derivedAo(0n) }
    : { tick: Number(r['tick']), hash: r['hash'] as string, endMs: Number(r['end_ms']), bridgeCarryOut: derivedAo(BigInt(r['bridge_carry_out'] as string)) };
}

function validateInput(input: TickInput): void {
  assertTick(input.tick, 'tick', 1);
  if (!Number.isSafeInteger(input.genesisMs)) throw new EngineError('INVALID_ARGUMENT', `genesisMs: ${String(input.genesisMs)} is not an integer millisecond instant`);
  const seen = new Set<string>();
  for (const s of input.snapshots) {
    if (!isPoolId(s.pool)) throw new EngineError('INVALID_ARGUMENT', `snapshots: pool ${JSON.stringify(s.pool)} is not one of ${POOL_IDS.join(', ')}`);
    if (seen.has(s.pool)) throw new EngineError('INVALID_ARGUMENT', `snapshots: pool ${s.pool} has two snapshots in tick ${input.tick}; expected at most one`);
    seen.add(s.pool);
    const accounts = new Set<string>();
    for (const u of s.updates) {
      if (typeof u.account !== 'string' || u.account.length === 0) throw new EngineError('INVALID_ARGUMENT', `snapshots.${s.pool}: an update has an empty account key`);
      if (accounts.has(u.account)) throw new EngineError('INVALID_ARGUMENT', `snapshots.${s.pool}: account ${u.account} appears twice in tick ${input.tick}`);
      accounts.add(u.account);
      if (typeof u.weight !== 'bigint' || u.weight < 0n) throw new EngineError('INVALID_AMOUNT', `snapshots.${s.pool}.${u.account}.weight: ${String(u.weight)} is not a non-negative bigint`);
    }
  }
}

interface PoolChanges {
  readonly updates: AccountUpdate[];
  readonly inserts: AccountRow[];
  readonly logged: LoggedChange[];
  readonly journal: JournalChange[];
}

/**
 * Applies one snapshot's updates to its pool: each account's change is the distribution's change
 * step (distribution/change-step.ts: checkpoint at I_{k−1}, then the new weight; the stored row
 * asserted first). O(updates), or O(pool) for a complete snapshot.
 */
async function applySnapshot(db: Db, tick: number, snapshot: LedgerSnapshot, pool: PoolState, nextId: () => number, history: IndexHistory): Promise<PoolChanges> {
  const out: PoolChanges = { updates: [], inserts: [], logged: [], journal: [] };
  const indexAt = (t: number): bigint => history.indexAt(snapshot.pool, t);
  const apply = (stored: AccountRow | undefined, account: string, weight: bigint, recipient: string | null): void => {
    const next = changeStep(pool, tick, account, stored, weight, recipient, indexAt);
    if (next === null) return; // absent and zero, or equal to the stored weight and recipient: nothing to record
    const oldWeight = stored?.weight ?? 0n;
    const oldRecipient = stored?.recipient ?? null;
    const row: AccountRow = { id: stored?.id ?? nextId(), pool: snapshot.pool, account, ...next };
    if (stored === undefined) out.inserts.push(row);
    else out.updates.push({ row, recipientChanged: oldRecipient !== recipient });
    out.logged.push(oldRecipient === recipient && stored !== undefined ? { accountId: row.id, oldWeight, newWeight: weight } : { accountId: row.id, oldWeight, newWeight: weight, recipient });
    out.journal.push({ pool: snapshot.pool, account, oldWeight, newWeight: weight, oldRecipient, newRecipient: recipient });
  };
  const keys = snapshot.updates.map((u) => u.account);
  const stored = new Map<string, AccountRow>();
  for (const a of await db.lookupAccounts(snapshot.pool, keys)) stored.set(a.account, a);
  for (const u of snapshot.updates) apply(stored.get(u.account), u.account, u.weight, u.recipient);
  if (snapshot.complete) {
    // A complete snapshot lists every account with weight > 0: the others go to 0, keeping their recipient.
    const listed = new Set(keys);
    for (let after = 0; ; ) {
      const page = await db.accountPage(snapshot.pool, after, PAGE_ROWS, true);
      for (const a of page) if (!listed.has(a.account)) apply(a, a.account, 0n, a.recipient);
      if (page.length < PAGE_ROWS) break;
      after = page[page.length - 1]!.id;
    }
  }
  return out;
}

/** One tick in the caller's transaction (ledger.ts). Throws before writing anything if the tick is not next. */
export async function applyTickIn(db: Db, input: TickInput, appliedAtMs: number, history = new IndexHistory()): Promise<AppliedTick> {
  validateInput(input);
  const delegation = input.delegations === undefined ? undefined : delegationEntry(input.delegations);
  const last = await lastTickRow(db);
  if (input.tick !== last.tick + 1) {
    throw new EngineError('TICK_CONFLICT', `tick ${input.tick}: ${input.tick <= last.tick ? 'already applied' : 'out of order'}; the ledger is at tick ${last.tick}, expected ${last.tick + 1}`, {
      details: { tick: input.tick, lastAppliedTick: last.tick },
    });
  }
  const k = input.tick;
  const startMs = tickStartMs(k, input.genesisMs);
  const endMs = tickEndMs(k, input.genesisMs);
  if (last.tick > 0 && last.endMs !== startMs) {
    throw new EngineError('INVALID_ARGUMENT', `genesisMs: ${input.genesisMs} puts tick ${k} at ${new Date(startMs).toISOString()}, but tick ${last.tick} ended at ${new Date(last.endMs).toISOString()}`);
  }

  const pools = await loadPools(db);
  await history.extend(db, last.tick);
  for (const p of pools.values()) {
    // The history is the ledger's own: if it disagrees with the pools rows, rebuild it once.
    if (history.indexAt(p.pool, last.tick) !== p.index) {
      history.reset();
      await history.extend(db, last.tick);
      break;
    }
  }
  for (const p of pools.values()) if (p.sumsMissing) await backfillSums(db, p);
  if (!pools.has('ar')) pools.set('ar', emptyPool('ar'));
  for (const s of input.snapshots) if (!pools.has(s.pool)) pools.set(s.pool, emptyPool(s.pool));
  const idRows = await db.all<{ next_id: number | string | null }>('SELECT MAX(id) AS next_id FROM accounts');
  let lastId = Number(idRows[0]?.next_id ?? 0);
  const nextId = (): number => ++lastId;

  // 1. weight changes (accrual checkpointed at I_{k−1}).
  const changes = new Map<PoolId, PoolChanges>();
  const snapshotOf = new Map(input.snapshots.map((s) => [s.pool, s]));
  for (const s of [...input.snapshots].sort((a, b) => (a.pool < b.pool ? -1 : 1))) {
    const pool = pools.get(s.pool)!;
    changes.set(s.pool, await applySnapshot(db, k, s, pool, nextId, history));
    pool.cursor = s.cursor;
    if (s.yield !== undefined) pool.yieldQuote = canonicalJson(s.yield);
  }

  // 2. mint and split (DESIGN.md §2, §3); the bridge part divided by yield weight. The law steps from
  // what the ledger has minted (Σ pools + carry), as the AO process steps from its own remaining, so
  // a ledger that changes law continues from its own supply and never passes the cap.
  const supplyBefore = [...pools.values()].reduce((sum, p) => sum + p.minted, 0n) + last.bridgeCarryOut;
  const mint = derivedAo(mintStep(input.policy.curve)(MAX_SUPPLY - supplyBefore));
  const split = splitMint(input.policy, k, mint, input.genesisMs);
  const tickNotes = [...(input.notes ?? [])];
  const bridgeAmount = derivedAo(split.bridges + last.bridgeCarryOut);
  const bridgePools = [...pools.values()].filter((p) => p.pool !== 'ar').sort((a, b) => (a.pool < b.pool ? -1 : 1));
  const assets: AssetYield[] = [];
  for (const p of bridgePools) {
    if (p.yieldQuote === null) {
      tickNotes.push(`pool ${p.pool} has no yield quote yet: yield weight 0`);
      continue;
    }
    const q = JSON.parse(p.yieldQuote) as { decimals: number; priceUsd: string; apr: string };
    assets.push({ asset: p.pool, deposits: p.totalWeight, decimals: q.decimals, priceUsd: q.priceUsd, apr: q.apr });
  }
  const bridgeSplit = splitByYield(bridgeAmount, assets);
  const bridgeCarryOut = bridgeSplit.carried;
  if (bridgeCarryOut > 0n) tickNotes.push(`bridge amount ${bridgeCarryOut} carried to tick ${k + 1}: no bridge pool has yield weight`);

  // 3. the tick step: each pool's index advances with W_k = its total after the changes, and every
  // invariant of the distribution is asserted (a failure aborts this transaction).
  const ordered = [...pools.values()].sort((a, b) => (a.pool < b.pool ? -1 : 1));
  // I_{k−1} of every pool: a delegation change of this tick marks accruals up to the end of tick k − 1.
  const indexBefore = new Map<string, bigint>(ordered.map((p) => [p.pool, p.index]));
  const amounts = new Map<string, AoUnits>(ordered.map((p) => [p.pool, p.pool === 'ar' ? split.ar : (bridgeSplit.parts.get(p.pool) ?? derivedAo(0n))]));
  const bookSteps = tickStep(ordered, amounts, k, bridgeCarryOut, derivedAo(supplyBefore + mint));
  const steps: PoolStep[] = [];
  const journalPools: JournalPool[] = [];
  for (const [i, p] of ordered.entries()) {
    const step = bookSteps[i]!;
    p.lastTick = k;
    steps.push({ pool: p.pool, ...step });
    const s = snapshotOf.get(p.pool);
    journalPools.push({
      pool: p.pool,
      ...step,
      yieldWeight: p.pool === 'ar' ? null : (bridgeSplit.weights.get(p.pool) ?? 0n),
      pin: s?.pin ?? null,
      yieldQuote: s?.yield ?? null,
      complete: s === undefined ? null : s.complete,
      cursor: s === undefined ? null : s.cursor,
      sourceState: s === undefined ? undefined : sourceStateEntry(s),
      notes: s?.notes ?? [],
    });
  }

  // 4. journal entry.
  const journalChanges = [...changes.values()].flatMap((c) => c.journal);
  const entry: JournalEntry = {
    tick: k,
    startMs,
    endMs,
    mint,
    splitAr: split.ar,
    splitBridges: split.bridges,
    bridgeCarryIn: last.bridgeCarryOut,
    bridgeCarryOut,
    policyLabel: policyLabel(input.policy),
    policy: policyToData(input.policy),
    notes: tickNotes,
    pools: journalPools,
    changes: journalChanges,
    delegation,
  };
  const hash = entryHash(last.hash, entry);

  // 5. writes: accounts in id order, one change-log row per pool, pool rows, the tick.
  for (const [pool, c] of changes) {
    await db.writeAccounts(c.updates, c.inserts);
    if (c.logged.length > 0) await db.run('INSERT INTO weight_changes (tick, pool, count, payload) VALUES (?, ?, ?, ?)', [k, pool, c.logged.length, encodeChanges(c.logged)]);
  }
  for (const p of pools.values()) await savePool(db, p);
  for (const jp of journalPools) await writeSourceState(db, k, jp.pool, jp.sourceState);
  if (delegation !== undefined) await writeDelegations(db, k, delegation, indexBefore);
  for (const jp of journalPools) {
    await db.run(
      'INSERT INTO tick_pools (tick, pool, amount, total_weight, index_delta, index_value, residue, yield_weight, pin, yield_quote, complete, cursor, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        k,
        jp.pool,
        jp.amount.toString(),
        jp.totalWeight.toString(),
        jp.indexDelta.toString(),
        jp.index.toString(),
        jp.residue.toString(),
        jp.yieldWeight === null ? null : jp.yieldWeight.toString(),
        jp.pin === null ? null : canonicalJson(jp.pin),
        jp.yieldQuote === null ? null : canonicalJson(jp.yieldQuote),
        jp.complete === null ? null : db.dialect === 'sqlite' ? Number(jp.complete) : String(jp.complete),
        jp.cursor,
        canonicalJson(jp.notes),
      ],
    );
  }
  await db.run(
    'INSERT INTO ticks (tick, start_ms, end_ms, applied_at_ms, mint, split_ar, split_bridges, bridge_carry_in, bridge_carry_out, policy_label, policy, notes, change_count, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [k, startMs, endMs, appliedAtMs, mint.toString(), split.ar.toString(), split.bridges.toString(), last.bridgeCarryOut.toString(), bridgeCarryOut.toString(), entry.policyLabel, canonicalJson(entry.policy), canonicalJson(tickNotes), journalChanges.length, hash, last.hash],
  );
  return { tick: k, hash, prevHash: last.hash, mint, split: { ar: split.ar, bridges: split.bridges }, bridgeCarryOut, pools: steps, changeCount: journalChanges.length };
}
