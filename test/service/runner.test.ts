import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TICK_MS, mintAt, splitMint, AO_MAINNET } from '../../src/emission/index.ts';
import type { ServiceHandle } from '../../src/service/service.ts';
import { SNAPSHOT_ATTEMPTS_MAX } from '../../src/service/runner.ts';
import { clockAtTickEnd, syntheticService, syntheticSources, TEST_GENESIS_MS, tempDir } from './support/harness.ts';

/**
 * The tick loop against the real SQLite ledger, fed by the seeded synthetic chain
 * (devnet/synthetic-source.ts: an input generator with one block per 5 minutes, not a mock
 * of a chain — the real chain sources are exercised in demo.test.ts).
 */

const LIVE_BEFORE = 100;
/** 3 days of 5-minute ticks: 3 · 24 · 12. */
const OUTAGE = 864;
const LIVE_AFTER = 20;
const TOTAL = LIVE_BEFORE + OUTAGE + LIVE_AFTER;
const POPULATION = { seed: 8, accounts: { ar: 120, steth: 40, sol: 40 }, changesPerBlock: 3 } as const;

async function ledgerFingerprint(handle: ServiceHandle) {
  const db = handle.ledger.db;
  return {
    lastTick: await handle.ledger.lastAppliedTick(),
    lastHash: await handle.ledger.lastHash(),
    accounts: await db.all(
      `SELECT a.pool, a.account, s.recipient, s.weight, s.index_at_change, s.accrued, p.settled, s.joined_tick, s.changed_tick
       FROM accounts a JOIN account_state s ON s.id = a.id LEFT JOIN account_settled p ON p.id = a.id ORDER BY a.pool, a.account`,
    ),
    settlements: await db.all('SELECT id, pool, from_tick, to_tick, total, credit_count FROM settlements ORDER BY id'),
    outbox: await db.all('SELECT batch_id, payload, total FROM outbox_batches ORDER BY batch_id'),
    pools: await handle.ledger.poolTotals(),
  };
}

describe('tick runner: catch-up after downtime', () => {
  it('after a 3-day outage (864 ticks) catches up tick by tick to exactly the ledger of an uninterrupted run', async () => {
    const dir = tempDir('catchup');

    // Run A: on time, one run per tick.
    const clockA = clockAtTickEnd(1);
    const a = await syntheticService({ databaseUrl: `sqlite:${join(dir, 'a.db')}`, population: POPULATION, clock: clockA });
    for (let k = 1; k <= TOTAL; k++) {
      const outcome = await a.runNow();
      expect(outcome).toMatchObject({ kind: 'applied', ticks: 1, lastTick: k });
      clockA.advance(TICK_MS);
    }
    const expected = await ledgerFingerprint(a);
    expect((await a.ledger.conservation()).ok).toBe(true);
    await a.stop();

    // Run B: on time, then down for 3 days, then one run catches up, then on time again.
    const clockB = clockAtTickEnd(1);
    const b = await syntheticService({ databaseUrl: `sqlite:${join(dir, 'b.db')}`, population: POPULATION, clock: clockB });
    for (let k = 1; k <= LIVE_BEFORE; k++) {
      await b.runNow();
      clockB.advance(TICK_MS);
    }
    clockB.advance((OUTAGE - 1) * TICK_MS);
    const catchUp = await b.runNow();
    expect(catchUp).toMatchObject({ kind: 'applied', ticks: OUTAGE, lastTick: LIVE_BEFORE + OUTAGE, dueTick: LIVE_BEFORE + OUTAGE });
    for (let k = LIVE_BEFORE + OUTAGE + 1; k <= TOTAL; k++) {
      clockB.advance(TICK_MS);
      await b.runNow();
    }
    const actual = await ledgerFingerprint(b);
    expect(actual.lastTick).toBe(TOTAL);
    expect(actual.lastHash).toBe(expected.lastHash);
    expect(actual).toEqual(expected);

    // Each missed tick's mint and split are those of the curve and policy for that tick number.
    for (const k of [LIVE_BEFORE + 1, LIVE_BEFORE + 432, LIVE_BEFORE + OUTAGE]) {
      const record = (await b.ledger.tick(k))!;
      const mint = mintAt(AO_MAINNET.curve, k);
      expect(record.mint).toBe(mint);
      expect(record.split).toEqual(splitMint(AO_MAINNET, k, mint, TEST_GENESIS_MS));
      expect(record.notes).toEqual([]);
    }
    expect((await b.ledger.conservation()).ok).toBe(true);
    // Boundary logs carry amounts as decimal strings.
    const applied = b.logs.find((l) => l['msg'] === 'tick applied' && l['tick'] === 1)!;
    expect(applied['mint']).toBe(mintAt(AO_MAINNET.curve, 1).toString());
    await b.stop();
  });

  it('records a late snapshot in the journal of each past tick when the source can only answer for its head', async () => {
    const dir = tempDir('late');
    const clock = clockAtTickEnd(1);
    const s = await syntheticService({ databaseUrl: `sqlite:${join(dir, 'late.db')}`, population: { seed: 3, mode: 'head' }, clock });
    for (let k = 1; k <= 5; k++) {
      await s.runNow();
      clock.advance(TICK_MS);
    }
    clock.advance(19 * TICK_MS); // now at the end of tick 25; ticks 6..25 are due
    expect(await s.runNow()).toMatchObject({ kind: 'applied', ticks: 20, lastTick: 25 });
    const t6 = (await s.ledger.tick(6))!;
    // The earliest snapshot available at the end of tick 25 is pinned at block 25: 19 ticks = 5,700 s after tick 6 ended.
    expect(t6.notes).toContain(
      `ar: late snapshot — tick ended ${new Date(TEST_GENESIS_MS + 6 * TICK_MS).toISOString()}; earliest available arweave block 25 (${new Date(TEST_GENESIS_MS + 25 * TICK_MS).toISOString()}, 5700 s after)`,
    );
    expect(t6.notes.filter((n) => n.includes('late snapshot'))).toHaveLength(3);
    expect((await s.ledger.tick(24))!.notes.filter((n) => n.includes('late snapshot'))).toEqual([]);
    expect((await s.ledger.tick(5))!.notes.filter((n) => n.includes('late snapshot'))).toEqual([]);
    expect((await s.ledger.conservation()).ok).toBe(true);
    await s.stop();
  });

  it('leaves a tick unapplied when a source fails every attempt, and applies it at the next run', async () => {
    const dir = tempDir('fail');
    const clock = clockAtTickEnd(2);
    const [ar, steth, sol] = syntheticSources({ seed: 5 }, clock);
    // The AR endpoint refuses the first SNAPSHOT_ATTEMPTS_MAX (3) calls: one whole run.
    let calls = 0;
    const refusing = {
      pool: 'ar' as const,
      snapshot: (cursor: string | null, signal?: AbortSignal) => (++calls <= SNAPSHOT_ATTEMPTS_MAX ? Promise.reject(new Error('connection refused')) : ar!.snapshot(cursor, signal)),
    };
    const s = await syntheticService({ databaseUrl: `sqlite:${join(dir, 'fail.db')}`, population: { seed: 5 }, clock, extra: { sources: [refusing, steth!, sol!] } });
    const failed = await s.runNow();
    expect(failed.kind === 'failed' && failed.error.code).toBe('SOURCE_UNAVAILABLE');
    expect(await s.ledger.lastAppliedTick()).toBe(0);
    expect(await s.metrics.registry.getSingleMetricAsString('ao_emission_source_errors_total')).toContain('ao_emission_source_errors_total{pool="ar"} 3');
    expect(await s.runNow()).toMatchObject({ kind: 'applied', ticks: 2, lastTick: 2 });
    await s.stop();
  });
  it('settles at start a settlement point the previous leader applied but was stopped before settling', async () => {
    const dir = tempDir('resume');
    const url = `sqlite:${join(dir, 'resume.db')}`;
    const clock = clockAtTickEnd(11);
    const first = await syntheticService({ databaseUrl: url, population: { seed: 9 }, clock });
    expect(await first.runNow()).toMatchObject({ kind: 'applied', lastTick: 11 });
    // Tick 12 (an AR settlement point: every 12 ticks) applied as a crash would leave it: no settlement.
    clock.advance(TICK_MS);
    const sources = syntheticSources({ seed: 9 }, clock);
    const snapshots = await Promise.all(sources.map(async (src) => src.snapshot(await first.ledger.cursor(src.pool))));
    await first.ledger.applyTick({ tick: 12, genesisMs: TEST_GENESIS_MS, policy: AO_MAINNET, snapshots });
    await first.stop();

    const next = await syntheticService({ databaseUrl: url, population: { seed: 9 }, clock });
    expect(await next.runNow()).toMatchObject({ kind: 'applied', ticks: 0, lastTick: 12 });
    const settled = await next.ledger.db.all<{ id: string }>("SELECT id FROM settlements WHERE pool = 'ar'");
    expect(settled.map((r) => r.id)).toEqual(['ar:1-12']);

    // The same credits as a run that settled on time.
    const onTimeClock = clockAtTickEnd(11);
    const onTime = await syntheticService({ databaseUrl: `sqlite:${join(dir, 'ontime.db')}`, population: { seed: 9 }, clock: onTimeClock });
    await onTime.runNow();
    onTimeClock.advance(TICK_MS);
    expect(await onTime.runNow()).toMatchObject({ kind: 'applied', lastTick: 12 });
    const credits = (h: typeof next) => h.ledger.db.all('SELECT batch_id, payload FROM outbox_batches ORDER BY batch_id');
    expect(await credits(next)).toEqual(await credits(onTime));
    await next.stop();
    await onTime.stop();
  });
});
