import { z } from 'zod';
import { arweaveAddressFromBytes } from '../../address.ts';
import type { ArweaveAddress } from '../../address.ts';
import { EngineError } from '../../errors.ts';
import { parseCursor } from '../cursor.ts';
import type { SourceStateChange, SourceStateDelta } from '../types.ts';
import { STETH_POOL_TOPIC, TOPIC_TOKEN_REBASED, TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN } from './abi.ts';
import type { RawLog } from './decode.ts';
import { word } from './decode.ts';
import { MalformedAnswer } from './rpc.ts';

/** What the source remembers of one depositor between snapshots. */
export interface Depositor {
  /** stETH wei credited by the pre-bridge (UserStaked amounts minus UserWithdrawn amounts). */
  deposited: bigint;
  /** The latest non-zero valid Arweave address seen in the depositor's events; null = unclaimed. */
  recipient: ArweaveAddress | null;
}

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
}

/** The source-state kind of a depositor row: key = the 0x-lowercase user, value = depositorValue(). */
export const DEPOSITOR_KIND = 'depositor';

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
export function applyLog(state: ScanState, log: RawLog, stETH: string | null, touched: Set<string>): AppliedEvent {
  const t0 = log.topics[0];
  if (log.address === state.preBridge && (t0 === TOPIC_USER_STAKED || t0 === TOPIC_USER_WITHDRAWN)) {
    if (log.topics.length !== 3 || log.data.length !== 2 + 128) {
      throw new MalformedAnswer(`log ${log.transactionHash}#${log.logIndex}: ${t0 === TOPIC_USER_STAKED ? 'UserStaked' : 'UserWithdrawn'} with ${log.topics.length} topics and ${(log.data.length - 2) / 2} data bytes; expected 3 and 64`);
    }
    if (log.topics[1] !== STETH_POOL_TOPIC) return 'ignored';
    const userWord = log.topics[2]!.slice(2);
    if (!userWord.startsWith('0'.repeat(24))) throw new MalformedAnswer(`log ${log.transactionHash}#${log.logIndex}: user topic is not an address`);
    const user = `0x${userWord.slice(24)}`;
    const body = log.data.slice(2);
    const amount = word(body, 0);
    const recipient = recipientFromWord(body.slice(64, 128));
    const d = state.depositors.get(user) ?? { deposited: 0n, recipient: null };
    if (t0 === TOPIC_USER_STAKED) {
      d.deposited += amount;
      state.totalDeposited += amount;
    } else {
      if (amount > d.deposited) {
        throw new EngineError('SNAPSHOT_MISMATCH', `ethereum: ${user} withdrew ${amount} wei at block ${log.blockNumber} but the indexed deposit is ${d.deposited} wei`, {
          details: { user, block: log.blockNumber.toString(), amount: amount.toString(), deposited: d.deposited.toString() },
        });
      }
      d.deposited -= amount;
      state.totalDeposited -= amount;
    }
    // The recipient rule (issue 5): the latest non-zero valid address wins; an event without one keeps the old.
    if (recipient !== null) d.recipient = recipient;
    state.depositors.set(user, d);
    touched.add(user);
    return t0 === TOPIC_USER_STAKED ? 'staked' : 'withdrawn';
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
const depositorValueSchema = z.tuple([dec, z.string().length(43).nullable()]);
/** Version 1 (until issue 17) carried every depositor; read once, its depositors become source-state rows. */
const cursorV1 = z.object({ v: z.literal(1), ...head, depositors: z.record(z.string().regex(/^0x[0-9a-f]{40}$/), depositorValueSchema) });
/** Version 2: the depositors are source-state rows; the cursor keeps their count. */
const cursorV2 = z.object({ v: z.literal(2), ...head, depositors: z.number().int().nonnegative() });
const cursorSchema = z.discriminatedUnion('v', [cursorV1, cursorV2]);

const recipientOf = (text: string | null, field: string): ArweaveAddress | null =>
  text === null ? null : arweaveAddressFromBytes(new Uint8Array(Buffer.from(text, 'base64url')), field);

/** A depositor's row value, [deposited wei, recipient or null] as JSON; null = no row (nothing to carry forward). */
export function depositorValue(d: Depositor): string | null {
  if (d.deposited === 0n && d.recipient === null) return null;
  return JSON.stringify([d.deposited.toString(), d.recipient]);
}

export function parseDepositorValue(user: string, text: string): Depositor {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = depositorValueSchema.safeParse(json);
  if (!parsed.success) throw new EngineError('INVALID_ARGUMENT', `steth source state: depositor ${user}: ${JSON.stringify(text.slice(0, 80))} is not [deposited wei, recipient or null]`);
  return { deposited: BigInt(parsed.data[0]), recipient: recipientOf(parsed.data[1], `steth source state ${user}`) };
}

/** The users of the pre-bridge's stETH-pool events among these logs (to read their rows before applying them). */
export function depositorsIn(logs: readonly RawLog[], preBridge: string): string[] {
  const users = new Set<string>();
  for (const log of logs) {
    const t0 = log.topics[0];
    if (log.address !== preBridge || (t0 !== TOPIC_USER_STAKED && t0 !== TOPIC_USER_WITHDRAWN) || log.topics[1] !== STETH_POOL_TOPIC) continue;
    const userWord = log.topics[2];
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
    rebase:
      r === null
        ? null
        : Object.fromEntries(Object.entries(r).map(([k, v]) => [k, (v as bigint).toString()])),
  });
}

export function decodeCursor(text: string, expect: { chainId: number; preBridge: string }): ScanState {
  const c = parseCursor('steth', text, cursorSchema);
  if (c.chainId !== expect.chainId || c.preBridge !== expect.preBridge) {
    throw new EngineError('INVALID_ARGUMENT', `steth cursor: is for chain ${c.chainId} pre-bridge ${c.preBridge}; this source reads chain ${expect.chainId} pre-bridge ${expect.preBridge}`);
  }
  const depositors = new Map<string, Depositor>();
  if (c.v === 1) {
    let sum = 0n;
    for (const [user, [deposited, recipient]] of Object.entries(c.depositors)) {
      const d = BigInt(deposited);
      sum += d;
      depositors.set(user, { deposited: d, recipient: recipientOf(recipient, `cursor ${user}`) });
    }
    if (sum !== BigInt(c.totalDeposited)) throw new EngineError('INVALID_ARGUMENT', `steth cursor: depositors sum to ${sum} wei but totalDeposited is ${c.totalDeposited}`);
  }
  const r = c.rebase;
  return {
    chainId: c.chainId,
    preBridge: c.preBridge,
    block: BigInt(c.block),
    hash: c.hash,
    totalDeposited: BigInt(c.totalDeposited),
    depositors,
    stored: new Set(),
    count: c.v === 1 ? depositors.size : c.depositors,
    reset: c.v === 1,
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
