import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineError } from '../../../src/errors.ts';
import { ArweaveHttp } from '../../../src/bridges/arweave/http.ts';
import { readSeedFile } from '../../../src/bridges/arweave/seed.ts';
import type { Wallet } from '../../../src/bridges/arweave/wallet-list.ts';
import { WalletListScanner, readWalletListDocument, readWalletListPages } from '../../../src/bridges/arweave/wallet-list.ts';
import { engineErrorOf } from '../../support/errors.ts';

/** Deterministic addresses: base64url(SHA-256("w" + i)), 43 chars, 32 bytes. */
const addr = (i: number): string => createHash('sha256').update(`w${i}`).digest('base64url');
const walletJson = (i: number): { address: string; balance: string; last_tx: string } => ({ address: addr(i), balance: String(BigInt(i) * 1_000_000_007n), last_tx: i % 2 ? addr(i + 1) : '' });

function scan(chunks: Uint8Array[]): { wallets: Wallet[]; next: string | null } {
  const wallets: Wallet[] = [];
  const s = new WalletListScanner((w) => wallets.push(w));
  for (const c of chunks) s.push(c);
  return { wallets, next: s.end() };
}

const split = (bytes: Buffer, cuts: number[]): Uint8Array[] => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  return out;
};

const failure = engineErrorOf;

describe('WalletListScanner (the Arweave node wallet-list wire format, streamed)', () => {
  it('parses a /wallet_list/{root} page {"next_cursor", "wallets": [{address, balance, last_tx}]} into winston bigints and the cursor', () => {
    const page = { next_cursor: addr(99), wallets: [walletJson(1), walletJson(2), walletJson(3)] };
    const { wallets, next } = scan([Buffer.from(JSON.stringify(page))]);
    expect(next).toBe(addr(99));
    // balance of wallet i = i · 1,000,000,007 winston
    expect(wallets).toEqual([1, 2, 3].map((i) => ({ address: addr(i), balance: BigInt(i) * 1_000_000_007n })));
  });

  it('the last page has no next_cursor; the whole-list document is a bare array of the same objects', () => {
    expect(scan([Buffer.from(JSON.stringify({ wallets: [walletJson(5)] }))]).next).toBeNull();
    const doc = scan([Buffer.from(JSON.stringify([walletJson(5), walletJson(6)], null, 2))]);
    expect(doc.next).toBeNull();
    expect(doc.wallets.map((w) => w.address)).toEqual([addr(5), addr(6)]);
  });

  it('gives the same wallets and cursor however the byte stream is cut into chunks (property, including cuts inside strings and escapes)', () => {
    // Extra keys with braces, brackets, quotes and backslashes inside strings must not confuse the scanner.
    const tricky = { ...walletJson(7), note: 'a } ] [ { \\" \\\\ "' };
    const body = Buffer.from(JSON.stringify({ next_cursor: addr(8), wallets: [walletJson(1), tricky, walletJson(9), walletJson(10)] }));
    const expected = scan([body]);
    expect(expected.wallets.length).toBe(4);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(scan(split(body, cuts))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects a malformed address, a non-canonical balance, a truncated body and stray envelope content with MALFORMED_RESPONSE', () => {
    const bad = (w: unknown): EngineError => failure(() => scan([Buffer.from(JSON.stringify({ wallets: [walletJson(1), w] }))]));
    expect(bad({ address: 'x'.repeat(43), balance: '1' }).message).toMatch(/wallet list entry #1\.address is "x{43}"; expected a 43-character base64url address/);
    expect(bad({ address: addr(2).slice(0, 42), balance: '1' }).code).toBe('MALFORMED_RESPONSE');
    expect(bad({ address: addr(2), balance: '1e12' }).message).toMatch(/entry #1\.balance .* is "1e12"; expected a winston amount/);
    expect(bad({ address: addr(2), balance: '-5' }).code).toBe('MALFORMED_RESPONSE');
    expect(bad({ address: addr(2), balance: 12 }).message).toMatch(/is 12; expected a winston amount as a decimal string/); // the node sends strings only
    const body = Buffer.from(JSON.stringify({ wallets: [walletJson(1), walletJson(2)] }));
    expect(failure(() => scan([body.subarray(0, body.length - 3)])).message).toMatch(/ends inside a JSON value/);
    expect(failure(() => scan([Buffer.from('{"wallets": [], "extra": 1}')])).message).toMatch(/unexpected keys \["extra"\]/);
    expect(failure(() => scan([Buffer.from('{"wallets": [1, 2]}')])).code).toBe('MALFORMED_RESPONSE');
    expect(failure(() => scan([Buffer.from('<html>')])).message).toMatch(/starts with "<"/);
  });
});

describe('wallet-list pagination against a loopback server serving the node /wallet_list/{root}/{cursor} JSON format', () => {
  const N = 6_001; // 2,500 per page (the node's WALLET_LIST_CHUNK_SIZE) → pages of 2,500, 2,500, 1,001
  const root = 'R'.repeat(64);
  let server: Server;
  let http: ArweaveHttp;
  const seen: { path: string; contentType: string | undefined }[] = [];
  let dropNextPage = false;

  beforeAll(async () => {
    const all = Array.from({ length: N }, (_, i) => walletJson(i + 1));
    server = createServer((req, res) => {
      const path = req.url ?? '';
      seen.push({ path, contentType: req.headers['content-type'] });
      const m = /^\/wallet_list\/([A-Za-z0-9_-]+)(?:\/([A-Za-z0-9_-]+))?$/.exec(path);
      if (m && m[1] === root) {
        const start = m[2] === undefined ? 0 : all.findIndex((w) => w.address === m[2]);
        const page = all.slice(start, start + 2500);
        const next = all[start + 2500]?.address;
        const body = Buffer.from(JSON.stringify(next === undefined ? { wallets: page } : { next_cursor: next, wallets: page }));
        res.writeHead(200, { 'content-type': 'application/json' });
        if (dropNextPage && start > 0) {
          // Send half the page, then cut the connection: the page must be retried, not half-delivered.
          dropNextPage = false;
          res.write(body.subarray(0, body.length >> 1));
          setTimeout(() => res.destroy(), 10);
          return;
        }
        // Many small writes: the client sees the page in several chunks.
        for (let o = 0; o < body.length; o += 4096) res.write(body.subarray(o, o + 4096));
        return void res.end();
      }
      if (path === `/block/hash/${'H'.repeat(64)}/wallet_list`) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const doc = Buffer.from(JSON.stringify(all));
        for (let o = 0; o < doc.length; o += 1000) res.write(doc.subarray(o, o + 1000));
        return void res.end();
      }
      res.writeHead(404).end('Root hash not found.');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    http = new ArweaveHttp({ urls: [url], timeoutMs: 5_000, attemptsMax: 3, backoffMsBase: 5, backoffMsMax: 20, fetch });
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('follows next_cursor over 3 pages with Content-Type: application/json and delivers all 6,001 wallets once, in order', async () => {
    seen.length = 0;
    const got: Wallet[] = [];
    expect(await readWalletListPages(http, root, (w) => got.push(w))).toBe(true);
    expect(got.length).toBe(N);
    expect(got[0]).toEqual({ address: addr(1), balance: 1_000_000_007n });
    expect(got[N - 1]!.address).toBe(addr(N));
    expect(seen.map((s) => s.path)).toEqual([`/wallet_list/${root}`, `/wallet_list/${root}/${addr(2501)}`, `/wallet_list/${root}/${addr(5001)}`]);
    expect(seen.every((s) => s.contentType === 'application/json')).toBe(true);
  });

  it('a page cut mid-body is retried whole: no wallet is lost or delivered twice', async () => {
    dropNextPage = true;
    const got: Wallet[] = [];
    expect(await readWalletListPages(http, root, (w) => got.push(w))).toBe(true);
    expect(dropNextPage).toBe(false);
    expect(got.length).toBe(N);
    expect(new Set(got.map((w) => w.address)).size).toBe(N);
  });

  it('an unknown root is reported as absent (404), not as an empty list', async () => {
    expect(await readWalletListPages(http, 'Z'.repeat(64), () => undefined)).toBe(false);
  });

  it('streams the whole-list document /block/hash/{hash}/wallet_list (one JSON array) in 1,000-byte chunks', async () => {
    let n = 0;
    let restarts = 0;
    expect(await readWalletListDocument(http, 'H'.repeat(64), { restart: () => (restarts++, (n = 0)), add: () => n++ })).toBe(true);
    expect([n, restarts]).toEqual([N, 1]);
  });
});

describe('seed file (CSV address,winston)', () => {
  const file = (text: string): string => {
    const p = join(mkdtempSync(join(tmpdir(), 'seed-')), 'seed.csv');
    writeFileSync(p, text);
    return p;
  };

  it('reads rows with an optional header, blank lines and # comments', async () => {
    const rows = await readSeedFile(file(`address,winston\n# a comment\n${addr(1)},5\n\n${addr(2)}, 0\r\n`));
    expect(rows).toEqual([
      { address: addr(1), winston: 5n },
      { address: addr(2), winston: 0n },
    ]);
  });

  it('rejects a bad address, a bad amount, a duplicate and a missing file, naming the line', async () => {
    await expect(readSeedFile(file(`${addr(1)},5\nnot-an-address,1\n`))).rejects.toThrow(/seed .*:2 address/);
    await expect(readSeedFile(file(`${addr(1)},5.5\n`))).rejects.toThrow(/seed .*:1 winston: "5.5" is not an amount/);
    await expect(readSeedFile(file(`${addr(1)},5\n${addr(1)},6\n`))).rejects.toThrow(/:2: address .* appears twice/);
    await expect(readSeedFile('/nonexistent/seed.csv')).rejects.toThrow(/cannot be read/);
  });
});
