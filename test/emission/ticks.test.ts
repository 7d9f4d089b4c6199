import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_GENESIS_MS, firstTickStartingAtOrAfter, lastEndedTick, parseInstant, tickAt, tickEndMs, tickStartMs } from '../../src/emission/ticks.ts';

describe('ticks and time', () => {
  it('starts tick 1 at genesis 2024-02-27T18:00:00Z and makes each tick 300 s long', () => {
    expect(new Date(tickStartMs(1)).toISOString()).toBe('2024-02-27T18:00:00.000Z');
    expect(new Date(tickEndMs(1)).toISOString()).toBe('2024-02-27T18:05:00.000Z');
    expect(tickAt(DEFAULT_GENESIS_MS)).toBe(1);
    expect(tickAt(DEFAULT_GENESIS_MS + 299_999)).toBe(1);
    expect(tickAt(DEFAULT_GENESIS_MS + 300_000)).toBe(2);
  });

  it('maps every instant into the tick whose [start, end) contains it, for any genesis', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 0, max: 3e12 }), (genesis, offset) => {
        const t = genesis + offset;
        const k = tickAt(t, genesis);
        expect(tickStartMs(k, genesis) <= t && t < tickEndMs(k, genesis)).toBe(true);
        expect(lastEndedTick(t, genesis)).toBe(k - 1);
      }),
    );
  });

  it('refuses instants before genesis, malformed dates and times without a zone', () => {
    expect(() => tickAt(DEFAULT_GENESIS_MS - 1)).toThrow(/before genesis/);
    expect(lastEndedTick(DEFAULT_GENESIS_MS - 1)).toBe(0);
    expect(() => parseInstant('2024-02-30T00:00:00Z', '--at')).toThrow(/--at: "2024-02-30T00:00:00Z" is not a valid date/);
    expect(parseInstant('2024-02-29T23:59:59Z', '--at')).toBe(Date.parse('2024-02-29T23:59:59Z'));
    expect(() => parseInstant('2024-13-01', '--at')).toThrow(/--at: "2024-13-01" is not a valid date/);
    expect(() => parseInstant('2024-06-18T15:00:00', '--at')).toThrow(/not an ISO-8601 instant/);
    expect(() => parseInstant('yesterday', '--from')).toThrow(/--from/);
    expect(parseInstant('2024-06-18', 'x')).toBe(Date.parse('2024-06-18T00:00:00Z'));
  });

  it('firstTickStartingAtOrAfter: a deposit delayed to the instant t counts from the first tick whose start is ≥ t', () => {
    expect(firstTickStartingAtOrAfter(DEFAULT_GENESIS_MS - 1)).toBe(1);
    expect(firstTickStartingAtOrAfter(DEFAULT_GENESIS_MS)).toBe(1);
    expect(firstTickStartingAtOrAfter(DEFAULT_GENESIS_MS + 1)).toBe(2);
    expect(firstTickStartingAtOrAfter(DEFAULT_GENESIS_MS + 300_000)).toBe(2);
    expect(firstTickStartingAtOrAfter(DEFAULT_GENESIS_MS + 300_001)).toBe(3);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (offsetMs) => {
        const k = firstTickStartingAtOrAfter(DEFAULT_GENESIS_MS + offsetMs);
        // Tick k starts at or after the instant, and tick k − 1 starts before it.
        return tickStartMs(k) >= DEFAULT_GENESIS_MS + offsetMs && tickStartMs(k - 1) < DEFAULT_GENESIS_MS + offsetMs;
      }),
    );
  });
});
