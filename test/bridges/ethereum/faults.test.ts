import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { createServer } from 'node:net';
import type { EngineError } from '../../../src/errors.ts';
import type { Snapshot } from '../../../src/bridges/types.ts';
import { createEthereumSource } from '../../../src/bridges/ethereum/source.ts';
import type { EthereumSourceOptions } from '../../../src/bridges/ethereum/source.ts';
import { startLocalEthereum } from '../../../devnet/ethereum/local.ts';
import type { LocalEthereum } from '../../../devnet/ethereum/local.ts';
import { startFaultProxy } from './fault-proxy.ts';
import type { FaultProxy } from './fault-proxy.ts';

const E18 = 10n ** 18n;
const AR = 'Q9b1H4lqd0-n5MG2nR8g2m6P0e3vXk1bI7Cq6fQ5J8Y';
let eth: LocalEthereum;
let proxy: FaultProxy;
let restore: () => Promise<void>;

beforeAll(async () => {
  eth = await startLocalEthereum();
  await eth.rebase({ aprBps: 310, timeElapsedSec: 86_400 });
});
afterAll(async () => eth?.stop());
beforeEach(async () => {
  restore = await eth.checkpoint();
});
afterEach(async () => {
  await proxy?.close();
  await restore();
});

const options = (rpcUrls: string[], o: Partial<EthereumSourceOptions> = {}): EthereumSourceOptions => ({
  rpcUrls,
  chainId: eth.chainId,
  preBridge: eth.preBridge,
  stETH: eth.stETH,
  chainlinkEthUsd: eth.aggregator,
  attemptsMax: 4,
  timeoutMs: 1_000,
  backoffMsBase: 2,
  chunkBlocks: 4,
  batchSize: 3,
  ...o,
});

/** What the service does: a failed snapshot is retried on the next run, from the same cursor. */
async function untilItSucceeds(take: () => Promise<Snapshot>, runsMax: number): Promise<{ snap: Snapshot; failedRuns: number }> {
  let failedRuns = 0;
  for (let run = 0; run < runsMax; run++) {
    try {
      return { snap: await take(), failedRuns };
    } catch (e) {
      expect(['SOURCE_UNAVAILABLE']).toContain((e as EngineError).code);
      failedRuns++;
    }
  }
  throw new Error(`no snapshot in ${runsMax} runs`);
}

describe('ethereum source behind a faulty RPC (loopback proxy)', () => {
  it('converges to the same snapshots as a clean connection while a third of requests fail (drops, stalls, 429/503, corrupt answers)', async () => {
    proxy = await startFaultProxy(eth.rpcUrl, { seed: 42, rate: 0.33, stallMs: 1_500 });
    const faulty = createEthereumSource(options([proxy.url]));
    const clean = createEthereumSource(options([eth.rpcUrl]));
    let [cf, cc]: [string | null, string | null] = [null, null];
    let failedRuns = 0;
    for (let tick = 0; tick < 5; tick++) {
      for (let i = 0; i < 3; i++) await eth.stake(eth.accounts[1 + ((tick * 3 + i) % 7)]!, BigInt(tick + i + 1) * E18, i === 0 ? AR : null);
      if (tick === 2) await eth.withdraw(eth.accounts[1]!, E18, null);
      const r = await untilItSucceeds(() => faulty.snapshot(cf), 10);
      failedRuns += r.failedRuns;
      const ref = await clean.snapshot(cc);
      expect(r.snap).toEqual(ref);
      [cf, cc] = [r.snap.cursor, ref.cursor];
    }
    const injected = Object.values(proxy.injected).reduce((s, n) => s + n, 0);
    expect(injected).toBeGreaterThan(10);
    expect(Object.entries(proxy.injected).filter(([, n]) => n > 0).length).toBeGreaterThanOrEqual(6); // most kinds of fault were seen
    expect(faulty.stats.retries).toBeGreaterThan(0);
    console.log(`faults injected ${JSON.stringify(proxy.injected)}; retries ${faulty.stats.retries}; failed runs ${failedRuns}`);
  });

  it('fails a snapshot cleanly with SOURCE_UNAVAILABLE after bounded retries, then succeeds from the same cursor once the RPC heals', async () => {
    proxy = await startFaultProxy(eth.rpcUrl, { seed: 1, rate: 0, faults: ['503'] });
    const src = createEthereumSource(options([proxy.url], { attemptsMax: 3 }));
    await eth.stake(eth.accounts[2]!, 2n * E18, AR);
    const first = await src.snapshot(null);
    const { credited } = await eth.stake(eth.accounts[3]!, 3n * E18, null);
    proxy.rate = 1;
    const before = proxy.injected['503'];
    const err = (await src.snapshot(first.cursor).catch((e: unknown) => e)) as EngineError;
    expect(err.code).toBe('SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/failed after 3 attempts: .*HTTP 503/);
    expect(proxy.injected['503'] - before).toBe(3); // exactly retries + 1 requests, then stop
    proxy.rate = 0;
    const healed = await src.snapshot(first.cursor);
    expect(healed.updates).toEqual([{ account: eth.accounts[3]!, recipient: null, weight: credited }]);
  });

  it('fails over to the next RPC URL when the first refuses connections', async () => {
    const dead = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    await eth.stake(eth.accounts[4]!, E18, AR);
    const src = createEthereumSource(options([`http://127.0.0.1:${dead}/`, eth.rpcUrl]));
    const snap = await src.snapshot(null);
    expect(snap.updates.length).toBe(1);
    expect(src.stats.retries).toBeGreaterThan(0);
  });

  it('fails loudly with SNAPSHOT_MISMATCH (never a wrong snapshot) when the RPC returns well-formed but wrong event data', async () => {
    proxy = await startFaultProxy(eth.rpcUrl, { seed: 3, rate: 0 });
    const { credited } = await eth.stake(eth.accounts[5]!, 5n * E18, AR);
    const amountWord = credited.toString(16).padStart(64, '0');
    // A provider bug or a lying node: the amount inside every UserStaked log is one wei larger.
    proxy.rewrite = (method, body) => (method === 'eth_getLogs' ? body.replaceAll(amountWord, (credited + 1n).toString(16).padStart(64, '0')) : body);
    const err = (await createEthereumSource(options([proxy.url])).snapshot(null).catch((e: unknown) => e)) as EngineError;
    expect(err.code).toBe('SNAPSHOT_MISMATCH');
    expect(err.message).toContain(`is ${credited} wei`);
  });

  it('re-pins and redoes the snapshot when the pinned block is reorganised away while it is being read', async () => {
    proxy = await startFaultProxy(eth.rpcUrl, { seed: 4, rate: 0 });
    const fork = await eth.checkpoint();
    await eth.stake(eth.accounts[6]!, 6n * E18, AR); // on the branch that will disappear
    let forked = false;
    let credited = 0n;
    proxy.beforeForward = async (methods) => {
      if (forked || !methods.includes('eth_getLogs')) return;
      forked = true;
      await fork(); // the reorg: a different branch replaces the pinned block and those below it
      credited = (await eth.stake(eth.accounts[7]!, 7n * E18, null)).credited;
      await eth.mine(3);
    };
    const src = createEthereumSource(options([proxy.url], { chunkBlocks: 1_000 }));
    const snap = await src.snapshot(null);
    expect(forked).toBe(true);
    expect(snap.updates).toEqual([{ account: eth.accounts[7]!, recipient: null, weight: credited }]);
    const canonical = (await eth.send('eth_getBlockByNumber', [`0x${BigInt(snap.pin.height).toString(16)}`, false])) as { hash: string };
    expect(snap.pin.hash).toBe(canonical.hash);
  });

  it('halves its eth_getLogs range when the node refuses a range as too large, and still indexes everything', async () => {
    proxy = await startFaultProxy(eth.rpcUrl, { seed: 5, rate: 0 });
    for (let i = 0; i < 4; i++) await eth.stake(eth.accounts[1 + i]!, BigInt(i + 1) * E18, AR);
    let refused = 0;
    // Like a hosted provider's cap: at most 8 blocks per eth_getLogs (error -32005).
    proxy.intercept = (calls) => {
      const c = calls[0]!;
      if (c.method !== 'eth_getLogs') return null;
      const { fromBlock, toBlock } = c.params[0] as { fromBlock: string; toBlock: string };
      if (Number(toBlock) - Number(fromBlock) + 1 <= 8) return null;
      refused++;
      return JSON.stringify(calls.map((x) => ({ jsonrpc: '2.0', id: x.id, error: { code: -32005, message: 'query exceeds max block range 8' } })));
    };
    const capped = await createEthereumSource(options([proxy.url], { chunkBlocks: 100 })).snapshot(null);
    const clean = await createEthereumSource(options([eth.rpcUrl], { chunkBlocks: 100 })).snapshot(null);
    expect(refused).toBeGreaterThan(0);
    expect(capped).toEqual(clean);
    expect(capped.updates.length).toBe(4);
  });
});
