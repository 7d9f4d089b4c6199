import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { DEFAULT_GENESIS_MS, TICK_MS, lastEndedTick, tickEndMs } from '../../src/emission/index.ts';
import { acceleratedClock } from '../../devnet/accelerated-clock.ts';
import { tickCronExpression } from '../../src/service/scheduler.ts';

describe('scheduler', () => {
  it('fires at tick boundaries from genesis: 18:00:00Z → every 5 minutes on the minute; 18:02:30Z → hh:m2:30, hh:m7:30', () => {
    expect(tickCronExpression(DEFAULT_GENESIS_MS)).toBe('0 0-59/5 * * * *');
    expect(tickCronExpression(Date.parse('2024-02-27T18:02:30Z'))).toBe('30 2-59/5 * * * *');
    // A sub-second genesis fires on the next whole second (the runner still decides from the clock).
    expect(tickCronExpression(Date.parse('2024-02-27T18:04:59.500Z'))).toBe('0 0-59/5 * * * *');
  });

  it("node-cron's next runs are exactly the next tick ends", async () => {
    const genesisMs = Date.parse('2024-02-27T18:02:30Z');
    const task = cron.createTask(tickCronExpression(genesisMs), () => undefined, { timezone: 'Etc/UTC' });
    const runs = task.getNextRuns(3).map((d) => d.getTime());
    const next = lastEndedTick(Date.now(), genesisMs) + 1;
    // The first run is the end of the tick in progress (or the one after, if it ends this very second).
    const expected = [0, 1, 2].map((i) => tickEndMs(next + i, genesisMs));
    expect(runs[0]! === expected[0] || runs[0] === expected[1]).toBe(true);
    for (const r of runs) expect((r - genesisMs) % TICK_MS).toBe(0);
    await task.destroy();
  });

  it('the accelerated clock runs ticksPerSecond ticks of 300 s per wall second from its origin', () => {
    let wall = 1_000;
    const clock = acceleratedClock({ simStartMs: DEFAULT_GENESIS_MS, wallStartMs: 1_000, ticksPerSecond: 5, wall: () => wall });
    expect(clock.nowMs()).toBe(DEFAULT_GENESIS_MS);
    wall += 1_000; // one wall second = 5 ticks = 1,500,000 ms simulated
    expect(clock.nowMs()).toBe(DEFAULT_GENESIS_MS + 5 * TICK_MS);
    expect(lastEndedTick(clock.nowMs(), DEFAULT_GENESIS_MS)).toBe(5);
  });
});
