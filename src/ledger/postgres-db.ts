import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { ACCOUNT_SELECT, toAccountRow } from './db.ts';
import type { AccountRow, AccountState, AccountUpdate, CreditTuple, Db, Param, Row, SettleTuple } from './db.ts';

const MIGRATIONS = fileURLToPath(new URL('../../drizzle/postgres', import.meta.url));
/** Rows per array-parameter statement: bounds one statement's size (and pg's parameter buffer). */
const CHUNK_ROWS = 10_000;

/** `?` → `$1, $2, …` (the portable SQL of db.ts never has `?` inside a string literal). */
const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

function* chunks<T>(rows: readonly T[]): Generator<readonly T[]> {
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) yield rows.slice(i, i + CHUNK_ROWS);
}

type Queryable = pg.Pool | pg.PoolClient;

/**
 * node-postgres. numeric(78,0) comes back as a decimal string (exact); batches go as arrays through
 * unnest so a tick is a handful of round trips, not one per account.
 */
class PgQueries {
  readonly dialect = 'postgres' as const;
  constructor(protected readonly q: Queryable) {}

  async all<T = Row>(sql: string, params: readonly Param[] = []): Promise<T[]> {
    return (await this.q.query(numbered(sql), params as Param[])).rows as T[];
  }

  async run(sql: string, params: readonly Param[] = []): Promise<number> {
    return (await this.q.query(numbered(sql), params as Param[])).rowCount ?? 0;
  }

  async lookupAccounts(pool: string, keys: readonly string[]): Promise<AccountRow[]> {
    const out: AccountRow[] = [];
    for (const part of chunks(keys)) {
      const r = await this.q.query(`${ACCOUNT_SELECT} WHERE a.pool = $1 AND a.account = ANY($2::text[])`, [pool, part]);
      for (const row of r.rows as Row[]) out.push(toAccountRow(row));
    }
    return out;
  }

  async accountPage(pool: string, afterId: number, limit: number, onlyActive: boolean): Promise<AccountRow[]> {
    const sql = `${ACCOUNT_SELECT} WHERE a.pool = $1 AND a.id > $2${onlyActive ? ` AND s.weight <> 0` : ''} ORDER BY a.id LIMIT $3`;
    return ((await this.q.query(sql, [pool, afterId, limit])).rows as Row[]).map(toAccountRow);
  }

  async accountsWithRecipient(recipient: string): Promise<AccountRow[]> {
    return ((await this.q.query(`${ACCOUNT_SELECT} WHERE s.recipient = $1 ORDER BY a.pool, a.account`, [recipient])).rows as Row[]).map(toAccountRow);
  }

  /** Postgres writes account_state in every tick: nothing is deferred. */
  async pendingAccountState(): Promise<ReadonlyMap<number, AccountState>> {
    return new Map();
  }

  async flushAccountState(): Promise<void> {}

  async settlementPage(pool: string, afterId: number, limit: number, sinceTick: number): Promise<SettleTuple[]> {
    const r = await this.q.query({
      text: `SELECT s.id, s.recipient, s.weight::text, s.index_at_change::text, s.accrued::text, COALESCE(p.settled, 0)::text
             FROM account_state s JOIN accounts a ON a.id = s.id LEFT JOIN account_settled p ON p.id = s.id
             WHERE a.pool = $1 AND s.id > $2 AND s.recipient IS NOT NULL AND NOT (s.weight = 0 AND s.changed_tick < $3) ORDER BY s.id LIMIT $4`,
      values: [pool, afterId, sinceTick, limit],
      rowMode: 'array',
    });
    return r.rows as SettleTuple[];
  }

  async writeAccounts(updates: readonly AccountUpdate[], inserts: readonly AccountRow[]): Promise<void> {
    // Postgres compares indexed values before touching an index (HOT), so recipient is always assigned.
    for (const part of chunks(updates.map((u) => u.row).sort((x, y) => x.id - y.id))) {
      await this.q.query(
        `UPDATE account_state AS s SET recipient = u.recipient, weight = u.weight, index_at_change = u.idx, accrued = u.accrued, changed_tick = u.changed
         FROM unnest($1::int[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::int[]) AS u(id, recipient, weight, idx, accrued, changed)
         WHERE s.id = u.id`,
        [part.map((a) => a.id), part.map((a) => a.recipient), part.map((a) => a.weight.toString()), part.map((a) => a.indexAtChange.toString()), part.map((a) => a.accrued.toString()), part.map((a) => a.changedTick)],
      );
    }
    for (const part of chunks(inserts)) {
      const ids = part.map((a) => a.id);
      await this.q.query(`INSERT INTO accounts (id, pool, account) SELECT * FROM unnest($1::int[], $2::text[], $3::text[])`, [ids, part.map((a) => a.pool), part.map((a) => a.account)]);
      await this.q.query(
        `INSERT INTO account_state (id, recipient, weight, index_at_change, accrued, joined_tick, changed_tick)
         SELECT * FROM unnest($1::int[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[], $6::int[], $7::int[])`,
        [
          ids,
          part.map((a) => a.recipient),
          part.map((a) => a.weight.toString()),
          part.map((a) => a.indexAtChange.toString()),
          part.map((a) => a.accrued.toString()),
          part.map((a) => a.joinedTick),
          part.map((a) => a.changedTick),
        ],
      );
    }
  }

  async writeCredits(settlementId: string, rows: readonly CreditTuple[]): Promise<void> {
    for (const part of chunks(rows)) {
      const ids = part.map((r) => r[0]);
      await this.q.query(
        `INSERT INTO account_settled (id, settled) SELECT * FROM unnest($1::int[], $2::numeric[]) ON CONFLICT (id) DO UPDATE SET settled = excluded.settled`,
        [ids, part.map((r) => r[3])],
      );
      await this.q.query(`INSERT INTO credits (settlement_id, account_id, recipient, amount) SELECT $1::text, * FROM unnest($2::int[], $3::text[], $4::numeric[])`, [
        settlementId,
        ids,
        part.map((r) => r[1]),
        part.map((r) => r[2]),
      ]);
    }
  }
}

class PgTransaction extends PgQueries implements Db {
  async transaction<T>(): Promise<T> {
    throw new Error('PgTransaction: transactions do not nest');
  }
  async migrate(): Promise<void> {
    throw new Error('PgTransaction: migrate outside a transaction');
  }
  async close(): Promise<void> {}
}

export class PostgresDb extends PgQueries implements Db {
  readonly #pool: pg.Pool;

  constructor(url: string) {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    super(pool);
    this.#pool = pool;
  }

  async transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PgTransaction(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async migrate(): Promise<void> {
    await migrate(drizzle({ client: this.#pool }), { migrationsFolder: MIGRATIONS });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
