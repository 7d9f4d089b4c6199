import { existsSync } from 'node:fs';
import { EngineError } from '../errors.ts';
import { redactUrl } from '../redact-url.ts';
import { parseDatabaseUrl } from './ledger.ts';

/**
 * For the read-only commands (audit verify, statement, proof, export): the database must already
 * hold a ledger. Checked before the ledger is opened, because opening a SQLite path creates its
 * folder and an empty file (the writer's behaviour), and an empty database then failed deep inside
 * with "no such table: ticks". Probes read only: SQLite opened readonly with fileMustExist,
 * Postgres a catalog lookup. Throws INVALID_ARGUMENT (exit 2) naming the database.
 */
export async function assertExistingLedger(url: string): Promise<void> {
  const { dialect, target } = parseDatabaseUrl(url);
  if (dialect === 'sqlite') {
    if (target === ':memory:') throw new EngineError('INVALID_ARGUMENT', 'database: sqlite::memory: holds no ledger; give the sqlite:<path> of an existing ledger');
    if (!existsSync(target)) throw new EngineError('INVALID_ARGUMENT', `database: no ledger at ${target} (no such file)`);
    const Database = (await import('better-sqlite3')).default;
    let hasTicks: boolean;
    try {
      const db = new Database(target, { readonly: true, fileMustExist: true });
      try {
        hasTicks = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticks'").get() !== undefined;
      } finally {
        db.close();
      }
    } catch (error) {
      throw new EngineError('INVALID_ARGUMENT', `database: ${target} is not a readable SQLite ledger (${(error as Error).message})`);
    }
    if (!hasTicks) throw new EngineError('INVALID_ARGUMENT', `database: no ledger in ${target} (no ticks table; is this the right file?)`);
    return;
  }
  const shown = redactUrl(target);
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: target });
  try {
    await client.connect();
    const r = await client.query<{ t: string | null }>("SELECT to_regclass('ticks')::text AS t");
    if (r.rows[0]?.t === null || r.rows[0]?.t === undefined) throw new EngineError('INVALID_ARGUMENT', `database: no ledger in ${shown} (no ticks table)`);
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError('INVALID_ARGUMENT', `database: cannot read a ledger at ${shown} (${(error as Error).message})`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
