import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TICK_MS, gateTick, mintAt, AO_MAINNET } from '../../src/emission/index.ts';
import { syntheticAccount } from '../../devnet/synthetic-source.ts';
import type { ServiceHandle } from '../../src/service/service.ts';
import { clockAtTickEnd, syntheticService, tempDir } from './support/harness.ts';
import type { ManualClock } from '../../src/clock.ts';

/** The status API of a service on the real SQLite ledger, fed by the seeded synthetic chain (an input generator). */
let service: ServiceHandle;
let clock: ManualClock;
let base: string;
const SEED = 21;
const get = async (path: string) => {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
const getJson = async (path: string) => {
  const r = await get(path);
  return { status: r.status, body: JSON.parse(r.text) as Record<string, unknown> };
};

beforeAll(async () => {
  clock = clockAtTickEnd(1);
  // AR settles every tick; there is no AO writer, so every batch stays pending in the outbox.
  service = await syntheticService({ databaseUrl: `sqlite:${join(tempDir('http'), 'ledger.db')}`, population: { seed: SEED, accounts: { ar: 30, steth: 10, sol: 10 } }, clock, http: true, settlementTicks: { ar: 1, steth: 288, sol: 288 } });
  base = service.http!.url;
  for (let k = 1; k <= 6; k++) {
    await service.runNow();
    clock.advance(TICK_MS);
  }
  // Two more ticks have ended but no run has happened: a lag of 2.
  clock.advance(TICK_MS);
});
afterAll(async () => {
  await service.stop();
});

describe('HTTP status API', () => {
  it('listens on loopback and answers /healthz with the last tick, the lag and each source', async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // A lag of 2 is within the default health.maxLagTicks (3), and every synthetic source answered.
    const { status, body } = await getJson('/healthz');
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, live: true, ready: true, leader: true, lastTick: 6, lagTicks: 2, reasons: [] });
    expect((body['sources'] as { pool: string; ok: boolean }[]).map((s) => [s.pool, s.ok])).toEqual([['ar', true], ['steth', true], ['sol', true]]);
    expect(await getJson('/livez')).toEqual({ status: 200, body: { ok: true, live: true } });
  });

  it('/status: last tick, lag, gate, pools with amounts as decimal strings, outbox backlog, source cursors', async () => {
    const { status, body } = await getJson('/status');
    expect(status).toBe(200);
    expect(body).toMatchObject({ leader: true, lastTick: 6, dueTick: 8, lagTicks: 2, policy: 'ao-mainnet@2' });
    expect(body['gate']).toMatchObject({ tick: gateTick(AO_MAINNET), transferable: false });
    // Six ticks of the exact curve: Σ mint_1..6.
    const minted = [1, 2, 3, 4, 5, 6].reduce((s, k) => s + mintAt(AO_MAINNET.curve, k), 0n);
    const pools = body['pools'] as { pool: string; minted: string; credited: string }[];
    expect(pools.map((p) => p.pool).sort()).toEqual(['ar', 'sol', 'steth']);
    expect(pools.reduce((s, p) => s + BigInt(p.minted), 0n)).toBe(minted);
    for (const p of pools) expect(typeof p.minted).toBe('string');
    const outbox = body['outbox'] as Record<string, number>;
    expect(outbox['pending']).toBeGreaterThanOrEqual(6);
    const sources = body['sources'] as { pool: string; cursor: unknown; pin: { height: string } }[];
    // The cursor is JSON in the answer, not JSON text inside a string.
    expect(sources.find((s) => s.pool === 'ar')).toMatchObject({ cursor: { height: 6 }, pin: { chain: 'arweave', height: '6' } });
    // The README's words: what a pool has minted but not yet settled is "accrued".
    expect(Object.keys(pools[0]!)).toContain('accrued');
    expect(body['info']).toMatchObject({ pid: process.pid });
  });

  it('/metrics: Prometheus text with ticks applied, tick duration, mint totals, outbox and source errors', async () => {
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain/);
    expect(r.text).toContain('ao_emission_ticks_applied_total 6');
    expect(r.text).toContain('ao_emission_tick_duration_seconds_count 6');
    expect(r.text).toMatch(/ao_emission_minted_base_units\{pool="ar"\} \d+/);
    expect(r.text).toMatch(/ao_emission_outbox_messages\{state="pending"\} \d+/);
    expect(r.text).toContain('ao_emission_lag_ticks 2');
    expect(r.text).toContain('# TYPE ao_emission_source_errors_total counter');
  });

  it('/accounts/:address: accrued, settled and pending messages of an AR holder; a stETH depositor by its 0x key', async () => {
    const holder = syntheticAccount(SEED, 'ar', 0);
    const { status, body } = await getJson(`/accounts/${holder.account}`);
    expect(status).toBe(200);
    expect(typeof body['accrued']).toBe('string');
    const accounts = body['accounts'] as { pool: string; settled: string }[];
    const ar = accounts.find((a) => a.pool === 'ar')!;
    // Settled every tick: what the account was credited is what its pending messages carry.
    const pending = body['pendingMessages'] as { quantity: string; status: string; recipient: string }[];
    expect(BigInt(ar.settled)).toBeGreaterThan(0n);
    expect(pending.every((m) => m.status === 'pending' && m.recipient === holder.recipient)).toBe(true);
    expect(pending.reduce((s, m) => s + BigInt(m.quantity), 0n)).toBe(BigInt(body['settled'] as string));

    const depositor = syntheticAccount(SEED, 'steth', 1);
    const byKey = await getJson(`/accounts/${depositor.account.toUpperCase().replace('0X', '0x')}`);
    expect(byKey.status).toBe(200);
    expect((byKey.body['accounts'] as { pool: string; recipient: string }[])[0]).toMatchObject({ pool: 'steth', recipient: depositor.recipient });
  });

  it('answers 400 for a malformed address, 404 for an unknown one or path, 405 for a write', async () => {
    expect(await getJson('/accounts/not-an-address')).toMatchObject({ status: 400, body: { error: 'INVALID_ADDRESS' } });
    expect(await getJson(`/accounts/${'A'.repeat(42)}E`)).toMatchObject({ status: 404, body: { error: 'NOT_FOUND' } });
    expect((await getJson('/nope')).status).toBe(404);
    expect((await fetch(`${base}/status`, { method: 'POST' })).status).toBe(405);
  });

  // Last: it confirms a batch, which the cases above expect pending.
  it('/status shows the latest confirmed delivery with its message id and assignment slot', async () => {
    expect((await getJson('/status')).body['lastDelivery']).toBeNull();
    const [batch] = await service.ledger.outbox.pending(1);
    const messageId = 'M'.repeat(43);
    await service.ledger.outbox.markSent(batch!.batchId, messageId);
    await service.ledger.outbox.markDelivered(batch!.batchId, 42);
    expect((await getJson('/status')).body['lastDelivery']).toEqual({ batchId: batch!.batchId, toTick: batch!.toTick, messageId, assignmentSlot: 42 });
  });
});
