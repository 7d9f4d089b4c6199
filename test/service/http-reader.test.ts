import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/ledger/index.ts';
import type { ServiceHandle } from '../../src/service/service.ts';
import { clockAtTickEnd, syntheticService, tempDir } from './support/harness.ts';

let service: ServiceHandle | null = null;
afterAll(async () => {
  await service?.stop();
});

/** GET path, with how long the answer took. */
async function timedGet(path: string): Promise<{ ms: number; status: number; body: Record<string, unknown> }> {
  const started = performance.now();
  const res = await fetch(`${service!.http!.url}${path}`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as Record<string, unknown>;
  return { ms: performance.now() - started, status: res.status, body };
}

describe('HTTP reads on their own read-only connection', () => {
  it('/healthz and /status answer in < 100 ms with the last committed tick while the writer holds a tick open in its transaction, and see the tick once it commits', async () => {
    const clock = clockAtTickEnd(3);
    service = await syntheticService({ databaseUrl: `sqlite:${join(tempDir('http-reader'), 'ledger.db')}`, population: { seed: 7, accounts: { ar: 20, steth: 20, sol: 20 } }, clock, http: true });
    expect((await service.runNow()).kind).toBe('applied');
    expect((await timedGet('/healthz')).body['lastTick']).toBe(3);

    // Block the writer: its next transaction does all its work, then waits for `release` before COMMIT.
    const db = service.ledger.db as Db & { transaction: Db['transaction'] };
    const original = db.transaction.bind(db);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    db.transaction = (fn) =>
      original(async (tx) => {
        const result = await fn(tx);
        entered();
        await gate;
        return result;
      });
    clock.advance(5 * 60_000);
    const run = service.runNow();
    await inside;
    try {
      for (const path of ['/healthz', '/status', '/livez']) {
        const answer = await timedGet(path);
        expect(answer.ms, path).toBeLessThan(100);
        expect(answer.status, path).toBeLessThan(500);
      }
      const during = await timedGet('/healthz');
      expect(during.body['lastTick']).toBe(3);
    } finally {
      release();
    }
    expect((await run).kind).toBe('applied');
    db.transaction = original;
    expect((await timedGet('/healthz')).body['lastTick']).toBe(4);
  });
});
