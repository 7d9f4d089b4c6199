import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintAt } from '../../../src/emission/curve.ts';
import { AO_MAINNET } from '../../../src/emission/policy.ts';
import { batchIdOf, decodeChanges, encodeChanges, encodePayload, settlementIdOf } from '../../../src/ledger/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { describeDivergence, verifyLedger } from '../../../src/ledger/audit/index.ts';
import type { Divergence } from '../../../src/ledger/audit/index.ts';
import { fixtureLedger } from './fixture.ts';

/**
 * Tampering with a real ledger database, run once per dialect (verify.sqlite.test.ts,
 * verify.postgres.test.ts). Each test edits rows with plain SQL as an attacker (or a bug) would,
 * checks that verify names the place precisely (tick, pool, account, expected vs found), then
 * restores the rows and checks that the ledger verifies clean again — so each finding is caused by
 * that edit alone.
 */
export function tamperSuite(dialect: string, newUrl: () => Promise<string>): void {
  describe(`audit verify on ${dialect}`, () => {
    let ledger: Ledger;
    beforeAll(async () => {
      ledger = await fixtureLedger(await newUrl(), { ticks: 30, accounts: 16, changesPerTick: 4, arEvery: 3, bridgeEvery: 7, seed: 42 });
    });
    afterAll(async () => {
      await ledger?.close();
    });

    const verify = async (): Promise<Divergence[]> => {
      const r = await verifyLedger(ledger.db);
      return [...r.divergences];
    };
    const has = (ds: readonly Divergence[], want: Partial<Divergence>): boolean =>
      ds.some((d) => Object.entries(want).every(([k, v]) => d[k as keyof Divergence] === v));

    it('an untouched ledger verifies clean: every tick, change, settlement and credit recomputed', async () => {
      const r = await verifyLedger(ledger.db);
      expect(r.divergences.map(describeDivergence)).toEqual([]);
      expect(r.ok).toBe(true);
      expect(r.ticks).toBe(30);
      expect(r.lastTick).toBe(30);
      expect(r.finalState).toBe('checked');
      expect(r.journalHash).toBe(await ledger.lastHash());
      // Σ mint over the 30 ticks is the curve's supply (checked independently by the ledger).
      expect(r.minted).toBe((await ledger.conservation()).minted);
      expect(r.credited).toBe((await ledger.conservation()).credited);
      expect(r.settlements).toBeGreaterThan(10);
      expect(r.delivery.delivered).toBeGreaterThan(0);
      expect(r.delivery.delivered).toBeLessThan(r.delivery.batches);
      // The same ledger with "every batch must be delivered": the undelivered ones are named.
      const strict = await verifyLedger(ledger.db, { requireDelivered: true });
      expect(strict.ok).toBe(false);
      expect(strict.divergences.every((d) => d.check === 'delivery' && d.field.endsWith('.status') && d.expected === 'delivered')).toBe(true);
      expect(strict.divergences).toHaveLength(r.delivery.batches - r.delivery.delivered);
    });

    it('one credit amount changed by one base unit is reported at its settlement, pool and account, expected vs found', async () => {
      const row = (await ledger.db.all("SELECT c.settlement_id, c.account_id, c.amount, s.pool, s.to_tick, a.account FROM credits c JOIN settlements s ON s.id = c.settlement_id JOIN accounts a ON a.id = c.account_id WHERE s.pool = 'ar' ORDER BY s.to_tick, c.account_id"))[5]!;
      const amount = BigInt(row['amount'] as string);
      await ledger.db.run('UPDATE credits SET amount = ? WHERE settlement_id = ? AND account_id = ?', [(amount + 1n).toString(), row['settlement_id'] as string, Number(row['account_id'])]);
      const ds = await verify();
      expect(ds[0]).toEqual({
        check: 'credit',
        tick: Number(row['to_tick']),
        pool: 'ar',
        account: row['account'],
        settlementId: row['settlement_id'],
        field: 'amount',
        expected: amount.toString(),
        found: (amount + 1n).toString(),
      });
      await ledger.db.run('UPDATE credits SET amount = ? WHERE settlement_id = ? AND account_id = ?', [amount.toString(), row['settlement_id'] as string, Number(row['account_id'])]);
      expect(await verify()).toEqual([]);
    });

    it('a pool amount edited in a tick is reported at that tick and pool, and breaks that tick’s hash', async () => {
      const row = (await ledger.db.all("SELECT tick, amount FROM tick_pools WHERE pool = 'steth' AND tick = 12"))[0]!;
      const amount = BigInt(row['amount'] as string);
      await ledger.db.run("UPDATE tick_pools SET amount = ? WHERE pool = 'steth' AND tick = 12", [(amount - 5n).toString()]);
      const ds = await verify();
      expect(ds[0]).toMatchObject({ check: 'pool', tick: 12, pool: 'steth', field: 'amount', expected: amount.toString(), found: (amount - 5n).toString() });
      expect(has(ds, { check: 'chain', tick: 12, field: 'hash' })).toBe(true);
      expect(has(ds, { check: 'conservation', tick: 12 })).toBe(true);
      await ledger.db.run("UPDATE tick_pools SET amount = ? WHERE pool = 'steth' AND tick = 12", [amount.toString()]);
      expect(await verify()).toEqual([]);
    });

    it('one dropped weight change is reported at its tick and pool, and the account it belonged to is named', async () => {
      const row = (await ledger.db.all("SELECT tick, pool, count, payload FROM weight_changes WHERE pool = 'ar' AND tick = 17"))[0]!;
      const changes = decodeChanges(row['payload'] as string);
      const dropped = changes.find((c) => c.oldWeight !== c.newWeight)!;
      const account = (await ledger.db.all('SELECT account FROM accounts WHERE id = ?', [dropped.accountId]))[0]!['account'];
      await ledger.db.run("UPDATE weight_changes SET payload = ? WHERE pool = 'ar' AND tick = 17", [encodeChanges(changes.filter((c) => c !== dropped))]);
      const ds = await verify();
      // First finding: tick 17's recomputed total weight differs by exactly the dropped delta.
      const total = BigInt((await ledger.db.all("SELECT total_weight FROM tick_pools WHERE pool = 'ar' AND tick = 17"))[0]!['total_weight'] as string);
      expect(ds[0]).toMatchObject({ check: 'change', tick: 17, pool: 'ar', field: 'count', expected: String(changes.length - 1), found: String(changes.length) });
      expect(has(ds, { check: 'pool', tick: 17, pool: 'ar', field: 'total_weight', expected: (total - dropped.newWeight + dropped.oldWeight).toString(), found: total.toString() })).toBe(true);
      // …and the account: its next logged change, or its stored row, disagrees with the replay.
      expect(ds.some((d) => d.account === account && d.pool === 'ar' && (d.field === 'old_weight' || d.field === 'changed_tick' || d.field === 'weight'))).toBe(true);
      await ledger.db.run("UPDATE weight_changes SET payload = ? WHERE pool = 'ar' AND tick = 17", [row['payload'] as string]);
      expect(await verify()).toEqual([]);
    });

    it('a deleted weight_changes row is reported first at its tick, naming the pool and an account it changed', async () => {
      // A tick whose AR changes include an account not changed again later: the stored row names it.
      const [row] = await ledger.db.all<{ tick: number; payload: string }>(
        "SELECT w.tick, w.payload FROM weight_changes w WHERE w.pool = 'ar' AND EXISTS (SELECT 1 FROM accounts a JOIN account_state s ON s.id = a.id WHERE a.pool = 'ar' AND (s.changed_tick = w.tick OR s.joined_tick = w.tick)) ORDER BY w.tick LIMIT 1",
      );
      const tick = Number(row!.tick);
      const ids = decodeChanges(row!.payload).map((c) => c.accountId);
      const named = (await ledger.db.all<{ account: string }>(`SELECT a.account FROM accounts a JOIN account_state s ON s.id = a.id WHERE a.id IN (${ids.join(', ')}) AND (s.changed_tick = ? OR s.joined_tick = ?)`, [tick, tick])).map((r) => r.account);
      await ledger.db.run("DELETE FROM weight_changes WHERE pool = 'ar' AND tick = ?", [tick]);
      const ds = await verify();
      expect(ds[0]).toMatchObject({ check: 'tick', tick, pool: 'ar', field: 'change_count' });
      expect(named.some((a) => ds[0]!.account?.startsWith(a))).toBe(true);
      await ledger.db.run("INSERT INTO weight_changes (tick, pool, count, payload) VALUES (?, 'ar', ?, ?)", [tick, ids.length, row!.payload]);
      expect(await verify()).toEqual([]);
    });

    it('two ticks swapped in place are reported at the first of them: wrong mint, broken chain', async () => {
      const swap = async (a: number, b: number): Promise<void> => {
        for (const table of ['ticks', 'tick_pools', 'weight_changes']) {
          await ledger.db.run(`UPDATE ${table} SET tick = -1 WHERE tick = ?`, [a]);
          await ledger.db.run(`UPDATE ${table} SET tick = ? WHERE tick = ?`, [a, b]);
          await ledger.db.run(`UPDATE ${table} SET tick = ? WHERE tick = -1`, [b]);
        }
      };
      await swap(20, 21);
      const ds = await verify();
      expect(ds[0]!.tick).toBe(20);
      expect(has(ds, { check: 'chain', tick: 20, field: 'prev_hash' })).toBe(true);
      // DESIGN.md §2: mint_20 ≠ mint_21 (each tick mints 1,425/876,600,000 of what remains).
      expect(has(ds, { check: 'tick', tick: 20, field: 'mint', expected: mintAt(AO_MAINNET.curve, 20).toString(), found: mintAt(AO_MAINNET.curve, 21).toString() })).toBe(true);
      await swap(20, 21);
      expect(await verify()).toEqual([]);
    });

    it('a missing tick row stops the replay with the gap named', async () => {
      const row = (await ledger.db.all('SELECT * FROM ticks WHERE tick = 9'))[0]!;
      await ledger.db.run('DELETE FROM ticks WHERE tick = 9');
      const ds = await verify();
      expect(ds.at(-1)).toMatchObject({ check: 'chain', tick: 9, field: 'row', found: 'none' });
      const cols = Object.keys(row);
      await ledger.db.run(`INSERT INTO ticks (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((c) => row[c] as string | number));
      expect(await verify()).toEqual([]);
    });

    it('a delivered batch without a message id and an outbox payload edit are reported at the settlement', async () => {
      const b = (await ledger.db.all("SELECT batch_id, settlement_id, batch_index, to_tick, pool, payload, message_id FROM outbox_batches WHERE status = 'delivered' ORDER BY to_tick, pool, batch_index"))[0]!;
      await ledger.db.run('UPDATE outbox_batches SET message_id = NULL WHERE batch_id = ?', [b['batch_id'] as string]);
      let ds = await verify();
      expect(ds[0]).toMatchObject({ check: 'delivery', tick: Number(b['to_tick']), pool: b['pool'], settlementId: b['settlement_id'], field: `batch[${Number(b['batch_index'])}].message_id` });
      await ledger.db.run('UPDATE outbox_batches SET message_id = ? WHERE batch_id = ?', [b['message_id'] as string, b['batch_id'] as string]);
      const [[recipient, quantity], ...rest] = JSON.parse(b['payload'] as string) as [[string, string], ...[string, string][]];
      await ledger.db.run('UPDATE outbox_batches SET payload = ? WHERE batch_id = ?', [JSON.stringify([[recipient, String(BigInt(quantity) + 1n)], ...rest]), b['batch_id'] as string]);
      ds = await verify();
      expect(ds[0]).toMatchObject({ check: 'outbox', settlementId: b['settlement_id'], account: recipient, expected: `${recipient} ${quantity}`, found: `${recipient} ${BigInt(quantity!) + 1n}` });
      await ledger.db.run('UPDATE outbox_batches SET payload = ? WHERE batch_id = ?', [b['payload'] as string, b['batch_id'] as string]);
      expect(await verify()).toEqual([]);
    });

    // Issue 17, finding 1: a settlement `ar:289-289` after the last tick, with a pending batch,
    // passed verify (and --require-delivered): the settlement count differed, so verify took it for
    // a ledger that "moved on" and skipped the final check.
    it('a forged settlement after the last tick with a pending outbox batch is a divergence, with and without --require-delivered, and the final state is still checked', async () => {
      const last = await ledger.lastAppliedTick();
      const id = settlementIdOf('ar', last + 1, last + 1);
      const batchId = batchIdOf(id, 0);
      const payload = encodePayload([['S'.padEnd(43, 'x'), 10n ** 15n]]);
      await ledger.db.run("INSERT INTO settlements (id, pool, from_tick, to_tick, index_value, credit_count, recipient_count, batch_count, total, created_at_ms) VALUES (?, 'ar', ?, ?, '0', 1, 1, 1, ?, 0)", [id, last + 1, last + 1, (10n ** 15n).toString()]);
      await ledger.db.run(
        "INSERT INTO outbox_batches (batch_id, settlement_id, batch_index, pool, from_tick, to_tick, credit_count, total, payload, status, attempts, message_id, last_error, created_at_ms, updated_at_ms) VALUES (?, ?, 0, 'ar', ?, ?, 1, ?, ?, 'pending', 0, NULL, NULL, 0, 0)",
        [batchId, id, last + 1, last + 1, (10n ** 15n).toString(), payload],
      );
      for (const requireDelivered of [false, true]) {
        const r = await verifyLedger(ledger.db, { requireDelivered });
        expect(r.ok).toBe(false);
        expect(r.finalState).toBe('checked');
        expect(has(r.divergences, { check: 'settlement', tick: last + 1, pool: 'ar', settlementId: id, field: 'to_tick' })).toBe(true);
        expect(has(r.divergences, { check: 'outbox', settlementId: id, field: 'settlement_id' })).toBe(true);
      }
      await ledger.db.run('DELETE FROM outbox_batches WHERE batch_id = ?', [batchId]);
      await ledger.db.run('DELETE FROM settlements WHERE id = ?', [id]);
      expect(await verify()).toEqual([]);
    });

    it('a deleted last ticks row is a divergence: its tick_pools, weight_changes and pools rows are past the last tick', async () => {
      const last = await ledger.lastAppliedTick();
      const row = (await ledger.db.all('SELECT * FROM ticks WHERE tick = ?', [last]))[0]!;
      await ledger.db.run('DELETE FROM ticks WHERE tick = ?', [last]);
      const r = await verifyLedger(ledger.db);
      expect(r.ok).toBe(false);
      expect(r.lastTick).toBe(last - 1);
      expect(has(r.divergences, { check: 'chain', tick: last, pool: 'ar', field: 'tick_pools row' })).toBe(true);
      expect(has(r.divergences, { check: 'pool', pool: 'ar', field: 'pools.last_tick', expected: String(last - 1), found: String(last) })).toBe(true);
      const cols = Object.keys(row);
      await ledger.db.run(`INSERT INTO ticks (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((c) => row[c] as string | number));
      expect(await verify()).toEqual([]);
    });

    it('one account’s index start off by one, written into account_state, is reported by the replay and by the reference model', async () => {
      const row = (await ledger.db.all("SELECT s.id, s.index_at_change, a.account FROM account_state s JOIN accounts a ON a.id = s.id WHERE a.pool = 'ar' AND s.weight <> '0' ORDER BY s.id"))[0]!;
      const pending = await ledger.db.pendingAccountState();
      // An account whose state is in account_state itself (not deferred to the change log).
      expect(pending.has(Number(row['id']))).toBe(false);
      const index = BigInt(row['index_at_change'] as string);
      await ledger.db.run('UPDATE account_state SET index_at_change = ? WHERE id = ?', [(index + 1n).toString(), Number(row['id'])]);
      const ds = await verify();
      expect(has(ds, { check: 'account', pool: 'ar', account: row['account'] as string, field: 'index_at_change', expected: index.toString(), found: (index + 1n).toString() })).toBe(true);
      expect(has(ds, { check: 'reference', pool: 'ar', account: row['account'] as string, field: 'cumulative accrual (reference model vs stored)' })).toBe(true);
      await ledger.db.run('UPDATE account_state SET index_at_change = ? WHERE id = ?', [index.toString(), Number(row['id'])]);
      expect(await verify()).toEqual([]);
    });

    it('--from/--to check only the window; a divergence outside it is not reported', async () => {
      await ledger.db.run("UPDATE ticks SET notes = '[\"edited\"]' WHERE tick = 5");
      expect((await verifyLedger(ledger.db, { fromTick: 6, toTick: 30 })).divergences).toEqual([]);
      const inWindow = await verifyLedger(ledger.db, { fromTick: 3, toTick: 8 });
      expect(inWindow.divergences).toHaveLength(1);
      expect(inWindow.divergences[0]).toMatchObject({ check: 'chain', tick: 5, field: 'hash' });
      expect(inWindow.ticks).toBe(6);
      expect(inWindow.finalState).toMatch(/^not checked/);
      await ledger.db.run("UPDATE ticks SET notes = '[]' WHERE tick = 5");
      expect(await verify()).toEqual([]);
    });
  });
}
