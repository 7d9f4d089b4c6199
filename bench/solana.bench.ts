// Bench: a SOL snapshot of 20,000 bridge stake accounts on the local litesvm cluster, over HTTP,
// beside a naive baseline in the same process (one getAccountInfo per stake account).
// Every stake account and registration is made by real transactions in the VM.
import { generateKeypair, startLocalSolana } from '../devnet/solana/local-cluster.ts';
import { decodeStakeAccount } from '../src/bridges/solana/stake-account.ts';
import { createSolanaSource } from '../src/bridges/solana/source.ts';

const ACCOUNTS = Number(process.env.SOL_BENCH_ACCOUNTS ?? 20_000);
const REGISTERED = Math.floor(ACCOUNTS / 2);
const NAIVE_CONCURRENCY = 16;

const ms = (t0: number): number => performance.now() - t0;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);

const c = await startLocalSolana();
let t0 = performance.now();
const depositors = Array.from({ length: ACCOUNTS }, () => generateKeypair());
const stakes = c.createStakes({ withdrawers: depositors.map((d) => d.publicKey), lamports: 2_000_000_000n });
const createMs = ms(t0);
t0 = performance.now();
for (const [i, d] of depositors.slice(0, REGISTERED).entries()) {
  c.register(d, `ao:${Buffer.alloc(32, i % 251).toString('base64url')}`);
  if (i % 2_000 === 1_999) c.advanceSlots();
}
const registerMs = ms(t0);
c.warpToEpoch(1);
console.log(`setup: ${ACCOUNTS} stake accounts by ${Math.ceil(ACCOUNTS / 3)} real transactions in ${(createMs / 1000).toFixed(1)} s; ${REGISTERED} memo registrations in ${(registerMs / 1000).toFixed(1)} s`);

const source = createSolanaSource({ rpcUrls: [c.url], voteAccounts: [c.bridgeVote.toBase58()], registry: c.registry.toBase58(), priceUsd: '150', apr: '0.07' });
t0 = performance.now();
const bootstrap = await source.snapshot(null);
const bootstrapMs = ms(t0);
if (bootstrap.updates.length !== ACCOUNTS) throw new Error(`bootstrap saw ${bootstrap.updates.length} depositors; expected ${ACCOUNTS}`);
const registered = bootstrap.updates.filter((u) => u.recipient !== null).length;
if (registered !== REGISTERED) throw new Error(`bootstrap saw ${registered} registrations; expected ${REGISTERED}`);

c.advanceSlots();
const steadyRuns: number[] = [];
let cursor = bootstrap.cursor;
for (let i = 0; i < 5; i++) {
  t0 = performance.now();
  const s = await source.snapshot(cursor);
  steadyRuns.push(ms(t0));
  cursor = s.cursor;
}
steadyRuns.sort((a, b) => a - b);
const steadyMs = steadyRuns[2]!;

// Naive baseline: the stake addresses known in advance, one getAccountInfo each (16 in flight),
// decoded and summed; no activation, no registrations — strictly less work than the source does.
t0 = performance.now();
let total = 0n;
let next = 0;
async function worker(): Promise<void> {
  while (next < stakes.length) {
    const stake = stakes[next++]!;
    const res = await fetch(c.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getAccountInfo', params: [stake.toBase58(), { encoding: 'base64', commitment: 'finalized' }] }) });
    const body = (await res.json()) as { result: { value: { data: [string] } } };
    const d = decodeStakeAccount(Buffer.from(body.result.value.data[0], 'base64'), stake.toBase58());
    total += d.delegation?.stake ?? 0n;
  }
}
await Promise.all(Array.from({ length: NAIVE_CONCURRENCY }, worker));
const naiveMs = ms(t0);
const sourceTotal = bootstrap.updates.reduce((a, u) => a + u.weight, 0n);
if (total !== sourceTotal) throw new Error(`naive total ${total} ≠ source total ${sourceTotal}`);

console.log(`bootstrap snapshot (cursor null, reads ${REGISTERED} registrations): ${bootstrapMs.toFixed(0)} ms`);
console.log(`steady snapshot, ${ACCOUNTS} stake accounts (median of 5): ${steadyMs.toFixed(0)} ms`);
console.log(`naive baseline, ${ACCOUNTS} × getAccountInfo (${NAIVE_CONCURRENCY} in flight): ${naiveMs.toFixed(0)} ms → steady snapshot is ${(naiveMs / steadyMs).toFixed(1)}× faster`);
console.log(`cursor: ${(cursor.length / 1024).toFixed(0)} KiB for ${REGISTERED} registrations; peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB`);
await c.stop();
