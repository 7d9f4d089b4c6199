import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { prepareOutputDir } from '../../output-dir.ts';
import { decodeChanges } from '../store/change-log.ts';
import type { Db, Row } from '../store/db.ts';

/**
 * `audit export <dir>`: the whole history as CSV files for analysts (RFC 4180: comma, CRLF-free
 * "\n" rows, fields quoted when they hold a comma, quote or newline; a header row; amounts as
 * base-unit integers, scaled values — index, residue — as integers scaled by 10^36; times as ms
 * since the epoch). Read in pages and written as they are read: memory stays bounded at any size.
 *
 * Type inference is not enough (DuckDB's read_csv_auto reads 24999999999999999999 as the DOUBLE
 * 2.5e+19), so the export ships its types: schema.json (file → columns, each with a DuckDB type and
 * why) and duckdb.sql (one CREATE TABLE … AS SELECT * FROM read_csv(…, columns = {…}) per file, run
 * from the export folder). Amounts and weights are DECIMAL(38,0): the AO supply is < 2.1·10^19
 * base units and a pool's total weight < 10^30 base units. The scaled index columns exceed 38
 * digits (I_k up to mint·10^36, yield weight at 10^54): VARCHAR, exact decimal text; cast in the
 * client (Python int, a numeric library) to compute with them.
 */
export interface ExportResult {
  readonly dir: string;
  readonly files: readonly { readonly file: string; readonly rows: number }[];
}

const PAGE_ROWS = 20_000;

const cell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'boolean' ? String(v) : String(v as string | number | bigint);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

class CsvFile {
  readonly #fd: number;
  rows = 0;
  constructor(path: string, header: readonly string[]) {
    this.#fd = openSync(path, 'w');
    writeSync(this.#fd, `${header.join(',')}\n`);
  }
  write(lines: readonly (readonly unknown[])[]): void {
    if (lines.length === 0) return;
    writeSync(this.#fd, lines.map((l) => `${l.map(cell).join(',')}\n`).join(''));
    this.rows += lines.length;
  }
  close(): void {
    closeSync(this.#fd);
  }
}

/** Pages a table by an integer/text key (keyset pagination, never OFFSET). */
async function* pages(db: Db, sql: (after: boolean) => string, keyOf: (r: Row) => unknown[]): AsyncGenerator<Row[]> {
  let after: unknown[] | null = null;
  for (;;) {
    const rows = await db.all(sql(after !== null), [...((after ?? []) as (string | number)[]), PAGE_ROWS]);
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE_ROWS) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}

type Column = readonly [name: string, type: string];
const INT = 'INTEGER';
const MS = 'BIGINT';
const AMOUNT = 'DECIMAL(38,0)';
/** Exceeds DECIMAL(38) (and HUGEINT): exact decimal text. */
const WIDE = 'VARCHAR';
const TEXT = 'VARCHAR';
const BOOL = 'BOOLEAN';

/** Every exported file's columns and DuckDB types, in file order (the header is these names). */
export const EXPORT_COLUMNS: Readonly<Record<string, readonly Column[]>> = {
  'ticks.csv': [['tick', INT], ['start_ms', MS], ['end_ms', MS], ['applied_at_ms', MS], ['mint', AMOUNT], ['split_ar', AMOUNT], ['split_bridges', AMOUNT], ['bridge_carry_in', AMOUNT], ['bridge_carry_out', AMOUNT], ['policy_label', TEXT], ['change_count', INT], ['hash', TEXT], ['prev_hash', TEXT]],
  'tick_pools.csv': [['tick', INT], ['pool', TEXT], ['amount', AMOUNT], ['total_weight', AMOUNT], ['index_delta', WIDE], ['index_value', WIDE], ['residue', AMOUNT], ['yield_weight', WIDE], ['complete', BOOL], ['pin', TEXT], ['yield_quote', TEXT]],
  'weight_changes.csv': [['tick', INT], ['pool', TEXT], ['account_id', INT], ['account', TEXT], ['old_weight', AMOUNT], ['new_weight', AMOUNT], ['recipient_set', BOOL], ['recipient', TEXT]],
  'settlements.csv': [['id', TEXT], ['pool', TEXT], ['from_tick', INT], ['to_tick', INT], ['index_value', WIDE], ['credit_count', INT], ['recipient_count', INT], ['batch_count', INT], ['total', AMOUNT], ['created_at_ms', MS]],
  'credits.csv': [['settlement_id', TEXT], ['pool', TEXT], ['to_tick', INT], ['account_id', INT], ['account', TEXT], ['recipient', TEXT], ['amount', AMOUNT]],
  'delegated_credits.csv': [['settlement_id', TEXT], ['pool', TEXT], ['to_tick', INT], ['account_id', INT], ['account', TEXT], ['recipient', TEXT], ['target', TEXT], ['amount', AMOUNT]],
  'reports.csv': [['report_id', TEXT], ['settlement_id', TEXT], ['project', TEXT], ['pool', TEXT], ['from_tick', INT], ['to_tick', INT], ['row_count', INT], ['total', AMOUNT], ['status', TEXT], ['attempts', INT], ['message_id', TEXT], ['last_error', TEXT]],
  'outbox.csv': [['batch_id', TEXT], ['settlement_id', TEXT], ['batch_index', INT], ['pool', TEXT], ['from_tick', INT], ['to_tick', INT], ['credit_count', INT], ['total', AMOUNT], ['status', TEXT], ['attempts', INT], ['message_id', TEXT], ['last_error', TEXT]],
};

const header = (file: string): readonly string[] => EXPORT_COLUMNS[file]!.map(([name]) => name);

/** schema.json and duckdb.sql beside the CSV files. */
function writeSchema(dir: string): void {
  const tables = Object.fromEntries(Object.entries(EXPORT_COLUMNS).map(([file, cols]) => [file.replace(/\.csv$/, ''), { file, columns: cols.map(([name, type]) => ({ name, type })) }]));
  const note = 'DuckDB types. DECIMAL(38,0): base-unit amounts and weights. VARCHAR for index_delta, index_value and yield_weight: scaled by 10^36 (10^54) they exceed 38 digits; exact decimal text.';
  writeFileSync(join(dir, 'schema.json'), `${JSON.stringify({ note, tables }, null, 2)}\n`);
  const sql = Object.entries(EXPORT_COLUMNS).map(
    ([file, cols]) =>
      `CREATE TABLE ${file.replace(/\.csv$/, '')} AS SELECT * FROM read_csv('${file}', header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', columns = {${cols.map(([n, t]) => `'${n}': '${t}'`).join(', ')}});`,
  );
  writeFileSync(join(dir, 'duckdb.sql'), `-- Run from this folder: duckdb ledger.duckdb < duckdb.sql\n${sql.join('\n')}\n`);
}

/** Every file an export writes. */
export const EXPORT_FILES: readonly string[] = [...Object.keys(EXPORT_COLUMNS), 'schema.json', 'duckdb.sql'];

/** `force`: overwrite the files of an earlier export in `dir` (refused otherwise, naming the first). */
export async function exportHistory(db: Db, dir: string, options: { force?: boolean } = {}): Promise<ExportResult> {
  prepareOutputDir(dir, EXPORT_FILES, { field: 'export', overwrite: options.force === true });
  const files: { file: string; rows: number }[] = [];
  const run = async (file: string, header: readonly string[], fill: (out: CsvFile) => Promise<void>): Promise<void> => {
    const out = new CsvFile(join(dir, file), header);
    try {
      await fill(out);
    } finally {
      out.close();
    }
    files.push({ file, rows: out.rows });
  };

  await run('ticks.csv', header('ticks.csv'), async (out) => {
    for await (const rows of pages(db, (a) => `SELECT * FROM ticks${a ? ' WHERE tick > ?' : ''} ORDER BY tick LIMIT ?`, (r) => [Number(r['tick'])])) {
      out.write(rows.map((r) => [r['tick'], r['start_ms'], r['end_ms'], r['applied_at_ms'], r['mint'], r['split_ar'], r['split_bridges'], r['bridge_carry_in'], r['bridge_carry_out'], r['policy_label'], r['change_count'], r['hash'], r['prev_hash']]));
    }
  });
  await run('tick_pools.csv', header('tick_pools.csv'), async (out) => {
    for await (const rows of pages(db, (a) => `SELECT * FROM tick_pools${a ? ' WHERE tick > ? OR (tick = ? AND pool > ?)' : ''} ORDER BY tick, pool LIMIT ?`, (r) => [Number(r['tick']), Number(r['tick']), r['pool']])) {
      out.write(rows.map((r) => [r['tick'], r['pool'], r['amount'], r['total_weight'], r['index_delta'], r['index_value'], r['residue'], r['yield_weight'], r['complete'] === null ? null : Boolean(r['complete']), r['pin'], r['yield_quote']]));
    }
  });
  // One row per change (the log stores one record per tick and pool); account keys resolved by id.
  const keys = new Map<number, string>();
  for await (const rows of pages(db, (a) => `SELECT id, account FROM accounts${a ? ' WHERE id > ?' : ''} ORDER BY id LIMIT ?`, (r) => [Number(r['id'])])) {
    for (const r of rows) keys.set(Number(r['id']), r['account'] as string);
  }
  await run('weight_changes.csv', header('weight_changes.csv'), async (out) => {
    for await (const rows of pages(db, (a) => `SELECT tick, pool, payload FROM weight_changes${a ? ' WHERE tick > ? OR (tick = ? AND pool > ?)' : ''} ORDER BY tick, pool LIMIT ?`, (r) => [Number(r['tick']), Number(r['tick']), r['pool']])) {
      for (const r of rows) {
        out.write(decodeChanges(r['payload'] as string).map((c) => [r['tick'], r['pool'], c.accountId, keys.get(c.accountId), c.oldWeight, c.newWeight, c.recipient !== undefined, c.recipient ?? null]));
      }
    }
  });
  await run('settlements.csv', header('settlements.csv'), async (out) => {
    for await (const rows of pages(db, (a) => `SELECT * FROM settlements${a ? ' WHERE to_tick > ? OR (to_tick = ? AND pool > ?)' : ''} ORDER BY to_tick, pool LIMIT ?`, (r) => [Number(r['to_tick']), Number(r['to_tick']), r['pool']])) {
      out.write(rows.map((r) => [r['id'], r['pool'], r['from_tick'], r['to_tick'], r['index_value'], r['credit_count'], r['recipient_count'], r['batch_count'], r['total'], r['created_at_ms']]));
    }
  });
  await run('credits.csv', header('credits.csv'), async (out) => {
    for await (const rows of pages(
      db,
      (a) =>
        `SELECT c.settlement_id, s.pool, s.to_tick, c.account_id, c.recipient, c.amount FROM credits c JOIN settlements s ON s.id = c.settlement_id${a ? ' WHERE c.settlement_id > ? OR (c.settlement_id = ? AND c.account_id > ?)' : ''} ORDER BY c.settlement_id, c.account_id LIMIT ?`,
      (r) => [r['settlement_id'], r['settlement_id'], Number(r['account_id'])],
    )) {
      out.write(rows.map((r) => [r['settlement_id'], r['pool'], r['to_tick'], r['account_id'], keys.get(Number(r['account_id'])), r['recipient'], r['amount']]));
    }
  });
  await run('outbox.csv', header('outbox.csv'), async (out) => {
    // In the order they were settled (tick, pool, batch), as an analyst reads them; batch_id is a hash.
    const after = ' WHERE to_tick > ? OR (to_tick = ? AND (pool > ? OR (pool = ? AND batch_index > ?)))';
    const keyOf = (r: Row): unknown[] => [Number(r['to_tick']), Number(r['to_tick']), r['pool'], r['pool'], Number(r['batch_index'])];
    for await (const rows of pages(db, (a) => `SELECT * FROM outbox_batches${a ? after : ''} ORDER BY to_tick, pool, batch_index LIMIT ?`, keyOf)) {
      out.write(rows.map((r) => [r['batch_id'], r['settlement_id'], r['batch_index'], r['pool'], r['from_tick'], r['to_tick'], r['credit_count'], r['total'], r['status'], r['attempts'], r['message_id'], r['last_error']]));
    }
  });
  // Yield delegation (DESIGN.md §9): the parts of credits that went to projects, and the Report.Mint messages.
  await run('delegated_credits.csv', header('delegated_credits.csv'), async (out) => {
    const after = ' WHERE d.settlement_id > ? OR (d.settlement_id = ? AND (d.account_id > ? OR (d.account_id = ? AND d.target > ?)))';
    const keyOf = (r: Row): unknown[] => [r['settlement_id'], r['settlement_id'], Number(r['account_id']), Number(r['account_id']), r['target']];
    for await (const rows of pages(
      db,
      (a) =>
        `SELECT d.settlement_id, s.pool, s.to_tick, d.account_id, c.recipient, d.target, d.amount FROM delegated_credits d JOIN settlements s ON s.id = d.settlement_id
         JOIN credits c ON c.settlement_id = d.settlement_id AND c.account_id = d.account_id${a ? after : ''} ORDER BY d.settlement_id, d.account_id, d.target LIMIT ?`,
      keyOf,
    )) {
      out.write(rows.map((r) => [r['settlement_id'], r['pool'], r['to_tick'], r['account_id'], keys.get(Number(r['account_id'])), r['recipient'], r['target'], r['amount']]));
    }
  });
  await run('reports.csv', header('reports.csv'), async (out) => {
    const after = ' WHERE to_tick > ? OR (to_tick = ? AND (pool > ? OR (pool = ? AND project > ?)))';
    const keyOf = (r: Row): unknown[] => [Number(r['to_tick']), Number(r['to_tick']), r['pool'], r['pool'], r['project']];
    for await (const rows of pages(db, (a) => `SELECT * FROM reports${a ? after : ''} ORDER BY to_tick, pool, project LIMIT ?`, keyOf)) {
      out.write(rows.map((r) => [r['report_id'], r['settlement_id'], r['project'], r['pool'], r['from_tick'], r['to_tick'], r['row_count'], r['total'], r['status'], r['attempts'], r['message_id'], r['last_error']]));
    }
  });
  writeSchema(dir);
  return { dir, files };
}
