import type { PoolId, PoolWeight, Snapshot } from '../snapshot.ts';

export type { DelegationChange, DelegationPin, DelegationSnapshot, Pin, PoolId, PoolWeight, Snapshot, SourceStateChange, SourceStateDelta, WeightUpdate, YieldQuote } from '../snapshot.ts';

/** Read-only view of the source state as of the last applied tick (the tick whose cursor the source is given). */
export interface SourceStateReader {
  /** The stored values of these keys (missing keys are simply absent). */
  read(pool: PoolId, kind: string, keys: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** How many rows of this kind the pool holds (the cursor's count is checked against it). */
  count(pool: PoolId, kind: string): Promise<number>;
}

/** What the tick loop tells a source about the tick a snapshot is for. */
export interface SnapshotContext {
  /** The tick whose weights the snapshot sets: a deposit counts from the first tick starting at or after its confirmation + delay. */
  readonly tick: number;
}

/** A source of one pool, its snapshots' weights in the pool's unit W (the AR source: Winston; Ethereum bridges: Wei; SOL: Lamports). */
export interface Source<W extends PoolWeight = PoolWeight> {
  readonly pool: PoolId;
  /**
   * A snapshot pinned to the source's finalized/confirmed block, continuing from `cursor` (null = bootstrap).
   * `at` names the tick it is for (sources with a deposit delay need it; without it they take the tick in progress at the pin).
   */
  snapshot(cursor: string | null, signal?: AbortSignal, at?: SnapshotContext): Promise<Snapshot<W>>;
}
