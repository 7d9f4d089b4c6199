import { expect } from 'vitest';
import type { SimOptions } from './pipeline.ts';
import { firedTotals, runSeed } from './run-seeds.ts';
import type { SeedOutcome } from './run-seeds.ts';
import { ciSeeds } from './seeds.ts';

/**
 * One CI file's half of the seeds: each seed's faulted run against its fault-free run
 * (run-seeds.ts). Every failure is collected with its `reproduce with seed=N` line; the faults
 * must all have fired across the half, or the runs proved less than they claim.
 */
export async function simulatePart(part: 0 | 1, minter: SimOptions['minter']): Promise<{ seeds: number; failures: string[] }> {
  const outcomes: SeedOutcome[] = [];
  const failures: string[] = [];
  const seeds = ciSeeds(part);
  for (const seed of seeds) {
    try {
      outcomes.push(await runSeed(seed, minter));
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  const fired = firedTotals(outcomes);
  // Measured over seeds 1..100 and 101..200: each kind fires dozens of times; a kind at 0 means the injection broke.
  for (const [kind, n] of Object.entries(fired)) expect(n, `fault ${kind} never fired in ${seeds.length} seeds`).toBeGreaterThan(5);
  const restarts = outcomes.reduce((s, o) => s + o.faulted.restarts, 0);
  expect(restarts, 'crashes led to restarts').toBeGreaterThan(seeds.length / 2);
  return { seeds: outcomes.length + failures.length, failures };
}
