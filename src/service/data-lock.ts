import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { EngineError } from '../errors.ts';

/**
 * One process per data folder (the demo's --data): an exclusive SQLite lock on `<dir>/.lock`,
 * held for the life of the process (the OS frees it if the process dies), and the holder's pid in
 * `<dir>/.lock.pid` so that a second process can say who holds it. Taken before anything in the
 * folder is deleted or written.
 */
export interface DataLock {
  release(): void;
}

export function lockDataDir(dir: string, field = '--data'): DataLock {
  const path = join(dir, '.lock');
  const pidFile = `${path}.pid`;
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code !== 'SQLITE_BUSY') throw error;
    let pid = 'unknown';
    try {
      pid = readFileSync(pidFile, 'utf8').trim() || pid;
    } catch {
      // The holder has not written its pid yet.
    }
    throw new EngineError('INVALID_ARGUMENT', `${field}: ${dir} is in use by pid ${pid}; stop that process or give another ${field}`);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
  return {
    release() {
      rmSync(pidFile, { force: true });
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/**
 * Creates dir and its missing parents one level at a time. Node's recursive mkdirSync never returns
 * under /proc (it retries the ENOENT it gets there); this fails at once with the reason instead.
 */
export function makeDataDir(dir: string, field = '--data'): void {
  const missing: string[] = [];
  let at = dir;
  while (!existsSync(at)) {
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  if (existsSync(at) && !statSync(at).isDirectory()) throw new EngineError('INVALID_ARGUMENT', `${field}: ${at} is not a folder`);
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      throw new EngineError('INVALID_ARGUMENT', `${field}: cannot create ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
    }
  }
}
