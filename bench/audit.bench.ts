// audit verify on a ledger built through the ledger API (SQLite file, WAL):
//   figure:   the streaming verify (every tick, change, settlement, credit, batch; final state)
//   baseline: the naive per-account audit — for each account, query its history and its state at
//             every settlement of its pool through the ledger's own per-account query
//             (Ledger.account(pool, key, atTick)) and compare with its credits; timed on a sample
//             of accounts in the same process and extrapolated to all of them (a lower bound: it
//             checks no tick, hash or index at all)
// Default: a month of ticks (8,766) with 10,000 accounts per pool… scaled down to run in minutes;
// the issue's size: AUDIT_BENCH_TICKS=105192 AUDIT_BENCH_ACCOUNTS=100000 npm run bench -- audit
// Knobs: AUDIT_BENCH_TICKS, AUDIT_BENCH_ACCOUNTS (AR holders), AUDIT_BENCH_CHANGES (weight changes
// per tick), AUDIT_BENCH_SETTLE_EVERY (ticks between AR settlements), AUDIT_BENCH_SAMPLE;
// AUDIT_BENCH_DB=<path of a SQLite ledger> times an existing ledger built by this bench (kept).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArweaveAddress } from '../src/address.ts';
import type { Snapshot, WeightUpdate } from '../src/bridges/types.ts';
import { wei, winston } from '../src/units.ts';
import type { Wei, Winston } from '../src/units.ts';
import { ManualClock } from '../src/clock.ts';
import { xorshift32 } from '../src/prng.ts';
import { AO_MAINNET } from '../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../src/emission/ticks.ts';
import { openLedger } from '../src/ledger/index.ts';
import type { PoolId } from '../src/ledger/index.ts';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { LEAF_ENCODING, settlementTree, statement, verifyLedger } from '../src/ledger/audit/index.ts';
import type { Leaf } from '../src/ledger/audit/index.ts';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}: ${v} is not a positive integer`);
  return n;
};
const TICKS = env('AUDIT_BENCH_TICKS', 8_766);
const ACCOUNTS = env('AUDIT_BENCH_ACCOUNTS', 10_000);
const CHANGES = env('AUDIT_BENCH_CHANGES', 20);
const SETTLE_EVERY = env('AUDIT_BENCH_SETTLE_EVERY', 288 * 7);
const SAMPLE = env('AUDIT_BENCH_SAMPLE', 20);
const BRIDGE_ACCOUNTS = Math.max(1, Math.floor(ACCOUNTS / 10));

const next = xorshift32(0x9e3779b9);
const address = (i: number): ArweaveAddress => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(i, 28);
  return b.toString('base64url') as ArweaveAddress;
};
const pin = (k: number): Snapshot['pin'] => ({ chain: 'arweave', height: String(k), hash: `h${k}`, timeMs: DEFAULT_GENESIS_MS + k * 300_000 });
const stethYield = { asset: 'stETH', decimals: 18, priceUsd: '3000', apr: '0.03', priceSource: 'config', aprSource: 'config' };

const existing = process.env['AUDIT_BENCH_DB'];
const dir = existing === undefined ? mkdtempSync(join(tmpdir(), 'ao-audit-bench-')) : null;
const path = existing ?? join(dir!, 'ledger.db');
const ledger = await openLedger({ url: `sqlite:${path}`, clock: new ManualClock(DEFAULT_GENESIS_MS) });
try {
  await ledger.migrate();
  const buildStart = performance.now();
  for (let k = 1; existing === undefined && k <= TICKS; k++) {
    const snapshots: Snapshot[] = [];
    const ar: WeightUpdate<Winston>[] = [];
    const steth: WeightUpdate<Wei>[] = [];
    if (k === 1) {
      for (let i = 0; i < ACCOUNTS; i++) ar.push({ account: address(i), recipient: address(i), weight: winston(BigInt(1 + Math.floor(next() * 1e9)) * 10n ** 6n) });
      for (let i = 0; i < BRIDGE_ACCOUNTS; i++) steth.push({ account: `0x${i.toString(16).padStart(40, '0')}`, recipient: address(i), weight: wei(BigInt(1 + Math.floor(next() * 1e6)) * 10n ** 15n) });
    } else {
      const seen = new Set<number>();
      for (let c = 0; c < CHANGES; c++) {
        const i = Math.floor(next() * ACCOUNTS);
        if (seen.has(i)) continue;
        seen.add(i);
        ar.push({ account: address(i), recipient: address(i), weight: winston(next() < 0.05 ? 0n : BigInt(1 + Math.floor(next() * 1e9)) * 10n ** 6n) });
      }
      const j = Math.floor(next() * BRIDGE_ACCOUNTS);
      steth.push({ account: `0x${j.toString(16).padStart(40, '0')}`, recipient: address(j), weight: wei(BigInt(1 + Math.floor(next() * 1e6)) * 10n ** 15n) });
    }
    snapshots.push({ pool: 'ar', pin: pin(k), complete: false, updates: ar, cursor: `ar@${k}`, notes: [] });
    snapshots.push({ pool: 'steth', pin: pin(k), complete: false, updates: steth, cursor: `steth@${k}`, notes: [], ...(k === 1 ? { yield: stethYield } : {}) });
    await ledger.applyTick({ tick: k, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots });
    if (k % SETTLE_EVERY === 0 || k === TICKS) {
      await ledger.settle('ar', k, { batchSize: 1_000 });
      await ledger.settle('steth', k, { batchSize: 1_000 });
    }
  }
  const buildMs = performance.now() - buildStart;
  const counts = (await ledger.db.all<{ s: number; c: number; w: number }>('SELECT (SELECT COUNT(*) FROM settlements) AS s, (SELECT COUNT(*) FROM credits) AS c, (SELECT SUM(change_count) FROM ticks) AS w'))[0]!;
  const ticks = await ledger.lastAppliedTick();
  const accounts = (await ledger.db.all<{ pool: string; n: number }>('SELECT pool, COUNT(*) AS n FROM accounts GROUP BY pool')).map((r) => `${r.n} ${r.pool}`).join(' + ');
  console.log(
    `ledger: ${ticks} ticks, ${accounts} accounts, ${counts.w} weight changes, ${counts.s} settlements, ${counts.c} credits; ${existing === undefined ? `built through Ledger.applyTick/settle in ${(buildMs / 1000).toFixed(1)} s` : `existing ${existing}`}; ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB`,
  );

  globalThis.gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await verifyLedger(ledger.db);
  const verifyMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (!report.ok) throw new Error(`verify found divergences on an untouched ledger: ${JSON.stringify(report.divergences.slice(0, 3))}`);
  const rss = process.memoryUsage().rss / 2 ** 20;
  console.log(`streaming verify: ${(verifyMs / 1000).toFixed(2)} s (${Math.round((ticks / verifyMs) * 1000)} ticks/s, ${Math.round((Number(counts.c) / verifyMs) * 1000)} credits/s), RSS ${rss.toFixed(0)} MiB, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);

  // Naive: per account, its state at every settlement of its pool through the ledger's per-account query.
  const settlements = await ledger.db.all<{ pool: PoolId; to_tick: number; id: string }>('SELECT pool, to_tick, id FROM settlements ORDER BY to_tick');
  const sample = Array.from({ length: SAMPLE }, (_, i) => Math.floor((i * ACCOUNTS) / SAMPLE));
  const t1 = performance.now();
  let checked = 0;
  for (const i of sample) {
    let previous = 0n;
    for (const s of settlements.filter((x) => x.pool === 'ar')) {
      const view = await ledger.account('ar', address(i), Number(s.to_tick));
      const credit = await ledger.db.all<{ amount: string }>('SELECT c.amount FROM credits c JOIN accounts a ON a.id = c.account_id WHERE c.settlement_id = ? AND a.account = ?', [s.id, address(i)]);
      const owed = view === null ? 0n : view.settled - previous;
      if ((credit[0] === undefined ? 0n : BigInt(credit[0].amount)) !== owed) throw new Error(`naive audit disagrees for account ${i} at ${s.id}`);
      previous = view?.settled ?? 0n;
      checked++;
    }
  }
  const naivePerAccountMs = (performance.now() - t1) / SAMPLE;
  const accountCount = Number((await ledger.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM accounts'))[0]!.n);
  const naiveMs = naivePerAccountMs * accountCount;
  console.log(
    `naive per-account audit: ${naivePerAccountMs.toFixed(1)} ms per account (${SAMPLE} sampled, ${checked} account×settlement checks) → ${(naiveMs / 1000).toFixed(0)} s extrapolated to ${accountCount} accounts; streaming is ${(naiveMs / verifyMs).toFixed(0)}× faster`,
  );

  const largest = (await ledger.db.all<{ id: string; credit_count: number }>('SELECT id, credit_count FROM settlements ORDER BY credit_count DESC LIMIT 1'))[0]!;
  const t2 = performance.now();
  const tree = await settlementTree(ledger.db, largest.id);
  const treeMs = performance.now() - t2;
  // Baseline: the same leaves through @openzeppelin/merkle-tree's own builder (must give the same root).
  const t2b = performance.now();
  const reference = StandardMerkleTree.of<Leaf>(tree.leaves.map((l) => [...l] as Leaf), [...LEAF_ENCODING]);
  const referenceMs = performance.now() - t2b;
  console.log(
    `merkle root of settlement ${largest.id} (${tree.leaves.length} leaves): ${(treeMs / 1000).toFixed(2)} s; StandardMerkleTree.of ${(referenceMs / 1000).toFixed(2)} s (${(referenceMs / treeMs).toFixed(1)}×), same root: ${reference.root === tree.root}`,
  );
  const t3 = performance.now();
  const st = await statement(ledger.db, address(1));
  console.log(`statement of one address (${st.lines.length} lines): ${(performance.now() - t3).toFixed(0)} ms`);
} finally {
  await ledger.close();
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
}
