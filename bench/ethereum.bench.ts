// The stETH pre-bridge source against a local Hardhat 2 chain over loopback HTTP:
//   1. index 100,000 UserStaked events (a first snapshot's log scan, 2,000-block chunks) vs a naive
//      indexer that asks eth_getLogs one block at a time;
//   2. cross-check a snapshot of 10,000 depositors (usersData at the pinned block, 500 per Multicall3
//      aggregate3 eth_call, those in one JSON-RPC batch) vs one unbatched eth_call per depositor.
// Run: npm run bench -- ethereum
import { Interface, keccak256, toUtf8Bytes } from 'ethers';
import { createEthereumSource } from '../src/bridges/ethereum/source.ts';
import { startLocalEthereum } from '../devnet/ethereum/local.ts';
import { preBridgeAbi } from '../src/bridges/ethereum/abi.ts';

// ETH_BENCH_SCALE=0.1 for a quick check of the script itself.
const SCALE = Number(process.env.ETH_BENCH_SCALE ?? 1);
const EVENTS = Math.round(100_000 * SCALE);
const DEPOSITORS = Math.round(10_000 * SCALE);
const PER_TX = 2_000;
const GAP_BLOCKS = 99; // empty blocks after each seeding transaction: events spread over ≈ 5,000 blocks

const eth = await startLocalEthereum();
const users = Array.from({ length: DEPOSITORS }, (_, i) => `0x${keccak256(toUtf8Bytes(`depositor ${i}`)).slice(26)}`);
const ar = (i: number): string | null => (i % 10 === 0 ? null : `0x${keccak256(toUtf8Bytes(`ar ${i}`)).slice(2)}`);
await eth.rebase({ aprBps: 320, timeElapsedSec: 86_400 });
const fromBlock = await eth.blockNumber();
let t = performance.now();
for (let done = 0; done < EVENTS; done += PER_TX) {
  const entries = Array.from({ length: Math.min(PER_TX, EVENTS - done) }, (_, k) => {
    const i = done + k;
    return { user: users[i % DEPOSITORS]!, amountWei: 10n ** 16n + BigInt(i), arweave: ar(i) };
  });
  await eth.seedStakes(entries);
  await eth.send('hardhat_mine', [`0x${GAP_BLOCKS.toString(16)}`]); // reserved blocks: fine to scan, never pinned
}
await eth.mine(1); // a real block on top to pin to
const toBlock = await eth.blockNumber();
console.log(`seeded ${EVENTS.toLocaleString()} stakes by ${DEPOSITORS.toLocaleString()} depositors over blocks ${fromBlock}..${toBlock} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString()}/s`;

// 1 + 2: a first snapshot (scan from block 0, then cross-check every depositor), timed by part.
const src = createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.preBridge, stETH: eth.stETH, chainlinkEthUsd: eth.aggregator, multicall3: eth.multicall3, timeoutMs: 300_000, chunkBlocks: 500 });
t = performance.now();
const snap = await src.snapshot(null);
const wall = performance.now() - t;
const tm = src.lastTimings()!;
if (snap.updates.length !== DEPOSITORS || tm.events < EVENTS) throw new Error(`snapshot saw ${snap.updates.length} depositors, ${tm.events} events`);
console.log(`first snapshot: ${(wall / 1000).toFixed(2)} s wall = scan ${(tm.scanMs / 1000).toFixed(2)} s + cross-check ${(tm.checkMs / 1000).toFixed(2)} s + pin/quote`);

// Naive indexer: one eth_getLogs per block, ethers' Interface.parseLog per log.
let id = 1;
const rpc = async (method: string, params: unknown[]): Promise<unknown> => {
  const res = await fetch(eth.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
};
const iface = new Interface(preBridgeAbi.fragments);
t = performance.now();
const naive = new Map<string, bigint>();
let naiveEvents = 0;
for (let b = 0n; b <= BigInt(snap.pin.height); b++) {
  const logs = (await rpc('eth_getLogs', [{ address: eth.preBridge, fromBlock: `0x${b.toString(16)}`, toBlock: `0x${b.toString(16)}` }])) as { topics: string[]; data: string }[];
  for (const l of logs) {
    const ev = iface.parseLog(l)!;
    const user = (ev.args[1] as string).toLowerCase();
    naive.set(user, (naive.get(user) ?? 0n) + (ev.name === 'UserStaked' ? (ev.args[2] as bigint) : -(ev.args[2] as bigint)));
    naiveEvents++;
  }
}
const naiveScanMs = performance.now() - t;
console.log(`index ${tm.events.toLocaleString()} events over ${tm.blocks.toLocaleString()} blocks: ${(tm.scanMs / 1000).toFixed(2)} s (${rate(tm.events, tm.scanMs)}); naive eth_getLogs per block: ${(naiveScanMs / 1000).toFixed(2)} s — ${(naiveScanMs / tm.scanMs).toFixed(1)}× faster`);
if (naiveEvents !== EVENTS) throw new Error(`naive indexer saw ${naiveEvents} events; ${EVENTS} were seeded`);

// Naive cross-check: one eth_call per depositor, no batching.
t = performance.now();
for (const u of users) await rpc('eth_call', [{ to: eth.preBridge, data: preBridgeAbi.encodeFunctionData('usersData', [u, 0]) }, { blockHash: snap.pin.hash }]);
const naiveCheckMs = performance.now() - t;
console.log(`cross-check snapshot of ${tm.checked.toLocaleString()} depositors: ${(tm.checkMs / 1000).toFixed(2)} s (${rate(tm.checked, tm.checkMs)}); naive eth_call per depositor: ${(naiveCheckMs / 1000).toFixed(2)} s — ${(naiveCheckMs / tm.checkMs).toFixed(1)}× faster`);

// The cross-check again, back to back with the naive run (same machine load): via Multicall3 and via plain
// eth_call JSON-RPC batches of 500.
for (const multicall3 of [eth.multicall3, null]) {
  const again = createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.preBridge, stETH: eth.stETH, chainlinkEthUsd: eth.aggregator, multicall3, timeoutMs: 300_000, chunkBlocks: 500 });
  await again.snapshot(null);
  const a = again.lastTimings()!;
  console.log(`  again, ${multicall3 === null ? 'eth_call batches of 500' : 'Multicall3 × 500'}: cross-check ${(a.checkMs / 1000).toFixed(2)} s — ${(naiveCheckMs / a.checkMs).toFixed(1)}× the naive run; scan ${(a.scanMs / 1000).toFixed(2)} s`);
}

// An incremental tick after 1,000 more stakes: cost follows the change, not the 10,000 depositors.
await eth.seedStakes(Array.from({ length: Math.min(1_000, DEPOSITORS) }, (_, k) => ({ user: users[(k * 7) % DEPOSITORS]!, amountWei: 10n ** 15n, arweave: ar(k) })));
t = performance.now();
const inc = await src.snapshot(snap.cursor);
const incMs = performance.now() - t;

console.log(`first snapshot wall ${(wall / 1000).toFixed(2)} s; cursor ${(snap.cursor.length / 1024).toFixed(0)} KiB; incremental tick (${Math.min(1_000, DEPOSITORS)} new events, ${inc.updates.length} depositors touched): ${incMs.toFixed(0)} ms; RPC requests ${src.stats.requests}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
await eth.stop();
