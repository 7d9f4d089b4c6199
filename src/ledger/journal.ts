import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { JournalSourceState } from './store/source-state.ts';
import type { JournalDelegation } from './delegation.ts';

/**
 * The journal: every tick row carries hash_k = sha256(prevHash_k ‖ canonical(tick_k)) with
 *   prevHash_1 = 64 zeros, prevHash_k = hash_{k−1},
 *   ‖ = the 32 raw bytes of prevHash (hex-decoded) followed by the UTF-8 bytes of canonical(tick_k),
 *   canonical(x) = canonicalJson of the JournalEntry below: object keys sorted by UTF-16 code unit,
 *   no whitespace, bigints as decimal strings, arrays in the order given (changes sorted by pool
 *   then account, pools sorted by id), undefined members omitted, null kept.
 * Wall-clock times (applied_at) are not hashed, so a replay gives the same chain on either dialect.
 */
export const GENESIS_HASH = '0'.repeat(64);

export interface JournalChange {
  readonly pool: string;
  readonly account: string;
  readonly oldWeight: bigint;
  readonly newWeight: bigint;
  readonly oldRecipient: string | null;
  readonly newRecipient: string | null;
}

export interface JournalPool {
  readonly pool: string;
  readonly amount: bigint;
  readonly totalWeight: bigint;
  readonly indexDelta: bigint;
  readonly index: bigint;
  readonly residue: bigint;
  readonly yieldWeight: bigint | null;
  readonly pin: unknown;
  readonly yieldQuote: unknown;
  readonly complete: boolean | null;
  readonly cursor: string | null;
  /** The snapshot's source-state changes (source-state.ts); absent when it brought none, so older entries hash as before. */
  readonly sourceState?: JournalSourceState | undefined;
  readonly notes: readonly string[];
}

export interface JournalEntry {
  readonly tick: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly mint: bigint;
  readonly splitAr: bigint;
  readonly splitBridges: bigint;
  readonly bridgeCarryIn: bigint;
  readonly bridgeCarryOut: bigint;
  readonly policyLabel: string;
  readonly policy: unknown;
  readonly notes: readonly string[];
  readonly pools: readonly JournalPool[];
  /** [pool, account, oldWeight, newWeight, oldRecipient, newRecipient], sorted by pool then account. */
  readonly changes: readonly JournalChange[];
  /** The tick's delegation snapshot (delegation.ts); absent when it had none, so older entries hash as before. */
  readonly delegation?: JournalDelegation | undefined;
}

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'bigint':
      return `"${value.toString()}"`;
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not a finite number`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
  }
}

const compareChange = (a: JournalChange, b: JournalChange): number =>
  a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : a.account < b.account ? -1 : a.account > b.account ? 1 : 0;

/** The canonical encoding of one tick: what the hash covers. */
export function encodeEntry(entry: JournalEntry): string {
  const pools = [...entry.pools].sort((a, b) => (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0));
  // "changes" is the third key (after bridgeCarryIn/Out, whose values are digits). A change is
  // [pool, account, "old", "new", oldRecipient, newRecipient]: strings and nulls only, for which
  // JSON.stringify is canonicalJson, and one call for thousands of them is several times faster
  // than encoding each (a tick may carry thousands).
  const sorted = [...entry.changes].sort(compareChange);
  const tuples = new Array<(string | null)[]>(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    tuples[i] = [c.pool, c.account, c.oldWeight.toString(), c.newWeight.toString(), c.oldRecipient, c.newRecipient];
  }
  const rest = canonicalJson({ ...entry, pools, changes: [] });
  const marker = ',"changes":[],';
  const at = rest.indexOf(marker);
  assert.ok(rest.startsWith('{"bridgeCarryIn":') && at > 0, 'encodeEntry: key order changed');
  // Spliced by position, not String.replace (whose replacement would read "$&" in a key as a pattern).
  return `${rest.slice(0, at)},"changes":${JSON.stringify(tuples)},${rest.slice(at + marker.length)}`;
}

export function chainHash(prevHash: string, canonical: string): string {
  if (!/^[0-9a-f]{64}$/.test(prevHash)) throw new TypeError(`chainHash: prevHash ${JSON.stringify(prevHash)} is not 64 lowercase hex digits`);
  return createHash('sha256').update(Buffer.from(prevHash, 'hex')).update(canonical, 'utf8').digest('hex');
}

export const entryHash = (prevHash: string, entry: JournalEntry): string => chainHash(prevHash, encodeEntry(entry));
