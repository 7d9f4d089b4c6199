// Bytes a stETH tick writes (issue 17): the real source on a local Hardhat 2 chain, its state in a
// SQLite file ledger. At 10,000 and then 100,000 depositors, an incremental tick in which 100
// existing depositors stake again: the bytes of its rows (tick_pools, pools, ticks, weight_changes,
// source_state_log, the source_state rows it changed; src/ledger/tick-bytes.ts) and the file's page
// growth, beside the naive baseline — the version-1 cursor that carried every depositor and was
// stored twice a tick (tick_pools.cursor, pools.cursor) and hashed into the journal.
// Run: npm run bench -- source-state   (BENCH_DEPOSITORS=1000,10000 for other sizes)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keccak256, toUtf8Bytes } from 'ethers';
import { createEthereumSource } from '../src/bridges/ethereum/source.ts';
import { startLocalEthereum } from '../devnet/ethereum/local.ts';
import { AO_MAINNET } from '../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../src/emission/ticks.ts';
import { openLedger } from '../src/ledger/index.ts';
import { tickBytes } from '../src/ledger/tick-bytes.ts';

const SIZES = (process.env.BENCH_DEPOSITORS ?? '10000,100000').split(',').map(Number);
const CHANGED = 100;
const PER_TX = 1_000;

const eth = await startLocalEthereum();
const dir = mkdtempSync(join(tmpdir(), 'source-state-bench-'));
const ledger = await openLedger({ url: `sqlite:${join(dir, 'ledger.db')}` });
await ledger.migrate();
const src = createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.preBridge, stETH: eth.stETH, chainlinkEthUsd: eth.aggregator, multicall3: eth.multicall3, timeoutMs: 300_000, chunkBlocks: 500, state: ledger.sourceState() });
const userOf = (i: number): string => `0x${keccak256(toUtf8Bytes(`depositor ${i}`)).slice(26)}`;
const arOf = (i: number): string | null => (i % 10 === 0 ? null : keccak256(toUtf8Bytes(`ar ${i}`)));
const pages = async (): Promise<number> => Number((await ledger.db.all<{ page_count: number }>('PRAGMA page_count'))[0]!.page_count);
const pageSize = Number((await ledger.db.all<{ page_size: number }>('PRAGMA page_size'))[0]!.page_size);

let k = 0;
async function tick(): Promise<{ ms: number; bytes: Awaited<ReturnType<typeof tickBytes>>; pageBytes: number }> {
  const before = await pages();
  const t = performance.now();
  const snap = await src.snapshot(await ledger.cursor('steth'));
  await ledger.applyTick({ tick: ++k, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots: [snap] });
  return { ms: performance.now() - t, bytes: await tickBytes(ledger.db, k), pageBytes: ((await pages()) - before) * pageSize };
}

/** The version-1 cursor of the same state: every depositor's [deposited, recipient] inside it. */
async function v1CursorBytes(): Promise<number> {
  const rows = await ledger.db.all<{ key: string; value: string }>("SELECT key, value FROM source_state WHERE pool = 'steth' ORDER BY key");
  const depositors = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  const cursor = JSON.parse((await ledger.cursor('steth'))!) as Record<string, unknown>;
  return JSON.stringify({ ...cursor, v: 1, depositors }).length;
}

let seeded = 0;
await eth.rebase({ aprBps: 320, timeElapsedSec: 86_400 });
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
for (const size of SIZES) {
  const t0 = performance.now();
  for (; seeded < size; seeded += PER_TX) {
    await eth.seedStakes(Array.from({ length: Math.min(PER_TX, size - seeded) }, (_, j) => ({ user: userOf(seeded + j), amountWei: 10n ** 16n + BigInt(seeded + j), arweave: arOf(seeded + j) })));
  }
  await eth.mine(1);
  const join = await tick();
  console.log(`${size.toLocaleString()} depositors: seeded and their tick applied in ${((performance.now() - t0) / 1000).toFixed(1)} s (that tick: ${kib(join.bytes.total)} of rows, ${join.bytes['source_state']?.toLocaleString()} B of source_state rows)`);
  await eth.seedStakes(Array.from({ length: CHANGED }, (_, j) => ({ user: userOf(j * 37), amountWei: 10n ** 15n, arweave: arOf(j * 37) })));
  await eth.mine(1);
  const inc = await tick();
  const b = inc.bytes;
  const cursor = (await ledger.cursor('steth'))!.length;
  const v1 = await v1CursorBytes();
  console.log(
    `  incremental tick (${CHANGED} depositors changed): ${b.total.toLocaleString()} B of rows = tick_pools ${b['tick_pools']} + pools ${b['pools']} + ticks ${b['ticks']} + weight_changes ${b['weight_changes']} + source_state_log ${b['source_state_log']} + source_state ${b['source_state']}; file grew ${inc.pageBytes.toLocaleString()} B (${pageSize}-byte pages); snapshot + apply ${inc.ms.toFixed(0)} ms`,
  );
  console.log(`  cursor ${cursor} B; naive (version-1 cursor of the same ${size.toLocaleString()} depositors): ${kib(v1)}, stored twice a tick = ${kib(2 * v1)} a tick before any other row — ${((2 * v1 + b.total - 2 * cursor) / b.total).toFixed(0)}× the tick's bytes now`);
}
await ledger.close();
await eth.stop();
rmSync(dir, { recursive: true, force: true });
