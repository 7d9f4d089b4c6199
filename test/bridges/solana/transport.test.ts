import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSolana, type LocalSolana } from '../../../devnet/solana/local-cluster.ts';
import { createSolanaSource } from '../../../src/bridges/solana/source.ts';
import { createFailoverFetch } from '../../../src/bridges/solana/transport.ts';

/**
 * Faults are injected by a real HTTP proxy on 127.0.0.1 in front of the real local cluster: the
 * first `failures` requests get the chosen fault, the rest are forwarded untouched.
 */
type Fault = 'http503' | 'hang' | 'reset' | 'behind' | 'garbage';
interface Proxy {
  url: string;
  requests: number;
  failures: number;
  authorization: string | undefined;
  fault: Fault;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function proxy(target: string, fault: Fault, failures: number): Promise<Proxy> {
  const state = { requests: 0, failures, fault, authorization: undefined as string | undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => void answer(req, res));
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    state.requests++;
    state.authorization = req.headers.authorization;
    if (state.failures > 0) {
      state.failures--;
      if (state.fault === 'http503') return void res.writeHead(503).end('busy');
      if (state.fault === 'hang') return; // never answers: the client's timeout must fire
      if (state.fault === 'reset') return void req.socket.destroy();
      if (state.fault === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('<html>');
      const id = (JSON.parse(Buffer.concat(chunks).toString()) as { id?: unknown }).id ?? null;
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32005, message: 'Node is behind by 42 slots' } }));
    }
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(await upstream.text());
  }
  const url = await listen(server);
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A URL on which nothing listens: a server bound to an ephemeral port, then closed. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  const url = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

let c: LocalSolana;
let depositor: string;
beforeAll(async () => {
  c = await startLocalSolana();
  depositor = c.createStake({ lamports: 3_000_000_000n }).authority.publicKey.toBase58();
  c.warpToEpoch(1);
});
afterAll(async () => {
  await c.stop();
});

function source(urls: string[], sleeps: number[], extra: { attemptsMax?: number; timeoutMs?: number } = {}) {
  return createSolanaSource({
    rpcUrls: urls,
    voteAccounts: [c.bridgeVote.toBase58()],
    registry: c.registry.toBase58(),
    priceUsd: '150',
    apr: '0.07',
    attemptsMax: extra.attemptsMax ?? 3,
    timeoutMs: extra.timeoutMs,
    backoffMsBase: 100,
    backoffMsMax: 150,
    // Backoff waits are recorded instead of slept, so the test proves the schedule without timing.
    sleep: async (ms) => void sleeps.push(ms),
  });
}

describe('SOL source RPC faults', () => {
  it.each<[Fault, number]>([
    ['http503', 2],
    ['reset', 2],
    ['behind', 2],
    ['garbage', 1],
  ])('retries a single URL through %s ×%i with exponential, capped backoff and then succeeds', async (fault, failures) => {
    const p = await proxy(c.url, fault, failures);
    const sleeps: number[] = [];
    try {
      const s = await source([p.url], sleeps).snapshot(null);
      expect(s.updates.map((u) => u.account)).toEqual([depositor]);
      // Round r waits min(100 · 2^(r−1), 150) ms: 100, then 150 (capped).
      expect(sleeps).toEqual([100, 150].slice(0, failures));
    } finally {
      await p.close();
    }
  });

  it('times out a hanging node and retries', async () => {
    const p = await proxy(c.url, 'hang', 1);
    const sleeps: number[] = [];
    try {
      const s = await source([p.url], sleeps, { timeoutMs: 300 }).snapshot(null);
      expect(s.updates).toHaveLength(1);
      expect(sleeps).toEqual([100]);
    } finally {
      await p.close();
    }
  });

  it('fails over to the next URL without waiting when the first is down', async () => {
    const sleeps: number[] = [];
    const s = await source([await deadUrl(), c.url], sleeps, { attemptsMax: 1 }).snapshot(null);
    expect(s.updates).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('fails the snapshot cleanly after attemptsMax rounds over every URL, naming each URL redacted', async () => {
    const p = await proxy(c.url, 'http503', 1_000);
    const dead = await deadUrl();
    const sleeps: number[] = [];
    const withSecrets = p.url.replace('http://', 'http://user:secret@') + '/rpc?api-key=topsecret';
    try {
      const error = await source([withSecrets, dead], sleeps, { attemptsMax: 3 }).snapshot(null).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE' });
      const message = (error as Error).message;
      expect(message).toContain('no answer after 3 rounds over 2 URL(s)');
      expect(message).toContain('HTTP 503');
      expect(message).not.toMatch(/secret|topsecret|user:/);
      expect(p.requests).toBe(3); // bounded: exactly one attempt per round on this URL
      expect(p.authorization).toBe(`Basic ${Buffer.from('user:secret').toString('base64')}`); // URL credentials go in the header
      expect(sleeps).toEqual([100, 150]);
    } finally {
      await p.close();
    }
  });

  it('stops at once when the tick is cancelled', async () => {
    const p = await proxy(c.url, 'hang', 1_000);
    const controller = new AbortController();
    try {
      const pending = source([p.url], []).snapshot(null, controller.signal);
      setTimeout(() => controller.abort(new Error('tick cancelled')), 50);
      await expect(pending).rejects.toThrow('tick cancelled');
    } finally {
      await p.close();
    }
  });
});

describe('createFailoverFetch', () => {
  it('returns a non-retryable JSON-RPC error to the caller as it is', async () => {
    const fetch = createFailoverFetch({ urls: [c.url], attemptsMax: 1 });
    const res = await fetch(c.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getNothing' }) });
    expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } });
  });
});
