import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createLeaderLock } from '../../src/service/leader.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';
import { clockAtTickEnd, syntheticService, tempDir } from './support/harness.ts';
import { TICK_MS } from '../../src/emission/index.ts';

/** Lock semantics on the real databases (the two-process test is in process.test.ts). */
describe('leader lock', () => {
  it('SQLite: a second holder is refused while the first holds the lock file, and gets it after release', async () => {
    const url = `sqlite:${join(tempDir('lock'), 'ledger.db')}`;
    const a = createLeaderLock(url);
    const b = createLeaderLock(url);
    expect(await a.tryAcquire()).toBe(true);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    expect(b.held()).toBe(false);
    await a.release();
    expect(await b.tryAcquire()).toBe(true);
    await b.release();
  });

  it('Postgres: pg_try_advisory_lock admits one session; a dropped connection frees the lock and the holder steps down', async () => {
    const url = await freshPostgresDatabase(inject('postgresUrl'), 'leader');
    const a = createLeaderLock(url);
    const b = createLeaderLock(url);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    // Kill A's session from the server side, as a network partition or a DBA would.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()");
    await admin.end();
    for (let i = 0; i < 50 && a.held(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(a.held()).toBe(false);
    expect(await b.tryAcquire()).toBe(true);
    await b.release();
    await a.release();
  });

  it('Postgres: two services on one database — only the leader applies ticks, the other reports standby', async () => {
    const url = await freshPostgresDatabase(inject('postgresUrl'), 'leader_services');
    const clock = clockAtTickEnd(3);
    const a = await syntheticService({ databaseUrl: url, population: { seed: 2 }, clock });
    const b = await syntheticService({ databaseUrl: url, population: { seed: 2 }, clock });
    expect(await a.runNow()).toMatchObject({ kind: 'applied', ticks: 3 });
    clock.advance(TICK_MS);
    expect(await b.runNow()).toEqual({ kind: 'standby' });
    expect(await a.runNow()).toMatchObject({ kind: 'applied', ticks: 1, lastTick: 4 });
    await a.stop();
    clock.advance(TICK_MS);
    expect(await b.runNow()).toMatchObject({ kind: 'applied', ticks: 1, lastTick: 5 });
    expect((await b.ledger.conservation()).ok).toBe(true);
    await b.stop();
  });
});
