import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openLedger } from '../../src/ledger/index.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';

// `ao-emission db migrate` (src/service/commands/db.ts) as a user runs it: the real CLI in a child process.
const BIN = new URL('../../bin/ao-emission.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'ao-emission-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cli = (args: string[], cwd = dir) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });

describe('ao-emission db migrate', () => {
  it('creates ./data/ao-emission.db by default, and running it again is a no-op', async () => {
    const first = cli(['db', 'migrate']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('migrated sqlite:./data/ao-emission.db (sqlite); ledger at tick 0\n');
    expect(existsSync(join(dir, 'data', 'ao-emission.db'))).toBe(true);
    expect(cli(['db', 'migrate']).status).toBe(0);
    const ledger = await openLedger({ url: `sqlite:${join(dir, 'data', 'ao-emission.db')}` });
    expect(await ledger.outbox.counts()).toEqual({ pending: 0, sent: 0, delivered: 0, failed: 0 });
    await ledger.close();
  });

  it('migrates a Postgres database given with --database and masks its password', async () => {
    const url = await freshPostgresDatabase(inject('postgresUrl'), 'cli');
    const run = cli(['db', 'migrate', '--database', url, '--json']);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { database: string; dialect: string; lastAppliedTick: number };
    expect(out.dialect).toBe('postgres');
    expect(out.lastAppliedTick).toBe(0);
    expect(out.database).not.toContain(new URL(url).password || '\u0000');
  });

  it('refuses a URL it does not understand with exit code 2', () => {
    const run = cli(['db', 'migrate', '--database', 'mysql://u:secret@h/db']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^ao-emission: database: "mysql:\/\/\*\*\*@h\/…" is not a database URL/);
  });
});
