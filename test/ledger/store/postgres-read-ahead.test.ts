import { describe, expect, inject, it } from 'vitest';
import type { ArweaveAddress } from '../../../src/address.ts';
import { flatPolicy } from '../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../src/emission/ticks.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import type { SettleTuple } from '../../../src/ledger/store/db.ts';
import { inPoolUnit } from '../../support/pool-weights.ts';
import { freshPostgresDatabase } from '../../support/postgres.ts';

/**
 * Settlement's read-ahead on Postgres (postgres-db.ts ReadAhead): pages read on a second connection
 * holding the settlement transaction's snapshot, the next page read while the current one is used.
 */
const ACCOUNTS = 1_000;
const account = (i: number) => `acct${i}`.padEnd(43, '_') as ArweaveAddress;
const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };
const tick = (k: number, weightOf: (i: number) => bigint) => ({
  tick: k,
  genesisMs: DEFAULT_GENESIS_MS,
  policy: flatPolicy(36n, 64n),
  snapshots: [
    {
      pool: 'ar' as const,
      pin,
      complete: false,
      updates: inPoolUnit('ar', Array.from({ length: ACCOUNTS }, (_, i) => ({ account: account(i), recipient: i % 10 === 3 ? null : (`rcpt${i % 7}`.padEnd(43, '-') as ArweaveAddress), weight: weightOf(i) }))),
      cursor: `c${k}`,
      notes: [],
    },
  ],
});

async function ledgerWithHistory(name: string): Promise<Ledger> {
  const ledger = await openLedger({ url: await freshPostgresDatabase(inject('postgresUrl'), name) });
  await ledger.migrate();
  await ledger.applyTick(tick(1, (i) => BigInt(1 + i)));
  await ledger.applyTick(tick(2, (i) => BigInt(1 + ((i * 7) % 13))));
  await ledger.idle();
  return ledger;
}

/** Every page of the settlement read, by `limit` rows. */
async function allPages(read: (after: number) => Promise<SettleTuple[]>, limit: number): Promise<SettleTuple[][]> {
  const pages: SettleTuple[][] = [];
  for (let after = 0; ; ) {
    const page = await read(after);
    pages.push(page);
    if (page.length < limit) return pages;
    after = page[page.length - 1]![0];
  }
}

describe('Postgres settlement read-ahead', () => {
  it('pages read ahead in a transaction, an out-of-order page among them, equal the pages read directly', async () => {
    const ledger = await ledgerWithHistory('pg-ahead-pages');
    try {
      const direct = await allPages((after) => ledger.db.settlementPage('ar', after, 64, 1), 64);
      expect(direct.flat()).toHaveLength(900);
      const { ahead, again } = await ledger.db.transaction(async (tx) => ({
        ahead: await allPages((after) => tx.settlementPage('ar', after, 64, 1), 64),
        // Not the page read ahead: read anew after the one in flight.
        again: await tx.settlementPage('ar', direct[3]![10]![0], 64, 1),
      }));
      expect(ahead).toEqual(direct);
      expect(again).toEqual((await ledger.db.settlementPage('ar', direct[3]![10]![0], 64, 1)));
    } finally {
      await ledger.close();
    }
  });

  it('after the transaction wrote account_state itself, pages come from its own connection and show that write', async () => {
    const ledger = await ledgerWithHistory('pg-ahead-own-write');
    try {
      const pages = await ledger.db.transaction(async (tx) => {
        await tx.run("UPDATE account_state SET weight = '123456789' WHERE id = 500");
        const read = await allPages((after) => tx.settlementPage('ar', after, 64, 1), 64);
        throw Object.assign(new Error('roll back'), { read });
      }).catch((error: { read?: SettleTuple[][] }) => error.read);
      expect(pages?.flat().find((r) => r[0] === 500)?.[2]).toBe('123456789');
    } finally {
      await ledger.close();
    }
  });

  it('settlements that fail after reading give their read-ahead connection back: a sixth attempt runs, and then one settles', async () => {
    const ledger = await ledgerWithHistory('pg-ahead-release');
    try {
      await ledger.db.run("CREATE FUNCTION fail_credit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$");
      await ledger.db.run('CREATE TRIGGER fail_credit BEFORE INSERT ON credits FOR EACH ROW EXECUTE FUNCTION fail_credit()');
      // The writer's pool holds 4 connections: a leaked read-ahead connection per attempt would hang the fifth.
      for (let n = 0; n < 6; n++) await expect(ledger.settle('ar', 2)).rejects.toThrow('injected failure');
      await ledger.db.run('DROP TRIGGER fail_credit ON credits');
      const settled = await ledger.settle('ar', 2);
      expect(settled?.creditCount).toBe(900);
      expect((await ledger.conservation()).ok).toBe(true);
    } finally {
      await ledger.close();
    }
  });
});
