import { iterateRemaining, MAX_SUPPLY, type Curve } from './curve.ts';

/**
 * remaining_{i·interval} of a curve for i = 0, 1, … by plain iteration from genesis, up to and
 * including the first entry past the curve's last mint (where remaining stops moving). The source
 * of the checkpoints-*.data.ts tables (scripts/generate-checkpoints.ts), and what the test that
 * recomputes every entry compares them with.
 */
export function computeCheckpoints(curve: Curve, intervalTicks: number, countMax: number): bigint[] {
  const out: bigint[] = [MAX_SUPPLY];
  while (out.length < countMax) {
    const last = out[out.length - 1]!;
    const next = iterateRemaining(curve, last, intervalTicks);
    out.push(next);
    if (next === last) break;
  }
  return out;
}
