// AO delivery end to end: a real SQLite ledger settles credits into its outbox; the writer signs
// each batch (RSA-4096 via aoconnect), posts it to the local AO node over loopback HTTP, which
// verifies, persists (SQLite, synchronous=FULL), evaluates ao/token.lua in wasmoon and answers;
// the writer reads the result and marks the batch delivered.
//   figure:   credits/s in batches of 10,000 credits (5 batches = 50,000 credits)
//   baseline: the naive writer, one message per credit (300 credits), same node, same process
// Run: npm run bench -- ao
import Arweave from 'arweave';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalAoNode } from '../devnet/ao-node/server.ts';
import type { ArweaveAddress } from '../src/address.ts';
import { ManualClock } from '../src/clock.ts';
import { AO_MAINNET } from '../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../src/emission/ticks.ts';
import { openLedger } from '../src/ledger/index.ts';
import type { Ledger } from '../src/ledger/index.ts';
import { winston } from '../src/units.ts';
import { createAoClient, createAoWriter, reconcile } from '../src/ledger/delivery/ao/index.ts';
import type { ArweaveJwk } from '../src/ledger/delivery/ao/index.ts';

const BATCHED_CREDITS = 50_000;
const BATCH_SIZE = 10_000;
const NAIVE_CREDITS = 300;

const arweave = Arweave.init({});
const jwk = (await arweave.wallets.generate()) as unknown as ArweaveJwk;
const minter = await arweave.wallets.jwkToAddress(jwk as never);
const dir = mkdtempSync(join(tmpdir(), 'ao-bench-'));

const holder = (i: number, salt: number): ArweaveAddress => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(salt, 0);
  b.writeUInt32BE(i, 28);
  return b.toString('base64url') as ArweaveAddress;
};

async function settled(name: string, holders: number, batchSize: number): Promise<Ledger> {
  const ledger = await openLedger({ url: `sqlite:${join(dir, `${name}.db`)}`, clock: new ManualClock(1_700_000_000_000) });
  await ledger.migrate();
  const updates = Array.from({ length: holders }, (_, i) => ({ account: holder(i, name.length), recipient: holder(i, name.length), weight: winston(10n ** 12n + BigInt(i)) }));
  await ledger.applyTick({ tick: 1, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots: [{ pool: 'ar', pin: { chain: 'arweave', height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS }, complete: false, updates, cursor: 'c', notes: [] }] });
  await ledger.settle('ar', 1, { batchSize });
  return ledger;
}

// Writer and node share this process, so its CPU time is the whole cost of a delivery; on a busy
// shared machine wall time can be several times that, so both are printed.
async function deliver(ledger: Ledger, url: string, processId: string, concurrency = 1): Promise<{ credits: number; ms: number; cpuMs: number; messages: number }> {
  const writer = createAoWriter({ outbox: ledger.outbox, processId, jwk, endpoints: { muUrl: url, cuUrl: url }, batchesPerPass: 1_000, concurrency });
  const cpu = process.cpuUsage();
  const t = performance.now();
  const r = await writer.deliverPending(1_000);
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  if (r.failed !== 0 || r.unavailable !== null) throw new Error(`delivery failed: ${JSON.stringify(r)}`);
  const check = await reconcile({ db: ledger.db, client: createAoClient({ muUrl: url, cuUrl: url }), processId, basis: 'settled' });
  if (!check.equal) throw new Error('reconciliation found differences');
  return { credits: r.credits, ms, cpuMs, messages: r.delivered };
}

// One node (one process, one schedule) per run: both ledgers settle "ar:1-1", so their Batch-Ids collide.
const node = await startLocalAoNode({ dbPath: join(dir, 'node.db'), minter });
const naiveNode = await startLocalAoNode({ dbPath: join(dir, 'naive-node.db'), minter });
try {
  const batchedLedger = await settled('batched', BATCHED_CREDITS, BATCH_SIZE);
  const naiveLedger = await settled('naive-one-per-credit', NAIVE_CREDITS, 1);
  const batched = await deliver(batchedLedger, node.url, node.processId);
  const naive = await deliver(naiveLedger, naiveNode.url, naiveNode.processId);
  // The node in its own OS process and 2 batches in flight: signing here overlaps evaluation there.
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('../devnet/ao-node/main.ts', import.meta.url).pathname, '--db', join(dir, 'child-node.db'), '--minter', minter], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = await new Promise<{ url: string; processId: string }>((resolve) => createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l) as { url: string; processId: string })));
  const pipelinedLedger = await settled('pipelined', BATCHED_CREDITS, BATCH_SIZE);
  const pipelined = await deliver(pipelinedLedger, ready.url, ready.processId, 2);
  child.kill('SIGTERM');
  await pipelinedLedger.close();
  const rate = (credits: number, ms: number) => Math.round((credits / ms) * 1000);
  const line = (name: string, x: { credits: number; ms: number; cpuMs: number; messages: number }) =>
    console.log(
      `${name}: ${x.credits.toLocaleString()} credits in ${x.messages} messages: wall ${(x.ms / 1000).toFixed(2)} s = ${rate(x.credits, x.ms).toLocaleString()} credits/s ` +
        `(${(x.ms / x.messages).toFixed(1)} ms/message); CPU ${(x.cpuMs / 1000).toFixed(2)} s = ${rate(x.credits, x.cpuMs).toLocaleString()} credits/s per core`,
    );
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  line(`batched (${BATCH_SIZE.toLocaleString()} credits per message)`, batched);
  line('naive (one message per credit)', naive);
  console.log(
    `batched, node in its own process, 2 in flight: ${pipelined.credits.toLocaleString()} credits: wall ${(pipelined.ms / 1000).toFixed(2)} s = ${rate(pipelined.credits, pipelined.ms).toLocaleString()} credits/s (writer-side CPU only: ${(pipelined.cpuMs / 1000).toFixed(2)} s)`,
  );
  const wallRatio = rate(batched.credits, batched.ms) / rate(naive.credits, naive.ms);
  const cpuRatio = rate(batched.credits, batched.cpuMs) / rate(naive.credits, naive.cpuMs);
  console.log(`ratio batched / naive: wall ${wallRatio.toFixed(0)}×, CPU ${cpuRatio.toFixed(0)}×  (target ≥ 50,000 credits/s wall: ${rate(batched.credits, batched.ms) >= 50_000 ? 'met' : 'NOT met'})`);
  await batchedLedger.close();
  await naiveLedger.close();
} finally {
  await node.stop();
  await naiveNode.stop();
  rmSync(dir, { recursive: true, force: true });
}
