import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArweaveAddress } from '../../../src/address.ts';
import { EngineError } from '../../../src/errors.ts';
import { createArweaveSource } from '../../../src/bridges/arweave/source.ts';
import { blockTxsViaGraphql } from '../../../src/bridges/arweave/graphql.ts';
import { ArweaveHttp } from '../../../src/bridges/arweave/http.ts';
import { startLocalArweave } from '../../../devnet/arweave/local.ts';
import type { LocalArweave } from '../../../devnet/arweave/local.ts';
import type { Snapshot } from '../../../src/bridges/types.ts';
import { mulberry32 } from '../../../src/prng.ts';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';

/** The ledger's view of the pool, built only from snapshots (complete = false: set each update). */
function apply(model: Map<string, bigint>, snap: Snapshot): void {
  if (snap.complete) model.clear();
  for (const u of snap.updates) {
    expect(u.recipient).toBe(u.account);
    if (u.weight === 0n) model.delete(u.account);
    else model.set(u.account, u.weight);
  }
}

const errorCode = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof EngineError ? e.code : String(e);
  }
};

describe('arweave source against a real local Arweave (arlocal on 127.0.0.1)', () => {
  let local: LocalArweave;
  const wallets: { jwk: JWKInterface; address: ArweaveAddress }[] = [];
  let seedFile: string;

  beforeAll(async () => {
    local = await startLocalArweave();
    // Pre-generated 4096-bit RSA keys (fixtures/wallets.json, made with node:crypto generateKeyPair):
    // generating one takes ~5 s on a loaded 2-core machine. Everything else is real: arweave-js derives
    // the addresses, signs the transfers, and arlocal verifies and applies them.
    const jwks = JSON.parse(readFileSync(new URL('./fixtures/wallets.json', import.meta.url), 'utf8')) as JWKInterface[];
    for (const jwk of jwks.slice(0, 6)) wallets.push({ jwk, address: (await local.arweave.wallets.jwkToAddress(jwk)) as ArweaveAddress });
    // 1 AR = 10^12 winston; different amounts so a swapped address would show.
    for (const [i, w] of wallets.entries()) await local.mint(w.address, BigInt(i + 1) * 10n ** 12n);
    await local.mine();
    // A stale seed (all zero) for half the wallets plus the rest: the source must re-read every balance.
    const dir = mkdtempSync(join(tmpdir(), 'ar-seed-'));
    seedFile = join(dir, 'seed.csv');
    writeFileSync(seedFile, ['address,winston', ...wallets.map((w, i) => `${w.address},${i % 2 === 0 ? 0 : (BigInt(i + 1) * 10n ** 12n).toString()}`)].join('\n'));
  }, 60_000);

  afterAll(async () => {
    await local?.stop();
  });

  /** From scratch: every wallet's balance through arweave-js, independent of the source. */
  const scratch = async (): Promise<Map<string, bigint>> => {
    const m = new Map<string, bigint>();
    for (const w of wallets) {
      const b = BigInt(await local.arweave.wallets.getBalance(w.address));
      if (b > 0n) m.set(w.address, b);
    }
    return m;
  };

  it('incremental snapshot after each mined block of arweave-js transfers equals a from-scratch read of every balance (seed 7)', async () => {
    const source = createArweaveSource({ urls: [local.url], confirmations: 0, seedFile, attemptsMax: 2, backoffMsBase: 10 });
    const model = new Map<string, bigint>();
    let snap = await source.snapshot(null);
    expect(snap.pool).toBe('ar');
    expect(snap.complete).toBe(false);
    expect(snap.notes.join('\n')).toMatch(/bootstrap from seed .*6 addresses re-read .*3 differed/);
    apply(model, snap);
    expect(model).toEqual(await scratch());

    const random = mulberry32(7); // seeded so a failure reproduces; the seed is in the test name
    for (let block = 0; block < 4; block++) {
      const sent = new Set<string>();
      for (let t = 0; t < 3; t++) {
        const from = wallets[Math.floor(random() * wallets.length)]!;
        const to = wallets[Math.floor(random() * wallets.length)]!;
        if (from === to) continue;
        await local.transfer(from.jwk, to.address, BigInt(1 + Math.floor(random() * 1e9)));
        sent.add(from.address).add(to.address);
      }
      const height = await local.mine();
      snap = await source.snapshot(snap.cursor);
      expect(snap.pin.height).toBe(String(height));
      const block = (await (await fetch(`${local.url}/block/height/${height}`)).json()) as { indep_hash: string; timestamp: number };
      expect(snap.pin.hash).toBe(block.indep_hash);
      expect(snap.pin.timeMs).toBe(block.timestamp * 1000);
      // O(changes): only the addresses the block's txs touched are read.
      expect(new Set(snap.updates.map((u) => u.account))).toEqual(sent);
      apply(model, snap);
      expect(model).toEqual(await scratch());
    }
  });

  it('a mined block without txs gives an empty incremental snapshot pinned at that block', async () => {
    const source = createArweaveSource({ urls: [local.url], confirmations: 0, seedFile });
    const first = await source.snapshot(null);
    const height = await local.mine();
    const next = await source.snapshot(first.cursor);
    expect(next.pin.height).toBe(String(height));
    expect(next.updates).toEqual([]);
    expect(next.notes.join('\n')).toMatch(/incremental: blocks \d+\.\.\d+ \(1\), 0 txs, 0 addresses read/);
  });

  it('re-pins when the tip moves while balances are read at the tip, and the result matches the new tip', async () => {
    const source0 = createArweaveSource({ urls: [local.url], confirmations: 0, seedFile });
    const start = await source0.snapshot(null);
    const [a, b] = wallets;
    await local.transfer(a!.jwk, b!.address, 5_000n);
    await local.mine();
    let mined = false;
    // A fetch that lets the real arlocal mine one more block right after the first balance read.
    const racing: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!mined && String(input).includes('/balance')) {
        mined = true;
        await local.transfer(b!.jwk, a!.address, 7_000n);
        await local.mine();
      }
      return res;
    };
    const source = createArweaveSource({ urls: [local.url], confirmations: 0, seedFile, fetch: racing });
    const snap = await source.snapshot(start.cursor);
    expect(mined).toBe(true);
    expect(snap.notes.join('\n')).toMatch(/re-pinned: tip moved/);
    expect(snap.pin.height).toBe(String(await local.height()));
    const model = new Map<string, bigint>();
    apply(model, start);
    apply(model, snap);
    expect(model).toEqual(await scratch());
  });

  it('lists a block\'s txs through arlocal GraphQL across pages (page size 2 over 5 transfers), since arlocal block JSON loses the tx ids', async () => {
    const [a, b] = wallets;
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await local.transfer(a!.jwk, b!.address, BigInt(i)));
    const height = await local.mine();
    const block = (await (await fetch(`${local.url}/block/height/${height}`)).json()) as { indep_hash: string; txs: string[] };
    expect(block.txs).toEqual(['[object Object]']); // the arlocal 1.1.66 bug the GraphQL path works around
    const http = new ArweaveHttp({ urls: [local.url], timeoutMs: 10_000, attemptsMax: 1, backoffMsBase: 1, backoffMsMax: 1, fetch });
    const paged = await blockTxsViaGraphql(http, height, block.indep_hash, undefined, 2);
    expect(paged.map((t) => t.id).sort()).toEqual([...ids].sort());
    // quantities 1..5 winston → 15; every owner is a's address, every target b's
    expect(paged.reduce((s, t) => s + t.quantity, 0n)).toBe(15n);
    expect(new Set(paged.map((t) => `${t.owner}>${t.target}`))).toEqual(new Set([`${a!.address}>${b!.address}`]));
    expect(await blockTxsViaGraphql(http, height, block.indep_hash)).toEqual(paged);
  });

  it('fails over from a dead URL to arlocal, and fails the snapshot cleanly with SOURCE_UNAVAILABLE when every URL is dead', async () => {
    const dead = 'http://127.0.0.1:9'; // discard port: connection refused
    const ok = createArweaveSource({ urls: [dead, local.url], confirmations: 0, seedFile, attemptsMax: 1 });
    expect((await ok.snapshot(null)).updates.length).toBeGreaterThan(0);
    const none = createArweaveSource({ urls: [dead, 'http://127.0.0.1:7'], confirmations: 0, seedFile, attemptsMax: 3, backoffMsBase: 5 });
    expect(await errorCode(none.snapshot(null))).toBe('SOURCE_UNAVAILABLE');
  });

  it('refuses confirmations > 0 and a bootstrap without a seed on arlocal, which keeps no per-block wallet tree', async () => {
    const lagging = createArweaveSource({ urls: [local.url], confirmations: 1, seedFile });
    await expect(lagging.snapshot(null)).rejects.toThrow(/confirmations: 1; .*arlocal.*expected 0/);
    const noSeed = createArweaveSource({ urls: [local.url], confirmations: 0 });
    await expect(noSeed.snapshot(null)).rejects.toThrow(/set seedFile/);
  });
});
