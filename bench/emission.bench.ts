// `npm run bench -- emission`: how fast any tick of each preset law is answered (checkpoint table)
// beside the naive baseline (iterate from genesis), and the drift report's throughput.
import { iterateRemaining, MAX_SUPPLY, MAX_TICK, remainingAt, supplyAt } from '../src/emission/curve.ts';
import { driftRows } from '../src/emission/drift.ts';
import { ANNOUNCED_CURVE, DEPLOYED_CURVE } from '../src/emission/preset-curves.ts';

const ms = (start: number): number => performance.now() - start;
const TICKS = [1, 100_000, 420_768, 5_000_000, 10_000_000, 19_000_000, MAX_TICK];

for (const [name, curve] of [['deployed (float64-half-even)', DEPLOYED_CURVE], ['announced (exact-floor)', ANNOUNCED_CURVE]] as const) {
  console.log(`${name}:`);
  for (const k of TICKS) {
    const t0 = performance.now();
    const supply = supplyAt(curve, k);
    const fast = ms(t0);
    let line = `  tick ${k.toLocaleString('en-US').padStart(14)}: ${fast.toFixed(2).padStart(7)} ms (supply ${supply})`;
    if (k <= 10_000_000) {
      const t1 = performance.now();
      const naive = iterateRemaining(curve, MAX_SUPPLY, k);
      const slow = ms(t1);
      if (MAX_SUPPLY - naive !== supply) throw new Error(`tick ${k}: table and iteration disagree`);
      line += `; naive walk from genesis ${slow.toFixed(1)} ms${slow >= 1 ? `, ratio ${(slow / fast).toFixed(0)}×` : ""}`;
    } else line += '; naive walk from genesis: not run (past 10 M ticks it takes seconds to decades)';
    console.log(line);
  }
  // Random ticks, each answered cold from the nearest checkpoint (the cursor memo defeated by going backwards).
  const sample = Array.from({ length: 50 }, (_, i) => 19_000_000 - i * 377_777);
  const t2 = performance.now();
  for (const k of sample) remainingAt(curve, k);
  console.log(`  50 scattered ticks (descending): ${(ms(t2) / 50).toFixed(2)} ms each`);
}

const t3 = performance.now();
let differing = 0;
for (const r of driftRows(1, 420_768)) if (r.deployedMinusExact !== 0n) differing++;
console.log(`drift ticks 1..420,768 (three curves walked): ${ms(t3).toFixed(0)} ms, ${differing} ticks where float64 and exact mints differ`);
