import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createArweaveSource } from '../../src/bridges/arweave/index.ts';
import { TICK_MS } from '../../src/emission/index.ts';
import type { ServiceHandle } from '../../src/service/service.ts';
import { clockAtTickEnd, syntheticService, syntheticSources, tempDir } from './support/harness.ts';

/** A loopback port nothing listens on (bound, then freed): a real Arweave client gets "connection refused". */
const closedPort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let service: ServiceHandle | null = null;
afterAll(async () => {
  await service?.stop();
});

describe('/healthz readiness', () => {
  it('is not ready (503, with per-source health and the reasons) once a source has failed longer than health.maxSourceFailure and the lag passes health.maxLagTicks; /livez stays 200', async () => {
    const clock = clockAtTickEnd(1);
    const port = await closedPort();
    // stETH and SOL from the seeded synthetic chain; AR from a real Arweave client pointed at a dead port.
    const [, steth, sol] = syntheticSources({ seed: 5, accounts: { ar: 5, steth: 5, sol: 5 } }, clock);
    const ar = createArweaveSource({ urls: [`http://127.0.0.1:${port}`], confirmations: 0, attemptsMax: 1, backoffMsBase: 1, timeoutMs: 2_000 });
    service = await syntheticService({
      databaseUrl: `sqlite:${join(tempDir('health'), 'ledger.db')}`,
      population: { seed: 5 },
      clock,
      http: true,
      extra: { sources: [ar, steth!, sol!], health: { maxLagTicks: 3, maxSourceFailureMs: 10 * 60_000 } },
    });
    const get = async (path: string) => {
      const res = await fetch(`${service!.http!.url}${path}`);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    expect((await service.runNow()).kind).toBe('failed');
    // Failing for 0 s of the 600 s allowed, 1 tick behind of the 3 allowed: still ready, but the answer shows the failure.
    const early = await get('/healthz');
    expect(early.status).toBe(200);
    const arEarly = (early.body['sources'] as Record<string, unknown>[]).find((s) => s['pool'] === 'ar')!;
    expect(arEarly).toMatchObject({ ok: true, lastSuccessAt: null, failingSince: new Date(clock.nowMs()).toISOString() });
    expect(String(arEarly['lastError'])).toMatch(/^source ar|arweave|ECONNREFUSED|fetch failed/i);

    // 20 minutes (4 ticks) later, still failing: 1,200 s > 600 s, and 5 ticks behind > 3.
    clock.advance(4 * TICK_MS);
    expect((await service.runNow()).kind).toBe('failed');
    const late = await get('/healthz');
    expect(late.status).toBe(503);
    expect(late.body).toMatchObject({ ok: false, live: true, ready: false, lastTick: 0, lagTicks: 5, maxLagTicks: 3 });
    const reasons = late.body['reasons'] as string[];
    expect(reasons[0]).toBe('lag: 5 ticks behind (more than health.maxLagTicks 3)');
    expect(reasons[1]).toMatch(/^source ar: failing for 1200 s \(more than health.maxSourceFailure 600 s\)/);
    expect((late.body['sources'] as Record<string, unknown>[]).map((s) => [s['pool'], s['ok']])).toEqual([['ar', false], ['steth', true], ['sol', true]]);
    expect((await get('/readyz')).status).toBe(503);
    expect(await get('/livez')).toEqual({ status: 200, body: { ok: true, live: true } });
  });
});
