import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { FaultKind } from './faults.ts';

/**
 * The seeded pipeline simulation in CI: seeds 1..200, each faulted run checked at every step
 * against the simulator's model and ending with the same final hash (journal hash + outbox digest
 * + token balances) as the fault-free run of the same seed. The seeds run in two processes of
 * scripts/simulate-soak.ts (one CPU each: vitest gives this file one worker); a failure's message
 * says `reproduce with seed=N`.
 */
const SOAK = new URL('../../scripts/simulate-soak.ts', import.meta.url).pathname;
const SEEDS_PER_PROCESS = 100;

interface Summary {
  seeds: number;
  passed: number;
  failed: number[];
  restarts: number;
  fired: Record<FaultKind, number>;
  sameHash: boolean;
}

function soak(from: number): Promise<{ summary: Summary; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SOAK, '--from', String(from), '--count', String(SEEDS_PER_PROCESS), '--seconds', '1200', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('exit', () => {
      try {
        resolve({ summary: JSON.parse(out.trim().split('\n').pop()!) as Summary, stderr: err });
      } catch {
        reject(new Error(`simulate:soak --from ${from} printed no summary: ${err}`));
      }
    });
  });
}

describe('seeded whole-pipeline simulation', () => {
  it('seeds 1..200 keep every invariant at every step under faults and each ends with its fault-free run\'s final hash', async () => {
    const runs = await Promise.all([soak(1), soak(1 + SEEDS_PER_PROCESS)]);
    for (const { summary, stderr } of runs) {
      expect(summary.failed, stderr).toEqual([]);
      expect(summary.seeds).toBe(SEEDS_PER_PROCESS);
      expect(summary.sameHash).toBe(true);
      // Each half must really have injected every fault (measured: every kind fires dozens of times
      // in 100 seeds) and restarted after crashes, or it proved less than it claims.
      for (const [kind, n] of Object.entries(summary.fired)) expect(n, `fault ${kind} in seeds from ${summary.seeds}`).toBeGreaterThan(5);
      expect(summary.restarts).toBeGreaterThan(SEEDS_PER_PROCESS / 2);
    }
  }, 900_000);
});
