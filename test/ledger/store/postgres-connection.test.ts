import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { TxConnection } from '../../../src/ledger/store/postgres-connection.ts';
import { freshPostgresDatabase } from '../../support/postgres.ts';

/** A transaction's connection with writes behind (postgres-connection.ts), on a real server. */
describe('TxConnection', () => {
  it('a statement after a write behind runs after it and sees it; a failed write behind is the next statement’s error', async () => {
    const pool = new pg.Pool({ connectionString: await freshPostgresDatabase(inject('postgresUrl'), 'pg-tx-connection') });
    const client = await pool.connect();
    try {
      const connection = new TxConnection(client);
      await connection.query('CREATE TABLE t (id int PRIMARY KEY)');
      await connection.query('BEGIN');
      connection.writeBehind(async (c) => {
        await c.query('SELECT pg_sleep(0.2)');
        await c.query('INSERT INTO t VALUES (1)');
      });
      expect((await connection.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 1 }]);
      connection.writeBehind(async (c) => {
        await c.query('INSERT INTO t VALUES (1)');
      });
      await expect(connection.query('SELECT 1')).rejects.toThrow('duplicate key value violates unique constraint "t_pkey"');
      await expect(connection.query('COMMIT')).rejects.toThrow('duplicate key');
      await connection.quiet();
      await client.query('ROLLBACK');
      expect((await client.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }]);
    } finally {
      client.release();
      await pool.end();
    }
  });
});
