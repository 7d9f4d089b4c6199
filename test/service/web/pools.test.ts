import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../src/clock.ts';
import { TICK_MS } from '../../../src/emission/index.ts';
import type { ServiceHandle } from '../../../src/service/service.ts';
import { createSyntheticSource } from '../../../devnet/synthetic-source.ts';
import { clockAtTickEnd, syntheticService, tempDir, TEST_GENESIS_MS } from '../support/harness.ts';

/**
 * The dashboard and its JSON with all five pools: ar, steth, dai, usds, sol, fed by the
 * seeded synthetic chains into a real SQLite ledger; dai settles every tick. Plain HTTP, no browser
 * (the browser test of every page is dashboard.test.ts).
 */
const POOLS = ['ar', 'steth', 'dai', 'usds', 'sol'] as const;
let service: ServiceHandle;
let clock: ManualClock;
let base: string;

beforeAll(async () => {
  clock = clockAtTickEnd(101); // after the bridge start: the bridges get 2/3
  const sources = POOLS.map((pool) => createSyntheticSource({ pool, seed: 19, genesisMs: TEST_GENESIS_MS, clock, accounts: 6, changesPerBlock: 2, mode: 'head' }));
  service = await syntheticService({ databaseUrl: `sqlite:${join(tempDir('web-pools'), 'ledger.db')}`, population: { seed: 19 }, clock, http: true, settlementTicks: { ar: 288, steth: 288, dai: 1, usds: 288, sol: 288 }, extra: { sources, ticksPerRunMax: 200 } });
  base = service.http!.url;
  expect((await service.runNow()).kind).toBe('applied');
  clock.advance(TICK_MS);
  expect((await service.runNow()).kind).toBe('applied');
}, 120_000);
afterAll(async () => service?.stop());

describe('dashboard with the dai and usds pools', () => {
  it('the overview lists all five pools, and each bridge pool got part of the bridge amount', async () => {
    const overview = (await (await fetch(`${base}/overview.json`)).json()) as Record<string, unknown>;
    const text = JSON.stringify(overview);
    for (const pool of POOLS) expect(text, pool).toContain(pool);
    const html = await (await fetch(`${base}/`)).text();
    for (const pool of POOLS) expect(html, pool).toContain(pool);
    const totals = await service.ledger.poolTotals();
    for (const pool of ['steth', 'dai', 'usds', 'sol']) expect(totals.find((t) => t.pool === pool)!.minted, pool).toBeGreaterThan(0n);
    expect((await service.ledger.conservation()).ok).toBe(true);
  });

  it('serves a dai settlement page and a DAI depositor’s address page', async () => {
    const [row] = await service.ledger.db.all<{ id: string }>("SELECT id FROM settlements WHERE pool = 'dai' ORDER BY to_tick DESC LIMIT 1");
    expect(row?.id).toMatch(/^dai:\d+-\d+$/);
    const settlement = await fetch(`${base}/settlements/${row!.id}`);
    expect(settlement.status).toBe(200);
    expect(await settlement.text()).toContain(row!.id);
    const [acc] = await service.ledger.db.all<{ account: string }>("SELECT account FROM accounts WHERE pool = 'dai' ORDER BY id LIMIT 1");
    const depositor = acc!.account;
    expect(depositor).toMatch(/^0x[0-9a-f]{40}$/);
    const page = await fetch(`${base}/address/${depositor}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('dai');
  });
});
