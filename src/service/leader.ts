import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { EngineError } from '../errors.ts';
import { redactUrl } from '../redact-url.ts';

/**
 * One leader per database: only the process holding this lock applies ticks; any other instance
 * on the same database stays a standby (serving /status) and tries again at every trigger.
 *
 * - SQLite: an exclusive SQLite lock on `<database>.leader`, a small database file beside the
 *   ledger, held by an open BEGIN EXCLUSIVE for the life of the process. The OS drops the lock
 *   when the process dies, so a crashed leader never blocks a successor. It is a separate file
 *   so that holding it never blocks the ledger's own writers or readers.
 * - Postgres: a session-level pg_try_advisory_lock on a dedicated connection; the lock goes when
 *   the connection does, and a lost connection makes this process step down.
 * - sqlite::memory: the database lives in this process alone, so it is always the leader.
 */
export interface LeaderLock {
  /** Tries to take the lock without waiting; true when this process holds it (now or already). */
  tryAcquire(): Promise<boolean>;
  /** True while held (false after a lost Postgres connection). */
  held(): boolean;
  release(): Promise<void>;
  readonly description: string;
}

/** The advisory lock key: a stable 63-bit number derived from a name, so other apps on the same cluster do not collide by accident. */
export const ADVISORY_LOCK_KEY = BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update('ao-emission/leader').digest('hex').slice(0, 16)}`)).toString();

export function createLeaderLock(databaseUrl: string): LeaderLock {
  if (databaseUrl === 'sqlite::memory:') return memoryLock();
  if (databaseUrl.startsWith('sqlite:')) return sqliteLock(`${databaseUrl.slice('sqlite:'.length)}.leader`);
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return postgresLock(databaseUrl);
  throw new EngineError('INVALID_CONFIG', `database.url: ${JSON.stringify(redactUrl(databaseUrl))} has no leader lock; expected sqlite:… or postgres://…`);
}

function memoryLock(): LeaderLock {
  let held = false;
  return {
    description: 'in-process (sqlite::memory:)',
    tryAcquire: async () => (held = true),
    held: () => held,
    release: async () => {
      held = false;
    },
  };
}

function sqliteLock(path: string): LeaderLock {
  let db: Database.Database | null = null;
  return {
    description: `sqlite lock file ${path}`,
    async tryAcquire() {
      if (db) return true;
      const candidate = new Database(path, { timeout: 0 });
      try {
        candidate.pragma('journal_mode = DELETE');
        candidate.exec('BEGIN EXCLUSIVE');
        db = candidate;
        return true;
      } catch (error) {
        candidate.close();
        if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
        throw new EngineError('LEADER_CONFLICT', `leader: cannot lock ${path}: ${(error as Error).message}`, { cause: error });
      }
    },
    held: () => db !== null,
    async release() {
      const open = db;
      db = null;
      if (open) {
        open.exec('ROLLBACK');
        open.close();
      }
    },
  };
}

function postgresLock(url: string): LeaderLock {
  let client: pg.Client | null = null;
  let lost = false;
  return {
    description: `postgres advisory lock ${ADVISORY_LOCK_KEY}`,
    async tryAcquire() {
      if (client && !lost) return true;
      if (client) await client.end().catch(() => undefined);
      lost = false;
      const candidate = new pg.Client({ connectionString: url });
      candidate.on('error', () => {
        lost = true;
      });
      try {
        await candidate.connect();
        const { rows } = await candidate.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [ADVISORY_LOCK_KEY]);
        if (rows[0]?.locked !== true) {
          await candidate.end();
          return false;
        }
      } catch (error) {
        await candidate.end().catch(() => undefined);
        throw new EngineError('LEADER_CONFLICT', `leader: cannot take the advisory lock on ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
      }
      candidate.on('end', () => {
        lost = true;
      });
      client = candidate;
      return true;
    },
    held: () => client !== null && !lost,
    async release() {
      const open = client;
      client = null;
      if (open && !lost) {
        await open.query('select pg_advisory_unlock($1::bigint)', [ADVISORY_LOCK_KEY]).catch(() => undefined);
        await open.end().catch(() => undefined);
      }
    },
  };
}
