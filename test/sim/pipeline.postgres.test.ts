import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { wallet } from '../ledger/delivery/ao/fixture.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';
import { simulate } from './pipeline.ts';

/**
 * A subset of the seeds with the ledger on Postgres: each faulted run (crashes, leader changes and
 * the rest, as on SQLite) must end with the same final hash as the fault-free run of the seed on
 * SQLite — the same ledger, outbox and token balances on both dialects.
 */
const SEEDS = [1, 2, 3, 4, 5, 6];

describe('seeded whole-pipeline simulation on Postgres', () => {
  it(`seeds ${SEEDS.join(', ')} under faults on Postgres end with the fault-free SQLite run's final hash`, async () => {
    const minter = await wallet('minter');
    let restarts = 0;
    for (const seed of SEEDS) {
      const dir = mkdtempSync(join(tmpdir(), `ao-emission-sim-pg-${seed}-`));
      try {
        const databaseUrl = await freshPostgresDatabase(inject('postgresUrl'), `sim_${seed}`);
        const onPostgres = await simulate({ seed, faults: true, dir: join(dir, 'pg'), databaseUrl, minter });
        const onSqlite = await simulate({ seed, faults: false, dir: join(dir, 'sqlite'), minter });
        expect(onPostgres.hash, `reproduce with seed=${seed}`).toBe(onSqlite.hash);
        restarts += onPostgres.restarts;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    expect(restarts, 'crashes led to restarts').toBeGreaterThan(0);
  }, 300_000);
});
