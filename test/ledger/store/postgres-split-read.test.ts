import pg from 'pg';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import type { ArweaveAddress } from '../../../src/address.ts';
import type { WeightUpdate } from '../../../src/bridges/types.ts';
import { flatPolicy } from '../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../src/emission/ticks.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { mulberry32 } from '../../../src/prng.ts';
import { inPoolUnit } from '../../support/pool-weights.ts';
import { freshPostgresDatabase } from '../../support/postgres.ts';

/**
 * The Postgres writer reads a large lookup's stored rows in two halves, the second on another
 * connection (postgres-db.ts lookupAccounts, ≥ 4,000 rows). The other connection must see exactly
 * what the transaction would, and must not be used once the transaction has written accounts.
 */
const ACCOUNTS = 6_000;
const account = (i: number) => `acct${i.toString(36)}`.padEnd(43, '_') as ArweaveAddress;
const recipient = (i: number) => `rcpt${(i % 50).toString(36)}`.padEnd(43, '-') as ArweaveAddress;
const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };
const tick = (k: number, updates: readonly WeightUpdate[]) => ({
  tick: k,
  genesisMs: DEFAULT_GENESIS_MS,
  policy: flatPolicy(36n, 64n),
  snapshots: [{ pool: 'ar' as const, pin, complete: false, updates: inPoolUnit('ar', updates), cursor: `c${k}`, notes: [] }],
});

/** Tick 1: every account joins; ticks 2–4: 5,000 seeded-random accounts change weight (some to 0) and a few their recipient. */
function history() {
  const rand = mulberry32(7);
  const ticks = [tick(1, Array.from({ length: ACCOUNTS }, (_, i) => ({ account: account(i), recipient: recipient(i), weight: BigInt(1 + i) * 1_000n })))];
  for (let k = 2; k <= 4; k++) {
    const picked = new Set<number>();
    while (picked.size < 5_000) picked.add(Math.floor(rand() * ACCOUNTS));
    ticks.push(tick(k, [...picked].map((i) => ({ account: account(i), recipient: recipient(i + (rand() < 0.05 ? 1 : 0)), weight: rand() < 0.1 ? 0n : BigInt(Math.floor(rand() * 1e9)) }))));
  }
  return ticks;
}

const open = async (url: string): Promise<Ledger> => {
  const ledger = await openLedger({ url });
  await ledger.migrate();
  return ledger;
};

/** Pool.query calls reading account_state by id: the lookups' second halves (a transaction's own reads go through its client). */
function countBesideReads(): () => number {
  const spy = vi.spyOn(pg.Pool.prototype, 'query');
  return () => spy.mock.calls.filter(([q]) => typeof q === 'object' && (q as { text?: string }).text?.includes('JOIN account_state s ON s.id = k.id')).length;
}

afterEach(() => vi.restoreAllMocks());

describe('Postgres lookups read in two halves', () => {
  it('ticks changing 5,000 of 6,000 accounts give SQLite’s hashes and accounts, the second half read on another connection', async () => {
    const inputs = history();
    const sqlite = await open('sqlite::memory:');
    const postgres = await open(await freshPostgresDatabase(inject('postgresUrl'), 'pg-split-read'));
    try {
      const besideReads = countBesideReads();
      for (const input of inputs) {
        const [a, b] = [await sqlite.applyTick(input), await postgres.applyTick(input)];
        expect(b.hash).toBe(a.hash);
      }
      // Ticks 2–4 each split their lookup; tick 1 found no stored account.
      expect(besideReads()).toBe(3);
      for (const i of [0, 1, 2999, 5999]) expect(await postgres.account('ar', account(i))).toEqual(await sqlite.account('ar', account(i)));
      expect((await postgres.conservation()).ok).toBe(true);
    } finally {
      await sqlite.close();
      await postgres.close();
    }
  });

  it('a lookup after the transaction inserted accounts reads them on its own connection (another one would not see them)', async () => {
    const postgres = await open(await freshPostgresDatabase(inject('postgresUrl'), 'pg-split-own-writes'));
    try {
      await postgres.applyTick(history()[0]!);
      await postgres.idle();
      const besideReads = countBesideReads();
      const keys = Array.from({ length: ACCOUNTS + 10 }, (_, i) => account(i));
      const rows = await postgres.db.transaction(async (tx) => {
        const inserted = Array.from({ length: 10 }, (_, j) => ({ id: ACCOUNTS + 1 + j, pool: 'ar', account: account(ACCOUNTS + j), recipient: null, weight: 1n, indexAtChange: 0n, accrued: 0n, joinedTick: 2, changedTick: 2 }));
        await tx.writeAccounts([], inserted);
        const found = await tx.lookupAccounts('ar', keys);
        throw Object.assign(new Error('roll back'), { found });
      }).catch((error: { found?: unknown[] }) => error.found);
      expect(rows).toHaveLength(ACCOUNTS + 10);
      expect(besideReads()).toBe(0);
    } finally {
      await postgres.close();
    }
  });
});
