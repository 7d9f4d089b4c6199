import { EngineError } from '../../errors.ts';
import { splitByYield } from '../../emission/asset-weight.ts';
import type { AssetYield } from '../../emission/asset-weight.ts';
import { MAX_SUPPLY, mintStep } from '../../emission/curve.ts';
import { policyFromRecord, policyLabel } from '../../emission/policy.ts';
import type { Policy } from '../../emission/policy.ts';
import { splitMint } from '../../emission/split.ts';
import { derivedAo } from '../../units.ts';
import { tickEndMs, tickStartMs } from '../../emission/ticks.ts';
import { SCALE, accruedAt, advanceIndex } from '../distribution/index.ts';
import { decodeChanges } from '../store/change-log.ts';
import type { AccountState, Db, Row } from '../store/db.ts';
import { GENESIS_HASH, canonicalJson, entryHash } from '../journal.ts';
import type { JournalChange, JournalPool } from '../journal.ts';
import { batchIdOf, decodePayload } from '../store/outbox.ts';
import { settlementIdOf } from '../settle.ts';
import { loggedSourceState, verifySourceState } from '../store/source-state.ts';
import type { PoolId } from '../types.ts';
import { delegateSegments, segmentUnits } from '../distribution/delegation-step.ts';
import type { DelegationPref } from '../distribution/delegation-step.ts';
import type { DelegationTuple } from '../delegation.ts';
import { encodeReport, reportIdOf } from '../store/reports.ts';
import type { ReportRow } from '../store/reports.ts';
import { divergence } from './divergence.ts';
import { ReferenceModel } from './reference/index.ts';
import type { Divergence, DivergenceInput } from './divergence.ts';

/**
 * `audit verify`: one streaming pass over the history in tick order (DESIGN.md §4, §5). Per tick it
 * reads the tick row, its tick_pools rows and its weight-change records, replays the changes on an
 * in-memory copy of every account (weight, recipient, accrual checkpoint), recomputes mint, split,
 * bridge split, index step and residue with the exact core (src/emission, ../accrual.ts), rebuilds
 * the journal entry and its hash (../journal.ts), and checks conservation; after a tick that closes
 * a settlement it recomputes what every account of the pool was owed and compares the credit rows,
 * the settlement row and the outbox batches (recipient sums, deterministic ids, delivery status).
 * At the end the recomputed accounts and pools are compared with the stored ones, and every row of
 * tick_pools, weight_changes, settlements, credits and outbox_batches must belong to a verified
 * tick and settlement (a row past the last tick, e.g. a forged settlement or the rows of a deleted
 * last tick, is a divergence). Beside the replay (which steps the ledger's own distribution code,
 * ../distribution) runs an independent reference model (./reference, written from DESIGN.md): any
 * disagreement between the two, or with the stored rows, is a divergence of check 'reference'.
 * A ledger that applies ticks while verify runs is followed: the new ticks are replayed too (at
 * most CATCH_UP_ROUNDS rounds) before the final state is compared.
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
/** Rounds of replaying ticks applied while verify ran, before it gives up comparing the final state. */
const CATCH_UP_ROUNDS = 3;
/** Ids per report of rows that belong to no verified tick (the first is enough to act on). */
const STRAY_ROWS_REPORTED = 20;

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

interface PoolReplay {
  readonly pool: PoolId;
  index: bigint;
  residue: bigint;
  totalWeight: bigint;
  minted: bigint;
  accruedTotal: bigint;
  credited: bigint;
  lastSettledTick: number;
  yieldQuote: string | null;
  /** In id order (ids only grow), for settlement. */
  readonly accounts: Acc[];
}

/** Thrown to end the pass: the divergence limit was reached or a tick row is missing. */
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

type Where = Omit<DivergenceInput, 'field' | 'expected' | 'found'>;

/** One verify pass: its state and its steps, in the order `run` calls them. */
class Verification {
  readonly #db: Db;
  readonly #opts: VerifyOptions;
  readonly #fromTick: number;
  #toTick: number;
  #lastTick: number;
  readonly #maxDivergences: number;
  readonly found: Divergence[] = [];
  truncated = false;
  /** Divergences of ticks before fromTick are not reported (the state is still rebuilt from tick 1). */
  #checking = false;

  readonly #accounts = new Map<number, Acc>();
  /** The tick whose change count fell short, for #nameUnlogged: its divergence and the changes it did log. */
  #unlogged: { readonly index: number; readonly tick: number; readonly replayed: ReadonlySet<string> } | null = null;
  readonly #pools = new Map<PoolId, PoolReplay>();
  readonly #reference = new ReferenceModel();
  readonly delivery = emptyDelivery();
  readonly #messageIds = new Map<string, string>();
  /** Ids of the settlements verified, for the rows-belong-to-a-verified-tick check. */
  readonly #settlementIds = new Set<string>();
  #prevHash = GENESIS_HASH;
  #carry = 0n;
  #genesisMs = Number.NaN;
  ticks = 0;
  changeCount = 0;
  settlementCount = 0;
  creditCount = 0;
  minted = 0n;
  credited = 0n;
  journalHash = GENESIS_HASH;
  finalState = 'not checked: toTick is before the last tick';
  #storedPoolTotal = 0n;
  readonly #prevResidue = new Map<string, bigint>();
  readonly #policies = new Map<string, Policy | null>();
  /** The delegation snapshots of the page being replayed (delegation_log), hashed with their ticks. */
  #delegationLog = new Map<number, Row>();
  /** Each wallet's preference sets with the tick each took effect (DESIGN.md §9). */
  readonly #prefHistory = new Map<string, { tick: number; prefs: DelegationPref[] }[]>();
  /** recipient → the accounts it receives for, kept by the replayed changes (marks touch only them). */
  readonly #byRecipient = new Map<string, Set<Acc>>();
  /** Each account's marks (cumulative accrual where its recipient's preferences changed), since its last settlement. */
  readonly #marks = new Map<number, { tick: number; accrued: bigint }[]>();
  /** The source-state changes of the page being replayed (source-state.ts), hashed with their ticks. */
  #sourceStateLog: Awaited<ReturnType<typeof loggedSourceState>> = new Map();

  constructor(db: Db, opts: VerifyOptions, lastTick: number, fromTick: number, toTick: number) {
    this.#db = db;
    this.#opts = opts;
    this.#lastTick = lastTick;
    this.#fromTick = fromTick;
    this.#toTick = toTick;
    this.#maxDivergences = opts.maxDivergences ?? DEFAULT_MAX_DIVERGENCES;
  }

  get toTick(): number {
    return this.#toTick;
  }

  get lastTick(): number {
    return this.#lastTick;
  }

  /**
   * A tick whose logged changes are fewer than it counted (a weight_changes row deleted or cut):
   * the accounts the stored rows say joined or last changed in that tick but the log does not
   * change are named in that first divergence, with their pool. (An account changed again later
   * shows at its next change instead: its logged old weight disagrees with the replay.)
   */
  async #nameUnlogged(): Promise<void> {
    const { index, tick, replayed } = this.#unlogged!;
    this.#unlogged = null;
    const pending = await this.#db.pendingAccountState();
    const pendingIds = [...pending].filter(([, st]) => st.changedTick === tick).map(([id]) => id);
    const rows = await this.#db.all<{ id: number | string; pool: string; account: string }>(
      `SELECT a.id, a.pool, a.account FROM accounts a JOIN account_state s ON s.id = a.id WHERE s.changed_tick = ? OR s.joined_tick = ?${pendingIds.length > 0 ? ` OR a.id IN (${pendingIds.slice(0, 500).join(', ')})` : ''} ORDER BY a.pool, a.account`,
      [tick, tick],
    );
    const missing = rows.filter((r) => !replayed.has(`${r.pool}\u0000${r.account}`) && (pending.get(Number(r.id))?.changedTick ?? tick) >= tick);
    if (missing.length === 0) return;
    const pools = [...new Set(missing.map((r) => r.pool))];
    const d = this.found[index]!;
    const more = missing.length > 1 ? ` (+${missing.length - 1} more)` : '';
    this.found[index] = { ...d, pool: pools.length === 1 ? pools[0]! : d.pool, account: `${missing[0]!.account}${more}` };
  }

  #report(d: DivergenceInput): void {
    if (!this.#checking) return;
    if (this.found.length >= this.#maxDivergences) {
      this.truncated = true;
      throw new Stop();
    }
    this.found.push(divergence(d));
  }

  #cmp(base: Where, field: string, expected: unknown, stored: unknown): void {
    if (expected !== stored) this.#report({ ...base, field, expected, found: stored });
  }

  async run(): Promise<void> {
    try {
      await this.#readAccounts();
      await this.#replay(1, this.#toTick);
      this.#checking = true;
      // Only a verify of the whole history (no --to) compares the final state and every row.
      if (this.#toTick === this.#lastTick) {
        if (await this.#catchUp()) {
          await this.#compareAccounts();
          await this.#comparePools();
          await this.#compareDelegations();
          await this.#checkStrayRows();
          this.#checkReferenceConserves();
          this.finalState = 'checked';
        }
      }
    } catch (error) {
      if (!(error instanceof Stop)) throw error;
    }
  }

  /** Every account's identity, once (the replay fills in the rest from the change log). */
  async #readAccounts(): Promise<void> {
    for (let after = 0; ; ) {
      const page = await this.#db.all('SELECT id, pool, account FROM accounts WHERE id > ? ORDER BY id LIMIT ?', [after, ACCOUNT_PAGE_ROWS]);
      for (const r of page) {
        const id = Number(r['id']);
        this.#accounts.set(id, { id, pool: r['pool'] as string, key: r['account'] as string, weight: 0n, recipient: null, indexAtChange: 0n, accrued: 0n, settled: 0n, joinedTick: 0, changedTick: 0, seen: false });
      }
      if (page.length < ACCOUNT_PAGE_ROWS) break;
      after = Number(page[page.length - 1]!['id']);
    }
  }

  /** Replays ticks from..to in pages of TICKS_PER_PAGE, each tick then its settlements. */
  async #replay(from: number, to: number): Promise<void> {
    for (let start = from; start <= to; start += TICKS_PER_PAGE) {
      const end = Math.min(to, start + TICKS_PER_PAGE - 1);
      const range = [start, end];
      const tickRows = new Map((await this.#db.all('SELECT * FROM ticks WHERE tick >= ? AND tick <= ? ORDER BY tick', range)).map((r) => [Number(r['tick']), r]));
      const poolRows = groupBy(await this.#db.all('SELECT * FROM tick_pools WHERE tick >= ? AND tick <= ? ORDER BY tick, pool', range), 'tick');
      const changeRows = groupBy(await this.#db.all('SELECT tick, pool, count, payload FROM weight_changes WHERE tick >= ? AND tick <= ? ORDER BY tick, pool', range), 'tick');
      this.#sourceStateLog = await loggedSourceState(this.#db, start, end);
      this.#delegationLog = new Map((await this.#db.all('SELECT * FROM delegation_log WHERE tick >= ? AND tick <= ? ORDER BY tick', range)).map((r) => [Number(r['tick']), r]));
      const settlementRows = groupBy(await this.#db.all('SELECT * FROM settlements WHERE to_tick >= ? AND to_tick <= ? ORDER BY to_tick, pool', range), 'to_tick');
      for (let k = start; k <= end; k++) {
        this.#checking = k >= this.#fromTick;
        const t = tickRows.get(k);
        if (t === undefined) {
          this.#report({ check: 'chain', tick: k, field: 'row', expected: `tick ${k} (ticks run 1..${this.#lastTick} without a gap)`, found: 'none' });
          throw new Stop();
        }
        this.#replayTick(k, t, poolRows.get(k) ?? [], changeRows.get(k) ?? []);
        if (this.#unlogged !== null) await this.#nameUnlogged();
        this.ticks += this.#checking ? 1 : 0;
        for (const s of settlementRows.get(k) ?? []) await this.#verifySettlement(s, k);
      }
      this.#opts.onProgress?.(end, to);
    }
  }

  /**
   * Follows a live ledger: ticks applied since verify started are replayed too. Returns false (and
   * says so in finalState) when it kept moving for CATCH_UP_ROUNDS rounds.
   */
  async #catchUp(): Promise<boolean> {
    for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
      const now = await maxTick(this.#db);
      if (now <= this.#lastTick) return true;
      await this.#replay(this.#lastTick + 1, now);
      this.#lastTick = now;
      this.#toTick = now;
    }
    if ((await maxTick(this.#db)) <= this.#lastTick) return true;
    this.finalState = `skipped: the ledger kept applying ticks during verify (${CATCH_UP_ROUNDS} rounds, now past tick ${this.#lastTick})`;
    return false;
  }

  #pool(pool: PoolId): PoolReplay {
    let p = this.#pools.get(pool);
    if (p === undefined) {
      p = { pool, index: 0n, residue: 0n, totalWeight: 0n, minted: 0n, accruedTotal: 0n, credited: 0n, lastSettledTick: 0, yieldQuote: null, accounts: [] };
      this.#pools.set(pool, p);
      this.#reference.open(pool);
    }
    return p;
  }

  /** The tick's law, parsed once per distinct policy text (policies are data and change rarely). */
  #policyOf(k: number, policyText: string): Policy | null {
    let policy = this.#policies.get(policyText);
    if (policy === undefined) {
      try {
        policy = policyFromRecord(JSON.parse(policyText));
      } catch (error) {
        this.#report({ check: 'tick', tick: k, field: 'policy', expected: 'a valid emission policy', found: (error as Error).message });
        policy = null;
      }
      this.#policies.set(policyText, policy);
    }
    return policy;
  }

  #replayTick(k: number, t: Row, poolRows: readonly Row[], changeRows: readonly Row[]): void {
    const where = { check: 'tick', tick: k };
    const storedHash = t['hash'] as string;
    const storedPrev = t['prev_hash'] as string;
    if (k === 1) this.#genesisMs = Number(t['start_ms']);
    this.#cmp({ check: 'chain', tick: k }, 'prev_hash', this.#prevHash, storedPrev);
    this.#cmp(where, 'start_ms', tickStartMs(k, this.#genesisMs), Number(t['start_ms']));
    this.#cmp(where, 'end_ms', tickEndMs(k, this.#genesisMs), Number(t['end_ms']));
    const policy = this.#policyOf(k, t['policy'] as string);
    // The tick's law stepped from the supply replayed so far (DESIGN.md §2), as the ledger steps it.
    const mint = derivedAo(policy === null ? big(t['mint']) : mintStep(policy.curve)(MAX_SUPPLY - this.minted));
    this.#cmp(where, 'mint', mint, big(t['mint']));
    const split = policy === null ? { ar: big(t['split_ar']), bridges: big(t['split_bridges']) } : splitMint(policy, k, mint, this.#genesisMs);
    if (policy !== null) this.#cmp(where, 'policy_label', policyLabel(policy), t['policy_label']);
    this.#cmp(where, 'split_ar', split.ar, big(t['split_ar']));
    this.#cmp(where, 'split_bridges', split.bridges, big(t['split_bridges']));
    this.#cmp(where, 'bridge_carry_in', this.#carry, big(t['bridge_carry_in']));

    const journalChanges = this.#replayChanges(k, t, poolRows, changeRows);
    const delegation = this.#replayDelegation(k);
    const amounts = this.#replaySplit(k, t, poolRows, split);
    const logged = this.#sourceStateLog.get(k);
    const journalPools = this.#replayIndexSteps(k, t, poolRows, amounts, mint).map((jp) => {
      const s = logged?.get(jp.pool);
      if (s !== undefined && s.count !== s.changes.length) this.#report({ check: 'source-state', tick: k, pool: jp.pool, field: 'count', expected: s.changes.length, found: s.count });
      return s === undefined ? jp : { ...jp, sourceState: { reset: s.reset, changes: s.changes } };
    });
    for (const pool of logged?.keys() ?? []) {
      if (!journalPools.some((jp) => jp.pool === pool)) this.#report({ check: 'source-state', tick: k, pool, field: 'row', expected: 'changes of a pool with a tick_pools row', found: 'a source_state_log row' });
    }
    // The journal entry as stored, hashed: any edited column changes the hash.
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
      delegation,
    };
    const hash = entryHash(storedPrev, entry);
    this.#cmp({ check: 'chain', tick: k }, 'hash', hash, storedHash);
    this.#prevHash = storedHash;
    this.journalHash = hash;
  }

  /**
   * Step 1b: the tick's delegation snapshot, after its weight changes and before the index steps:
   * the preferences in force from this tick, and a mark (accrual up to I_{k−1}) for every account
   * the changed wallets receive for. The reference model is told the same. O(accounts of the
   * changed wallets), from the replay's recipient index.
   */
  #replayDelegation(k: number): { pin: unknown; cursor: string; changes: DelegationTuple[]; notes: string[] } | undefined {
    const r = this.#delegationLog.get(k);
    if (r === undefined) return undefined;
    let changes: DelegationTuple[] = [];
    try {
      changes = JSON.parse(r['payload'] as string) as DelegationTuple[];
    } catch {
      this.#report({ check: 'delegation', tick: k, field: 'payload', expected: 'JSON [[wallet, [[target, factor], …]], …]', found: String(r['payload']).slice(0, 80) });
    }
    this.#cmp({ check: 'delegation', tick: k }, 'count', changes.length, Number(r['count']));
    const changed = new Map<string, DelegationPref[]>();
    for (const [wallet, prefs] of changes) {
      const list = prefs.map(([target, factor]) => ({ target, factor }));
      changed.set(wallet, list);
      let h = this.#prefHistory.get(wallet);
      if (h === undefined) this.#prefHistory.set(wallet, (h = []));
      h.push({ tick: k, prefs: list });
    }
    if (changed.size > 0) {
      for (const wallet of changed.keys()) {
        for (const a of this.#byRecipient.get(wallet) ?? []) {
          let marks = this.#marks.get(a.id);
          if (marks === undefined) this.#marks.set(a.id, (marks = []));
          marks.push({ tick: k, accrued: accruedAt(a, this.#pools.get(a.pool as PoolId)!.index) });
        }
      }
      for (const [wallet, prefs] of changes) this.#reference.delegate(wallet, prefs, k);
    }
    return { pin: JSON.parse(r['pin'] as string) as unknown, cursor: r['cursor'] as string, changes, notes: JSON.parse(r['notes'] as string) as string[] };
  }

  #prefsAt(wallet: string, tick: number): DelegationPref[] {
    let prefs: DelegationPref[] = [];
    for (const e of this.#prefHistory.get(wallet) ?? []) if (e.tick <= tick) prefs = e.prefs;
    return prefs;
  }

  /** Step 1 of a tick: its weight changes (a pool exists from its first snapshot on; 'ar' always). */
  #replayChanges(k: number, t: Row, poolRows: readonly Row[], changeRows: readonly Row[]): JournalChange[] {
    this.#pool('ar');
    for (const r of poolRows) if (r['complete'] !== null && r['complete'] !== undefined) this.#pool(r['pool'] as PoolId);
    const journalChanges: JournalChange[] = [];
    for (const r of [...changeRows].sort((a, b) => byString(a['pool'] as string, b['pool'] as string))) {
      const poolId = r['pool'] as PoolId;
      const p = this.#pools.get(poolId);
      if (p === undefined) {
        this.#report({ check: 'change', tick: k, pool: poolId, field: 'pool', expected: 'a pool with a snapshot in this tick', found: poolId });
        continue;
      }
      const applied = this.#applyChanges(k, p, r['payload'] as string);
      this.#cmp({ check: 'change', tick: k, pool: poolId }, 'count', applied.length, Number(r['count']));
      journalChanges.push(...applied);
    }
    // Changes missing from the log (a deleted weight_changes row): name the pool that had a snapshot but no log row.
    const unlogged = journalChanges.length === Number(t['change_count']) ? [] : poolRows.filter((r) => r['pin'] !== null && !changeRows.some((c) => c['pool'] === r['pool']));
    const before = this.found.length;
    this.#cmp({ check: 'tick', tick: k, ...(unlogged.length === 1 ? { pool: unlogged[0]!['pool'] as string } : {}) }, 'change_count', journalChanges.length, Number(t['change_count']));
    // The accounts are named once the tick is replayed (#nameUnlogged reads the stored rows).
    if (this.found.length > before) this.#unlogged = { index: before, tick: k, replayed: new Set(journalChanges.map((c) => `${c.pool}\u0000${c.account}`)) };
    return journalChanges;
  }

  #applyChanges(k: number, pool: PoolReplay, payload: string): JournalChange[] {
    const out: JournalChange[] = [];
    let changes;
    try {
      changes = decodeChanges(payload);
    } catch {
      this.#report({ check: 'change', tick: k, pool: pool.pool, field: 'payload', expected: 'JSON change entries', found: payload.slice(0, 80) });
      return out;
    }
    for (const c of changes) {
      const a = this.#accounts.get(c.accountId);
      if (a === undefined || a.pool !== pool.pool) {
        this.#report({ check: 'change', tick: k, pool: pool.pool, account: `#${c.accountId}`, field: 'account_id', expected: `an account of pool ${pool.pool}`, found: a === undefined ? 'no such account' : `an account of pool ${a.pool}` });
        continue;
      }
      const where = { check: 'change', tick: k, pool: pool.pool, account: a.key };
      // The log's oldWeight must be the weight the replay holds: a dropped or reordered change shows here.
      this.#cmp(where, 'old_weight', a.weight, c.oldWeight);
      if (!a.seen) {
        if (c.recipient === undefined) this.#report({ ...where, field: 'recipient', expected: 'set on the first change of an account', found: 'unchanged' });
        a.seen = true;
        a.joinedTick = k;
        a.indexAtChange = pool.index;
        pool.accounts.push(a);
      } else {
        // Checkpoint at I_{k−1} (DESIGN.md §4), then change the weight.
        a.accrued = accruedAt(a, pool.index);
        a.indexAtChange = pool.index;
      }
      const oldRecipient = a.recipient;
      if (c.recipient !== undefined && c.recipient !== a.recipient) {
        if (a.recipient !== null) this.#byRecipient.get(a.recipient)?.delete(a);
        if (c.recipient !== null) {
          let set = this.#byRecipient.get(c.recipient);
          if (set === undefined) this.#byRecipient.set(c.recipient, (set = new Set()));
          set.add(a);
        }
        a.recipient = c.recipient;
      }
      pool.totalWeight += c.newWeight - a.weight;
      a.weight = c.newWeight;
      a.changedTick = k;
      this.#reference.change(pool.pool, a.id, c.newWeight, c.recipient);
      out.push({ pool: pool.pool, account: a.key, oldWeight: c.oldWeight, newWeight: c.newWeight, oldRecipient, newRecipient: a.recipient });
    }
    this.changeCount += out.length;
    return out;
  }

  /** Step 2: the bridge amount split by yield weight (the quote a pool last reported stays in force); each pool's amount. */
  #replaySplit(k: number, t: Row, poolRows: readonly Row[], split: { ar: bigint; bridges: bigint }): { amounts: Map<string, bigint>; weights: ReadonlyMap<string, bigint> } {
    for (const r of poolRows) {
      const p = this.#pools.get(r['pool'] as PoolId);
      if (p !== undefined && r['yield_quote'] !== null && r['yield_quote'] !== undefined) p.yieldQuote = canonicalJson(JSON.parse(r['yield_quote'] as string));
    }
    const assets: AssetYield[] = [];
    for (const p of this.#ordered()) {
      if (p.pool === 'ar' || p.yieldQuote === null) continue;
      const q = JSON.parse(p.yieldQuote) as { decimals: number; priceUsd: string; apr: string };
      assets.push({ asset: p.pool, deposits: p.totalWeight, decimals: q.decimals, priceUsd: q.priceUsd, apr: q.apr });
    }
    const bridgeSplit = splitByYield(derivedAo(split.bridges + this.#carry), assets);
    this.#carry = bridgeSplit.carried;
    this.#cmp({ check: 'tick', tick: k }, 'bridge_carry_out', this.#carry, big(t['bridge_carry_out']));
    const amounts = new Map<string, bigint>();
    for (const p of this.#ordered()) amounts.set(p.pool, p.pool === 'ar' ? split.ar : (bridgeSplit.parts.get(p.pool) ?? 0n));
    return { amounts, weights: bridgeSplit.weights };
  }

  #ordered(): PoolReplay[] {
    return [...this.#pools.values()].sort((a, b) => byString(a.pool, b.pool));
  }

  /** Step 3: each pool's index step, against the stored tick_pools rows and the reference model; conservation. */
  #replayIndexSteps(k: number, t: Row, poolRows: readonly Row[], split: { amounts: Map<string, bigint>; weights: ReadonlyMap<string, bigint> }, mint: bigint): JournalPool[] {
    const storedPools = new Map(poolRows.map((r) => [r['pool'] as string, r]));
    const journalPools: JournalPool[] = [];
    let storedSum = 0n;
    for (const p of this.#ordered()) {
      const amount = split.amounts.get(p.pool) ?? 0n;
      const step = advanceIndex(amount, p.residue, p.totalWeight);
      p.index += step.delta;
      p.residue = step.residue;
      p.minted += amount;
      p.accruedTotal += p.totalWeight * step.delta;
      const ref = this.#reference.receive(p.pool, amount);
      const r = storedPools.get(p.pool);
      storedPools.delete(p.pool);
      const pw = { check: 'pool', tick: k, pool: p.pool };
      const rw = { check: 'reference', tick: k, pool: p.pool };
      this.#cmp(rw, 'index_value (replay vs reference model)', ref.index, p.index);
      this.#cmp(rw, 'residue (replay vs reference model)', ref.residue, p.residue);
      this.#cmp(rw, 'total_weight (replay vs reference model)', ref.totalWeight, p.totalWeight);
      if (r === undefined) {
        this.#report({ ...pw, field: 'row', expected: `a tick_pools row (amount ${amount})`, found: 'none' });
        continue;
      }
      this.#cmp(pw, 'amount', amount, big(r['amount']));
      this.#cmp(pw, 'total_weight', p.totalWeight, big(r['total_weight']));
      this.#cmp(pw, 'index_delta', step.delta, big(r['index_delta']));
      this.#cmp(pw, 'index_value', p.index, big(r['index_value']));
      this.#cmp(pw, 'residue', p.residue, big(r['residue']));
      this.#cmp(rw, 'index_value (reference model vs stored)', ref.index, big(r['index_value']));
      const yieldWeight = r['yield_weight'] === null ? null : big(r['yield_weight']);
      this.#cmp(pw, 'yield_weight', p.pool === 'ar' ? null : (split.weights.get(p.pool) ?? 0n), yieldWeight);
      // Conservation on the stored row: P·SCALE + r_{k−1} = W·ΔI + r_k (DESIGN.md §4).
      const storedAmount = big(r['amount']);
      const storedResidue = big(r['residue']);
      const lhs = storedAmount * SCALE + (this.#prevResidue.get(p.pool) ?? 0n);
      const rhs = big(r['total_weight']) * big(r['index_delta']) + storedResidue;
      if (lhs !== rhs) this.#report({ check: 'conservation', tick: k, pool: p.pool, field: 'amount·SCALE + residue_in', expected: rhs, found: lhs });
      this.#prevResidue.set(p.pool, storedResidue);
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
    for (const pool of storedPools.keys()) this.#report({ check: 'pool', tick: k, pool, field: 'row', expected: 'no row (the pool has no snapshot yet)', found: 'a tick_pools row' });
    // Conservation, on the stored rows: Σ_k pool amounts + the carry = the supply minted (DESIGN.md §1).
    this.#storedPoolTotal += storedSum;
    this.minted += mint;
    this.#cmp({ check: 'conservation', tick: k }, 'Σ pool amounts + bridge_carry_out', this.minted, this.#storedPoolTotal + big(t['bridge_carry_out']));
    return journalPools;
  }

  /** A settlement closed at tick k: its credits (replay and reference model), its row, its outbox batches. */
  async #verifySettlement(s: Row, k: number): Promise<void> {
    const id = s['id'] as string;
    const poolId = s['pool'] as PoolId;
    const where = { check: 'settlement', tick: k, pool: poolId, settlementId: id };
    this.#settlementIds.add(id);
    const p = this.#pools.get(poolId);
    if (p === undefined) {
      this.#report({ ...where, field: 'pool', expected: 'a pool with ticks', found: poolId });
      return;
    }
    this.settlementCount++;
    const fromT = Number(s['from_tick']);
    this.#cmp(where, 'from_tick', p.lastSettledTick + 1, fromT);
    this.#cmp(where, 'id', settlementIdOf(poolId, p.lastSettledTick + 1, k), id);
    this.#cmp(where, 'index_value', p.index, big(s['index_value']));
    const byRecipient = await this.#verifyCredits(id, k, p, fromT);
    p.lastSettledTick = k;
    let total = 0n;
    let count = 0;
    for (const [, owed] of byRecipient.credits) {
      total += owed;
      count++;
    }
    this.creditCount += count;
    this.credited += total;
    p.credited += total;
    this.#cmp(where, 'credit_count', count, Number(s['credit_count']));
    this.#cmp(where, 'recipient_count', byRecipient.sums.size, Number(s['recipient_count']));
    this.#cmp(where, 'total', total, big(s['total']));
    await this.#verifyBatches(s, k, p, [...byRecipient.sums].sort(([a], [b]) => byString(a, b)));
  }

  /**
   * What every account of the pool was owed (settle.ts: floor(cumulative accrual / SCALE) − settled,
   * rounding down), by the replay and by the reference model, against the stored credit rows.
   */
  async #verifyCredits(id: string, k: number, p: PoolReplay, fromTick: number): Promise<{ credits: Map<number, bigint>; sums: Map<string, bigint> }> {
    const stored = new Map<number, Row>();
    for (const c of await this.#db.all('SELECT account_id, recipient, amount FROM credits WHERE settlement_id = ?', [id])) stored.set(Number(c['account_id']), c);
    const storedParts = new Map<string, bigint>();
    for (const c of await this.#db.all('SELECT account_id, target, amount FROM delegated_credits WHERE settlement_id = ?', [id])) storedParts.set(`${Number(c['account_id'])} ${c['target'] as string}`, big(c['amount']));
    const reports = new Map<string, ReportRow[]>();
    const reference = this.#reference.settle(p.pool, fromTick);
    const credits = new Map<number, bigint>();
    const sums = new Map<string, bigint>();
    for (const a of p.accounts) {
      const row = stored.get(a.id);
      stored.delete(a.id);
      const owed = a.recipient === null ? 0n : accruedAt(a, p.index) / SCALE - a.settled;
      const cw = { check: 'credit', tick: k, pool: p.pool, account: a.key, settlementId: id };
      this.#cmp({ ...cw, check: 'reference' }, 'owed (replay vs reference model)', reference.get(a.id)?.owed ?? 0n, owed > 0n ? owed : 0n);
      if (owed <= 0n) {
        if (owed < 0n) this.#report({ ...cw, field: 'owed', expected: 'not negative', found: owed });
        if (row !== undefined) this.#report({ ...cw, field: 'amount', expected: 'no credit', found: row['amount'] });
        continue;
      }
      if (row === undefined) {
        this.#report({ ...cw, field: 'amount', expected: owed, found: 'no credit' });
      } else {
        this.#cmp(cw, 'amount', owed, big(row['amount']));
        this.#cmp(cw, 'recipient', a.recipient, row['recipient']);
      }
      // Delegation (DESIGN.md §9): the units due in each segment split by the preferences in force in it.
      const marks = (this.#marks.get(a.id) ?? []).filter((m) => m.tick > fromTick);
      this.#marks.delete(a.id);
      const split = delegateSegments(
        segmentUnits(a.settled, marks.map((m) => m.accrued), accruedAt(a, p.index)),
        [this.#prefsAt(a.recipient!, fromTick), ...marks.map((m) => this.#prefsAt(a.recipient!, m.tick))],
      );
      const shares = new Map<string, bigint>(split.parts);
      if (split.own > 0n) shares.set(a.recipient!, (shares.get(a.recipient!) ?? 0n) + split.own);
      const refShares = reference.get(a.id)?.to ?? new Map<string, bigint>();
      for (const who of new Set([...shares.keys(), ...refShares.keys()])) this.#cmp({ ...cw, check: 'reference' }, `share of ${who} (replay vs reference model)`, refShares.get(who) ?? 0n, shares.get(who) ?? 0n);
      for (const [target, part] of split.parts) {
        const key = `${a.id} ${target}`;
        this.#cmp({ ...cw, check: 'delegation' }, `delegated to ${target}`, part, storedParts.get(key) ?? 'no row');
        storedParts.delete(key);
        let rows = reports.get(target);
        if (rows === undefined) reports.set(target, (rows = []));
        rows.push({ mint: part, user: a.key, recipient: a.recipient!, amount: a.weight });
      }
      a.settled += owed;
      credits.set(a.id, owed);
      for (const [who, q] of shares) sums.set(who, (sums.get(who) ?? 0n) + q);
    }
    for (const [key, amount] of storedParts) this.#report({ check: 'delegation', tick: k, pool: p.pool, settlementId: id, field: `delegated_credits ${key}`, expected: 'no row', found: amount });
    await this.#verifyReports(id, k, p.pool, reports);
    for (const [accountId, row] of stored) {
      this.#report({ check: 'credit', tick: k, pool: p.pool, account: this.#accounts.get(accountId)?.key ?? `#${accountId}`, settlementId: id, field: 'amount', expected: 'no credit', found: row['amount'] });
    }
    return { credits, sums };
  }

  /** The preferences in force (delegations) must be the replay of the logged snapshots. */
  async #compareDelegations(): Promise<void> {
    const expected = new Map<string, number>();
    for (const [wallet, h] of this.#prefHistory) for (const p of h[h.length - 1]!.prefs) expected.set(`${wallet} ${p.target}`, p.factor);
    for (const r of await this.#db.all('SELECT wallet, target, factor FROM delegations ORDER BY wallet, target')) {
      const key = `${r['wallet'] as string} ${r['target'] as string}`;
      this.#cmp({ check: 'delegation', account: r['wallet'] as string }, `factor to ${r['target'] as string}`, expected.get(key) ?? 'no preference', Number(r['factor']));
      expected.delete(key);
    }
    for (const [key, factor] of expected) this.#report({ check: 'delegation', account: key.split(' ')[0]!, field: `factor to ${key.split(' ')[1]!}`, expected: factor, found: 'no row' });
  }

  /** The settlement's Report.Mint rows: one per project, the deterministic id, AO's rows recomputed. */
  async #verifyReports(id: string, k: number, pool: PoolId, expected: ReadonlyMap<string, ReportRow[]>): Promise<void> {
    const stored = new Map((await this.#db.all('SELECT * FROM reports WHERE settlement_id = ?', [id])).map((r) => [r['project'] as string, r]));
    for (const [project, rows] of expected) {
      const where = { check: 'report', tick: k, pool, settlementId: id, account: project };
      const r = stored.get(project);
      stored.delete(project);
      if (r === undefined) {
        this.#report({ ...where, field: 'row', expected: 'a Report.Mint for the project', found: 'none' });
        continue;
      }
      this.#cmp(where, 'report_id', reportIdOf(id, project), r['report_id']);
      this.#cmp(where, 'total', rows.reduce((t, x) => t + x.mint, 0n), big(r['total']));
      this.#cmp(where, 'row_count', rows.length, Number(r['row_count']));
      this.#cmp(where, 'payload', encodeReport(project, pool, rows), r['payload']);
    }
    for (const project of stored.keys()) this.#report({ check: 'report', tick: k, pool, settlementId: id, account: project, field: 'row', expected: 'no report (nothing delegated to it)', found: 'a Report.Mint' });
  }

  /** The outbox: the recipient sums, in recipient order, cut into batches with deterministic ids; their delivery status. */
  async #verifyBatches(s: Row, k: number, p: PoolReplay, expected: readonly [string, bigint][]): Promise<void> {
    const id = s['id'] as string;
    const fromT = Number(s['from_tick']);
    const where = { check: 'settlement', tick: k, pool: p.pool, settlementId: id };
    const batches = await this.#db.all('SELECT * FROM outbox_batches WHERE settlement_id = ? ORDER BY batch_index', [id]);
    this.#cmp(where, 'batch_count', batches.length, Number(s['batch_count']));
    let at = 0;
    for (const [i, b] of batches.entries()) {
      const bw = { check: 'outbox', tick: k, pool: p.pool, settlementId: id };
      const batchId = b['batch_id'] as string;
      this.#cmp(bw, `batch[${i}].batch_index`, i, Number(b['batch_index']));
      this.#cmp(bw, `batch[${i}].batch_id`, batchIdOf(id, i), batchId);
      this.#cmp(bw, `batch[${i}].pool`, p.pool, b['pool']);
      this.#cmp(bw, `batch[${i}].from_tick`, fromT, Number(b['from_tick']));
      this.#cmp(bw, `batch[${i}].to_tick`, k, Number(b['to_tick']));
      let entries: [string, bigint][] = [];
      try {
        entries = decodePayload(b['payload'] as string);
      } catch {
        this.#report({ ...bw, field: `batch[${i}].payload`, expected: 'JSON [[recipient, "quantity"], …]', found: String(b['payload']).slice(0, 80) });
      }
      let batchTotal = 0n;
      for (const [recipient, quantity] of entries) {
        const want = expected[at++];
        if (want === undefined || want[0] !== recipient || want[1] !== quantity) {
          this.#report({ ...bw, account: recipient, field: `batch[${i}].payload`, expected: want === undefined ? 'no entry' : `${want[0]} ${want[1]}`, found: `${recipient} ${quantity}` });
        }
        batchTotal += quantity;
      }
      this.#cmp(bw, `batch[${i}].credit_count`, entries.length, Number(b['credit_count']));
      this.#cmp(bw, `batch[${i}].total`, batchTotal, big(b['total']));
      this.#verifyDelivery(bw, i, b, batchTotal);
    }
    if (at < expected.length) this.#report({ ...where, check: 'outbox', account: expected[at]![0], field: 'payload', expected: `${expected[at]![0]} ${expected[at]![1]}`, found: 'no entry' });
  }

  #verifyDelivery(bw: Where, i: number, b: Row, batchTotal: bigint): void {
    const status = b['status'] as string;
    const messageId = (b['message_id'] as string | null) ?? null;
    this.delivery.batches++;
    if (status === 'delivered') {
      this.delivery.delivered++;
      this.delivery.deliveredTotal += batchTotal;
      if (messageId === null) this.#report({ ...bw, check: 'delivery', field: `batch[${i}].message_id`, expected: 'the AO message id of the delivered batch', found: null });
    } else {
      this.delivery.undeliveredTotal += batchTotal;
      if (status === 'failed') this.delivery.failed++;
      if (this.#opts.requireDelivered) this.#report({ ...bw, check: 'delivery', field: `batch[${i}].status`, expected: 'delivered', found: status });
    }
    if (messageId !== null) {
      const other = this.#messageIds.get(messageId);
      if (other !== undefined) this.#report({ ...bw, check: 'delivery', field: `batch[${i}].message_id`, expected: `a message id not used by batch ${other}`, found: messageId });
      this.#messageIds.set(messageId, b['batch_id'] as string);
    }
  }

  /** The stored accounts against the replayed ones (and the reference model's). */
  async #compareAccounts(): Promise<void> {
    const lastTick = this.#lastTick;
    // Rows whose account_state is behind the change log (SQLite defers them) compare as they stand
    // once the log after account_state_tick is replayed onto them (deferred-state.ts).
    let pending: ReadonlyMap<number, AccountState> = new Map();
    try {
      pending = await this.#db.pendingAccountState();
    } catch (error) {
      if (!(error instanceof EngineError)) throw error;
      this.#report({ check: 'account', tick: lastTick, field: 'account_state_tick', expected: 'a change log that replays onto account_state', found: error.message });
    }
    for (let after = 0; ; ) {
      const page = await this.#db.all(
        `SELECT a.id, a.pool, a.account, s.recipient, s.weight, s.index_at_change, s.accrued, COALESCE(p.settled, '0') AS settled, s.joined_tick, s.changed_tick
         FROM accounts a LEFT JOIN account_state s ON s.id = a.id AND s.id > ? LEFT JOIN account_settled p ON p.id = a.id AND p.id > ? WHERE a.id > ? ORDER BY a.id LIMIT ?`,
        // Every table bounded by the page: Postgres's merge joins otherwise scan the joined tables from their first id on every page.
        [after, after, after, ACCOUNT_PAGE_ROWS],
      );
      for (const r of page) this.#compareAccount(r, pending.get(Number(r['id'])));
      if (page.length < ACCOUNT_PAGE_ROWS) break;
      after = Number(page[page.length - 1]!['id']);
    }
  }

  #compareAccount(r: Row, s: AccountState | undefined): void {
    const lastTick = this.#lastTick;
    const a = this.#accounts.get(Number(r['id']));
    if (a === undefined) {
      this.#report({ check: 'account', tick: lastTick, pool: r['pool'] as string, account: r['account'] as string, field: 'id', expected: 'an account present when verify started', found: Number(r['id']) });
      return;
    }
    const w = { check: 'account', tick: lastTick, pool: a.pool, account: a.key };
    if (!a.seen) {
      this.#report({ ...w, field: 'joined_tick', expected: 'a change-log record for the account', found: Number(r['joined_tick']) });
      return;
    }
    if (r['weight'] === null) {
      this.#report({ ...w, field: 'account_state', expected: 'a row', found: 'none' });
      return;
    }
    // changed_tick first: when a change record was dropped it names the tick that lost it.
    this.#cmp(w, 'changed_tick', a.changedTick, s?.changedTick ?? Number(r['changed_tick']));
    this.#cmp(w, 'joined_tick', a.joinedTick, s?.joinedTick ?? Number(r['joined_tick']));
    this.#cmp(w, 'weight', a.weight, s?.weight ?? big(r['weight']));
    this.#cmp(w, 'recipient', a.recipient, s === undefined ? ((r['recipient'] as string | null) ?? null) : s.recipient);
    const indexAtChange = s?.indexAtChange ?? big(r['index_at_change']);
    const accrued = s?.accrued ?? big(r['accrued']);
    this.#cmp(w, 'index_at_change', a.indexAtChange, indexAtChange);
    this.#cmp(w, 'accrued', a.accrued, accrued);
    this.#cmp(w, 'settled', a.settled, big(r['settled']));
    // The stored row's cumulative accrual against the reference model's entitlement.
    const ref = this.#reference.account(a.id);
    const index = this.#pools.get(a.pool as PoolId)?.index ?? 0n;
    if (ref !== undefined) {
      const weight = s?.weight ?? big(r['weight']);
      this.#cmp({ ...w, check: 'reference' }, 'cumulative accrual (reference model vs stored)', ref.entitlement, accruedAt({ weight, indexAtChange, accrued }, index));
      this.#cmp({ ...w, check: 'reference' }, 'settled (reference model vs stored)', ref.paid, big(r['settled']));
    }
  }

  async #comparePools(): Promise<void> {
    const lastTick = this.#lastTick;
    const storedPools = await this.#db.all('SELECT * FROM pools');
    for (const r of storedPools) {
      const p = this.#pools.get(r['pool'] as PoolId);
      const w = { check: 'pool', tick: lastTick, pool: r['pool'] as string };
      if (p === undefined) {
        this.#report({ ...w, field: 'row', expected: 'no pool', found: 'a pools row' });
        continue;
      }
      this.#cmp(w, 'pools.index_value', p.index, big(r['index_value']));
      this.#cmp(w, 'pools.residue', p.residue, big(r['residue']));
      this.#cmp(w, 'pools.total_weight', p.totalWeight, big(r['total_weight']));
      this.#cmp(w, 'pools.minted', p.minted, big(r['minted']));
      this.#cmp(w, 'pools.accrued_total', p.accruedTotal, big(r['accrued_total']));
      this.#cmp(w, 'pools.credited', p.credited, big(r['credited']));
      this.#cmp(w, 'pools.last_settled_tick', p.lastSettledTick, Number(r['last_settled_tick']));
      // The pool row of the last tick: a deleted last ticks row leaves it one tick ahead.
      this.#cmp(w, 'pools.last_tick', lastTick, Number(r['last_tick']));
      if (r['accrued_sum'] !== null && r['accrued_sum'] !== undefined) {
        let accruedSum = 0n;
        let weightIndexSum = 0n;
        for (const a of p.accounts) {
          accruedSum += a.accrued;
          weightIndexSum += a.weight * a.indexAtChange;
        }
        this.#cmp(w, 'pools.accrued_sum', accruedSum, big(r['accrued_sum']));
        this.#cmp(w, 'pools.weight_index_sum', weightIndexSum, big(r['weight_index_sum']));
      }
    }
    if (storedPools.length !== this.#pools.size) this.#report({ check: 'pool', tick: lastTick, field: 'pools rows', expected: this.#pools.size, found: storedPools.length });
  }

  /**
   * Every row, whatever its tick, must belong to a verified tick: tick_pools and weight_changes rows
   * after the last tick (the rows of a deleted last ticks row), settlements after it (forged), and
   * credits and outbox batches of settlements that were not verified.
   */
  async #checkStrayRows(): Promise<void> {
    const last = this.#lastTick;
    const past = (table: string, column: string, what: string) => async (): Promise<void> => {
      const rows = await this.#db.all(`SELECT ${column} AS t, pool FROM ${table} WHERE ${column} > ? ORDER BY ${column}, pool LIMIT ?`, [last, STRAY_ROWS_REPORTED]);
      for (const r of rows) {
        this.#report({ check: 'chain', tick: Number(r['t']), pool: r['pool'] as string, field: `${table} row`, expected: `no ${what} after the last tick ${last}`, found: `a ${table} row of tick ${Number(r['t'])}` });
      }
    };
    await past('tick_pools', 'tick', 'pool step')();
    await past('weight_changes', 'tick', 'weight change')();
    await past('source_state_log', 'tick', 'source-state change')();
    // The remembered rows are the replay of the logged (hashed) changes.
    for (const d of await verifySourceState(this.#db, STRAY_ROWS_REPORTED)) {
      this.#report({ check: 'source-state', pool: d.pool, account: `${d.kind} ${d.key}`, field: 'value', expected: d.expected ?? 'no row', found: d.found ?? 'no row' });
    }
    for (const r of await this.#db.all('SELECT id, pool, to_tick FROM settlements WHERE to_tick > ? ORDER BY to_tick, pool LIMIT ?', [last, STRAY_ROWS_REPORTED])) {
      this.#report({ check: 'settlement', tick: Number(r['to_tick']), pool: r['pool'] as string, settlementId: r['id'] as string, field: 'to_tick', expected: `a settlement of an applied tick (≤ ${last})`, found: Number(r['to_tick']) });
    }
    const stray = (rows: readonly Row[]): Row[] => rows.filter((r) => !this.#settlementIds.has(r['settlement_id'] as string)).slice(0, STRAY_ROWS_REPORTED);
    for (const r of stray(await this.#db.all('SELECT settlement_id, COUNT(*) AS n FROM credits GROUP BY settlement_id ORDER BY settlement_id'))) {
      this.#report({ check: 'credit', settlementId: r['settlement_id'] as string, field: 'settlement_id', expected: 'credits of a verified settlement', found: `${Number(r['n'])} credit rows` });
    }
    for (const r of stray(await this.#db.all('SELECT settlement_id, COUNT(*) AS n FROM outbox_batches GROUP BY settlement_id ORDER BY settlement_id'))) {
      this.#report({ check: 'outbox', settlementId: r['settlement_id'] as string, field: 'settlement_id', expected: 'batches of a verified settlement', found: `${Number(r['n'])} batches` });
    }
    // Delegation (DESIGN.md §9): snapshots, marks, parts and reports belong to verified ticks and settlements too.
    for (const r of await this.#db.all('SELECT tick FROM delegation_log WHERE tick > ? ORDER BY tick LIMIT ?', [last, STRAY_ROWS_REPORTED])) {
      this.#report({ check: 'chain', tick: Number(r['tick']), field: 'delegation_log row', expected: `no delegation snapshot after the last tick ${last}`, found: `a delegation_log row of tick ${Number(r['tick'])}` });
    }
    for (const r of stray(await this.#db.all('SELECT settlement_id, COUNT(*) AS n FROM delegated_credits GROUP BY settlement_id ORDER BY settlement_id'))) {
      this.#report({ check: 'delegation', settlementId: r['settlement_id'] as string, field: 'settlement_id', expected: 'delegated parts of a verified settlement', found: `${Number(r['n'])} delegated_credits rows` });
    }
    for (const r of stray(await this.#db.all('SELECT settlement_id, COUNT(*) AS n FROM reports GROUP BY settlement_id ORDER BY settlement_id'))) {
      this.#report({ check: 'report', settlementId: r['settlement_id'] as string, field: 'settlement_id', expected: 'reports of a verified settlement', found: `${Number(r['n'])} reports` });
    }
  }

  #checkReferenceConserves(): void {
    for (const problem of this.#reference.conserves()) this.#report({ check: 'reference', tick: this.#lastTick, field: 'conservation', expected: 'SCALE·Σ P = Σ entitlement + carry', found: problem });
  }
}

async function maxTick(db: Db): Promise<number> {
  return Number((await db.all<{ t: number | string | null }>('SELECT MAX(tick) AS t FROM ticks'))[0]?.t ?? 0);
}

export async function verifyLedger(db: Db, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const lastTick = await maxTick(db);
  const fromTick = opts.fromTick ?? 1;
  const toTick = opts.toTick ?? lastTick;
  if (!Number.isSafeInteger(fromTick) || fromTick < 1) throw new EngineError('INVALID_TICK', `from: ${String(opts.fromTick)} is not a tick; expected an integer ≥ 1`);
  if (!Number.isSafeInteger(toTick) || toTick < fromTick - 1 || toTick > lastTick) {
    throw new EngineError('INVALID_TICK', `to: ${String(opts.toTick)} is not an applied tick; expected an integer in ${fromTick}..${lastTick}`);
  }
  const v = new Verification(db, opts, lastTick, fromTick, toTick);
  await v.run();
  return {
    ok: v.found.length === 0,
    fromTick,
    toTick: v.toTick,
    lastTick: v.lastTick,
    journalHash: v.journalHash,
    ticks: v.ticks,
    changes: v.changeCount,
    settlements: v.settlementCount,
    credits: v.creditCount,
    minted: v.minted,
    credited: v.credited,
    delivery: v.delivery,
    divergences: v.found,
    truncated: v.truncated,
    finalState: v.finalState,
  };
}
