import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArweaveAddress } from '../../src/address.ts';
import type { Snapshot, WeightUpdate } from '../../src/bridges/types.ts';
import { ManualClock } from '../../src/clock.ts';
import { flatPolicy } from '../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../src/emission/ticks.ts';
import { EngineError } from '../../src/errors.ts';
import { decodePayload, openLedger } from '../../src/ledger/index.ts';
import type { Ledger, LedgerDelegationChange, PoolId } from '../../src/ledger/index.ts';
import { decodeReport, reportIdOf } from '../../src/ledger/store/reports.ts';
import { verifyLedger } from '../../src/ledger/audit/index.ts';
import { statement } from '../../src/ledger/audit/statement.ts';
import { settlementLeaves } from '../../src/ledger/audit/merkle.ts';
import { exportHistory } from '../../src/ledger/audit/export.ts';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inPoolUnit } from '../support/pool-weights.ts';

/**
 * Yield delegation in the ledger (DESIGN.md §9), once per dialect
 * (delegation.sqlite.test.ts, delegation.postgres.test.ts).
 */
export interface DelegationSuiteOptions {
  readonly dialect: 'sqlite' | 'postgres';
  readonly newUrl: () => Promise<string>;
  /** fast-check runs of the ledger property. */
  readonly runs: number;
}

const A = 'A'.padEnd(43, 'a') as ArweaveAddress;
const B = 'B'.padEnd(43, 'b') as ArweaveAddress;
const PI = 'P'.padEnd(43, 'p');
const FLP = 'F'.padEnd(43, 'f');
const FLP2 = 'G'.padEnd(43, 'g');
const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };
const snap = (pool: PoolId, updates: readonly WeightUpdate[]): Snapshot => ({ pool, pin, complete: false, updates: inPoolUnit(pool, updates), cursor: `${pool}-cursor`, notes: [] });
const flat = flatPolicy(36n, 64n);
let seq = 0;
const delegations = (changes: LedgerDelegationChange[]) => ({ pin: { chain: 'ao' as const, process: 'D'.repeat(43), seq: ++seq }, cursor: JSON.stringify({ seq }), changes, notes: [] });
const input = (tick: number, snapshots: Snapshot[], changes?: LedgerDelegationChange[]) => ({ tick, genesisMs: DEFAULT_GENESIS_MS, policy: flat, snapshots, ...(changes === undefined ? {} : { delegations: delegations(changes) }) });

export function delegationSuite(opts: DelegationSuiteOptions): void {
  const open: Ledger[] = [];
  const fresh = async (): Promise<Ledger> => {
    const ledger = await openLedger({ url: await opts.newUrl(), clock: new ManualClock(1_700_000_000_000) });
    await ledger.migrate();
    open.push(ledger);
    return ledger;
  };
  afterAll(async () => {
    for (const l of open) await l.close();
  });
  const payloadOf = async (ledger: Ledger, settlementId: string): Promise<Map<string, bigint>> => {
    const rows = await ledger.db.all<{ payload: string }>('SELECT payload FROM outbox_batches WHERE settlement_id = ? ORDER BY batch_index', [settlementId]);
    return new Map(rows.flatMap((r) => decodePayload(r.payload)));
  };

  describe(`delegation in the ledger on ${opts.dialect}`, () => {
    it('splits a credit by factor: floor per target, the remainder to the wallet; one Report.Mint per project in AO format', async () => {
      const ledger = await fresh();
      // One AR holder (weight 1, so it accrues the whole pool amount P_1 exactly).
      const t1 = await ledger.applyTick(input(1, [snap('ar', [{ account: A, recipient: A, weight: 1n }])], [{ wallet: A, prefs: [{ target: PI, factor: 2500 }, { target: FLP, factor: 3333 }] }]));
      const credit = t1.pools.find((p) => p.pool === 'ar')!.amount;
      const s = (await ledger.settle('ar', 1))!;
      const pi = (credit * 2500n) / 10_000n;
      const flp = (credit * 3333n) / 10_000n;
      expect(s.total).toBe(credit);
      expect(s.delegated).toBe(pi + flp);
      expect(await payloadOf(ledger, s.id)).toEqual(new Map([[A, credit - pi - flp], [FLP, flp], [PI, pi]]));
      expect(s.recipientCount).toBe(3);
      expect(s.projects.map((p) => [p.project, p.total, p.rows])).toEqual([[FLP, flp, 1], [PI, pi, 1]]);
      // The account's credit row is its whole credit, under its recipient; the parts are delegated_credits rows.
      const [row] = await ledger.db.all<{ recipient: string; amount: string }>('SELECT recipient, amount FROM credits WHERE settlement_id = ?', [s.id]);
      expect(row).toMatchObject({ recipient: A, amount: credit.toString() });
      const report = (await ledger.reports.get(reportIdOf(s.id, FLP)))!;
      expect(report).toMatchObject({ settlementId: s.id, project: FLP, rowCount: 1, total: flp, status: 'pending' });
      expect(report.payload).toBe(JSON.stringify([{ Mint: flp.toString(), Yield: flp.toString(), User: A, Recipient: A, Amount: '1', ReportTo: FLP, Token: 'AR' }]));
      expect(reportIdOf(s.id, FLP)).toMatch(/^[0-9a-f]{64}$/);
      expect((await ledger.conservation()).ok).toBe(true);
    });

    it('property: for any factors and weights, the parts and the remainders add up to each account’s credit, every part the floor', async () => {
      const targets = [PI, FLP, FLP2];
      const prefsArb = fc.subarray(targets).chain((ts) =>
        fc.tuple(...ts.map(() => fc.integer({ min: 500, max: 10_000 }))).map((fs) => {
          const out: { target: string; factor: number }[] = [];
          let total = 0;
          for (const [i, f] of fs.entries()) {
            if (total + f > 10_000) continue;
            total += f;
            out.push({ target: ts[i]!, factor: f });
          }
          return out;
        }),
      );
      await fc.assert(
        fc.asyncProperty(fc.tuple(prefsArb, prefsArb), fc.tuple(fc.bigInt({ min: 1n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 24n })), async ([pa, pb], [wa, wb]) => {
          const ledger = await fresh();
          await ledger.applyTick(input(1, [snap('ar', [{ account: A, recipient: A, weight: wa }, { account: B, recipient: B, weight: wb }])], [{ wallet: A, prefs: pa }, { wallet: B, prefs: pb }]));
          const s = (await ledger.settle('ar', 1))!;
          const credits = new Map((await ledger.db.all<{ recipient: string; amount: string }>('SELECT recipient, amount FROM credits WHERE settlement_id = ?', [s.id])).map((r) => [r.recipient, BigInt(r.amount)]));
          const expected = new Map<string, bigint>();
          for (const [wallet, prefs] of [[A, pa], [B, pb]] as const) {
            const c = credits.get(wallet) ?? 0n;
            let given = 0n;
            for (const p of prefs) {
              const part = (c * BigInt(p.factor)) / 10_000n;
              given += part;
              if (part > 0n) expected.set(p.target, (expected.get(p.target) ?? 0n) + part);
            }
            if (c - given > 0n) expected.set(wallet, c - given);
          }
          const sent = await payloadOf(ledger, s.id);
          expect(sent).toEqual(expected);
          expect([...sent.values()].reduce((t, q) => t + q, 0n)).toBe(s.total);
          await ledger.close();
          open.splice(open.indexOf(ledger), 1);
        }),
        { numRuns: opts.runs },
      );
    });

    it('a change mid-period splits by the preferences in force at each tick', async () => {
      const ledger = await fresh();
      // W = 1 throughout: the account accrues exactly P_k in tick k. All of tick 2 goes to FLP (set at
      // tick 2), ticks 1 and 3 stay with A (nothing set at 1, removed at 3), and tick 4 is half PI.
      const t1 = await ledger.applyTick(input(1, [snap('ar', [{ account: A, recipient: A, weight: 1n }])]));
      const t2 = await ledger.applyTick(input(2, [], [{ wallet: A, prefs: [{ target: FLP, factor: 10_000 }] }]));
      const t3 = await ledger.applyTick(input(3, [], [{ wallet: A, prefs: [] }]));
      const t4 = await ledger.applyTick(input(4, [], [{ wallet: A, prefs: [{ target: PI, factor: 5000 }] }]));
      const p = (t: typeof t1) => t.pools.find((x) => x.pool === 'ar')!.amount;
      const s = (await ledger.settle('ar', 4))!;
      expect(s.total).toBe(p(t1) + p(t2) + p(t3) + p(t4));
      const pi = p(t4) / 2n;
      expect(await payloadOf(ledger, s.id)).toEqual(new Map([[A, p(t1) + p(t3) + p(t4) - pi], [FLP, p(t2)], [PI, pi]]));
      // The next period: only PI's 50 % is in force.
      const t5 = await ledger.applyTick(input(5, []));
      const next = (await ledger.settle('ar', 5))!;
      expect(await payloadOf(ledger, next.id)).toEqual(new Map([[A, p(t5) - p(t5) / 2n], [PI, p(t5) / 2n]]));
      // audit statement: what A delegated, to whom, and its preferences with the tick each took effect.
      const st = await statement(ledger.db, A);
      expect(st.delegations).toEqual([
        { tick: 2, prefs: [{ target: FLP, factor: 10_000 }] },
        { tick: 3, prefs: [] },
        { tick: 4, prefs: [{ target: PI, factor: 5000 }] },
      ]);
      expect(st.lines.filter((l) => l.kind === 'delegated').map((l) => [l.settlementId, l.recipient, l.amount, l.status])).toEqual([
        [s.id, FLP, p(t2), 'pending'],
        [s.id, PI, pi, 'pending'],
        [next.id, PI, p(t5) / 2n, 'pending'],
      ]);
      expect(st.delegated).toBe(p(t2) + pi + p(t5) / 2n);
      expect(st.credited).toBe(s.total + next.total);
      // From tick 5 on only the set in force then shows.
      expect((await statement(ledger.db, A, { fromTick: 5 })).delegations).toEqual([{ tick: 4, prefs: [{ target: PI, factor: 5000 }] }]);
    });

    it('a project receives exactly the sum of its report rows’ Mint; delegation never changes the pools’ accrual', async () => {
      const plain = await fresh();
      const delegating = await fresh();
      const accounts = [
        { account: A, recipient: A, weight: 3n },
        { account: B, recipient: B, weight: 5n },
        { account: 'c'.padEnd(43, 'c'), recipient: B, weight: 7n },
      ];
      const steps = [
        { tick: 1, snapshots: [snap('ar', accounts)], changes: [{ wallet: A, prefs: [{ target: FLP, factor: 4000 }] }, { wallet: B, prefs: [{ target: FLP, factor: 777 }, { target: FLP2, factor: 9000 }] }] },
        { tick: 2, snapshots: [snap('ar', [{ account: A, recipient: A, weight: 11n }])], changes: [{ wallet: B, prefs: [{ target: FLP, factor: 10_000 }] }] },
        { tick: 3, snapshots: [], changes: [] },
      ];
      for (const st of steps) {
        const a = await plain.applyTick(input(st.tick, st.snapshots));
        const b = await delegating.applyTick(input(st.tick, st.snapshots, st.changes));
        expect(b.pools).toEqual(a.pools);
      }
      const a = (await plain.settle('ar', 3))!;
      const b = (await delegating.settle('ar', 3))!;
      expect(b.total).toBe(a.total);
      expect(b.creditCount).toBe(a.creditCount);
      expect(await delegating.poolTotals()).toEqual(await plain.poolTotals());
      const sent = await payloadOf(delegating, b.id);
      for (const project of [FLP, FLP2]) {
        const report = (await delegating.reports.get(reportIdOf(b.id, project)))!;
        const rows = decodeReport(report.payload);
        const sum = rows.reduce((t, r) => t + BigInt(r.Mint), 0n);
        expect(rows.every((r) => r.Mint === r.Yield && r.ReportTo === project && r.Token === 'AR')).toBe(true);
        expect(sum).toBe(report.total);
        expect(sent.get(project)).toBe(sum);
      }
      // Account c's row names its depositor (User) and the wallet whose preferences split it (Recipient).
      const flpRows = decodeReport((await delegating.reports.get(reportIdOf(b.id, FLP)))!.payload);
      expect(flpRows.map((r) => [r.User, r.Recipient, r.Amount])).toEqual([
        [A, A, '11'],
        [B, B, '5'],
        ['c'.padEnd(43, 'c'), B, '7'],
      ]);
      // audit export: one delegated_credits.csv row per part, one reports.csv row per project.
      const dir = mkdtempSync(join(tmpdir(), 'delegation-export-'));
      await exportHistory(delegating.db, dir);
      const csv = (f: string) => readFileSync(join(dir, f), 'utf8').trim().split('\n');
      const parts = await delegating.db.all('SELECT * FROM delegated_credits');
      expect(csv('delegated_credits.csv')).toHaveLength(1 + parts.length);
      expect(csv('delegated_credits.csv')[0]).toBe('settlement_id,pool,to_tick,account_id,account,recipient,target,amount');
      expect(csv('reports.csv').slice(1).map((l) => l.split(',')[2]).sort()).toEqual([FLP, FLP2].sort());
      // Merkle leaves stay (recipient, amount), projects among the recipients: exactly the outbox's sums.
      expect(new Map((await settlementLeaves(delegating.db, b.id)).map(([r, q]) => [r, BigInt(q)]))).toEqual(sent);
      // Σ over recipients is the same credit either way.
      expect([...sent.values()].reduce((t, q) => t + q, 0n)).toBe(a.total);
    });

    it('audit verify recomputes the splits (replay and reference model); a tampered part, report or preference is a divergence', async () => {
      const ledger = await fresh();
      const d = 'd'.padEnd(43, 'd');
      await ledger.applyTick(input(1, [snap('ar', [{ account: A, recipient: A, weight: 3n }, { account: B, recipient: B, weight: 4n }, { account: d, recipient: A, weight: 5n }])], [{ wallet: A, prefs: [{ target: PI, factor: 2500 }] }]));
      // d moves to recipient B in the tick B's preferences change (on SQLite its state row is deferred): it is marked too.
      await ledger.applyTick(input(2, [snap('ar', [{ account: d, recipient: B, weight: 5n }])], [{ wallet: A, prefs: [{ target: FLP, factor: 5000 }] }, { wallet: B, prefs: [{ target: FLP, factor: 600 }] }]));
      expect((await ledger.db.all<{ wallet: string }>('SELECT m.wallet FROM delegation_marks m JOIN accounts a ON a.id = m.account_id WHERE a.account = ? AND m.tick = 2', [d])).map((r) => r.wallet)).toEqual([B]);
      const first = (await ledger.settle('ar', 2))!;
      await ledger.applyTick(input(3, [snap('ar', [{ account: B, recipient: B, weight: 9n }])], [{ wallet: A, prefs: [] }]));
      await ledger.applyTick(input(4, []));
      await ledger.settle('ar', 4);
      const ok = await verifyLedger(ledger.db);
      expect(ok.divergences).toEqual([]);
      expect(ok.ok).toBe(true);
      await ledger.db.run(`UPDATE delegated_credits SET amount = '1' WHERE settlement_id = ? AND target = ?`, [first.id, FLP]);
      const tampered = await verifyLedger(ledger.db);
      expect(tampered.divergences.some((d) => d.check === 'delegation' && d.settlementId === first.id)).toBe(true);
      await ledger.db.run(`UPDATE reports SET payload = '[]' WHERE settlement_id = ?`, [first.id]);
      expect((await verifyLedger(ledger.db)).divergences.some((d) => d.check === 'report' && d.field === 'payload')).toBe(true);
      // A forged report of a settlement that does not exist.
      await ledger.db.run(`INSERT INTO reports (report_id, settlement_id, project, pool, from_tick, to_tick, row_count, total, payload, status, attempts, created_at_ms, updated_at_ms) VALUES ('x', 'ar:9-9', ?, 'ar', 9, 9, 1, '5', '[]', 'pending', 0, 0, 0)`, [FLP]);
      expect((await verifyLedger(ledger.db)).divergences.some((d) => d.check === 'report' && d.settlementId === 'ar:9-9' && d.field === 'settlement_id')).toBe(true);
      await ledger.db.run(`UPDATE delegation_log SET payload = ? WHERE tick = 2`, [JSON.stringify([[A, [[FLP, 10000]]], [B, [[FLP, 600]]]])]);
      expect((await verifyLedger(ledger.db)).divergences.some((d) => d.check === 'chain' && d.tick === 2 && d.field === 'hash')).toBe(true);
    });

    it('refuses bad preferences and a delegation cycle: the tick is not applied, nothing changes', async () => {
      const ledger = await fresh();
      await ledger.applyTick(input(1, [snap('ar', [{ account: A, recipient: A, weight: 1n }])], [{ wallet: A, prefs: [{ target: FLP, factor: 5000 }] }]));
      const before = { hash: await ledger.lastHash(), cursor: await ledger.delegationCursor(), prefs: await ledger.db.all('SELECT * FROM delegations ORDER BY wallet, target') };
      const cases: [string, LedgerDelegationChange[], string, RegExp][] = [
        ['a factor over 10000', [{ wallet: B, prefs: [{ target: PI, factor: 10_001 }] }], 'INVALID_DELEGATION', /prefs\[0\]\.factor: 10001 is not an integer in 500\.\.10000/],
        ['a total over 100 %', [{ wallet: B, prefs: [{ target: PI, factor: 6000 }, { target: FLP, factor: 5000 }] }], 'INVALID_DELEGATION', /factors of B.* add up to 11000, above 10000/],
        ['a factor under 5 %', [{ wallet: B, prefs: [{ target: PI, factor: 499 }] }], 'INVALID_DELEGATION', /499 is not an integer in 500\.\.10000/],
        ['a self target', [{ wallet: B, prefs: [{ target: B, factor: 1000 }] }], 'INVALID_DELEGATION', /delegates to itself/],
        ['a wallet twice', [{ wallet: B, prefs: [] }, { wallet: B, prefs: [] }], 'INVALID_DELEGATION', /changes twice/],
        ['a cycle (a target that delegates)', [{ wallet: FLP, prefs: [{ target: PI, factor: 1000 }] }], 'DELEGATION_CONFLICT', /delegates to F.*, which delegates too/],
      ];
      for (const [what, changes, code, message] of cases) {
        const error = await ledger.applyTick(input(2, [], changes)).catch((e: unknown) => e);
        expect(error, what).toBeInstanceOf(EngineError);
        expect((error as EngineError).code, what).toBe(code);
        expect((error as EngineError).message, what).toMatch(message);
        expect({ hash: await ledger.lastHash(), cursor: await ledger.delegationCursor(), prefs: await ledger.db.all('SELECT * FROM delegations ORDER BY wallet, target') }, what).toEqual(before);
      }
      expect(await ledger.lastAppliedTick()).toBe(1);
    });

    it('records each tick’s delegation snapshot in its journal entry: the hash covers it, a tick without one hashes as before', async () => {
      const plain = await fresh();
      const withEmpty = await fresh();
      const withChange = await fresh();
      const t = [snap('ar', [{ account: A, recipient: A, weight: 1n }])];
      const h0 = (await plain.applyTick(input(1, t))).hash;
      const h1 = (await withEmpty.applyTick(input(1, t, []))).hash;
      const h2 = (await withChange.applyTick(input(1, t, [{ wallet: A, prefs: [{ target: PI, factor: 500 }] }]))).hash;
      expect(new Set([h0, h1, h2]).size).toBe(3);
      expect(await plain.delegationCursor()).toBeNull();
      expect(JSON.parse((await withChange.delegationCursor())!)).toHaveProperty('seq');
    });

    it('a report is deliverable only once its settlement’s Mint-Batches are delivered', async () => {
      const ledger = await fresh();
      await ledger.applyTick(input(1, [snap('ar', [{ account: A, recipient: A, weight: 1n }])], [{ wallet: A, prefs: [{ target: PI, factor: 5000 }] }]));
      const s = (await ledger.settle('ar', 1, { batchSize: 1 }))!;
      expect(s.batchIds).toHaveLength(2);
      expect(await ledger.reports.deliverable(10)).toEqual([]);
      await ledger.outbox.markDelivered(s.batchIds[0]!);
      expect(await ledger.reports.deliverable(10)).toEqual([]);
      await ledger.outbox.markDelivered(s.batchIds[1]!);
      const [report] = await ledger.reports.deliverable(10);
      expect(report?.reportId).toBe(reportIdOf(s.id, PI));
      await ledger.reports.markSent(report!.reportId, 'm1');
      await ledger.reports.markDelivered(report!.reportId);
      expect(await ledger.reports.deliverable(10)).toEqual([]);
      expect(await ledger.reports.counts()).toEqual({ pending: 0, sent: 0, delivered: 1, failed: 0 });
    });
  });
}
