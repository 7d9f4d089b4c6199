import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario, mulberry32, nearestRank, normalSource, parseScenario, simulate } from '../../simulations/index.ts';

const base = {
  start: '2024-06-18T15:00:00Z',
  months: 3,
  ar: { supply: '65000000', priceUsd: 30 },
  bridges: [{ asset: 'stETH', tvlUsd: 320e6, apr: 0.03 }],
  ao: { fdvUsd: [5e9] },
};
const withMc = (monteCarlo: Record<string, unknown>) => simulate(parseScenario({ ...base, monteCarlo }));

describe('seeded PRNG', () => {
  it('repeats its sequence for a seed, differs between seeds, and is uniform on [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 100_000 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs.slice(0, 5));
    expect(c()).not.toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    // Mean of U(0,1) is 1/2 with standard error 1/√(12·10^5) ≈ 0.0009: 5 standard errors.
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / xs.length - 0.5)).toBeLessThan(0.0046);
  });

  it('draws standard normals (mean 0, variance 1 within sampling error)', () => {
    const z = normalSource(mulberry32(7));
    const n = 100_000;
    const xs = Array.from({ length: n }, () => z());
    const mean = xs.reduce((s, x) => s + x, 0) / n;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
    // Standard errors: 1/√n ≈ 0.0032 for the mean, √(2/n) ≈ 0.0045 for the variance; 5 of each.
    expect(Math.abs(mean)).toBeLessThan(0.016);
    expect(Math.abs(variance - 1)).toBeLessThan(0.023);
    expect(xs.filter((x) => Math.abs(x) > 1.96).length / n).toBeCloseTo(0.05, 2);
  });

  it('takes percentiles by nearest rank', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([nearestRank(sorted, 5), nearestRank(sorted, 50), nearestRank(sorted, 95)]).toEqual([1, 5, 10]);
  });
});

describe('Monte Carlo over the AO price path', () => {
  it('gives identical results for the same seed and records the seed; another seed differs', () => {
    const one = withMc({ runs: 300, seed: 99 });
    const two = withMc({ runs: 300, seed: 99 });
    const other = withMc({ runs: 300, seed: 100 });
    expect(one.monteCarlo!.seed).toBe(99);
    expect(one.monteCarlo!.arApy[50]!.toString()).toBe(two.monteCarlo!.arApy[50]!.toString());
    expect(one.monteCarlo!.days.at(-1)!.aoPriceUsd[5]!.toString()).toBe(two.monteCarlo!.days.at(-1)!.aoPriceUsd[5]!.toString());
    expect(one.monteCarlo!.arApy[50]!.toString()).not.toBe(other.monteCarlo!.arApy[50]!.toString());
  });

  it('with no volatility and no drift, every percentile is the deterministic APY at the start FDV', () => {
    const sim = withMc({ runs: 50, seed: 1, ao: { driftPerYear: 0, volatilityPerYear: 0 } });
    const row = sim.rows[0]!;
    for (const p of [5, 25, 50, 75, 95]) {
      // exp(ln P) round-trips the price to ~1e-15 relative.
      expect(sim.monteCarlo!.arApy[p]!.div(row.arApy).minus(1).abs().toNumber()).toBeLessThan(1e-12);
      expect(sim.monteCarlo!.bridgeApy[0]![p]!.div(row.bridgeApy[0]!).minus(1).abs().toNumber()).toBeLessThan(1e-12);
    }
  });

  it('orders its percentile bands and centres the price on the log-normal median', () => {
    const sim = simulate(loadScenario(fileURLToPath(new URL('../../simulations/scenarios/monte-carlo.yaml', import.meta.url))));
    const mc = sim.monteCarlo!;
    expect(mc.runs).toBe(2000);
    for (const day of mc.days) {
      const ps = mc.percentiles.map((p) => day.arReturn[p]!.toNumber());
      expect([...ps].sort((a, b) => a - b)).toEqual(ps);
    }
    // GBM median after one year (365.25 days of steps): P0 · exp(−σ²/2) = (5e9/21e6) · exp(−0.405) = 158.8 USD; 2,000 runs put the
    // sample median within ~4 % (standard error of the median of ln P: 1.2533 · 0.9 / √2000 = 0.025).
    const median = mc.days.at(-1)!.aoPriceUsd[50]!.toNumber();
    expect(Math.abs(median / ((5e9 / 21e6) * Math.exp(-0.405)) - 1)).toBeLessThan(0.1);
  });
});
