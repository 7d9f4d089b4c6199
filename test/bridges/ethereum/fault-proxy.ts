import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { mulberry32 } from '../../../src/prng.ts';

/**
 * A loopback HTTP proxy in front of a JSON-RPC node that misbehaves on purpose, like a flaky
 * provider: it drops connections, stalls past the client's timeout, answers 429/503, and corrupts
 * answers (truncated JSON, an HTML page, a non-hex result, wrong ids). Seeded, so a run repeats.
 */
export type Fault = 'drop' | 'stall' | '429' | '503' | 'truncate' | 'html' | 'badhex' | 'wrongid';
export const ALL_FAULTS: readonly Fault[] = ['drop', 'stall', '429', '503', 'truncate', 'html', 'badhex', 'wrongid'];

export interface FaultProxy {
  readonly url: string;
  /** Probability in [0, 1] that a request gets a fault. */
  rate: number;
  faults: readonly Fault[];
  /** Rewrites a forwarded answer's text (a valid-looking but wrong value); null = pass through. */
  rewrite: ((method: string, body: string) => string) | null;
  /** Answers a request itself (the JSON text to send back) instead of forwarding it; null = forward. */
  intercept: ((calls: { id: unknown; method: string; params: unknown[] }[]) => string | null) | null;
  /** Runs before a request is forwarded (e.g. to reorganise the chain mid-snapshot). */
  beforeForward: ((methods: string[]) => Promise<void>) | null;
  readonly injected: Record<Fault, number>;
  forwarded: number;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, opts: { seed: number; rate: number; faults?: readonly Fault[]; stallMs?: number }): Promise<FaultProxy> {
  const rand = mulberry32(opts.seed);
  const stallMs = opts.stallMs ?? 1_000;
  const timers = new Set<NodeJS.Timeout>();
  const proxy: FaultProxy = {
    url: '',
    rate: opts.rate,
    faults: opts.faults ?? ALL_FAULTS,
    rewrite: null,
    intercept: null,
    beforeForward: null,
    injected: Object.fromEntries(ALL_FAULTS.map((f) => [f, 0])) as Record<Fault, number>,
    forwarded: 0,
    close: async () => {},
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const parsed = JSON.parse(body) as { id: unknown; method: string; params: unknown[] } | { id: unknown; method: string; params: unknown[] }[];
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    const methods = calls.map((c) => c.method);
    const own = proxy.intercept?.(calls) ?? null;
    if (own !== null) return void res.writeHead(200, { 'content-type': 'application/json' }).end(own);
    const fault = rand() < proxy.rate ? proxy.faults[Math.floor(rand() * proxy.faults.length)]! : null;
    if (fault !== null) proxy.injected[fault]++;
    if (fault === 'drop') return void req.socket.destroy();
    if (fault === '429' || fault === '503') return void res.writeHead(Number(fault), { 'content-type': 'text/plain' }).end('try later');
    if (fault === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
    if (fault === 'stall') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, stallMs);
        timers.add(t);
      });
      if (res.destroyed) return;
    }
    if (proxy.beforeForward) await proxy.beforeForward(methods);
    proxy.forwarded++;
    const upstream = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    let text = await upstream.text();
    if (proxy.rewrite) text = proxy.rewrite(methods[0]!, text);
    if (fault === 'truncate') text = text.slice(0, Math.floor(text.length / 2));
    if (fault === 'badhex') text = text.replace(/"result":"0x/, '"result":"0xzz');
    if (fault === 'wrongid') text = text.replace(/"id":(\d+)/g, (_m, id: string) => `"id":${Number(id) + 1_000_000}`);
    if (!res.destroyed) res.writeHead(upstream.status, { 'content-type': 'application/json' }).end(text);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy did not bind');
  Object.assign(proxy, {
    url: `http://127.0.0.1:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return proxy;
}
