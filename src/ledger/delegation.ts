import { EngineError } from '../errors.ts';
import { ACCOUNT_SELECT, toAccountRow } from './store/db.ts';
import type { AccountRow, Db } from './store/db.ts';
import { accruedAt } from './distribution/index.ts';
import { FACTOR_MIN, FACTOR_TOTAL } from './distribution/delegation-step.ts';
import type { DelegationPref } from './distribution/delegation-step.ts';
import type { LedgerDelegationSnapshot } from './types.ts';

/**
 * Delegation preferences as ledger state (DESIGN.md §9). A tick's delegation snapshot is
 * checked, applied to `delegations` (the preferences in force), appended to `delegation_history`
 * (each wallet's whole set from that tick on) and `delegation_log` (the snapshot as hashed into the
 * journal entry's `delegation`, absent when the tick had none so older entries hash as before), and
 * every account whose recipient changed preferences gets a `delegation_marks` row: its cumulative
 * accrual at the end of the previous tick, where settlement cuts the period (the mid-period rule).
 */

/** Bounds one wallet's preference set on the ledger side (the process allows fewer: Max-Targets). */
export const DELEGATION_TARGETS_MAX = 100;
/** Wallets per tick: bounds one snapshot (the source reads at most 1,000 changes a tick). */
export const DELEGATION_CHANGES_MAX = 10_000;
const ADDRESS_MAX = 128;
/** Rows per IN list. */
const BATCH = 500;

/** [wallet, [[target, factor], …] sorted by target], sorted by wallet. */
export type DelegationTuple = [string, [string, number][]];

export interface JournalDelegation {
  readonly pin: unknown;
  readonly cursor: string;
  readonly changes: readonly DelegationTuple[];
  readonly notes: readonly string[];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const invalid = (field: string, what: string): EngineError => new EngineError('INVALID_DELEGATION', `${field}: ${what}`);

/** The snapshot checked and in journal order (DESIGN.md §9's rules, again on the ledger side: the process is not trusted). */
export function delegationEntry(snapshot: LedgerDelegationSnapshot): JournalDelegation {
  if (typeof snapshot.cursor !== 'string' || snapshot.cursor.length === 0 || snapshot.cursor.length > 4_096) throw invalid('delegations.cursor', 'expected 1..4096 characters');
  if (!Array.isArray(snapshot.changes) || snapshot.changes.length > DELEGATION_CHANGES_MAX) throw invalid('delegations.changes', `expected at most ${DELEGATION_CHANGES_MAX} changes`);
  const wallets = new Set<string>();
  const changes: DelegationTuple[] = snapshot.changes.map((c, i) => {
    const field = `delegations.changes[${i}]`;
    if (typeof c.wallet !== 'string' || c.wallet.length === 0 || c.wallet.length > ADDRESS_MAX) throw invalid(`${field}.wallet`, `expected an address of 1..${ADDRESS_MAX} characters`);
    if (wallets.has(c.wallet)) throw invalid(`${field}.wallet`, `${c.wallet} changes twice in one snapshot`);
    wallets.add(c.wallet);
    if (!Array.isArray(c.prefs) || c.prefs.length > DELEGATION_TARGETS_MAX) throw invalid(`${field}.prefs`, `expected at most ${DELEGATION_TARGETS_MAX} targets`);
    const targets = new Set<string>();
    let total = 0;
    const prefs: [string, number][] = c.prefs.map((p: { readonly target: string; readonly factor: number }, j: number) => {
      const at = `${field}.prefs[${j}]`;
      if (typeof p.target !== 'string' || p.target.length === 0 || p.target.length > ADDRESS_MAX) throw invalid(`${at}.target`, `expected an address of 1..${ADDRESS_MAX} characters`);
      if (p.target === c.wallet) throw invalid(`${at}.target`, `${c.wallet} delegates to itself; its own share is what the others leave`);
      if (targets.has(p.target)) throw invalid(`${at}.target`, `${p.target} appears twice`);
      targets.add(p.target);
      if (!Number.isInteger(p.factor) || p.factor < FACTOR_MIN || p.factor > FACTOR_TOTAL) throw invalid(`${at}.factor`, `${String(p.factor)} is not an integer in ${FACTOR_MIN}..${FACTOR_TOTAL} (basis points)`);
      total += p.factor;
      return [p.target, p.factor];
    });
    if (total > FACTOR_TOTAL) throw invalid(`${field}.prefs`, `factors of ${c.wallet} add up to ${total}, above ${FACTOR_TOTAL}`);
    prefs.sort(([a], [b]) => byString(a, b));
    return [c.wallet, prefs];
  });
  changes.sort(([a], [b]) => byString(a, b));
  return { pin: snapshot.pin ?? null, cursor: snapshot.cursor, changes, notes: [...snapshot.notes] };
}

const toPrefs = (tuples: readonly [string, number][]): DelegationPref[] => tuples.map(([target, factor]) => ({ target, factor }));

/**
 * Applies a tick's delegation changes in the tick's transaction, after its account writes.
 * `indexBefore` is each pool's I_{k−1}: the marks are the accruals up to the end of tick k − 1.
 * Then asserts that no delegation cycle exists: no target is itself a delegating wallet (targets
 * are processes that do not delegate; the process refuses it, the ledger does not take it on trust).
 */
export async function writeDelegations(db: Db, tick: number, entry: JournalDelegation, indexBefore: ReadonlyMap<string, bigint>): Promise<void> {
  for (const [wallet, prefs] of entry.changes) {
    await db.run('DELETE FROM delegations WHERE wallet = ?', [wallet]);
    for (const [target, factor] of prefs) await db.run('INSERT INTO delegations (wallet, target, factor, since_tick) VALUES (?, ?, ?, ?)', [wallet, target, factor, tick]);
    await db.run('INSERT INTO delegation_history (wallet, tick, prefs) VALUES (?, ?, ?)', [wallet, tick, JSON.stringify(prefs)]);
  }
  for (const a of await accountsOfRecipients(db, entry.changes.map(([wallet]) => wallet))) {
    const cumulative = accruedAt(a, indexBefore.get(a.pool) ?? 0n);
    await db.run('INSERT INTO delegation_marks (account_id, tick, wallet, accrued) VALUES (?, ?, ?, ?)', [a.id, tick, a.recipient, cumulative.toString()]);
  }
  if (entry.changes.length > 0) {
    const [cycle] = await db.all<{ wallet: string; target: string }>('SELECT d.wallet, d.target FROM delegations d WHERE d.target IN (SELECT wallet FROM delegations) LIMIT 1');
    if (cycle !== undefined) {
      throw new EngineError('DELEGATION_CONFLICT', `tick ${tick}: ${cycle.wallet} delegates to ${cycle.target}, which delegates too; targets must be projects that do not delegate`, { details: { tick, wallet: cycle.wallet, target: cycle.target } });
    }
  }
  await db.run('INSERT INTO delegation_log (tick, pin, cursor, count, payload, notes) VALUES (?, ?, ?, ?, ?, ?)', [
    tick,
    JSON.stringify(entry.pin),
    entry.cursor,
    entry.changes.length,
    // Tuples of strings and integers: JSON.stringify is the journal's canonical encoding of them.
    JSON.stringify(entry.changes),
    JSON.stringify(entry.notes),
  ]);
}

/**
 * The current state of every account whose recipient is one of `wallets`, in one pass: the stored
 * rows by the recipient index (IN lists of BATCH), with the deferred state (SQLite, deferred-state.ts)
 * read once and merged — not Db.accountsWithRecipient per wallet, which merges it per call.
 */
async function accountsOfRecipients(db: Db, wallets: readonly string[]): Promise<AccountRow[]> {
  if (wallets.length === 0) return [];
  const wanted = new Set(wallets);
  const pending = await db.pendingAccountState();
  const out = new Map<number, AccountRow>();
  for (let i = 0; i < wallets.length; i += BATCH) {
    const part = wallets.slice(i, i + BATCH);
    for (const r of await db.all(`${ACCOUNT_SELECT} WHERE s.recipient IN (${part.map(() => '?').join(', ')})`, part)) {
      const row = toAccountRow(r);
      const p = pending.get(row.id);
      const current = p === undefined ? row : { ...row, ...p };
      if (current.recipient !== null && wanted.has(current.recipient)) out.set(row.id, current);
    }
  }
  // Deferred accounts whose recipient changed to one of the wallets after their stored row.
  const behind = [...pending].filter(([id, p]) => !out.has(id) && p.recipient !== null && wanted.has(p.recipient)).map(([id]) => id);
  for (let i = 0; i < behind.length; i += BATCH) {
    const part = behind.slice(i, i + BATCH);
    for (const r of await db.all(`${ACCOUNT_SELECT} WHERE a.id IN (${part.map(() => '?').join(', ')})`, part)) {
      const row = toAccountRow(r);
      out.set(row.id, { ...row, ...pending.get(row.id)! });
    }
  }
  return [...out.values()].sort((x, y) => x.id - y.id);
}

/** The delegation source's cursor: the last tick's (null before the first delegation snapshot). */
export async function delegationCursor(db: Db): Promise<string | null> {
  const [r] = await db.all<{ cursor: string }>('SELECT cursor FROM delegation_log ORDER BY tick DESC LIMIT 1');
  return r?.cursor ?? null;
}

/** The preferences a settlement of ticks fromTick..toTick needs (toTick = the last applied tick). */
export interface SettlementDelegations {
  /** Does this recipient's credit need splitting (it delegates now, or did during the period)? */
  involves(wallet: string): boolean;
  /** The wallet's preferences in force at tick t of the period. */
  prefsAt(wallet: string, tick: number): readonly DelegationPref[];
  /** The account's marks inside the period (fromTick, toTick], in tick order. */
  marksOf(accountId: number): readonly { readonly tick: number; readonly accrued: bigint }[];
  readonly empty: boolean;
}

/**
 * Reads them in O(delegating wallets + changes in the period): the preferences in force, the
 * history of the wallets that changed in (fromTick, toTick], and the period's marks.
 */
export async function settlementDelegations(db: Db, fromTick: number, toTick: number): Promise<SettlementDelegations> {
  const current = new Map<string, DelegationPref[]>();
  for (const r of await db.all<{ wallet: string; target: string; factor: number | string }>('SELECT wallet, target, factor FROM delegations ORDER BY wallet, target')) {
    let list = current.get(r.wallet);
    if (list === undefined) current.set(r.wallet, (list = []));
    list.push({ target: r.target, factor: Number(r.factor) });
  }
  const history = new Map<string, { tick: number; prefs: DelegationPref[] }[]>();
  const changed = (await db.all<{ wallet: string }>('SELECT DISTINCT wallet FROM delegation_history WHERE tick > ? AND tick <= ?', [fromTick, toTick])).map((r) => r.wallet);
  for (let i = 0; i < changed.length; i += BATCH) {
    const part = changed.slice(i, i + BATCH);
    const rows = await db.all<{ wallet: string; tick: number | string; prefs: string }>(
      `SELECT wallet, tick, prefs FROM delegation_history WHERE wallet IN (${part.map(() => '?').join(', ')}) AND tick <= ? ORDER BY wallet, tick`,
      [...part, toTick],
    );
    for (const r of rows) {
      let list = history.get(r.wallet);
      if (list === undefined) history.set(r.wallet, (list = []));
      list.push({ tick: Number(r.tick), prefs: toPrefs(JSON.parse(r.prefs) as [string, number][]) });
    }
  }
  const marks = new Map<number, { tick: number; accrued: bigint }[]>();
  for (const r of await db.all<{ account_id: number | string; tick: number | string; accrued: string }>('SELECT account_id, tick, accrued FROM delegation_marks WHERE tick > ? AND tick <= ? ORDER BY account_id, tick', [fromTick, toTick])) {
    const id = Number(r.account_id);
    let list = marks.get(id);
    if (list === undefined) marks.set(id, (list = []));
    list.push({ tick: Number(r.tick), accrued: BigInt(r.accrued) });
  }
  return {
    empty: current.size === 0 && history.size === 0,
    involves: (wallet) => current.has(wallet) || history.has(wallet),
    prefsAt(wallet, tick) {
      const h = history.get(wallet);
      if (h === undefined) return current.get(wallet) ?? [];
      let prefs: DelegationPref[] = [];
      for (const e of h) if (e.tick <= tick) prefs = e.prefs;
      return prefs;
    },
    marksOf: (accountId) => marks.get(accountId) ?? [],
  };
}
