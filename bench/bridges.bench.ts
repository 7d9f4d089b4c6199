// AO's three Ethereum bridges (stETH, DAI, USDS) on one local Hardhat 2 chain, 10,000 depositors each,
// with the 24-hour deposit delay (issue 19):
//   1. a first snapshot of the three bridges (as the tick loop takes them: in parallel) vs a naive
//      reader that asks eth_getLogs one block at a time and one unbatched usersData eth_call per depositor;
//   2. an incremental tick after 100 new deposits per bridge (queued in their delay) and the tick a day
//      later that counts them (its due rows read), vs the naive per-tick re-read of every depositor.
// Run: npm run bench -- bridges        (BRIDGES_BENCH_SCALE=0.1 for a quick check of the script)
import { keccak256, toUtf8Bytes } from 'ethers';
import { createEthereumSource } from '../src/bridges/ethereum/source.ts';
import type { EthereumSource } from '../src/bridges/ethereum/source.ts';
import { preBridgeAbi, vaultBridgeAbi } from '../src/bridges/ethereum/abi.ts';
import { MemorySourceState } from '../src/bridges/source-state.ts';
import type { Snapshot } from '../src/bridges/types.ts';
import { TICK_MS, tickAt } from '../src/emission/index.ts';
import { startLocalEthereum } from '../devnet/ethereum/local.ts';
import type { LocalPool } from '../devnet/ethereum/local.ts';

const SCALE = Number(process.env.BRIDGES_BENCH_SCALE ?? 1);
const DEPOSITORS = Math.round(10_000 * SCALE);
const NEW_PER_TICK = Math.max(1, Math.round(100 * SCALE));
const PER_TX = 2_000;
const DAY = 86_400;
const POOLS: readonly LocalPool[] = ['steth', 'dai', 'usds'];

const eth = await startLocalEthereum();
const usersOf = (pool: LocalPool): string[] => Array.from({ length: DEPOSITORS }, (_, i) => `0x${keccak256(toUtf8Bytes(`${pool} depositor ${i}`)).slice(26)}`);
const users = Object.fromEntries(POOLS.map((p) => [p, usersOf(p)])) as Record<LocalPool, string[]>;
const ar = (i: number): string | null => (i % 10 === 0 ? null : `0x${keccak256(toUtf8Bytes(`ar ${i}`)).slice(2)}`);
let t = performance.now();
for (const pool of POOLS) {
  for (let done = 0; done < DEPOSITORS; done += PER_TX) {
    const batch = users[pool].slice(done, done + PER_TX).map((user, k) => ({ user, amount: 10n ** 16n + BigInt(done + k), arweave: ar(done + k) }));
    if (pool === 'steth') await eth.seedStakes(batch.map((e) => ({ user: e.user, amountWei: e.amount, arweave: e.arweave })));
    else await eth.seedStable(pool, batch);
  }
}
await eth.advance(DAY + 600); // the seeded deposits are past their delay; the feeds re-post
console.log(`seeded ${(3 * DEPOSITORS).toLocaleString()} deposits (${DEPOSITORS.toLocaleString()} per bridge) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

const latestMs = async (): Promise<number> => Number(BigInt(((await eth.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string }).timestamp)) * 1000;
const genesisMs = Math.floor((await latestMs()) / TICK_MS) * TICK_MS - 100 * TICK_MS;
const state = new MemorySourceState();
const sources = POOLS.map((pool) => createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, ...eth.bridgeOf(pool, DAY), genesisMs, state, multicall3: eth.multicall3, timeoutMs: 300_000 }));
const cursors = new Map<string, string>();
/** One tick's snapshots of the three bridges, in parallel, applied to the shared state as the ledger would. */
async function tick(k: number): Promise<{ ms: number; snaps: Snapshot[] }> {
  const t0 = performance.now();
  const snaps = await Promise.all(sources.map((s: EthereumSource) => s.snapshot(cursors.get(s.pool) ?? null, undefined, { tick: k })));
  const ms = performance.now() - t0;
  for (const s of snaps) {
    state.apply(s.pool, s.sourceState);
    cursors.set(s.pool, s.cursor);
  }
  return { ms, snaps };
}

// 1. First snapshot.
let k = tickAt(await latestMs(), genesisMs);
const first = await tick(k);
for (const s of first.snaps) if (s.updates.length !== DEPOSITORS) throw new Error(`${s.pool}: ${s.updates.length} depositors counted, ${DEPOSITORS} seeded`);
const parts = sources.map((s) => `${s.pool} ${(s.lastTimings()!.totalMs / 1000).toFixed(2)} s: scan ${(s.lastTimings()!.scanMs / 1000).toFixed(2)} + check ${(s.lastTimings()!.checkMs / 1000).toFixed(2)}`).join(', ');

let id = 1;
const rpc = async (method: string, params: unknown[]): Promise<unknown> => {
  const res = await fetch(eth.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method, params }) });
  return ((await res.json()) as { result: unknown }).result;
};
const bridgeOf = (pool: LocalPool): string => eth.bridgeOf(pool).preBridge;
const usersData = (pool: LocalPool, u: string): string => (pool === 'usds' ? vaultBridgeAbi.encodeFunctionData('usersData', [u]) : preBridgeAbi.encodeFunctionData('usersData', [u, 0]));
/** The naive re-read of every depositor: one unbatched eth_call each, at the pinned block. */
async function naiveCheck(pin: string): Promise<number> {
  const t0 = performance.now();
  for (const pool of POOLS) for (const u of users[pool]) await rpc('eth_call', [{ to: bridgeOf(pool), data: usersData(pool, u) }, { blockHash: pin }]);
  return performance.now() - t0;
}
t = performance.now();
const head = BigInt(first.snaps[0]!.pin.height);
for (const pool of POOLS) for (let b = 0n; b <= head; b++) await rpc('eth_getLogs', [{ address: bridgeOf(pool), fromBlock: `0x${b.toString(16)}`, toBlock: `0x${b.toString(16)}` }]);
const naiveScanMs = performance.now() - t;
const naiveCheckMs = await naiveCheck(first.snaps[0]!.pin.hash);
const naiveFirst = naiveScanMs + naiveCheckMs;
console.log(
  `first snapshot of 3 bridges × ${DEPOSITORS.toLocaleString()} depositors: ${(first.ms / 1000).toFixed(2)} s wall (${parts}); naive (eth_getLogs per block ${(naiveScanMs / 1000).toFixed(2)} s + one eth_call per depositor ${(naiveCheckMs / 1000).toFixed(2)} s): ${(naiveFirst / 1000).toFixed(2)} s — ${(naiveFirst / first.ms).toFixed(1)}× faster`,
);

// 2. Incremental ticks: new deposits enter the delay; a day later they count.
for (const pool of POOLS) {
  const batch = Array.from({ length: NEW_PER_TICK }, (_, i) => ({ user: users[pool][(i * 37) % DEPOSITORS]!, amount: 10n ** 17n, arweave: null }));
  if (pool === 'steth') await eth.seedStakes(batch.map((e) => ({ user: e.user, amountWei: e.amount, arweave: e.arweave })));
  else await eth.seedStable(pool, batch);
}
const queued = await tick(++k);
const naiveTickMs = await naiveCheck(queued.snaps[0]!.pin.hash);
const touched = queued.snaps.reduce((n, s) => n + s.updates.length, 0);
console.log(
  `incremental tick (${(3 * NEW_PER_TICK).toLocaleString()} new deposits, queued in their delay; ${touched} depositors touched): ${queued.ms.toFixed(0)} ms; naive re-read of all ${(3 * DEPOSITORS).toLocaleString()} depositors: ${(naiveTickMs / 1000).toFixed(2)} s — ${(naiveTickMs / queued.ms).toFixed(0)}× faster`,
);
await eth.advance(DAY + 600);
const dueTick = tickAt(await latestMs(), genesisMs);
const counted = await tick(dueTick);
const countedUpdates = counted.snaps.reduce((n, s) => n + s.updates.filter((u) => u.weight > 0n).length, 0);
console.log(
  `the tick that counts them (${dueTick - k} ticks of due rows read, ${countedUpdates} depositors counted): ${counted.ms.toFixed(0)} ms — ${(naiveTickMs / counted.ms).toFixed(0)}× the naive re-read; cursors ${[...cursors.values()].map((c) => c.length).join(' / ')} bytes; source-state rows ${(await Promise.all(POOLS.map((p) => state.count(p, 'depositor')))).join(' / ')} depositors; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
await eth.stop();
