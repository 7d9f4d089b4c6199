import { iterateRemaining, MAX_SUPPLY } from './curve.ts';

/**
 * remaining_{i·interval} for i = 0..count−1, by plain iteration from genesis. The source of
 * checkpoints.data.ts (written by scripts/generate-checkpoints.ts, checked by a test that calls
 * this again and compares every entry).
 */
export function computeCheckpoints(intervalTicks: number, count: number): bigint[] {
  const out: bigint[] = [MAX_SUPPLY];
  for (let i = 1; i < count; i++) out.push(iterateRemaining(out[i - 1]!, intervalTicks));
  return out;
}
