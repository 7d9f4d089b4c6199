// Simulation speed: a 10,000-point APY sweep (100 FDV × 100 TVL) over the June-2024 pools, beside the
// naive way (re-walking the exact curve for every point), measured in the same process, as a ratio.
// Also: the exact pool walk of a 12-month horizon (105,192 ticks) and a 2,000-run Monte Carlo.
import { fileURLToPath } from 'node:url';
import { accruePools, loadScenario, runMonteCarlo, runSweep, simulate, sweepPointFromScratch, toAo } from '../simulations/index.ts';

const scenario = loadScenario(fileURLToPath(new URL('../simulations/scenarios/june-2024.json', import.meta.url)));
const time = <T>(fn: () => T): { ms: number; value: T } => {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
};
const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 0)} ms`;

const walk = time(() => accruePools(scenario));
console.log(`exact pools, 12-month horizon (${walk.value.ticks.toLocaleString('en-US')} ticks): ${fmt(walk.ms)}`);

const sim = simulate(scenario);
const axes = {
  fdvUsd: Array.from({ length: 100 }, (_, i) => 1e9 * 20 ** (i / 99)),
  arPriceUsd: [30],
  tvlUsd: Array.from({ length: 100 }, (_, i) => 1e8 * 20 ** (i / 99)),
};
const input = { aoPerAr: sim.aoPerAr, aoPerBridgeUsd: sim.aoPerBridgeUsd, baseTvlUsd: sim.baseTvlUsd, months: scenario.months };
runSweep(axes, input); // warm-up
const sweep = time(() => runSweep(axes, input));
console.log(`sweep, ${sweep.value.length.toLocaleString('en-US')} points: ${fmt(sweep.ms)} (${((sweep.ms * 1000) / sweep.value.length).toFixed(2)} µs/point)`);

// Naive baseline: every point re-walks the horizon's ticks to get its pools, then applies the formula.
// Measured on a sample of points and scaled to 10,000 (the full run would take minutes).
const SAMPLE = 5;
const naive = time(() => {
  for (let i = 0; i < SAMPLE; i++) {
    const pools = accruePools(scenario);
    const aoPerAr = toAo(pools.arPool).div(scenario.arSupply);
    sweepPointFromScratch(axes.fdvUsd[i]!, 30, axes.tvlUsd[i]!, { ...input, aoPerAr, aoPerBridgeUsd: pools.aoPerBridgeUsd });
  }
});
const naivePerPoint = naive.ms / SAMPLE;
console.log(`naive baseline (re-walk the curve per point): ${fmt(naivePerPoint)}/point → ~${((naivePerPoint * 10_000) / 1000).toFixed(0)} s for 10,000 points`);
console.log(`ratio: ${((naivePerPoint * sweep.value.length) / sweep.ms).toFixed(0)}× faster than the naive sweep`);

const mcConfig = { runs: 2000, seed: 20240618, startFdvUsd: 5e9, driftPerYear: 0, volatilityPerYear: 0.9, percentiles: [5, 25, 50, 75, 95] };
const mcInput = {
  cumulativeAoPerAr: sim.cumulative.map((c) => c.aoPerAr),
  cumulativeAoPerUsd: sim.cumulative.map((c) => c.aoPerUsd),
  dayYears: sim.pools.days.map((d) => (d.endMs - d.startMs) / (365.25 * 86_400_000)),
  arPriceUsd: scenario.arPriceUsd,
  months: scenario.months,
};
const mc = time(() => runMonteCarlo(mcConfig, mcInput));
console.log(`Monte Carlo, 2,000 runs × ${mcInput.dayYears.length} days: ${fmt(mc.ms)}`);
