import { describe, expect, it } from 'vitest';
import { MAX_SUPPLY, supplyAt } from '../../src/emission/curve.ts';
import { AO_ANNOUNCED, AO_MAINNET, flatPolicy } from '../../src/emission/policy.ts';
import { buildSchedule, parseEvery } from '../../src/emission/schedule.ts';
import { DEFAULT_GENESIS_MS } from '../../src/emission/ticks.ts';

const YEAR_MS = 365.25 * 86_400_000;

describe('the periodic schedule', () => {
  it('adds up: minted per row = supply change, AR + bridges = minted, last supply = supply at the last tick', () => {
    const rows = buildSchedule({ fromMs: DEFAULT_GENESIS_MS, toMs: Date.parse('2025-03-01T00:00:00Z'), everyMs: parseEvery('30d'), policy: AO_MAINNET });
    let previous = 0n;
    for (const r of rows) {
      expect(r.minted).toBe(r.supply - previous);
      expect(r.ar + r.bridges).toBe(r.minted);
      previous = r.supply;
    }
    expect(rows.at(-1)!.supply).toBe(supplyAt(AO_MAINNET.curve, rows.at(-1)!.lastTick));
    expect(rows.find((r) => r.transferable)!.endMs).toBe(Date.parse('2025-02-21T18:00:00Z')); // first 30-day row end after the gate (2025-02-08T23:20Z)
    const announced = buildSchedule({ fromMs: DEFAULT_GENESIS_MS, toMs: Date.parse('2025-03-01T00:00:00Z'), everyMs: parseEvery('30d'), policy: AO_ANNOUNCED });
    expect(announced.at(-1)!.supply).toBe(supplyAt(AO_ANNOUNCED.curve, announced.at(-1)!.lastTick));
  });

  it('shows the cumulative AR share under ao-mainnet heading towards ≈36 %', () => {
    // Limit: all of the 1.0855 M minted before bridging + 1/3 of the rest = (1.0855 + 19.9145/3)/21 ≈ 36.78 %.
    const rows = buildSchedule({ fromMs: DEFAULT_GENESIS_MS, toMs: DEFAULT_GENESIS_MS + 60 * YEAR_MS, everyMs: parseEvery('3650d'), policy: AO_MAINNET });
    for (let i = 1; i < rows.length; i++) {
      // share_i < share_{i−1}, compared exactly: ar_i · supply_{i−1} < ar_{i−1} · supply_i
      expect(rows[i]!.cumulativeAr * rows[i - 1]!.supply < rows[i - 1]!.cumulativeAr * rows[i]!.supply).toBe(true);
    }
    const shares = rows.map((r) => Number((r.cumulativeAr * 100_000n) / r.supply) / 1000);
    expect(shares.at(-1)).toBeGreaterThan(36);
    expect(shares.at(-1)).toBeLessThan(38);
    expect(rows.at(-1)!.supply).toBeLessThan(MAX_SUPPLY);
  });

  it('floors each tick on its own under flat:1/2, so a flat 1/3 schedule can differ from floor(total/3)', () => {
    const rows = buildSchedule({ fromMs: DEFAULT_GENESIS_MS, toMs: DEFAULT_GENESIS_MS + 86_400_000, everyMs: parseEvery('1d'), policy: flatPolicy(1n, 2n) });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.ticks).toBe(288);
    expect(rows[0]!.ar).toBeLessThanOrEqual(rows[0]!.minted / 3n);
    expect(rows[0]!.minted / 3n - rows[0]!.ar).toBeLessThan(288n);
  });

  it('refuses periods that are not multiples of a tick, and ranges with too many rows', () => {
    expect(parseEvery('1h')).toBe(3_600_000);
    expect(() => parseEvery('7m')).toThrow(/every: 7m is not a multiple of the 5-minute tick/);
    expect(() => parseEvery('1y')).toThrow(/expected a count and a unit m\|h\|d\|w/);
    expect(() => parseEvery('0d')).toThrow();
    expect(() => buildSchedule({ fromMs: DEFAULT_GENESIS_MS, toMs: DEFAULT_GENESIS_MS + 10 * YEAR_MS, everyMs: parseEvery('5m'), policy: AO_MAINNET })).toThrow(/rows is more than 100000/);
  });
});
