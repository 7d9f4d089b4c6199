import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatPolicy, lastEndedTick, splitByYield, splitMint, supplyAt, walkTicks, AO_MAINNET, DEFAULT_GENESIS_MS } from '../../src/emission/index.ts';
import { aoUnits } from '../../src/units.ts';
import { accruePools } from '../../simulations/pools.ts';
import { parseScenario, type Scenario } from '../../simulations/scenario.ts';

const base = {
  start: '2024-06-18T15:00:00Z',
  months: 12,
  ar: { supply: '65000000', priceUsd: 30 },
  bridges: [{ asset: 'stETH', tvlUsd: 320000000, apr: 0.03 }],
  ao: { fdvUsd: 1e10 },
};

/** The reference: the exact core, tick by tick, with nothing from simulations/. */
function referencePools(s: Scenario, tvlUsdMicro: (tick: number) => bigint[]) {
  const first = lastEndedTick(s.startMs, s.genesisMs) + 1;
  const last = lastEndedTick(s.endMs, s.genesisMs);
  let ar = 0n;
  let minted = 0n;
  let carried = 0n;
  const byAsset = s.bridges.map(() => 0n);
  for (const t of walkTicks(s.policy.curve, first, last)) {
    const split = splitMint(s.policy, t.tick, t.mint, s.genesisMs);
    minted += t.mint;
    ar += split.ar;
    const deposits = tvlUsdMicro(t.tick);
    const parts = splitByYield(aoUnits(split.bridges + carried), s.bridges.map((b, i) => ({ asset: b.asset, deposits: deposits[i]!, decimals: 6, priceUsd: '1', apr: String(b.apr) })));
    s.bridges.forEach((b, i) => (byAsset[i]! += parts.parts.get(b.asset)!));
    carried = parts.carried;
  }
  return { first, last, ar, minted, byAsset, carried };
}

describe('pool accrual over the horizon (exact)', () => {
  it('sums the core’s per-tick AR and bridge parts to the base unit for the June-2024 horizon', () => {
    const s = parseScenario(base);
    const pools = accruePools(s);
    const ref = referencePools(s, () => [320_000_000_000_000n]);
    // The horizon: ticks ending after 2024-06-18T15:00Z and at or before +365.25 days.
    // (2024-06-18T15:00Z − 2024-02-27T18:00Z) / 300 s = 32,220 ticks have ended at the start.
    expect(pools.firstTick).toBe(32_221);
    expect(pools.lastTick).toBe(32_220 + 105_192);
    expect(pools.ticks).toBe(105_192);
    expect(pools.arPool).toBe(ref.ar);
    expect(pools.byAsset).toEqual(ref.byAsset);
    expect(pools.minted).toBe(ref.minted);
    expect(pools.minted).toBe(supplyAt(AO_MAINNET.curve, pools.lastTick) - supplyAt(AO_MAINNET.curve, pools.firstTick - 1));
    expect(pools.arPool + pools.bridgePool).toBe(pools.minted);
    // DESIGN.md §8, deployed law: 1.0855 M AO at the start, 4.2540 M a year later.
    expect(Number(pools.supplyAtStart / 10n ** 8n) / 1e10).toBeCloseTo(1.0855, 4);
    expect(Number(pools.supplyAtEnd / 10n ** 8n) / 1e10).toBeCloseTo(4.254, 4);
    // 366 days: 365 whole days and the quarter day of the .25.
    expect(pools.days).toHaveLength(366);
    expect(pools.days.reduce((n, d) => n + d.ticks, 0)).toBe(105_192);
    expect(pools.days.reduce((sum, d) => sum + d.ar, 0n)).toBe(pools.arPool);
  });

  it('splits the bridge part between assets per tick by TVL · APR exactly as splitByYield does, with daily TVL', () => {
    const s = parseScenario({
      ...base,
      months: 1,
      bridges: [
        { asset: 'stETH', tvlUsd: 320000000, apr: 0.03 },
        { asset: 'SOL', tvlUsd: { start: 50000000, growthPerMonth: 0.5 }, apr: 0.07 },
        { asset: 'USDS', tvlUsd: { path: [{ at: '2024-06-18T15:00:00Z', tvlUsd: 0 }, { at: '2024-07-18T15:00:00Z', tvlUsd: 1e8 }] }, apr: 0.045 },
      ],
    });
    const pools = accruePools(s);
    // TVL is read at the start of the day (counted from start) in which the tick ends.
    const dayOf = (tick: number) => Math.floor((DEFAULT_GENESIS_MS + tick * 300_000 - 1 - s.startMs) / 86_400_000);
    const ref = referencePools(s, (tick) => {
      const at = s.startMs + dayOf(tick) * 86_400_000;
      const months = (at - s.startMs) / (365.25 / 12 * 86_400_000);
      // The USDS path rises linearly from 0 to 1e8 over the 30 days from 06-18 to 07-18.
      const usd = [320e6, 50e6 * 1.5 ** months, (1e8 * (at - s.startMs)) / (30 * 86_400_000)];
      return usd.map((x) => BigInt(new Decimal(x).mul(1e6).floor().toFixed()));
    });
    expect(pools.arPool).toBe(ref.ar);
    expect(pools.byAsset).toEqual(ref.byAsset);
    expect(pools.carried).toBe(ref.carried);
    // USDS has no TVL on day 0, so it gets nothing that day and a share afterwards.
    expect(pools.days[0]!.byAsset[2]).toBe(0n);
    expect(pools.days[10]!.byAsset[2]! > 0n).toBe(true);
  });

  it('carries the bridge part while no asset has TVL and never drops a unit', () => {
    const s = parseScenario({ ...base, months: 0.1, bridges: [{ asset: 'A', tvlUsd: { path: [{ at: '2024-06-20T14:59:59Z', tvlUsd: 0 }, { at: '2024-06-20T15:00:00Z', tvlUsd: 5 }] }, apr: 0.03 }, { asset: 'B', tvlUsd: 1, apr: 0 }] });
    const pools = accruePools(s);
    // Days 0–1: A has no TVL and B no APR, so every bridge unit is carried; on day 2 A takes them all.
    expect(pools.days[0]!.byAsset).toEqual([0n, 0n]);
    expect(pools.days[2]!.byAsset[0]).toBe(pools.days[0]!.bridges + pools.days[1]!.bridges + pools.days[2]!.bridges);
    expect(pools.byAsset[0]! + pools.carried).toBe(pools.bridgePool);
    expect(pools.carried).toBe(0n);
  });

  it('property: for any short horizon and flat split, pools equal the core’s per-tick sums and conserve the mint', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1500 * 86_400 }),
        fc.integer({ min: 1, max: 3 * 86_400 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (startOffsetS, lengthS, a, b) => {
          fc.pre(a + b > 0);
          const startMs = DEFAULT_GENESIS_MS + startOffsetS * 1000;
          const s = parseScenario({ ...base, start: new Date(startMs).toISOString(), months: undefined, end: new Date(startMs + lengthS * 1000).toISOString(), policy: `flat:${a}/${b}` });
          const pools = accruePools(s);
          const ref = referencePools(s, () => [320_000_000_000_000n]);
          expect(pools.arPool).toBe(ref.ar);
          expect(pools.byAsset).toEqual(ref.byAsset);
          expect(pools.arPool + pools.bridgePool).toBe(supplyAt(s.policy.curve, ref.last) - supplyAt(s.policy.curve, ref.first - 1));
          expect(pools.arPool).toBeLessThanOrEqual((pools.minted * BigInt(a)) / BigInt(a + b));
          expect(s.policy).toEqual(flatPolicy(BigInt(a), BigInt(b)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('starts the horizon with the first tick ending after start (a start on a tick boundary excludes the tick ending there)', () => {
    const s = parseScenario({ ...base, start: '2024-02-27T18:05:00Z', months: undefined, end: '2024-02-27T18:15:00Z' });
    const pools = accruePools(s);
    expect([pools.firstTick, pools.lastTick]).toEqual([2, 3]);
    const s2 = parseScenario({ ...base, start: '2024-02-27T18:04:59Z', months: undefined, end: '2024-02-27T18:14:59Z' });
    expect([accruePools(s2).firstTick, accruePools(s2).lastTick]).toEqual([1, 2]);
    // ao-mainnet: tick 32,220 ends exactly at 2024-06-18T15:00Z and is 100 % AR; the horizon starts with 32,221, split 1/3.
    expect(splitMint(AO_MAINNET, 32_221, aoUnits(1_000n)).ar).toBe(333n);
  });
});
