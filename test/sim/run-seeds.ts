import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultKind } from './faults.ts';
import { SimFailure, simulate } from './pipeline.ts';
import type { SimOptions, SimResult } from './pipeline.ts';

/**
 * One seed, checked: its faulted run and its fault-free run each pass every invariant, and both
 * end with the same final hash (journal hash + outbox digest + token balances). Shared by the CI
 * test files and scripts/simulate-soak.ts.
 */
export interface SeedOutcome {
  readonly seed: number;
  readonly faulted: SimResult;
  readonly faultFree: SimResult;
}

export async function runSeed(seed: number, minter: SimOptions['minter'], opts: { ticks?: number } = {}): Promise<SeedOutcome> {
  const dir = mkdtempSync(join(tmpdir(), `ao-emission-sim-${seed}-`));
  try {
    const faulted = await simulate({ seed, faults: true, dir: join(dir, 'faulted'), minter, ...opts });
    const faultFree = await simulate({ seed, faults: false, dir: join(dir, 'fault-free'), minter, ...opts });
    if (faulted.hash !== faultFree.hash) throw new SimFailure(seed, faulted.steps, `final hash ${faulted.hash} differs from the fault-free run's ${faultFree.hash}`);
    return { seed, faulted, faultFree };
  } catch (error) {
    if (error instanceof SimFailure) throw error;
    throw new Error(`pipeline simulation failed: ${(error as Error)?.stack ?? String(error)}\nreproduce with seed=${seed}`, { cause: error });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Σ of each fault kind over the outcomes: a set of seeds must actually have injected every fault. */
export function firedTotals(outcomes: readonly SeedOutcome[]): Record<FaultKind, number> {
  const totals = {} as Record<FaultKind, number>;
  for (const o of outcomes) for (const [k, n] of Object.entries(o.faulted.fired)) totals[k as FaultKind] = (totals[k as FaultKind] ?? 0) + n;
  return totals;
}
