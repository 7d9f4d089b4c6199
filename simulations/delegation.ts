import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { EngineError } from '../src/errors.ts';
import { AO_UNIT } from '../src/units.ts';
import type { Pools } from './pools.ts';

/**
 * A yield-delegation scenario (DESIGN.md §9): which share of each pool's AO its holders
 * delegate to each project, e.g.
 *
 *   {"projects": ["PI", "APUS"], "shares": {"AR": {"PI": 0.25}, "stETH": {"PI": 0.1, "APUS": 0.4}}}
 *
 * and what follows from it: AO per day per project, and the effective yield of a holder whose
 * preferences are the pool's shares (what it keeps: (1 − Σ shares) of the pool's AO per unit).
 * Delegation never changes what a pool accrues (DESIGN.md §9), so this is a post-processing of the
 * exact pool amounts (pools.ts). A share is turned into basis points (round down) and each day's
 * part is floor(pool's AO that day · bp / 10000), the ledger's rule applied to the pool's whole day
 * instead of each account's credit: the ledger's parts are lower by less than one base unit per
 * account and settlement.
 */
export interface DelegationScenario {
  readonly projects: readonly string[];
  /** pool ('AR' or a bridge asset of the scenario) → basis points per project, in `projects` order. */
  readonly shares: ReadonlyMap<string, readonly number[]>;
}

export interface DelegationDay {
  readonly startMs: number;
  readonly endMs: number;
  /** AO base units each project received that day, in `projects` order. */
  readonly perProject: readonly bigint[];
  /** What the holders kept: AR pool, then each bridge asset in the scenario's order. */
  readonly kept: readonly bigint[];
}

export interface DelegationResult {
  readonly projects: readonly string[];
  readonly days: readonly DelegationDay[];
  /** Σ days per project, base units. */
  readonly totals: readonly bigint[];
  /**
   * Per pool (AR, then the bridge assets): the share delegated, and the holder's effective AO yield
   * (AO per AR for the AR pool, AO per USD deposited for a bridge asset, over the horizon) next to
   * the undelegated one.
   */
  readonly effective: readonly { readonly pool: string; readonly delegated: Decimal; readonly aoPerUnit: Decimal; readonly keptAoPerUnit: Decimal }[];
}

const BASIS = 10_000;
/** Base units → AO (apy.ts has the same; not imported: scenario.ts imports this module and apy.ts imports scenario.ts). */
const toAo = (units: bigint): Decimal => new Decimal(units.toString()).div(AO_UNIT.toString());
const shareSchema = z.number().finite().min(0).max(1);
const schema = z
  .object({
    projects: z.array(z.string().min(1).max(64)).min(1).max(64),
    shares: z.record(z.string(), z.record(z.string(), shareSchema)),
  })
  .strict();

/** Parses and checks a delegation scenario against the pools it names (AR and the scenario's bridge assets). */
export function parseDelegationScenario(input: unknown, bridgeAssets: readonly string[]): DelegationScenario {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new EngineError('INVALID_SCENARIO', `delegation.${issue.path.join('.')}: ${issue.message}`);
  }
  const { projects, shares } = parsed.data;
  if (new Set(projects).size !== projects.length) throw new EngineError('INVALID_SCENARIO', 'delegation.projects: a project appears twice');
  const pools = ['AR', ...bridgeAssets];
  const out = new Map<string, number[]>();
  for (const [pool, byProject] of Object.entries(shares)) {
    if (!pools.includes(pool)) throw new EngineError('INVALID_SCENARIO', `delegation.shares.${pool}: not a pool of the scenario; expected one of ${pools.join(', ')}`);
    const bp = projects.map(() => 0);
    for (const [project, share] of Object.entries(byProject)) {
      const i = projects.indexOf(project);
      if (i < 0) throw new EngineError('INVALID_SCENARIO', `delegation.shares.${pool}.${project}: not one of the projects (${projects.join(', ')})`);
      bp[i] = Math.floor(share * BASIS + 1e-9);
    }
    const total = bp.reduce((a, b) => a + b, 0);
    if (total > BASIS) throw new EngineError('INVALID_SCENARIO', `delegation.shares.${pool}: the shares add up to ${total / 100} %, above 100 %`);
    out.set(pool, bp);
  }
  return { projects, shares: out };
}

/**
 * AO per day per project and the holders' effective yield, from the exact pool amounts. `aoPerUnit`:
 * the undelegated yield of each pool over the horizon (AO per AR, then AO per USD of each asset:
 * Simulation.aoPerAr, aoPerBridgeUsd); the kept yield is it × the pool's kept AO / its AO.
 */
export function simulateDelegation(pools: Pools, bridgeAssets: readonly string[], aoPerUnit: readonly Decimal[], d: DelegationScenario): DelegationResult {
  const poolNames = ['AR', ...bridgeAssets];
  const bps = poolNames.map((p) => d.shares.get(p) ?? d.projects.map(() => 0));
  const totals = d.projects.map(() => 0n);
  const keptTotals = poolNames.map(() => 0n);
  const days = pools.days.map((day): DelegationDay => {
    const amounts = [day.ar, ...day.byAsset];
    const perProject = d.projects.map(() => 0n);
    const kept = amounts.map((amount, p) => {
      let given = 0n;
      for (const [j, bp] of bps[p]!.entries()) {
        const part = (amount * BigInt(bp)) / BigInt(BASIS);
        perProject[j]! += part;
        given += part;
      }
      return amount - given;
    });
    perProject.forEach((q, j) => (totals[j]! += q));
    kept.forEach((q, p) => (keptTotals[p]! += q));
    return { startMs: day.startMs, endMs: day.endMs, perProject, kept };
  });
  const amountsTotal = [pools.arPool, ...pools.byAsset];
  const effective = poolNames.map((pool, p) => {
    const full = aoPerUnit[p]!;
    const total = amountsTotal[p]!;
    const kept = total === 0n ? full : full.mul(keptTotals[p]!.toString()).div(total.toString());
    return { pool, delegated: new Decimal(bps[p]!.reduce((a, b) => a + b, 0)).div(BASIS), aoPerUnit: full, keptAoPerUnit: kept };
  });
  return { projects: d.projects, days, totals, effective };
}

/** One CSV row per day: start, end, then each project's AO (12 decimals). */
export function delegationCsv(r: DelegationResult): string {
  const ao = (q: bigint): string => toAo(q).toFixed(12);
  const lines = [['day_start', 'day_end', ...r.projects.map((p) => `${p}_ao`)].join(',')];
  for (const d of r.days) lines.push([new Date(d.startMs).toISOString(), new Date(d.endMs).toISOString(), ...d.perProject.map(ao)].join(','));
  return `${lines.join('\n')}\n`;
}
