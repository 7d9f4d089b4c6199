import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { ArweaveAddress } from '../../../src/address.ts';
import { flatPolicy } from '../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../src/emission/ticks.ts';
import { sqliteLedgers } from '../sqlite-files.ts';
import { winston } from '../../../src/units.ts';

/**
 * The SQLite ledger's WAL checkpoints run on a worker thread (src/ledger/store/checkpointer.ts),
 * not inside a tick: the writer's own connection no longer checkpoints, so the proof that the worker
 * does is the database file alone — without its WAL — holding every committed tick shortly after.
 */
const { dir, ledgerAt } = sqliteLedgers('checkpointer');
const key = (c: string): ArweaveAddress => c.padEnd(43, c.toLowerCase()) as ArweaveAddress;
const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };

/** The last tick in a copy of the database file made without its -wal file (0 while not even the schema has been copied in). */
function lastTickInFileAlone(path: string, copyName: string): number {
  const copy = join(dir, copyName);
  copyFileSync(path, copy);
  const db = new Database(copy, { readonly: true });
  try {
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'ticks'").get() === undefined) return 0;
    return (db.prepare('SELECT COALESCE(MAX(tick), 0) AS t FROM ticks').get() as { t: number }).t;
  } finally {
    db.close();
  }
}

describe('the WAL checkpoint worker', () => {
  it('copies every committed tick into the database file soon after its commit, with the writer open', async () => {
    const path = join(dir, 'ledger.db');
    const ledger = await ledgerAt({ path });
    for (let k = 1; k <= 5; k++) {
      const updates = Array.from({ length: 200 }, (_, i) => ({ account: key(String.fromCharCode(65 + (i % 26))) + String(i), recipient: key('R'), weight: winston(BigInt(k * 1000 + i)) }));
      await ledger.applyTick({ tick: k, genesisMs: DEFAULT_GENESIS_MS, policy: flatPolicy(36n, 64n), snapshots: [{ pool: 'ar', pin, complete: false, updates, cursor: `c${k}`, notes: [] }] });
    }
    let seen = 0;
    for (let i = 0; i < 100 && seen < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      seen = lastTickInFileAlone(path, `copy-${i}.db`);
    }
    expect(seen).toBe(5);
  });
});
