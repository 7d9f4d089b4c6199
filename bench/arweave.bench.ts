// AR holder source (src/bridges/arweave): full-list parse throughput and peak memory for 2,000,000
// wallets, and the cost of an incremental snapshot per block of 1,000 transfers — each beside a naive
// baseline run in this process. `npm run bench -- arweave`.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArweaveHttp } from '../src/bridges/arweave/http.ts';
import { createArweaveSource } from '../src/bridges/arweave/source.ts';
import { WalletListScanner, readWalletListPages } from '../src/bridges/arweave/wallet-list.ts';
import type { Wallet } from '../src/bridges/arweave/wallet-list.ts';
import { ModelNode, addressOf, newOwner } from '../test/bridges/arweave/support/model-node.ts';

const WALLETS = 2_000_000;
const PAGE = 2_500; // the node's WALLET_LIST_CHUNK_SIZE
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const maxRss = (): number => process.resourceUsage().maxRSS * 1024;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** 2 M distinct addresses without 2 M SHA-256 calls: a 32-byte counter pattern, base64url. */
const address = (i: number): string => {
  const b = Buffer.alloc(32, 0x5a);
  b.writeUInt32BE(i, 0);
  b.writeUInt32BE((i ^ 0x9e3779b9) >>> 0, 28);
  return b.toString('base64url');
};
const LAST_TX = createHash('sha256').update('last').digest('base64url');
const walletText = (i: number): string => `{"address":"${address(i)}","balance":"${(BigInt(i) * 1_234_567_891n).toString()}","last_tx":"${LAST_TX}"}`;

/** The list as a stream of ~64 KiB chunks (the whole-list document shape), generated on the fly. */
function* documentChunks(): Generator<Buffer> {
  let parts: string[] = ['['];
  let size = 1;
  for (let i = 0; i < WALLETS; i++) {
    const w = (i === 0 ? '' : ',') + walletText(i);
    parts.push(w);
    size += w.length;
    if (size >= 65_536) {
      yield Buffer.from(parts.join(''), 'latin1');
      parts = [];
      size = 0;
    }
  }
  parts.push(']');
  yield Buffer.from(parts.join(''), 'latin1');
}

/** Wall time, plus CPU time (user + system) of this process: on a shared machine the CPU figure is the stable one. */
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let lastCpuMs = 0;
function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const c0 = cpuMs();
  const r = fn();
  lastCpuMs = cpuMs() - c0;
  return [r, performance.now() - t0];
}

// ---- 1. Full list: streamed scanner vs JSON.parse of the whole document -------------------------
// Generating the 272 MiB document costs time too: measured alone and subtracted from both figures.
const [, genMs] = time(() => {
  let n = 0;
  for (const c of documentChunks()) n += c.length;
  return n;
});
const genCpuMs = lastCpuMs;
console.log(`(generating the document alone: ${(genMs / 1000).toFixed(2)} s — subtracted below)`);
gc();
const rssBefore = maxRss();
let bytes = 0;
const [streamed, streamMs] = time(() => {
  let n = 0;
  let sum = 0n;
  const s = new WalletListScanner((w) => {
    n++;
    sum += w.balance;
  });
  for (const c of documentChunks()) {
    bytes += c.length;
    s.push(c);
  }
  s.end();
  return { n, sum };
});
const streamPeak = maxRss();
const streamCpuMs = lastCpuMs - genCpuMs;
console.log(`full list, streamed (WalletListScanner over 64 KiB chunks): ${streamed.n.toLocaleString()} wallets, ${mib(bytes)} of JSON parsed and checked in ${((streamMs - genMs) / 1000).toFixed(2)} s = ${Math.round(streamed.n / ((streamMs - genMs) / 1000)).toLocaleString()} wallets/s wall, ${Math.round(streamed.n / (streamCpuMs / 1000)).toLocaleString()} wallets per CPU-second; peak RSS ${mib(streamPeak)} (${mib(rssBefore)} before)`);

// The same parse keeping every balance, as the full snapshot's updates (what a complete Snapshot carries).
gc();
const [kept, keptMs] = time(() => {
  const out: Wallet[] = [];
  const s = new WalletListScanner((w) => {
    if (w.balance > 0n) out.push(w);
  });
  for (const c of documentChunks()) s.push(c);
  s.end();
  return out.length;
});
const keptPeak = maxRss();
console.log(`full list, streamed and kept as ${kept.toLocaleString()} updates: ${((keptMs - genMs) / 1000).toFixed(2)} s; peak RSS ${mib(keptPeak)}`);

// Paged over loopback HTTP, as from a node: /wallet_list/{root}[/{cursor}], 2,500 per page.
{
  const server = createServer((req, res) => {
    const m = /^\/wallet_list\/R(?:\/(\d+))?$/.exec(req.url ?? '');
    const start = m?.[1] === undefined ? 0 : Number(m[1]);
    const end = Math.min(start + PAGE, WALLETS);
    const items: string[] = [];
    for (let i = start; i < end; i++) items.push(walletText(i));
    res.writeHead(200, { 'content-type': 'application/json' });
    // The cursor here is the next index (the node uses the next address; the client treats it as opaque).
    res.end(`{${end < WALLETS ? `"next_cursor":"${end}",` : ''}"wallets":[${items.join(',')}]}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const http = new ArweaveHttp({ urls: [`http://127.0.0.1:${(server.address() as AddressInfo).port}`], timeoutMs: 30_000, attemptsMax: 1, backoffMsBase: 1, backoffMsMax: 1, fetch });
  let n = 0;
  const t0 = performance.now();
  await readWalletListPages(http, 'R', () => n++);
  const ms = performance.now() - t0;
  console.log(`full list, paged over loopback HTTP (${Math.ceil(WALLETS / PAGE)} pages of ${PAGE}, server generating pages in the same process): ${n.toLocaleString()} wallets in ${(ms / 1000).toFixed(2)} s = ${Math.round(n / (ms / 1000)).toLocaleString()} wallets/s`);
  server.closeAllConnections();
  server.close();
}

// Naive baseline: read the whole document into one string and JSON.parse it.
gc();
const [naive, naiveMs] = time(() => {
  const text = Buffer.concat([...documentChunks()]).toString('latin1');
  const list = JSON.parse(text) as { address: string; balance: string }[];
  let sum = 0n;
  for (const w of list) sum += BigInt(w.balance);
  return { n: list.length, sum };
});
const naivePeak = maxRss();
const naiveCpuMs = lastCpuMs - genCpuMs;
if (naive.sum !== streamed.sum || naive.n !== streamed.n) throw new Error('baseline disagrees with the scanner');
console.log(
  `baseline, whole document + JSON.parse (no address checks): ${((naiveMs - genMs) / 1000).toFixed(2)} s = ${Math.round(naive.n / ((naiveMs - genMs) / 1000)).toLocaleString()} wallets/s wall, ${Math.round(naive.n / (naiveCpuMs / 1000)).toLocaleString()} per CPU-second; peak RSS ${mib(naivePeak)}` +
    ` → streamed/naive CPU ${(naiveCpuMs / streamCpuMs).toFixed(2)}×, peak memory ${mib(streamPeak)} vs ${mib(naivePeak)}`,
);

// ---- 2. Incremental snapshot per block of 1,000 transfers (real-node wire format, loopback) -----
{
  const HOLDERS = 10_000;
  const owners = Array.from({ length: HOLDERS }, newOwner);
  const genesis: Record<string, bigint> = {};
  for (const o of owners) genesis[addressOf(o)] = 10n ** 12n;
  const node = new ModelNode(genesis);
  const url = await node.start();
  const source = createArweaveSource({ urls: [url], confirmations: 0, concurrency: 16 });
  let snap = await source.snapshot(null);
  const perBlock: number[] = [];
  let reads = 0;
  let requests = 0;
  for (let b = 0; b < 3; b++) {
    const txs = Array.from({ length: 1000 }, (_, i) => ({ owner: owners[(b * 1000 + i * 7) % HOLDERS]!, target: addressOf(owners[(b * 1000 + i * 13 + 1) % HOLDERS]!), quantity: 1_000n + BigInt(i), reward: 10n }));
    node.mine(txs);
    const r0 = node.requests.length;
    const t0 = performance.now();
    snap = await source.snapshot(snap.cursor);
    perBlock.push(performance.now() - t0);
    requests = node.requests.length - r0;
    reads = snap.updates.length;
  }
  perBlock.sort((x, y) => x - y);
  const median = perBlock[1]!;
  // Naive baseline: read every holder's balance at the pin (what a snapshot costs without the walk).
  const http = new ArweaveHttp({ urls: [url], timeoutMs: 30_000, attemptsMax: 1, backoffMsBase: 1, backoffMsMax: 1, fetch });
  const root = node.chain.at(-1)!.wallet_list;
  const all = [...node.balances(node.tip.height).keys()];
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < all.length) await http.getText(`wallet_list/${root}/${all[next++]!}/balance`);
    }),
  );
  const naiveBlockMs = performance.now() - t0;
  console.log(
    `incremental snapshot, 1 block of 1,000 transfers among ${HOLDERS.toLocaleString()} holders (block + 1,000 tx GETs + ${reads.toLocaleString()} balance GETs at the pinned wallet tree, 16 in flight, loopback): median of 3 = ${median.toFixed(0)} ms, ${requests.toLocaleString()} HTTP requests` +
      ` | baseline, re-read all ${all.length.toLocaleString()} balances: ${naiveBlockMs.toFixed(0)} ms, ${all.length.toLocaleString()} requests → ${(naiveBlockMs / median).toFixed(1)}× (the baseline grows with holders; the walk only with the block's txs)`,
  );
  await node.stop();
}
