import { EngineError } from '../errors.ts';
import type { PoolId, Snapshot, SourceStateDelta, SourceStateReader } from './types.ts';

/**
 * Source state held in memory, applied the way the ledger applies it (src/ledger/store/source-state.ts):
 * a reset deletes the pool's rows, then each change upserts or deletes one row. The ledger is
 * the store in production; this one serves a source run without a ledger (tests, bench, one-off
 * snapshots) and stands in for the ledger where a test applies snapshots itself.
 */
export class MemorySourceState implements SourceStateReader {
  readonly #rows = new Map<string, Map<string, string>>();

  #table(pool: PoolId, kind: string): Map<string, string> {
    const name = `${pool}\u0000${kind}`;
    let table = this.#rows.get(name);
    if (table === undefined) this.#rows.set(name, (table = new Map()));
    return table;
  }

  apply(pool: PoolId, delta: SourceStateDelta | undefined): void {
    if (delta === undefined) return;
    if (delta.reset) for (const name of [...this.#rows.keys()]) if (name.startsWith(`${pool}\u0000`)) this.#rows.delete(name);
    for (const c of delta.changes) {
      if (c.value === null) this.#table(pool, c.kind).delete(c.key);
      else this.#table(pool, c.kind).set(c.key, c.value);
    }
  }

  read(pool: PoolId, kind: string, keys: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const table = this.#table(pool, kind);
    const out = new Map<string, string>();
    for (const k of keys) {
      const v = table.get(k);
      if (v !== undefined) out.set(k, v);
    }
    return Promise.resolve(out);
  }

  count(pool: PoolId, kind: string): Promise<number> {
    return Promise.resolve(this.#table(pool, kind).size);
  }
}

/**
 * The state of a source that was handed no reader: its own snapshots, each taken as applied once
 * the next snapshot continues from its cursor (a snapshot whose tick was not applied is called
 * again with the older cursor, and its changes are dropped). A cursor that is neither is from
 * another process: its state is in that ledger, so the snapshot fails instead of reading nothing.
 */
export class OwnSourceState {
  readonly state = new MemorySourceState();
  readonly #pool: PoolId;
  #at: string | null = null;
  #pending: { cursor: string; delta: SourceStateDelta | undefined } | null = null;

  constructor(pool: PoolId) {
    this.#pool = pool;
  }

  /** Brings the state to `cursor` (null = a first snapshot, which reads no state). */
  continueFrom(cursor: string | null): void {
    if (cursor !== null && this.#pending !== null && cursor === this.#pending.cursor) {
      this.state.apply(this.#pool, this.#pending.delta);
      this.#at = cursor;
    } else if (cursor !== null && cursor !== this.#at) {
      throw new EngineError('INVALID_ARGUMENT', `${this.#pool} cursor: not one this source returned, and it was given no source-state reader; hand it the ledger's (service/sources.ts)`);
    }
    this.#pending = null;
  }

  returned(snapshot: Snapshot): void {
    this.#pending = { cursor: snapshot.cursor, delta: snapshot.sourceState };
  }
}
