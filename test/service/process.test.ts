import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/index.ts';
import { TICK_MS } from '../../src/emission/index.ts';
import { spawnTs } from '../support/child.ts';
import { TEST_GENESIS_MS, tempDir } from './support/harness.ts';

/**
 * Real service processes (test/service/fixtures/synthetic-service.ts: startService + runUntilSignal,
 * as `serve` runs them) on one SQLite database, fed by the seeded synthetic chain.
 */
const FIXTURE = 'test/service/fixtures/synthetic-service.ts';

const settings = (databaseUrl: string, over: Record<string, number>) =>
  JSON.stringify({ databaseUrl, genesisMs: TEST_GENESIS_MS, simStartMs: TEST_GENESIS_MS + TICK_MS, wallStartMs: Date.now(), ticksPerSecond: 20, triggerMs: 20, seed: 11, accounts: 40, ...over });

const ticksOf = (events: Record<string, unknown>[]): number[] => events.filter((e) => e['event'] === 'tick').map((e) => e['tick'] as number);

describe('service processes', () => {
  it('two instances on one SQLite database: only the lock holder applies ticks; the standby takes over when it stops', async () => {
    const dir = tempDir('leader');
    const url = `sqlite:${join(dir, 'ledger.db')}`;
    // Both processes share one accelerated clock origin, so they agree on which ticks are due.
    const env = { AO_EMISSION_TEST_FIXTURE: settings(url, { wallStartMs: Date.now() }) };
    const a = spawnTs(FIXTURE, [], env);
    await a.waitFor((e) => e['event'] === 'tick' && (e['tick'] as number) >= 3, 'leader A applying ticks');
    const b = spawnTs(FIXTURE, [], env);
    await b.waitFor((e) => e['event'] === 'run' && e['kind'] === 'standby', 'B reporting standby');
    // A keeps minting while B polls the lock.
    const aLast = (await a.waitFor((e) => e['event'] === 'tick' && (e['tick'] as number) >= 12, 'A applying after B started'))['tick'] as number;
    expect(ticksOf(b.events)).toEqual([]);

    a.proc.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    const aTicks = ticksOf(a.events);
    const firstB = await b.waitFor((e) => e['event'] === 'tick', 'B taking over');
    expect(firstB['tick']).toBe(aTicks[aTicks.length - 1]! + 1);
    await b.waitFor((e) => e['event'] === 'tick' && (e['tick'] as number) >= aLast + 5, 'B applying');
    b.proc.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    // Every tick exactly once, in order, split between the two leaders with no overlap.
    const all = [...aTicks, ...ticksOf(b.events)];
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(b.events.filter((e) => e['event'] === 'run' && e['kind'] === 'failed')).toEqual([]);
    const ledger = await openLedger({ url });
    expect(await ledger.lastAppliedTick()).toBe(all.length);
    expect((await ledger.conservation()).ok).toBe(true);
    await ledger.close();
  });

  it('SIGTERM in the middle of a catch-up exits 0 with the ledger at a whole tick', async () => {
    const dir = tempDir('sigterm');
    const url = `sqlite:${join(dir, 'ledger.db')}`;
    // 5,000 ticks due at start: the first run is a long catch-up when the signal arrives.
    const child = spawnTs(FIXTURE, [], { AO_EMISSION_TEST_FIXTURE: settings(url, { simStartMs: TEST_GENESIS_MS + 5_000 * TICK_MS, ticksPerSecond: 0.001 }) });
    await child.waitFor((e) => e['event'] === 'tick' && (e['tick'] as number) >= 30, 'catch-up under way');
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const ticks = ticksOf(child.events);
    const last = ticks[ticks.length - 1]!;
    expect(last).toBeLessThan(5_000);
    expect(child.events.some((e) => e['event'] === 'exited' && e['code'] === 0)).toBe(true);

    const ledger = await openLedger({ url });
    // The ledger holds exactly the ticks the process reported applied: the last one whole (journal, pools, settlement), nothing after it.
    expect(await ledger.lastAppliedTick()).toBe(last);
    expect((await ledger.tick(last))!.hash).toBe(child.events.find((e) => e['event'] === 'tick' && e['tick'] === last)!['hash']);
    expect(await ledger.tick(last + 1)).toBeNull();
    expect((await ledger.conservation()).ok).toBe(true);
    const settled = await ledger.db.all<{ to_tick: number }>("SELECT to_tick FROM settlements WHERE pool = 'ar' ORDER BY to_tick DESC LIMIT 1");
    // AR settles every 12 ticks: the last settlement is the last multiple of 12 reached.
    expect(Number(settled[0]!.to_tick)).toBe(last - (last % 12));
    await ledger.close();
  });
});
