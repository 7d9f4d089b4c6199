import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freshPostgresDatabase } from '../support/postgres.ts';
import { ROOT, runBin, spawnTs } from '../support/child.ts';
import { spawn } from 'node:child_process';
import { tempDir } from './support/harness.ts';

/**
 * `serve` checks before it opens anything (real `bin/ao-emission.js serve` processes): a typo in
 * database.url must not start a second ledger, a busy port fails before the ledger is touched, and
 * an unreachable Postgres says where it looked and why it failed.
 */
const listen = (): Promise<{ server: Server; port: number }> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
const closedPort = async (): Promise<number> => {
  const { server, port } = await listen();
  await new Promise((done) => server.close(done));
  return port;
};

/** A config with one source (an Arweave node that is not there: serve starts and retries). */
async function configFile(dir: string, database: string, httpPort: number, extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, 'serve.json');
  writeFileSync(file, JSON.stringify({ database: { url: database }, sources: { arweave: { urls: [`http://127.0.0.1:${await closedPort()}`], confirmations: 0 } }, http: { port: httpPort }, ...extra }));
  return file;
}

describe('serve preflight', () => {
  it('a database.url naming no ledger exits 2 with "no ledger at …; create one with …" and creates no file or folder', async () => {
    const dir = tempDir('typo');
    const config = await configFile(dir, 'sqlite:./leddger/ao.db', await closedPort());
    const r = await runBin(['serve', '--config', config]);
    expect(r.code).toBe(2);
    const path = join(dir, 'leddger', 'ao.db');
    expect(r.stderr).toBe(`ao-emission: database.url: no ledger at ${path}; create one with \`ao-emission db init --database sqlite:${path}\` or start with \`serve --create\`\n`);
    expect(existsSync(join(dir, 'leddger'))).toBe(false);
  });

  it('db init makes the ledger serve then opens (and refuses a second init); serve --create makes one itself', async () => {
    const dir = tempDir('init');
    const url = `sqlite:${join(dir, 'ledger.db')}`;
    const init = await runBin(['db', 'init', '--database', url]);
    expect(init).toMatchObject({ code: 0, stdout: `created a new ledger at ${url} (sqlite)\n` });
    const again = await runBin(['db', 'init', '--database', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/a ledger already exists at .*db migrate/);

    const port = await closedPort();
    const created = join(dir, 'new', 'ledger.db');
    const child = spawnTs('bin/ao-emission.js', ['serve', '--create', '--config', await configFile(dir, `sqlite:${created}`, port)], {});
    await child.waitFor((e) => e['msg'] === 'service started', 'service started');
    expect(existsSync(created)).toBe(true);
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('a busy HTTP port exits 1 (a runtime failure, not bad input) before the ledger is opened or created', async () => {
    const dir = tempDir('port');
    const { server, port } = await listen();
    try {
      const r = await runBin(['serve', '--create', '--config', await configFile(dir, 'sqlite:./db/ledger.db', port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`ao-emission: http.port: cannot listen on 127.0.0.1:${port}: the port is in use (by another ao-emission?)\n`);
      expect(existsSync(join(dir, 'db'))).toBe(false);
    } finally {
      server.close();
    }
  });

  it('an unreachable Postgres names host, port, user and database and the cause: refused, unknown role, unknown database; a server without a ledger is "no ledger"', async () => {
    const dir = tempDir('pg');
    const http = await closedPort();
    const server = new URL(inject('postgresUrl'));
    const refusedPort = await closedPort();
    const refused = await runBin(['serve', '--config', await configFile(dir, `postgres://minter@127.0.0.1:${refusedPort}/ao`, http)]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`ao-emission: database.url: cannot connect to Postgres at host 127.0.0.1 port ${refusedPort} user "minter" database "ao": connection refused (is Postgres running and listening there?)\n`);

    // The password comes from the environment (the file may not hold one).
    const role = new URL(server);
    role.username = 'nobody';
    const unknownRole = await runBin(['serve', '--config', await configFile(dir, 'sqlite::memory:', http)], { env: { AO_EMISSION_DATABASE_URL: role.toString() } });
    expect(unknownRole.code).toBe(1);
    expect(unknownRole.stderr).toContain(`AO_EMISSION_DATABASE_URL: cannot connect to Postgres at host ${server.hostname} port ${server.port} user "nobody" database "postgres": authentication failed (`);
    // With password authentication Postgres answers an unknown role as a failed password (it does not tell which); with trust, as an unknown role.
    expect(unknownRole.stderr).toMatch(/: authentication failed \((password authentication failed for user "nobody"|role "nobody" does not exist)\)\n$/);
    if (server.password !== '') expect(unknownRole.stderr).not.toContain(server.password);

    const db = new URL(server);
    db.pathname = '/no_such_db';
    const unknownDb = await runBin(['serve', '--config', await configFile(dir, 'sqlite::memory:', http)], { env: { AO_EMISSION_DATABASE_URL: db.toString() } });
    expect(unknownDb.code).toBe(1);
    expect(unknownDb.stderr).toMatch(/user "postgres" database "no_such_db": the database does not exist \(database "no_such_db" does not exist\)\n$/);

    const empty = await freshPostgresDatabase(server.toString(), 'preflight');
    const noLedger = await runBin(['serve', '--config', await configFile(dir, 'sqlite::memory:', http)], { env: { AO_EMISSION_DATABASE_URL: empty } });
    expect(noLedger.code).toBe(2);
    expect(noLedger.stderr).toMatch(/^ao-emission: AO_EMISSION_DATABASE_URL: no ledger at host .* \(no ticks table\); create one with `ao-emission db init --database postgres:\/\/\*\*\*@/);
  });

  it('log.format pretty (the default on a terminal) prints human lines, with no stack for an unreachable chain node', async () => {
    const dir = tempDir('pretty');
    const config = await configFile(dir, 'sqlite::memory:', await closedPort(), { log: { level: 'info', format: 'pretty' } });
    const proc = spawn(process.execPath, ['bin/ao-emission.js', 'serve', '--config', config], { cwd: ROOT, env: process.env });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
    const end = Date.now() + 90_000;
    while (!out.includes('tick run failed') && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    // eslint-disable-next-line no-control-regex -- the colour codes pino-pretty writes
    const lines = out.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => l.trim() !== '');
    expect(lines.find((l) => l.includes('service started'))).toMatch(/^\[\d\d:\d\d:\d\d\] .*INFO.*: service started/);
    expect(lines.some((l) => l.trimStart().startsWith('{"level"'))).toBe(false);
    // The arweave outage is SOURCE_UNAVAILABLE: logged by code and message, no "at …" stack frames.
    expect(out).toContain('SOURCE_UNAVAILABLE');
    expect(out).not.toMatch(/\n\s+at .*\.(ts|js):\d+/);
  });
});
