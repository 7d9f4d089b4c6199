import { z } from 'zod';
import { arweaveAddressFromBytes } from '../../address.ts';
import type { ArweaveAddress } from '../../address.ts';
import { EngineError } from '../../errors.ts';
import { parseCursor } from '../cursor.ts';
import type { SourceStateChange, SourceStateDelta } from '../types.ts';
import { STETH_POOL_TOPIC, TOPIC_TOKEN_REBASED, TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN, TOPIC_VAULT_USER_STAKED, TOPIC_VAULT_USER_WITHDRAWN } from './abi.ts';
import type { BridgeKind, EthereumPool } from './assets.ts';
import type { RawLog } from './decode.ts';
import { word } from './decode.ts';
import { MalformedAnswer } from './rpc.ts';

/** A deposit still in its delay: it counts from `tick` (the first tick starting at or after its block time + the delay). */
export interface Queued {
  readonly tick: number;
  amount: bigint;
}

/** What the source remembers of one depositor between snapshots. */
export interface Depositor {
  /** Base units credited by the bridge (UserStaked amounts minus UserWithdrawn amounts): what usersData says. */
  deposited: bigint;
  /** The latest non-zero valid Arweave address seen in the depositor's events; null = unclaimed. */
  recipient: ArweaveAddress | null;
  /** Deposits not counted yet, by tick ascending (absent = none). The weight is deposited − Σ queued. */
  queued?: Queued[];
}

/** The weight a depositor has in the pool: what the bridge holds less what is still in its delay. */
export const countedOf = (d: Depositor): bigint => d.deposited - (d.queued ?? []).reduce((sum, q) => sum + q.amount, 0n);

/** The fields of Lido's TokenRebased that the APR needs, plus where it was seen. */
export interface Rebase {
  readonly block: bigint;
  readonly reportTimestamp: bigint;
  readonly timeElapsed: bigint;
  readonly preTotalShares: bigint;
  readonly preTotalEther: bigint;
  readonly postTotalShares: bigint;
  readonly postTotalEther: bigint;
}

/**
 * What a snapshot works on. The depositors map holds only the depositors this snapshot read from
 * the source state (SourceStateReader) or met in its events, not every depositor: the rest stay
 * as stored. A reset state (a first scan, a rescan after a fork, a version-1 cursor) holds them all.
 */
export interface ScanState {
  readonly chainId: number;
  readonly pool: EthereumPool;
  readonly kind: BridgeKind;
  /** The bridge contract (the cursor's `preBridge`, its name from when stETH was the only one). */
  readonly preBridge: string;
  /** Last block whose events are included, and its hash (to detect a fork below it next time). */
  block: bigint;
  hash: string;
  totalDeposited: bigint;
  readonly depositors: Map<string, Depositor>;
  /** Depositors whose row was in the source state when read (to keep `count` exact). */
  readonly stored: Set<string>;
  /** Rows in the source state: depositors with a deposit or a recipient. */
  count: number;
  /** true: the stored rows are replaced by this state's depositors. */
  reset: boolean;
  rebase: Rebase | null;
  /** Queued deposits due at or before this tick are counted (0 = none queued yet). Only grows. */
  countedTick: number;
  /** Users given a queued deposit due at a tick by this snapshot: tick → users (merged into the due rows). */
  readonly dueAdded: Map<number, Set<string>>;
}

/** The source-state kind of a depositor row: key = the 0x-lowercase user, value = depositorValue(). */
export const DEPOSITOR_KIND = 'depositor';
/**
 * The source-state kind of a due row: key = a tick (decimal), value = JSON array of the users with a
 * queued deposit counting from that tick. A snapshot for tick K reads the rows of the ticks since the
 * last one it counted (normally one), so finding what matures costs O(ticks elapsed), not O(depositors).
 * A user whose queued deposit was withdrawn stays listed until the row is consumed: listing is a hint.
 */
export const DUE_KIND = 'due';

const ZERO_WORD = '0'.repeat(64);
const BASE64URL_BYTE = /^[A-Za-z0-9_-]$/;

/**
 * The recipient a bytes32 names, or null when it names none: the zero word (no address given;
 * also what an emergency eject emits), or 32 bytes that are themselves base64url text — someone
 * pasted the 43-character address (truncated) instead of its raw bytes. Raw addresses are SHA-256
 * digests, so a real one is all-base64url-characters with probability 2^-64.
 */
export function recipientFromWord(hexNo0x: string): ArweaveAddress | null {
  if (hexNo0x === ZERO_WORD) return null;
  const bytes = Buffer.from(hexNo0x, 'hex');
  if (bytes.every((b) => BASE64URL_BYTE.test(String.fromCharCode(b)))) return null;
  return arweaveAddressFromBytes(new Uint8Array(bytes));
}

export type AppliedEvent = 'staked' | 'withdrawn' | 'rebased' | 'ignored';

/**
 * Applies one log (already checked to be at or below the pinned block) to the state and returns the
 * depositor it touched, if any. A withdrawal of more than the depositor holds means our history
 * is wrong: the snapshot fails rather than guess.
 */
export function applyLog(state: ScanState, log: RawLog, stETH: string | null, touched: Set<string>, dueOf: (log: RawLog) => number | null = () => null): AppliedEvent {
  const t0 = log.topics[0];
  const topics = state.kind === 'pools' ? [TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN] : [TOPIC_VAULT_USER_STAKED, TOPIC_VAULT_USER_WITHDRAWN];
  if (log.address === state.preBridge && t0 !== undefined && topics.includes(t0)) {
    const staked = t0 === topics[0];
    const topicCount = state.kind === 'pools' ? 3 : 2;
    if (log.topics.length !== topicCount || log.data.length !== 2 + 128) {
      throw new MalformedAnswer(`log ${log.transactionHash}#${log.logIndex}: ${staked ? 'UserStaked' : 'UserWithdrawn'} with ${log.topics.length} topics and ${(log.data.length - 2) / 2} data bytes; expected ${topicCount} and 64`);
    }
    if (state.kind === 'pools' && log.topics[1] !== STETH_POOL_TOPIC) return 'ignored';
    const userWord = log.topics[topicCount - 1]!.slice(2);
    if (!userWord.startsWith('0'.repeat(24))) throw new MalformedAnswer(`log ${log.transactionHash}#${log.logIndex}: user topic is not an address`);
    const user = `0x${userWord.slice(24)}`;
    const body = log.data.slice(2);
    const amount = word(body, 0);
    const recipient = recipientFromWord(body.slice(64, 128));
    const d = state.depositors.get(user) ?? { deposited: 0n, recipient: null };
    if (staked) {
      d.deposited += amount;
      state.totalDeposited += amount;
      const due = dueOf(log);
      if (due !== null && due > state.countedTick && amount > 0n) queue(state, d, user, due, amount);
    } else {
      if (amount > d.deposited) {
        throw new EngineError('SNAPSHOT_MISMATCH', `${state.pool}: ${user} withdrew ${amount} base units at block ${log.blockNumber} but the indexed deposit is ${d.deposited}`, {
          details: { user, block: log.blockNumber.toString(), amount: amount.toString(), deposited: d.deposited.toString() },
        });
      }
      d.deposited -= amount;
      state.totalDeposited -= amount;
      takeFromQueue(d, amount);
    }
    // The recipient rule: the latest non-zero valid address wins; an event without one keeps the old.
    if (recipient !== null) d.recipient = recipient;
    state.depositors.set(user, d);
    touched.add(user);
    return staked ? 'staked' : 'withdrawn';
  }
  if (stETH !== null && log.address === stETH && t0 === TOPIC_TOKEN_REBASED) {
    if (log.topics.length !== 2 || log.data.length !== 2 + 6 * 64) throw new MalformedAnswer(`log ${log.transactionHash}#${log.logIndex}: TokenRebased of the wrong shape`);
    const body = log.data.slice(2);
    state.rebase = {
      block: log.blockNumber,
      reportTimestamp: BigInt(log.topics[1]!),
      timeElapsed: word(body, 0),
      preTotalShares: word(body, 1),
      preTotalEther: word(body, 2),
      postTotalShares: word(body, 3),
      postTotalEther: word(body, 4),
    };
    return 'rebased';
  }
  return 'ignored';
}

// --- the deposit delay -----------------------------------------------------------------------------

function queue(state: ScanState, d: Depositor, user: string, tick: number, amount: bigint): void {
  const q = (d.queued ??= []);
  const same = q.find((e) => e.tick === tick);
  if (same) same.amount += amount;
  else {
    q.push({ tick, amount });
    q.sort((a, b) => a.tick - b.tick);
  }
  let users = state.dueAdded.get(tick);
  if (users === undefined) state.dueAdded.set(tick, (users = new Set()));
  users.add(user);
}

/**
 * A withdrawal takes first from the deposits still in their delay, latest first (those furthest from
 * counting), then from the counted amount — as AO's process does, so a deposit withdrawn within its
 * delay never earns, and what stays queued is what was deposited earliest.
 */
function takeFromQueue(d: Depositor, amount: bigint): void {
  const q = d.queued;
  if (q === undefined) return;
  let rest = amount;
  while (rest > 0n && q.length > 0) {
    const last = q[q.length - 1]!;
    const take = last.amount < rest ? last.amount : rest;
    last.amount -= take;
    rest -= take;
    if (last.amount === 0n) q.pop();
  }
  if (q.length === 0) delete d.queued;
}

/** Counts the depositor's queued deposits due at or before `tick`; true when any was. */
export function mature(d: Depositor, tick: number): boolean {
  const q = d.queued;
  if (q === undefined || q.length === 0 || q[0]!.tick > tick) return false;
  const left = q.filter((e) => e.tick > tick);
  if (left.length === 0) delete d.queued;
  else d.queued = left;
  return true;
}

// --- source state: one row per depositor; cursor: the fixed-size rest, versioned -----------------

const dec = z.string().regex(/^(0|[1-9][0-9]*)$/);
const rebaseSchema = z
  .object({ block: dec, reportTimestamp: dec, timeElapsed: dec, preTotalShares: dec, preTotalEther: dec, postTotalShares: dec, postTotalEther: dec })
  .nullable();
const head = {
  chainId: z.number().int().positive(),
  preBridge: z.string().regex(/^0x[0-9a-f]{40}$/),
  block: dec,
  hash: z.string().regex(/^0x[0-9a-f]{64}$/),
  totalDeposited: dec,
  rebase: rebaseSchema,
};
const queuedSchema = z.array(z.tuple([z.number().int().positive(), dec])).min(1);
const depositorValueSchema = z.union([z.tuple([dec, z.string().length(43).nullable()]), z.tuple([dec, z.string().length(43).nullable(), queuedSchema])]);
/** Version 1 (before the source-state rows) carried every depositor; read once, its depositors become source-state rows. */
const cursorV1 = z.object({ v: z.literal(1), ...head, depositors: z.record(z.string().regex(/^0x[0-9a-f]{40}$/), depositorValueSchema) });
/** Version 2: the depositors are source-state rows; the cursor keeps their count (and, with a deposit delay, the tick counted through). */
const cursorV2 = z.object({ v: z.literal(2), ...head, depositors: z.number().int().nonnegative(), countedTick: z.number().int().nonnegative().optional() });
const cursorSchema = z.discriminatedUnion('v', [cursorV1, cursorV2]);

const recipientOf = (text: string | null, field: string): ArweaveAddress | null =>
  text === null ? null : arweaveAddressFromBytes(new Uint8Array(Buffer.from(text, 'base64url')), field);

/** A depositor's row value, [deposited, recipient or null(, [[tick, amount], …] queued)] as JSON; null = no row (nothing to carry forward). */
export function depositorValue(d: Depositor): string | null {
  if (d.deposited === 0n && d.recipient === null) return null;
  const q = d.queued ?? [];
  return JSON.stringify(q.length === 0 ? [d.deposited.toString(), d.recipient] : [d.deposited.toString(), d.recipient, q.map((e) => [e.tick, e.amount.toString()])]);
}

export function parseDepositorValue(user: string, text: string, pool = 'steth'): Depositor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = depositorValueSchema.safeParse(json);
  if (!parsed.success) throw new EngineError('INVALID_ARGUMENT', `${pool} source state: depositor ${user}: ${JSON.stringify(text.slice(0, 80))} is not [deposited, recipient or null, queued?]`);
  const d: Depositor = { deposited: BigInt(parsed.data[0]), recipient: recipientOf(parsed.data[1], `${pool} source state ${user}`) };
  const q = parsed.data[2];
  if (q !== undefined) {
    d.queued = q.map(([tick, amount]) => ({ tick, amount: BigInt(amount) }));
    if (countedOf(d) < 0n) throw new EngineError('INVALID_ARGUMENT', `${pool} source state: depositor ${user}: queues more than the ${d.deposited} deposited`);
  }
  return d;
}

/** The users a due row lists. */
export function parseDueValue(tick: string, text: string, pool: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = z.array(z.string().regex(/^0x[0-9a-f]{40}$/)).safeParse(json);
  if (!parsed.success) throw new EngineError('INVALID_ARGUMENT', `${pool} source state: due ${tick}: ${JSON.stringify(text.slice(0, 80))} is not a list of 0x addresses`);
  return parsed.data;
}

/** The users of the bridge's deposit events among these logs (to read their rows before applying them). */
export function depositorsIn(logs: readonly RawLog[], preBridge: string, kind: BridgeKind = 'pools'): string[] {
  const users = new Set<string>();
  for (const log of logs) {
    const t0 = log.topics[0];
    if (log.address !== preBridge) continue;
    if (kind === 'pools' && ((t0 !== TOPIC_USER_STAKED && t0 !== TOPIC_USER_WITHDRAWN) || log.topics[1] !== STETH_POOL_TOPIC)) continue;
    if (kind === 'vault' && t0 !== TOPIC_VAULT_USER_STAKED && t0 !== TOPIC_VAULT_USER_WITHDRAWN) continue;
    const userWord = log.topics[kind === 'pools' ? 2 : 1];
    if (userWord !== undefined && userWord.length === 66) users.add(`0x${userWord.slice(26)}`);
  }
  return [...users];
}

/** The source-state changes of these depositors (all of them when the state is reset), with the row count kept in step. */
export function depositorChanges(s: ScanState, touched: ReadonlySet<string>): SourceStateDelta {
  const users = [...(s.reset ? s.depositors.keys() : touched)].sort();
  const changes: SourceStateChange[] = [];
  if (s.reset) s.count = 0;
  for (const user of users) {
    const value = depositorValue(s.depositors.get(user)!);
    const had = !s.reset && s.stored.has(user);
    if (value === null && !had) continue;
    changes.push({ kind: DEPOSITOR_KIND, key: user, value });
    s.count += (value === null ? 0 : 1) - (had ? 1 : 0);
  }
  return { reset: s.reset, changes };
}

/**
 * The due rows' changes: rows of the ticks this snapshot counted are consumed (deleted), rows of the
 * ticks it queued deposits for are merged with what they held (`stored`). A reset writes them all
 * afresh from the depositors' queues.
 */
export function dueChanges(s: ScanState, consumed: readonly number[], stored: ReadonlyMap<number, readonly string[]>): SourceStateChange[] {
  const rows = new Map<number, Set<string>>();
  if (s.reset) {
    for (const [user, d] of s.depositors) for (const q of d.queued ?? []) rows.set(q.tick, (rows.get(q.tick) ?? new Set()).add(user));
  } else {
    for (const [tick, users] of s.dueAdded) rows.set(tick, new Set([...(stored.get(tick) ?? []), ...users]));
  }
  const changes: SourceStateChange[] = [];
  if (!s.reset) for (const tick of consumed) if (!rows.has(tick)) changes.push({ kind: DUE_KIND, key: String(tick), value: null });
  for (const [tick, users] of [...rows].sort((a, b) => a[0] - b[0])) changes.push({ kind: DUE_KIND, key: String(tick), value: JSON.stringify([...users].sort()) });
  return changes;
}

export function encodeCursor(s: ScanState): string {
  const r = s.rebase;
  return JSON.stringify({
    v: 2,
    chainId: s.chainId,
    preBridge: s.preBridge,
    block: s.block.toString(),
    hash: s.hash,
    totalDeposited: s.totalDeposited.toString(),
    depositors: s.count,
    ...(s.countedTick === 0 ? {} : { countedTick: s.countedTick }),
    rebase:
      r === null
        ? null
        : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v as bigint).toString()])),
  });
}

export function decodeCursor(text: string, expect: { chainId: number; preBridge: string; pool?: EthereumPool; kind?: BridgeKind }): ScanState {
  const pool = expect.pool ?? 'steth';
  const c = parseCursor(pool, text, cursorSchema);
  if (c.chainId !== expect.chainId || c.preBridge !== expect.preBridge) {
    throw new EngineError('INVALID_ARGUMENT', `${pool} cursor: is for chain ${c.chainId} bridge ${c.preBridge}; this source reads chain ${expect.chainId} bridge ${expect.preBridge}`);
  }
  const depositors = new Map<string, Depositor>();
  if (c.v === 1) {
    let sum = 0n;
    for (const [user, [deposited, recipient]] of Object.entries(c.depositors)) {
      const d = BigInt(deposited);
      sum += d;
      depositors.set(user, { deposited: d, recipient: recipientOf(recipient, `cursor ${user}`) });
    }
    if (sum !== BigInt(c.totalDeposited)) throw new EngineError('INVALID_ARGUMENT', `${pool} cursor: depositors sum to ${sum} wei but totalDeposited is ${c.totalDeposited}`);
  }
  const r = c.rebase;
  return {
    chainId: c.chainId,
    pool,
    kind: expect.kind ?? 'pools',
    preBridge: c.preBridge,
    block: BigInt(c.block),
    hash: c.hash,
    totalDeposited: BigInt(c.totalDeposited),
    depositors,
    stored: new Set(),
    count: c.v === 1 ? depositors.size : c.depositors,
    reset: c.v === 1,
    countedTick: c.v === 1 ? 0 : (c.countedTick ?? 0),
    dueAdded: new Map(),
    rebase:
      r === null
        ? null
        : {
            block: BigInt(r.block),
            reportTimestamp: BigInt(r.reportTimestamp),
            timeElapsed: BigInt(r.timeElapsed),
            preTotalShares: BigInt(r.preTotalShares),
            preTotalEther: BigInt(r.preTotalEther),
            postTotalShares: BigInt(r.postTotalShares),
            postTotalEther: BigInt(r.postTotalEther),
          },
  };
}
