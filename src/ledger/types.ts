import type { Policy } from '../emission/policy.ts';
import type { AoUnits } from '../units.ts';

import type { DelegationChange, DelegationSnapshot, PoolId, PoolWeight, Snapshot, WeightUpdate, YieldQuote } from '../snapshot.ts';

/**
 * The snapshot contract (src/snapshot.ts) under the names the ledger uses: the sources' own types, not
 * copies. A snapshot's weights are a PoolWeight (winston, wei, lamports), never AoUnits; every AO
 * amount below (mint, pool amounts, credits, totals) is AoUnits, never a weight.
 */
export type { PoolId, PoolWeight };
export type LedgerWeightUpdate = WeightUpdate<PoolWeight>;
export type LedgerYieldQuote = YieldQuote;
export type LedgerSnapshot = Snapshot;
export type LedgerDelegationChange = DelegationChange;
export type LedgerDelegationSnapshot = DelegationSnapshot;

export interface TickInput {
  /** Must be lastAppliedTick() + 1, else EngineError('TICK_CONFLICT') and nothing changes. */
  readonly tick: number;
  readonly genesisMs: number;
  /** Recorded with the tick (policyToData, policyLabel). */
  readonly policy: Policy;
  /** At most one per pool. A pool without a snapshot keeps its previous weights. */
  readonly snapshots: readonly LedgerSnapshot[];
  /** Facts the service records (catch-up, late snapshot …), hashed with the tick. */
  readonly notes?: readonly string[];
  /** The delegation source's snapshot, when the service has one. */
  readonly delegations?: LedgerDelegationSnapshot;
}

export interface PoolStep {
  readonly pool: PoolId;
  /** P_k, AO base units. */
  readonly amount: AoUnits;
  /** W_k after this tick's changes. */
  readonly totalWeight: bigint;
  readonly indexDelta: bigint;
  readonly index: bigint;
  readonly residue: bigint;
}

export interface AppliedTick {
  readonly tick: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly mint: AoUnits;
  readonly split: { readonly ar: AoUnits; readonly bridges: AoUnits };
  /** Bridge amount no bridge pool could take (every yield weight zero), carried to the next tick. */
  readonly bridgeCarryOut: AoUnits;
  readonly pools: readonly PoolStep[];
  /** Accounts whose weight or recipient changed. */
  readonly changeCount: number;
}

export interface SettlementResult {
  /** `${pool}:${fromTick}-${toTick}`. */
  readonly id: string;
  readonly pool: PoolId;
  readonly fromTick: number;
  readonly toTick: number;
  /** Credit rows (one per account credited). */
  readonly creditCount: number;
  /** Outbox entries (accounts sharing a recipient are summed). */
  readonly recipientCount: number;
  readonly total: AoUnits;
  readonly batchIds: readonly string[];
  /** Of total, what went to projects by delegation (DESIGN.md §9). */
  readonly delegated: AoUnits;
  /** One Report.Mint per project credited, by project id. */
  readonly projects: readonly SettlementProject[];
}

export interface SettlementProject {
  readonly project: string;
  readonly reportId: string;
  /** Report rows: one per account that delegated to the project. */
  readonly rows: number;
  readonly total: AoUnits;
}

export interface AccountView {
  readonly pool: PoolId;
  readonly account: string;
  readonly id: number;
  /** null: unclaimed — accrues under the account key and is credited once a recipient is set. */
  readonly recipient: string | null;
  readonly weight: bigint;
  readonly atTick: number;
  /** Accrued but not yet credited, in whole base units: floor(unsettledScaled / SCALE). */
  readonly unsettled: AoUnits;
  /** The same, scaled by SCALE = 10^36 (its low part is the fraction the account keeps). */
  readonly unsettledScaled: bigint;
  /** Σ credits to this account in settlements up to atTick, base units. */
  readonly settled: AoUnits;
  readonly joinedTick: number;
  readonly changedTick: number;
}

export interface PoolTotals {
  readonly pool: PoolId;
  readonly atTick: number;
  /** Σ P_k: what the pool received, base units. */
  readonly minted: AoUnits;
  readonly credited: AoUnits;
  /** (Σ accrued − SCALE · credited), scaled; whole units: floor(/SCALE). */
  readonly unsettledScaled: bigint;
  readonly unsettled: AoUnits;
  /** r_k, scaled (carried into the next tick; the whole amount while the pool has no weight). */
  readonly residueScaled: bigint;
  readonly totalWeight: bigint;
  readonly index: bigint;
}

export interface TickPoolRecord extends PoolStep {
  readonly yieldWeight: bigint | null;
  readonly pin: unknown;
  readonly yieldQuote: unknown;
  readonly complete: boolean | null;
  readonly cursor: string | null;
  readonly notes: readonly string[];
}

export interface TickRecord {
  readonly tick: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly appliedAtMs: number;
  readonly mint: AoUnits;
  readonly split: { readonly ar: AoUnits; readonly bridges: AoUnits };
  readonly bridgeCarryIn: AoUnits;
  readonly bridgeCarryOut: AoUnits;
  readonly policyLabel: string;
  readonly policy: unknown;
  readonly notes: readonly string[];
  readonly changeCount: number;
  readonly pools: readonly TickPoolRecord[];
  readonly hash: string;
  readonly prevHash: string;
}

export interface Conservation {
  /** minted·SCALE = credited·SCALE + unsettledScaled + residueScaled + bridgeCarry·SCALE, recomputed from the rows. */
  readonly ok: boolean;
  readonly minted: AoUnits;
  readonly credited: AoUnits;
  /** floor(unsettledScaled / SCALE). */
  readonly unsettled: AoUnits;
  /** minted − credited − unsettled: pool residues, accounts' sub-unit fractions and the bridge carry, in whole units. */
  readonly residue: AoUnits;
  readonly unsettledScaled: bigint;
  readonly residueScaled: bigint;
  readonly bridgeCarry: AoUnits;
  /** Human-readable findings when ok is false. */
  readonly problems: readonly string[];
}
