import { EngineError } from '../../errors.ts';
import type { Db } from './db.ts';
import type { LedgerSnapshot, PoolId } from '../types.ts';

/**
 * The ledger side of the source-state contract (src/bridges/types.ts): what a source remembers per
 * depositor or registration lives in source_state, one row per (pool, kind, key), so a source's
 * cursor stays a few hundred bytes and a tick writes O(changes) bytes. A snapshot's changes are
 * applied in the tick's own transaction (a crash never advances the rows without their tick), logged
 * in source_state_log and hashed into the tick's journal entry as the pool's `sourceState` (only
 * when the snapshot brought changes: older entries hash as they always did), so replaying the
 * journal rebuilds the rows (verifySourceState).
 */

/** [kind, key, value or null = deleted], sorted by kind then key. */
export type SourceStateTuple = [string, string, string | null];

/** A pool's source-state changes in one tick, as the journal entry carries them. */
export interface JournalSourceState {
  readonly reset: boolean;
  readonly changes: readonly SourceStateTuple[];
}

const KIND_MAX = 32;
const KEY_MAX = 256;
const VALUE_MAX = 4_096;
/** Rows per INSERT / IN list (5 parameters a row: well under either driver's limit). */
const BATCH = 500;
/** Ticks of source_state_log read per statement by the audit. */
const TICK_WINDOW = 10_000;

const byKindKey = (a: SourceStateTuple, b: SourceStateTuple): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/** The snapshot's changes checked and in journal order; undefined when it brings none. */
export function sourceStateEntry(snapshot: LedgerSnapshot): JournalSourceState | undefined {
  const delta = snapshot.sourceState;
  if (delta === undefined || (!delta.reset && delta.changes.length === 0)) return undefined;
  const field = `snapshots.${snapshot.pool}.sourceState`;
  if (typeof delta.reset !== 'boolean') throw new EngineError('INVALID_ARGUMENT', `${field}.reset: ${String(delta.reset)} is not a boolean`);
  const tuples: SourceStateTuple[] = delta.changes.map((c, i) => {
    if (typeof c.kind !== 'string' || c.kind.length === 0 || c.kind.length > KIND_MAX) throw new EngineError('INVALID_ARGUMENT', `${field}.changes[${i}].kind: expected 1..${KIND_MAX} characters`);
    if (typeof c.key !== 'string' || c.key.length === 0 || c.key.length > KEY_MAX) throw new EngineError('INVALID_ARGUMENT', `${field}.changes[${i}].key: expected 1..${KEY_MAX} characters`);
    if (c.value !== null && (typeof c.value !== 'string' || c.value.length > VALUE_MAX)) throw new EngineError('INVALID_ARGUMENT', `${field}.changes[${i}].value: expected null or at most ${VALUE_MAX} characters`);
    return [c.kind, c.key, c.value];
  });
  tuples.sort(byKindKey);
  for (let i = 1; i < tuples.length; i++) {
    if (byKindKey(tuples[i - 1]!, tuples[i]!) === 0) throw new EngineError('INVALID_ARGUMENT', `${field}: ${tuples[i]![0]} ${tuples[i]![1]} is changed twice; expected at most one change per kind and key`);
  }
  return { reset: delta.reset, changes: tuples };
}

/** Applies one pool's changes to source_state and logs them, in the caller's (the tick's) transaction. */
export async function writeSourceState(db: Db, tick: number, pool: string, entry: JournalSourceState | undefined): Promise<void> {
  if (entry === undefined) return;
  if (entry.reset) await db.run('DELETE FROM source_state WHERE pool = ?', [pool]);
  const upserts = entry.changes.filter((c) => c[2] !== null);
  for (let i = 0; i < upserts.length; i += BATCH) {
    const rows = upserts.slice(i, i + BATCH);
    await db.run(
      `INSERT INTO source_state (pool, kind, key, value, changed_tick) VALUES ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (pool, kind, key) DO UPDATE SET value = excluded.value, changed_tick = excluded.changed_tick`,
      rows.flatMap(([kind, key, value]) => [pool, kind, key, value, tick]),
    );
  }
  for (const [kind, key] of entry.changes.filter((c) => c[2] === null)) await db.run('DELETE FROM source_state WHERE pool = ? AND kind = ? AND key = ?', [pool, kind, key]);
  await db.run('INSERT INTO source_state_log (tick, pool, reset, count, payload) VALUES (?, ?, ?, ?, ?)', [
    tick,
    pool,
    db.dialect === 'sqlite' ? Number(entry.reset) : String(entry.reset),
    entry.changes.length,
    // Tuples of strings and nulls: JSON.stringify is the journal's canonical encoding of them.
    JSON.stringify(entry.changes),
  ]);
}

/** The logged changes of ticks from..to: tick → pool → changes (what each tick's journal entry hashed). */
export async function loggedSourceState(db: Db, fromTick: number, toTick: number): Promise<Map<number, Map<string, JournalSourceState & { readonly count: number }>>> {
  const rows = await db.all('SELECT tick, pool, reset, count, payload FROM source_state_log WHERE tick >= ? AND tick <= ? ORDER BY tick, pool', [fromTick, toTick]);
  const out = new Map<number, Map<string, JournalSourceState & { readonly count: number }>>();
  for (const r of rows) {
    const tick = Number(r['tick']);
    let pools = out.get(tick);
    if (pools === undefined) out.set(tick, (pools = new Map()));
    const reset = r['reset'] === true || Number(r['reset']) === 1;
    pools.set(r['pool'] as string, { reset, changes: JSON.parse(r['payload'] as string) as SourceStateTuple[], count: Number(r['count']) });
  }
  return out;
}

/** A difference between source_state and the replay of source_state_log. */
export interface SourceStateDivergence {
  readonly pool: string;
  readonly kind: string;
  readonly key: string;
  readonly expected: string | null;
  readonly found: string | null;
}

/**
 * Replays source_state_log from the first tick and compares the result with source_state, row by
 * row (O(log + state): an audit, not a per-tick check). Also reports a log row whose count is not
 * its number of changes.
 */
export async function verifySourceState(db: Db, limit = 1_000): Promise<SourceStateDivergence[]> {
  const replay = new Map<string, string>();
  const name = (pool: string, kind: string, key: string): string => JSON.stringify([pool, kind, key]);
  const found: SourceStateDivergence[] = [];
  const top = await db.all<{ t: number | string | null }>('SELECT MAX(tick) AS t FROM source_state_log');
  const lastTick = Number(top[0]?.t ?? 0);
  for (let from = 1; from <= lastTick; from += TICK_WINDOW) {
    for (const [tick, pools] of await loggedSourceState(db, from, from + TICK_WINDOW - 1)) {
      for (const [pool, entry] of pools) {
        if (entry.reset) for (const k of [...replay.keys()]) if ((JSON.parse(k) as string[])[0] === pool) replay.delete(k);
        for (const [kind, key, value] of entry.changes) {
          if (value === null) replay.delete(name(pool, kind, key));
          else replay.set(name(pool, kind, key), value);
        }
        if (entry.count !== entry.changes.length) found.push({ pool, kind: '(log)', key: `tick ${tick}`, expected: String(entry.changes.length), found: String(entry.count) });
      }
    }
  }
  const stored = await db.all<{ pool: string; kind: string; key: string; value: string }>('SELECT pool, kind, key, value FROM source_state');
  for (const r of stored) {
    const n = name(r.pool, r.kind, r.key);
    const expected = replay.get(n) ?? null;
    if (expected !== r.value) found.push({ pool: r.pool, kind: r.kind, key: r.key, expected, found: r.value });
    replay.delete(n);
  }
  for (const [n, value] of replay) {
    const [pool, kind, key] = JSON.parse(n) as [string, string, string];
    found.push({ pool, kind, key, expected: value, found: null });
  }
  return found.slice(0, limit);
}

/** The source-state reader a source is handed (structurally src/bridges/types.ts SourceStateReader). */
export interface LedgerSourceStateReader {
  read(pool: PoolId, kind: string, keys: readonly string[]): Promise<ReadonlyMap<string, string>>;
  count(pool: PoolId, kind: string): Promise<number>;
}

/** Reads source_state through `run` (the ledger's serial queue, so a read never sees half a tick). */
export function sourceStateReader(db: Db, run: <T>(fn: () => Promise<T>) => Promise<T>): LedgerSourceStateReader {
  return {
    read: (pool, kind, keys) =>
      run(async () => {
        const out = new Map<string, string>();
        for (let i = 0; i < keys.length; i += BATCH) {
          const chunk = keys.slice(i, i + BATCH);
          const rows = await db.all<{ key: string; value: string }>(`SELECT key, value FROM source_state WHERE pool = ? AND kind = ? AND key IN (${chunk.map(() => '?').join(', ')})`, [pool, kind, ...chunk]);
          for (const r of rows) out.set(r.key, r.value);
        }
        return out;
      }),
    count: (pool, kind) =>
      run(async () => {
        const rows = await db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM source_state WHERE pool = ? AND kind = ?', [pool, kind]);
        return Number(rows[0]?.n ?? 0);
      }),
  };
}
