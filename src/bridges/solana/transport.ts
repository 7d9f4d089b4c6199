import { EngineError } from '../../errors.ts';
import { redactUrl } from '../../redact-url.ts';
import { retry } from '../../retry.ts';

/**
 * The HTTP layer under web3.js's `Connection` (its `fetch` option): bounded retries with
 * exponential backoff and failover across RPC URLs. Every request the source makes is a read,
 * so any of them may be retried or re-sent to another node without effect.
 *
 * Each round tries every URL in turn; between rounds the transport waits retry()'s backoff
 * (src/retry.ts: backoffMsBase doubling up to backoffMsMax). At most attemptsMax rounds, then the
 * request fails with SOURCE_UNAVAILABLE naming each URL's last error (redactUrl's form).
 *
 * Retried: network errors, timeouts (timeoutMs per attempt), HTTP 408/429/5xx, and JSON-RPC
 * errors that mean "this node cannot answer yet" (-32004 block not available, -32005 node
 * unhealthy/behind, -32014 block status not available, -32016 min context slot not reached).
 * Any other JSON-RPC error is a real answer and is returned to the caller as-is.
 * Credentials in a URL (https://user:pw@host) are sent as a Basic Authorization header, never
 * echoed in errors.
 */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  readonly urls: readonly string[];
  /** Performs one HTTP request; global fetch by default. */
  readonly fetch?: FetchLike;
  /** Rounds over the URLs, the first included; default 3. */
  readonly attemptsMax?: number;
  readonly timeoutMs?: number;
  /** Defaults 250 ms and 5 s. */
  readonly backoffMsBase?: number;
  readonly backoffMsMax?: number;
  /** Aborts waits and requests (the tick's snapshot was cancelled). */
  readonly signal?: AbortSignal;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const RETRYABLE_RPC_CODES: ReadonlySet<number> = new Set([-32004, -32005, -32014, -32016]);
const ATTEMPTS_MAX = 11;

/** Every URL failed one round (why is in the round's failures). */
class RoundFailed extends Error {}


interface Endpoint {
  readonly raw: string;
  /** The URL without user:password (fetch refuses credentials in URLs). */
  readonly target: string;
  /** "Basic …" from the URL's user:password, or null. */
  readonly authorization: string | null;
}

function endpoint(raw: string): Endpoint {
  const u = new URL(raw);
  const authorization = u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : null;
  u.username = '';
  u.password = '';
  return { raw, target: u.toString(), authorization };
}

/** An error's message with every form of the endpoint's URL replaced by its redacted form. */
function scrub(message: string, e: Endpoint): string {
  const safe = redactUrl(e.raw);
  return message.split(e.raw).join(safe).split(e.target).join(safe);
}

/** The JSON-RPC error code of a single or batch response that says "ask another node", or null. */
function retryableRpcCode(body: unknown): number | null {
  const items = Array.isArray(body) ? body : [body];
  for (const item of items) {
    const code = (item as { error?: { code?: unknown } } | null)?.error?.code;
    if (typeof code === 'number' && RETRYABLE_RPC_CODES.has(code)) return code;
  }
  return null;
}

export function createFailoverFetch(options: TransportOptions): FetchLike {
  const { urls } = options;
  if (urls.length === 0) throw new EngineError('INVALID_CONFIG', 'solana rpcUrls: empty; expected at least one RPC URL');
  for (const url of urls) {
    if (!/^https?:\/\//.test(url)) throw new EngineError('INVALID_CONFIG', `solana rpcUrls: ${JSON.stringify(redactUrl(url))} is not an http(s) URL`);
  }
  const attemptsMax = options.attemptsMax ?? 3;
  if (!Number.isInteger(attemptsMax) || attemptsMax < 1 || attemptsMax > ATTEMPTS_MAX) {
    throw new EngineError('INVALID_CONFIG', `solana attemptsMax: ${attemptsMax}; expected an integer 1..${ATTEMPTS_MAX}`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy = { attemptsMax, backoffMsBase: options.backoffMsBase ?? 250, backoffMsMax: options.backoffMsMax ?? 5_000 };
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));

  const endpoints = urls.map(endpoint);

  return async (_input, init) => {
    const failures = new Map<string, string>();
    const round = async (): Promise<Response> => {
      for (const e of endpoints) {
        const url = e.raw;
        options.signal?.throwIfAborted();
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
        const headers = new Headers(init?.headers);
        if (e.authorization !== null) headers.set('authorization', e.authorization);
        try {
          const res = await doFetch(e.target, { ...init, headers, signal });
          if (res.status === 408 || res.status === 429 || res.status >= 500) {
            failures.set(url, `HTTP ${res.status}`);
            await res.body?.cancel();
            continue;
          }
          if (!res.ok) return res; // 4xx other than 408/429: a real answer; web3.js reports it
          const text = await res.text();
          const code = retryableRpcCode(JSON.parse(text));
          if (code !== null) {
            failures.set(url, `JSON-RPC error ${code}`);
            continue;
          }
          return new Response(text, { status: res.status, headers: res.headers });
        } catch (error) {
          if (options.signal?.aborted) throw options.signal.reason;
          const why = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
          failures.set(url, timeout.aborted ? `timeout after ${timeoutMs} ms` : scrub(why, e));
        }
      }
      throw new RoundFailed();
    };
    try {
      return await retry(round, { ...policy, signal: options.signal, retryable: (error) => error instanceof RoundFailed, ...(options.sleep && { sleep: options.sleep }) });
    } catch (error) {
      if (!(error instanceof RoundFailed)) throw error;
      const summary = [...failures].map(([url, why]) => `${redactUrl(url)}: ${why}`).join('; ');
      throw new EngineError('SOURCE_UNAVAILABLE', `solana rpc: no answer after ${attemptsMax} rounds over ${urls.length} URL(s) (${summary})`, {
        details: { urls: urls.map(redactUrl), rounds: attemptsMax },
      });
    }
  };
}
