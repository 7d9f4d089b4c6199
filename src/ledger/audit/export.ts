import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeChanges } from '../change-log.ts';
import type { Db, Row } from '../db.ts';

/**
 * `audit export <dir>`: the whole history as CSV files for analysts (RFC 4180: comma, CRLF-free
 * "\n" rows, fields quoted when they hold a comma, quote or newline; a header row; amounts as
 * base-unit integers, scaled values — index, residue — as integers scaled by 10^36; times as ms
 * since the epoch). Column types are stable, so the files load into Parquet/DuckDB/pandas as is.
 * Read in pages and written as they are read: memory stays bounded at any history size.
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

export async function exportHistory(db: Db, dir: string): Promise<ExportResult> {
  mkdirSync(dir, { recursive: true });
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

  await run('ticks.csv', ['tick', 'start_ms', 'end_ms', 'applied_at_ms', 'mint', 'split_ar', 'split_bridges', 'bridge_carry_in', 'bridge_carry_out', 'policy_label', 'change_count', 'hash', 'prev_hash'], async (out) => {
    for await (const rows of pages(db, (a) => `SELECT * FROM ticks${a ? ' WHERE tick > ?' : ''} ORDER BY tick LIMIT ?`, (r) => [Number(r['tick'])])) {
      out.write(rows.map((r) => [r['tick'], r['start_ms'], r['end_ms'], r['applied_at_ms'], r['mint'], r['split_ar'], r['split_bridges'], r['bridge_carry_in'], r['bridge_carry_out'], r['policy_label'], r['change_count'], r['hash'], r['prev_hash']]));
    }
  });
  await run('tick_pools.csv', ['tick', 'pool', 'amount', 'total_weight', 'index_delta', 'index_value', 'residue', 'yield_weight', 'complete', 'pin', 'yield_quote'], async (out) => {
    for await (const rows of pages(db, (a) => `SELECT * FROM tick_pools${a ? ' WHERE tick > ? OR (tick = ? AND pool > ?)' : ''} ORDER BY tick, pool LIMIT ?`, (r) => [Number(r['tick']), Number(r['tick']), r['pool']])) {
      out.write(rows.map((r) => [r['tick'], r['pool'], r['amount'], r['total_weight'], r['index_delta'], r['index_value'], r['residue'], r['yield_weight'], r['complete'] === null ? null : Boolean(r['complete']), r['pin'], r['yield_quote']]));
    }
  });
  // One row per change (the log stores one record per tick and pool); account keys resolved by id.
  const keys = new Map<number, string>();
  for await (const rows of pages(db, (a) => `SELECT id, account FROM accounts${a ? ' WHERE id > ?' : ''} ORDER BY id LIMIT ?`, (r) => [Number(r['id'])])) {
    for (const r of rows) keys.set(Number(r['id']), r['account'] as string);
  }
  await run('weight_changes.csv', ['tick', 'pool', 'account_id', 'account', 'old_weight', 'new_weight', 'recipient_set', 'recipient'], async (out) => {
    for await (const rows of pages(db, (a) => `SELECT tick, pool, payload FROM weight_changes${a ? ' WHERE tick > ? OR (tick = ? AND pool > ?)' : ''} ORDER BY tick, pool LIMIT ?`, (r) => [Number(r['tick']), Number(r['tick']), r['pool']])) {
      for (const r of rows) {
        out.write(decodeChanges(r['payload'] as string).map((c) => [r['tick'], r['pool'], c.accountId, keys.get(c.accountId), c.oldWeight, c.newWeight, c.recipient !== undefined, c.recipient ?? null]));
      }
    }
  });
  await run('settlements.csv', ['id', 'pool', 'from_tick', 'to_tick', 'index_value', 'credit_count', 'recipient_count', 'batch_count', 'total', 'created_at_ms'], async (out) => {
    for await (const rows of pages(db, (a) => `SELECT * FROM settlements${a ? ' WHERE to_tick > ? OR (to_tick = ? AND pool > ?)' : ''} ORDER BY to_tick, pool LIMIT ?`, (r) => [Number(r['to_tick']), Number(r['to_tick']), r['pool']])) {
      out.write(rows.map((r) => [r['id'], r['pool'], r['from_tick'], r['to_tick'], r['index_value'], r['credit_count'], r['recipient_count'], r['batch_count'], r['total'], r['created_at_ms']]));
    }
  });
  await run('credits.csv', ['settlement_id', 'pool', 'to_tick', 'account_id', 'account', 'recipient', 'amount'], async (out) => {
    for await (const rows of pages(
      db,
      (a) =>
        `SELECT c.settlement_id, s.pool, s.to_tick, c.account_id, c.recipient, c.amount FROM credits c JOIN settlements s ON s.id = c.settlement_id${a ? ' WHERE c.settlement_id > ? OR (c.settlement_id = ? AND c.account_id > ?)' : ''} ORDER BY c.settlement_id, c.account_id LIMIT ?`,
      (r) => [r['settlement_id'], r['settlement_id'], Number(r['account_id'])],
    )) {
      out.write(rows.map((r) => [r['settlement_id'], r['pool'], r['to_tick'], r['account_id'], keys.get(Number(r['account_id'])), r['recipient'], r['amount']]));
    }
  });
  await run('outbox.csv', ['batch_id', 'settlement_id', 'batch_index', 'pool', 'from_tick', 'to_tick', 'credit_count', 'total', 'status', 'attempts', 'message_id', 'last_error'], async (out) => {
    for await (const rows of pages(db, (a) => `SELECT * FROM outbox_batches${a ? ' WHERE batch_id > ?' : ''} ORDER BY batch_id LIMIT ?`, (r) => [r['batch_id']])) {
      out.write(rows.map((r) => [r['batch_id'], r['settlement_id'], r['batch_index'], r['pool'], r['from_tick'], r['to_tick'], r['credit_count'], r['total'], r['status'], r['attempts'], r['message_id'], r['last_error']]));
    }
  });
  return { dir, files };
}
