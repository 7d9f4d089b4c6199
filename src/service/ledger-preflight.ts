import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { EngineError } from '../errors.ts';
import { redactUrls } from '../redact-url.ts';

/**
 * Checks made by `serve` before it opens anything: the HTTP port is free, and the ledger the
 * config names exists (or `--create` asked for a new one). A typo in database.url must not start
 * a second ledger from genesis somewhere else, so a new ledger is only ever made on request:
 * `ao-emission db init`, `db migrate` or `serve --create`.
 */

/** Resolves when host:port can be bound (then frees it at once); a port in use is a runtime failure (exit 1), a host that cannot be bound a config error (exit 2). */
export function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new EngineError('PORT_UNAVAILABLE', `http.port: cannot listen on ${host}:${port}: the port is in use (by another ao-emission?)`, { cause: error })
          : new EngineError('INVALID_CONFIG', `http.host: cannot listen on ${host}:${port}: ${error.message}`, { cause: error }),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

export const createHint = (url: string): string => `create one with \`ao-emission db init --database ${redactUrls(url)}\` or start with \`serve --create\``;

/** The parts of a postgres URL an operator needs to find the server (never the password). */
export function describePostgres(url: string): string {
  const u = new URL(url);
  const user = decodeURIComponent(u.username) || process.env['PGUSER'] || process.env['USER'] || '(default)';
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || user;
  return `host ${u.hostname || 'localhost'} port ${u.port || '5432'} user ${JSON.stringify(user)} database ${JSON.stringify(database)}`;
}

/** What went wrong connecting, in words (pg's own messages; the codes are Postgres SQLSTATEs). */
function connectCause(error: unknown): string {
  const e = error as { code?: string; message?: string; errors?: { message?: string }[] };
  if (e.code === 'ECONNREFUSED') return 'connection refused (is Postgres running and listening there?)';
  if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return 'unknown host';
  if (e.code === 'ETIMEDOUT') return 'connection timed out';
  if (e.code === '3D000') return `the database does not exist (${e.message})`;
  if (e.code === '28000' || e.code === '28P01') return `authentication failed (${e.message})`;
  const inner = e.errors?.map((x) => x.message).join('; ');
  return e.message || inner || String(error);
}

/** How long a connection attempt may take before the server counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Fails unless the ledger at `url` exists (or `create` is set). SQLite: the file must exist (no
 * folder or file is created otherwise). Postgres: the server must answer and hold the ledger's
 * `ticks` table; an unreachable server names host, port, user and database and the cause.
 */
export async function requireLedger(url: string, options: { create: boolean; field?: string }): Promise<void> {
  const field = options.field ?? 'database.url';
  if (url === 'sqlite::memory:') return;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (existsSync(path)) {
      if (!statSync(path).isFile()) throw new EngineError('INVALID_CONFIG', `${field}: ${path} is not a file`);
      return;
    }
    if (!options.create) throw new EngineError('INVALID_CONFIG', `${field}: no ledger at ${path}; ${createHint(url)}`);
    return;
  }
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new EngineError('DATABASE_UNAVAILABLE', `${field}: cannot connect to Postgres at ${describePostgres(url)}: ${connectCause(error)}`, { cause: error });
  }
  try {
    const { rows } = await client.query<{ found: string | null }>("select to_regclass('ticks')::text as found");
    if (rows[0]?.found == null && !options.create) throw new EngineError('INVALID_CONFIG', `${field}: no ledger at ${describePostgres(url)} (no ticks table); ${createHint(url)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
