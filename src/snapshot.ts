import type { ArweaveAddress } from './address.ts';
import type { PoolWeight } from './units.ts';

export type { PoolWeight };

/**
 * The snapshot contract, one set of types imported by the sources and the ledger alike: what every
 * source (src/bridges/<chain>/) hands the service for one tick. Sources know nothing
 * of the ledger: the service passes the snapshot's updates and cursor to the ledger, which
 * applies them and stores the cursor in the tick's own transaction (so a crash never advances a
 * source without its tick, or a tick without its source).
 */
export type PoolId = 'ar' | 'steth' | 'dai' | 'usds' | 'sol';

export interface Pin {
  readonly chain: 'arweave' | 'ethereum' | 'solana';
  /** Block height / block number / slot, as a decimal string. */
  readonly height: string;
  /** indep_hash / block hash / blockhash of the pinned block. */
  readonly hash: string;
  /** The pinned block's timestamp, ms since the epoch. */
  readonly timeMs: number;
}

/**
 * One account's new weight, typed in its pool's unit W (Winston, Wei, Lamports): branded once where
 * the source turns the chain's decoded answer into a weight (arweave/wire.ts `parseWinston`,
 * ethereum/snapshot.ts `updatesOf`, solana/source.ts), trusted after. Unparameterised it is the raw
 * form (a bench's synthetic weights), which no Snapshot accepts: a snapshot's updates carry a
 * PoolWeight, never AO units.
 */
export interface WeightUpdate<W extends bigint = bigint> {
  /** The source's own key for the account: an Arweave address, a 0x-lowercase Ethereum address, a base58 Solana address. */
  readonly account: string;
  /** Where its AO goes; null = no valid recipient yet: accrues under `account` as unclaimed, never dropped. */
  readonly recipient: ArweaveAddress | null;
  /** The account's new weight in the asset's base units (winston, wei, lamports); 0 = left the pool. */
  readonly weight: W;
}

/** The inputs of the bridge pool's cross-asset split (DESIGN.md §3), with where each came from. */
export interface YieldQuote {
  readonly asset: string;
  readonly decimals: number;
  /** USD per whole unit, decimal string, at most 18 decimals. */
  readonly priceUsd: string;
  /** Annual rate as a fraction, decimal string, at most 18 decimals. */
  readonly apr: string;
  /** e.g. "chainlink:0x…@19000000", "config". */
  readonly priceSource: string;
  /** e.g. "lido:TokenRebased@19000000", "solana:inflation epoch 612", "config". */
  readonly aprSource: string;
}

/** One pool's snapshot, its weights in the pool's unit W; the ledger takes a Snapshot of any pool unit (the default). */
export interface Snapshot<W extends PoolWeight = PoolWeight> {
  readonly pool: PoolId;
  readonly pin: Pin;
  /**
   * complete = false: updates for the accounts that may have changed since the cursor (the ledger
   * ignores an update equal to the stored weight). complete = true: every account with weight > 0;
   * an account the ledger holds that is absent here goes to weight 0.
   */
  readonly complete: boolean;
  readonly updates: readonly WeightUpdate<W>[];
  readonly yield?: YieldQuote;
  /**
   * Small fixed-size state for the next incremental snapshot (JSON text: block/slot, hashes, counts),
   * persisted by the ledger with the tick. What grows with depositors is in `sourceState`.
   */
  readonly cursor: string;
  /** What the source's remembered state (SourceStateReader) becomes with this tick; absent = unchanged. */
  readonly sourceState?: SourceStateDelta;
  /** Facts worth recording in the tick's journal (re-pinned after a fork, stale snapshot …). */
  readonly notes: readonly string[];
}

/**
 * The source-state contract. What a source must remember per depositor or registration between
 * snapshots (a depositor's deposited amount and named address, a signer's registered recipient …)
 * is not in its cursor but in rows (pool, kind, key) → value that the ledger keeps and writes in the
 * tick's own transaction, so a tick writes O(changes) bytes however many depositors there are.
 * A snapshot returns the changes; the next snapshot reads the rows it needs through the reader it
 * was handed at construction (implemented by the ledger, src/ledger/store/source-state.ts).
 */
export interface SourceStateChange {
  /** The source's name for a family of rows, e.g. "depositor", "recipient". */
  readonly kind: string;
  readonly key: string;
  /** The row's new value (text, the source's own encoding); null = the row is deleted. */
  readonly value: string | null;
}

export interface SourceStateDelta {
  /** true: every stored row of the pool is deleted before the changes apply (a full re-read). */
  readonly reset: boolean;
  /** At most one change per (kind, key). */
  readonly changes: readonly SourceStateChange[];
}

export interface DelegationPin {
  readonly chain: 'ao';
  readonly process: string;
  /** The process's change sequence the snapshot is complete up to. */
  readonly seq: number;
}

/** One wallet's whole preference set after a change: targets other than the wallet itself ([] = it keeps everything). */
export interface DelegationChange {
  readonly wallet: string;
  readonly prefs: readonly { readonly target: string; readonly factor: number }[];
}

/**
 * What the delegation source (src/bridges/ao/delegation-source.ts) hands a tick: the wallets whose
 * preferences changed since its cursor, pinned to the delegation process's change sequence. Applied
 * and hashed with the tick (src/ledger/delegation.ts); the preferences take effect from this tick on.
 */
export interface DelegationSnapshot {
  readonly pin: DelegationPin;
  readonly cursor: string;
  readonly changes: readonly DelegationChange[];
  readonly notes: readonly string[];
}
