import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { Ledger } from '../../src/ledger/index.ts';

/**
 * Migrated SQLite ledgers in files of one temporary folder, all closed and the folder removed after
 * the test file (call it at a test file's top level: it registers that afterAll). ledgerAt() opens
 * a fresh file, ledgerAt({ path }) a given one (a second connection to it, or a reopening).
 */
export function sqliteLedgers(name: string): { dir: string; ledgerAt: (opts?: { path?: string; deferAccounts?: number; rewriteAccounts?: number }) => Promise<Ledger> } {
  const dir = mkdtempSync(join(tmpdir(), `ao-emission-${name}-`));
  const open: Ledger[] = [];
  afterAll(async () => {
    for (const l of open) await l.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let files = 0;
  const ledgerAt = async ({ path = join(dir, `l${++files}.db`), deferAccounts, rewriteAccounts }: { path?: string; deferAccounts?: number; rewriteAccounts?: number } = {}): Promise<Ledger> => {
    const ledger = await openLedger({ url: `sqlite:${path}`, clock: new ManualClock(1_700_000_000_000), deferAccounts, rewriteAccounts });
    await ledger.migrate();
    open.push(ledger);
    return ledger;
  };
  return { dir, ledgerAt };
}
