import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArweaveAddress } from '../../src/address.ts';
import type { PoolWeight, Snapshot, WeightUpdate } from '../../src/bridges/types.ts';
import { ManualClock } from '../../src/clock.ts';
import { mintAt, supplyAt } from '../../src/emission/curve.ts';
import { flatPolicy } from '../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../src/emission/ticks.ts';
import { EngineError } from '../../src/errors.ts';
import { SCALE, decodePayload, openLedger } from '../../src/ledger/index.ts';
import type { Ledger, PoolId } from '../../src/ledger/index.ts';
import { exactShares, historyArb } from './history.ts';
import type { History } from './history.ts';
import { inPoolUnit } from '../support/pool-weights.ts';

/**
 * The ledger's behaviour, run once per dialect (ledger.sqlite.test.ts, ledger.postgres.test.ts).
 * newUrl() gives a fresh, empty database each call.
 */
export interface SuiteOptions {
  readonly dialect: 'sqlite' | 'postgres';
  readonly newUrl: () => Promise<string>;
  /** fast-check runs of the random-history properties. */
  readonly runs: number;
  /** SQLite: OpenLedgerOptions.deferAccounts (default when absent). */
  readonly deferAccounts?: number;
}

const A = 'A'.padEnd(43, 'a') as ArweaveAddress;
const B = 'B'.padEnd(43, 'b') as ArweaveAddress;
const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };
const snap = (pool: PoolId, updates: readonly WeightUpdate[], extra: Partial<Snapshot> = {}): Snapshot => ({ pool, pin, complete: false, updates: inPoolUnit(pool, updates), cursor: `${pool}-cursor`, notes: [], ...extra });
const stethYield = { asset: 'stETH', decimals: 18, priceUsd: '3000', apr: '0.03', priceSource: 'config', aprSource: 'config' };
const flat = flatPolicy(36n, 64n);
const tickInput = (tick: number, snapshots: Snapshot[], policy = flat) => ({ tick, genesisMs: DEFAULT_GENESIS_MS, policy, snapshots });

export async function replay(ledger: Ledger, history: History): Promise<string[]> {
  const hashes: string[] = [];
  for (const step of history.steps) {
    hashes.push((await ledger.applyTick(step.input)).hash);
    for (const pool of step.settle) await ledger.settle(pool, step.input.tick, { batchSize: 2 });
  }
  return hashes;
}

export function ledgerSuite(opts: SuiteOptions): void {
  const open: Ledger[] = [];
  const fresh = async (): Promise<Ledger> => {
    const ledger = await openLedger({ url: await opts.newUrl(), clock: new ManualClock(1_700_000_000_000), deferAccounts: opts.deferAccounts });
    await ledger.migrate();
    open.push(ledger);
    return ledger;
  };
  afterAll(async () => {
    for (const l of open) await l.close();
  });

  const on = opts.deferAccounts === undefined ? opts.dialect : `${opts.dialect}, account_state rewritten once ${opts.deferAccounts} accounts are behind`;
  describe(`ledger on ${on}`, () => {
    let ledger: Ledger;
    beforeAll(async () => {
      ledger = await fresh();
    });

    it('migrate is idempotent and an empty ledger is at tick 0 with the genesis hash', async () => {
      await ledger.migrate();
      expect(await ledger.lastAppliedTick()).toBe(0);
      expect(await ledger.lastHash()).toBe('0'.repeat(64));
      expect(await ledger.cursor('ar')).toBeNull();
      expect((await ledger.conservation()).ok).toBe(true);
    });

    it('tick 1 splits mint_1 36/64 and advances the AR index by floor(P·SCALE/W)', async () => {
      const applied = await ledger.applyTick(tickInput(1, [snap('ar', [{ account: 'a', recipient: A, weight: 1n }, { account: 'b', recipient: null, weight: 2n }])]));
      // mint_1 of the policy's law (its values are tested in test/emission); ar = floor(mint · 36/100).
      const mint1 = mintAt(flat.curve, 1);
      expect(applied.mint).toBe(mint1);
      expect(applied.split.ar).toBe((mint1 * 36n) / 100n);
      expect(applied.split.bridges).toBe(mint1 - (mint1 * 36n) / 100n);
      // No bridge pool yet: the bridge part is carried, not lost.
      expect(applied.bridgeCarryOut).toBe(applied.split.bridges);
      const ar = applied.pools.find((p) => p.pool === 'ar')!;
      // W = 1 + 2 = 3: ΔI = floor(P·10^36 / 3), r = the remainder.
      expect(ar.indexDelta).toBe((applied.split.ar * SCALE) / 3n);
      expect(ar.residue).toBe((applied.split.ar * SCALE) % 3n);
      expect(await ledger.cursor('ar')).toBe('ar-cursor');
    });

    it('re-applying an applied tick is rejected with TICK_CONFLICT and changes nothing', async () => {
      const before = { hash: await ledger.lastHash(), totals: await ledger.poolTotals(), a: await ledger.account('ar', 'a') };
      const err = await ledger.applyTick(tickInput(1, [snap('ar', [{ account: 'a', recipient: A, weight: 99n }])])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EngineError);
      expect((err as EngineError).code).toBe('TICK_CONFLICT');
      expect((err as EngineError).message).toMatch(/tick 1: already applied; the ledger is at tick 1, expected 2/);
      expect({ hash: await ledger.lastHash(), totals: await ledger.poolTotals(), a: await ledger.account('ar', 'a') }).toEqual(before);
    });

    it('an out-of-order tick is rejected with TICK_CONFLICT', async () => {
      const err = await ledger.applyTick(tickInput(3, [])).catch((e: unknown) => e);
      expect((err as EngineError).code).toBe('TICK_CONFLICT');
      expect((err as EngineError).message).toMatch(/out of order/);
      expect(await ledger.lastAppliedTick()).toBe(1);
    });

    it('a bridge pool with a yield quote takes the bridge part and the carried amount', async () => {
      const applied = await ledger.applyTick(tickInput(2, [snap('steth', [{ account: '0xs', recipient: B, weight: 10n ** 18n }], { yield: stethYield })]));
      const steth = applied.pools.find((p) => p.pool === 'steth')!;
      // tick 2 bridge part + tick 1's carried bridge part, all to the only bridge pool.
      const mint2 = mintAt(flat.curve, 2);
      expect(steth.amount).toBe(mint2 - (mint2 * 36n) / 100n + (mintAt(flat.curve, 1) - (mintAt(flat.curve, 1) * 36n) / 100n));
      expect(applied.bridgeCarryOut).toBe(0n);
      const c = await ledger.conservation();
      expect(c).toMatchObject({ ok: true, minted: supplyAt(flat.curve, 2), credited: 0n, bridgeCarry: 0n });
      expect(c.minted).toBe(c.credited + c.unsettled + c.residue);
    });

    it('settlement credits floor(accrued/SCALE), skips unclaimed accounts, and writes one outbox entry per recipient', async () => {
      expect(await ledger.settle('ar', 1).catch((e: EngineError) => e.code)).toBe('INVALID_TICK');
      const s = await ledger.settle('ar', 2);
      expect(s).not.toBeNull();
      expect(s!.id).toBe('ar:1-2');
      const a = await ledger.account('ar', 'a');
      const b = await ledger.account('ar', 'b');
      // a: weight 1 of 3 over ticks 1–2: floor((ΔI_1 + ΔI_2) · 1 / SCALE).
      expect(s!.creditCount).toBe(1);
      expect(a!.settled).toBe(s!.total);
      expect(a!.unsettled).toBe(0n);
      expect(b!.recipient).toBeNull();
      expect(b!.settled).toBe(0n);
      expect(b!.unsettled).toBeGreaterThan(0n);
      expect(await ledger.settle('ar', 2)).toBeNull();
      const pending = await ledger.outbox.pending(10);
      expect(pending).toHaveLength(1);
      expect(decodePayload(pending[0]!.payload)).toEqual([[A, s!.total]]);
      expect((await ledger.conservation()).ok).toBe(true);
    });

    it('an unclaimed account is paid everything it accrued once a recipient is set', async () => {
      const b2 = await ledger.account('ar', 'b');
      await ledger.applyTick(tickInput(3, [snap('ar', [{ account: 'b', recipient: B, weight: 2n }])]));
      const accruedBy3 = (await ledger.account('ar', 'b'))!.unsettled;
      expect(accruedBy3).toBeGreaterThan(b2!.unsettled);
      const s = await ledger.settle('ar', 3);
      expect(s!.id).toBe('ar:3-3');
      const b = await ledger.account('ar', 'b');
      expect(b!.settled).toBe(accruedBy3);
      expect(b!.unsettled).toBe(0n);
      expect((await ledger.accountsByRecipient(B)).map((v) => `${v.pool}/${v.account}`)).toEqual(['ar/b', 'steth/0xs']);
    });

    it('a pool whose weight drops to zero carries its whole amount in the residue, and the next holder gets it', async () => {
      await ledger.applyTick(tickInput(4, [snap('ar', [], { complete: true })]));
      const t4 = await ledger.tick(4);
      const ar4 = t4!.pools.find((p) => p.pool === 'ar')!;
      expect(ar4.totalWeight).toBe(0n);
      expect(ar4.indexDelta).toBe(0n);
      // r_4 = P_4 · SCALE + r_3 (DESIGN.md §4, W = 0).
      const ar3 = (await ledger.tick(3))!.pools.find((p) => p.pool === 'ar')!;
      expect(ar4.residue).toBe(ar4.amount * SCALE + ar3.residue);
      await ledger.applyTick(tickInput(5, [snap('ar', [{ account: 'c', recipient: A, weight: 5n }])]));
      const c = await ledger.account('ar', 'c');
      // c alone (W = 5) receives P_5 plus the carried P_4: floor((P_5·SCALE + r_4)/5)·5 / SCALE.
      const ar5 = (await ledger.tick(5))!.pools.find((p) => p.pool === 'ar')!;
      expect(c!.unsettledScaled).toBe(ar5.indexDelta * 5n);
      expect(c!.unsettled).toBeGreaterThanOrEqual(ar4.amount + ar5.amount - 1n);
      expect((await ledger.conservation()).ok).toBe(true);
    });

    it('answers an account as of an earlier tick from the change log', async () => {
      // b changed recipient at tick 3 and was zeroed at tick 4: at tick 2 it had weight 2 and no recipient.
      const at2 = await ledger.account('ar', 'b', 2);
      expect(at2).toMatchObject({ weight: 2n, recipient: null, settled: 0n, atTick: 2 });
      const t1 = (await ledger.tick(1))!.pools.find((p) => p.pool === 'ar')!;
      const t2 = (await ledger.tick(2))!.pools.find((p) => p.pool === 'ar')!;
      expect(at2!.unsettledScaled).toBe(2n * (t1.indexDelta + t2.indexDelta));
      expect(await ledger.account('ar', 'c', 4)).toBeNull();
      const totals2 = await ledger.poolTotals(2);
      // Settlement ar:1-2 closed at tick 2, so it counts as credited at tick 2.
      const a2 = await ledger.account('ar', 'a', 2);
      expect(totals2.find((p) => p.pool === 'ar')).toMatchObject({ minted: t1.amount + t2.amount, credited: a2!.settled, totalWeight: 3n });
    });

    it('the tick record carries the policy, pins, cursor, notes and the hash chain', async () => {
      const t2 = await ledger.tick(2);
      const t3 = await ledger.tick(3);
      expect(t3!.prevHash).toBe(t2!.hash);
      // flat:A/B on the deployed law is version 2 of its record (src/emission/policy.ts).
      expect(t2!.policyLabel).toBe('flat:36/64@2');
      expect(t2!.pools.find((p) => p.pool === 'steth')).toMatchObject({ cursor: 'steth-cursor', complete: false, pin });
      expect((await ledger.tick(1))!.notes.some((n) => n.includes('carried'))).toBe(true);
      expect(await ledger.tick(99)).toBeNull();
    });

    it('outbox batches move pending → sent → delivered, record attempts, and refuse going back', async () => {
      const [batch] = await ledger.outbox.pending(1);
      await ledger.outbox.recordAttempt(batch!.batchId, 'timeout');
      await ledger.outbox.markSent(batch!.batchId, 'msg-1');
      await ledger.outbox.markDelivered(batch!.batchId);
      const after = await ledger.outbox.get(batch!.batchId);
      // One failed attempt (timeout) and the one that delivered it.
      expect(after).toMatchObject({ status: 'delivered', attempts: 2, messageId: 'msg-1', lastError: 'timeout' });
      await ledger.outbox.markDelivered(batch!.batchId);
      expect((await ledger.outbox.get(batch!.batchId))!.attempts).toBe(2);
      expect(await ledger.outbox.markSent(batch!.batchId, 'msg-2').catch((e: EngineError) => e.code)).toBe('OUTBOX_CONFLICT');
      expect(await ledger.outbox.markFailed('nope', 'x').catch((e: EngineError) => e.code)).toBe('NOT_FOUND');
      const counts = await ledger.outbox.counts();
      expect(counts.delivered).toBe(1);
      // Two settlements so far (ar:1-2, ar:3-3), each one batch (batchSize 1,000).
      expect(counts.pending + counts.sent + counts.failed + counts.delivered).toBe(2);
    });

    it('rejects bad input field by field without applying anything', async () => {
      const k = (await ledger.lastAppliedTick()) + 1;
      const bad = [
        // A negative weight cannot be branded: it comes from untyped input (JSON, a script), which the ledger checks itself.
        tickInput(k, [snap('ar', [], { updates: [{ account: 'x', recipient: null, weight: -1n as PoolWeight }] })]),
        tickInput(k, [snap('ar', [{ account: 'x', recipient: null, weight: 1n }, { account: 'x', recipient: null, weight: 2n }])]),
        tickInput(k, [snap('ar', []), snap('ar', [])]),
        { ...tickInput(k, []), genesisMs: DEFAULT_GENESIS_MS + 1 },
      ];
      for (const input of bad) expect(await ledger.applyTick(input).catch((e: EngineError) => e.code)).toMatch(/^INVALID_/);
      expect(await ledger.lastAppliedTick()).toBe(k - 1);
    });
  });

  // Issue 17, finding 2: the per-tick check was an identity of the index step and never looked at
  // accounts; a corrupt account row was applied, and settlement skipped a negative amount owed.
  describe(`distribution guards on ${on}`, () => {
    const twoTicks = async (): Promise<Ledger> => {
      const ledger = await fresh();
      await ledger.applyTick(tickInput(1, [snap('ar', [{ account: 'a', recipient: A, weight: 1n }, { account: 'b', recipient: B, weight: 2n }])]));
      await ledger.applyTick(tickInput(2, [snap('ar', [{ account: 'a', recipient: A, weight: 3n }])]));
      return ledger;
    };
    const idOf = async (ledger: Ledger, key: string): Promise<number> => (await ledger.account('ar', key))!.id;

    it('an account whose index start is off by one in the database is refused by the next tick that changes it: CONSERVATION_MISMATCH naming pool, account and tick, nothing committed', async () => {
      const ledger = await twoTicks();
      // b joined in tick 1 at I_0 = 0; written as 1.
      await ledger.db.run('UPDATE account_state SET index_at_change = ? WHERE id = ?', ['1', await idOf(ledger, 'b')]);
      const hash = await ledger.lastHash();
      const err = (await ledger.applyTick(tickInput(3, [snap('ar', [{ account: 'b', recipient: B, weight: 5n }])])).catch((e: unknown) => e)) as EngineError;
      expect(err).toBeInstanceOf(EngineError);
      expect(err.code).toBe('CONSERVATION_MISMATCH');
      expect(err.message).toBe('tick 3: pool ar account b: index_at_change 1 is not I_0 = 0, the index of its last change at tick 1');
      expect(await ledger.lastAppliedTick()).toBe(2);
      expect(await ledger.lastHash()).toBe(hash);
    });

    it('a pool whose Σ w·i0 no longer matches its accounts fails the O(1) check of the next tick, whatever it changes', async () => {
      const ledger = await twoTicks();
      const [row] = await ledger.db.all("SELECT weight_index_sum FROM pools WHERE pool = 'ar'");
      await ledger.db.run("UPDATE pools SET weight_index_sum = ? WHERE pool = 'ar'", [(BigInt(row!['weight_index_sum'] as string) + 1n).toString()]);
      const err = (await ledger.applyTick(tickInput(3, [])).catch((e: unknown) => e)) as EngineError;
      expect(err.code).toBe('CONSERVATION_MISMATCH');
      expect(err.message).toMatch(/^tick 3: pool ar: Σ account accrual \d+ \(Σ accrued \+ I·W − Σ w·i0\) ≠ pool accrual \d+$/);
      expect(await ledger.lastAppliedTick()).toBe(2);
    });

    it('a negative amount owed stops the settlement naming the pool and the account, and writes nothing', async () => {
      const ledger = await twoTicks();
      expect(await ledger.settle('ar', 2)).not.toBeNull();
      await ledger.applyTick(tickInput(3, []));
      // a was credited what it had accrued; a settled total above that makes owed negative.
      await ledger.db.run('UPDATE account_settled SET settled = ? WHERE id = ?', [(10n ** 20n).toString(), await idOf(ledger, 'a')]);
      const err = (await ledger.settle('ar', 3).catch((e: unknown) => e)) as EngineError;
      expect(err.code).toBe('CONSERVATION_MISMATCH');
      expect(err.message).toMatch(/^settle: pool ar account a \(id \d+\) is owed -\d+ /);
      expect(Number((await ledger.db.all("SELECT COUNT(*) AS n FROM settlements WHERE pool = 'ar'"))[0]!['n'])).toBe(1);
    });
  });

  describe(`random histories on ${on}`, () => {
    it('each account gets its exact rational pro-rata share within one base unit, and minted = credited + unsettled + residue', async () => {
      await fc.assert(
        fc.asyncProperty(historyArb(12), async (history) => {
          const ledger = await fresh();
          await replay(ledger, history);
          const last = history.steps.length;
          for (const pool of ['ar', 'steth', 'sol'] as PoolId[]) await ledger.settle(pool, last, { batchSize: 2 });
          const c = await ledger.conservation();
          expect(c.problems).toEqual([]);
          expect(c.minted).toBe(supplyAt(history.policy.curve, last));
          expect(c.minted).toBe(c.credited + c.unsettled + c.residue);
          expect(c.minted * SCALE).toBe(c.credited * SCALE + c.unsettledScaled + c.residueScaled + c.bridgeCarry * SCALE);
          for (const [id, share] of exactShares(history)) {
            const [pool, key] = id.split('/') as [PoolId, string];
            const v = await ledger.account(pool, key);
            // Everything accrued to the account (credited + unsettled, scaled) is within one base
            // unit of the exact rational share n/d: |total − n/d·SCALE| < SCALE. It differs only by
            // the index's floor and the sub-unit residue carried between ticks (< W_k/SCALE units).
            // Its whole units: credited + floor(unsettledScaled / SCALE), so paid ≤ share.
            const total = v!.settled * SCALE + v!.unsettledScaled;
            const diff = total * share.d - share.n * SCALE;
            expect(diff < SCALE * share.d && -diff < SCALE * share.d, `${id}: got ${v!.settled}+${v!.unsettled}, exact ${share.n}/${share.d}`).toBe(true);
            expect(v!.unsettled).toBe(v!.unsettledScaled / SCALE);
            if (v!.recipient !== null) expect(v!.unsettled).toBe(0n);
          }
          let outboxTotal = 0n;
          for (const b of await ledger.outbox.pending(1_000_000)) {
            const entries = decodePayload(b.payload);
            expect(entries.length).toBeLessThanOrEqual(2);
            expect(entries.reduce((s, [, q]) => s + q, 0n)).toBe(b.total);
            outboxTotal += b.total;
          }
          expect(outboxTotal).toBe(c.credited);
          await ledger.close();
          open.splice(open.indexOf(ledger), 1);
        }),
        { numRuns: opts.runs },
      );
    });
  });
}
