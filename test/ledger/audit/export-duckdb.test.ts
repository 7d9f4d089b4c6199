import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS, exportHistory } from '../../../src/ledger/audit/export.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { fixtureLedger } from './fixture.ts';

/**
 * The export loaded into a real DuckDB (@duckdb/node-api) with the duckdb.sql it ships: every
 * column has its declared type and every amount, weight and index reads back digit for digit.
 * The fixture's bridge weights go up to 10^21 wei (fixture.ts), past a DOUBLE's 2^53.
 */
let dir: string;
let ledger: Ledger;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ao-export-duckdb-'));
  ledger = await fixtureLedger(`sqlite:${join(dir, 'ledger.db')}`, { ticks: 16, accounts: 10, changesPerTick: 3, arEvery: 4, bridgeEvery: 8, seed: 11 });
  await exportHistory(ledger.db, join(dir, 'export'));
});
afterAll(async () => {
  await ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

async function loaded(): Promise<{ query: (sql: string) => Promise<Record<string, unknown>[]> }> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`SET file_search_path = '${join(dir, 'export')}'`);
  for (const statement of readFileSync(join(dir, 'export', 'duckdb.sql'), 'utf8').split('\n').filter((l) => l.startsWith('CREATE'))) await connection.run(statement);
  return { query: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[] };
}

describe('audit export in DuckDB', () => {
  it('loads with the declared types, which schema.json lists too', async () => {
    const db = await loaded();
    const schema = JSON.parse(readFileSync(join(dir, 'export', 'schema.json'), 'utf8')) as { tables: Record<string, { columns: { name: string; type: string }[] }> };
    for (const [file, cols] of Object.entries(EXPORT_COLUMNS)) {
      const table = file.replace('.csv', '');
      const described = await db.query(`DESCRIBE ${table}`);
      expect(described.map((r) => [r['column_name'], r['column_type']])).toEqual(cols.map(([n, t]) => [n, t]));
      expect(schema.tables[table]!.columns.map((c) => [c.name, c.type])).toEqual(cols.map(([n, t]) => [n, t]));
    }
  });

  it('reads every weight, amount and index exactly as the ledger stores it', async () => {
    const db = await loaded();
    const stored = await ledger.db.all<{ tick: number; pool: string; total_weight: string; index_value: string; residue: string }>('SELECT tick, pool, total_weight, index_value, residue FROM tick_pools ORDER BY tick, pool');
    const duck = await db.query('SELECT tick, pool, total_weight::VARCHAR AS total_weight, index_value, residue::VARCHAR AS residue FROM tick_pools ORDER BY tick, pool');
    expect(duck.map((r) => [Number(r['tick']), r['pool'], r['total_weight'], r['index_value'], r['residue']])).toEqual(stored.map((r) => [Number(r.tick), r.pool, r.total_weight, r.index_value, r.residue]));
    // Past 2^53: read as DOUBLE these would have been rounded.
    const big = await db.query("SELECT count(*) AS n FROM weight_changes WHERE new_weight > 9007199254740993");
    expect(Number(big[0]!['n'])).toBeGreaterThan(0);
    const credited = await db.query('SELECT sum(amount)::VARCHAR AS total FROM credits');
    expect(credited[0]!['total']).toBe((await ledger.conservation()).credited.toString());
  });
});
