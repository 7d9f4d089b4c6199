import { EngineError } from '../../errors.ts';
import { redactUrl, redactUrls } from '../../redact-url.ts';
import { retry, retryPolicyProblem, type RetryPolicy } from '../../retry.ts';

/**
 * HTTP access to one or more Arweave nodes/gateways: a timeout per request, failover across URLs,
 * bounded retries with exponential backoff on transient faults (network error, timeout, 429, 5xx),
 * and a clean SOURCE_UNAVAILABLE when every URL failed every round. Every call the source makes
 * is a read (GET, or a GraphQL query by POST), so retrying a call that may have reached the node
 * is always safe.
 */
export interface HttpOptions extends RetryPolicy {
  /** Node or gateway base URLs (e.g. "http://127.0.0.1:1984"), tried in order on failure. */
  readonly urls: readonly string[];
  /** Per request, headers to end of body. */
  readonly timeoutMs: number;
  // attemptsMax counts rounds over all URLs (a request is tried attemptsMax × urls.length times at
  // most); the wait before a round is retry()'s backoff, or the node's Retry-After if larger (still capped).
  readonly fetch: typeof fetch;
}

/** Every URL failed one round with a transient fault. */
class RoundFailed extends Error {
  readonly waitMs: number;
  constructor(message: string, waitMs: number) {
    super(message);
    this.waitMs = waitMs;
  }
}

export interface RequestInit2 {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly signal?: AbortSignal;
}

/** A fault worth trying on the next URL / round (as opposed to an answer retrying cannot change). */
class TransientFault extends Error {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs = 0) {
    super(message);
    this.name = 'TransientFault';
    this.retryAfterMs = retryAfterMs;
  }
}


function retryAfterMs(res: Response): number {
  const h = res.headers.get('retry-after');
  if (h === null) return 0;
  const seconds = Number(h);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 0;
}

/** An error text with every URL in it reduced to scheme and host (fetch quotes the whole URL). */
const scrub = (e: unknown): string => redactUrls(e instanceof Error ? e.message : String(e));

/** fetch refuses credentials in a URL: they travel as a Basic Authorization header instead. */
function splitCredentials(url: string): { base: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { base: url, headers: {} };
  const token = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  return { base: u.toString(), headers: { authorization: `Basic ${token}` } };
}

export class ArweaveHttp {
  readonly #opts: HttpOptions;

  constructor(opts: HttpOptions) {
    if (opts.urls.length === 0) throw new EngineError('INVALID_CONFIG', 'arweave.urls: empty; expected at least one node or gateway URL');
    for (const [i, url] of opts.urls.entries()) {
      let ok = false;
      try {
        ok = ['http:', 'https:'].includes(new URL(url).protocol);
      } catch {
        ok = false;
      }
      if (!ok) throw new EngineError('INVALID_CONFIG', `arweave.urls[${i}]: ${redactUrl(url)} is not an http(s) URL`);
    }
    const problem = retryPolicyProblem(opts, 21);
    if (problem !== null) throw new EngineError('INVALID_CONFIG', `arweave: ${problem}`);
    if (!Number.isInteger(opts.timeoutMs) || opts.timeoutMs <= 0) {
      throw new EngineError('INVALID_CONFIG', `arweave.timeoutMs: ${opts.timeoutMs}; expected a positive integer`);
    }
    this.#opts = opts;
  }

  get urls(): readonly string[] {
    return this.#opts.urls;
  }

  /**
   * Runs `consume` on the first 2xx answer for `path`, failing over and retrying as described above.
   * `consume` runs inside the timeout, so a body that stalls mid-stream is a transient fault too.
   * An EngineError thrown by `consume` (a malformed answer) is final: it is not retried.
   * Returns null when every URL answered 404 or 202 (an answer, not a fault).
   */
  async request<T>(path: string, consume: (res: Response) => Promise<T>, init: RequestInit2 = {}): Promise<T | null> {
    const { urls } = this.#opts;
    const faults: string[] = [];
    const round = async (): Promise<T | null> => {
      let notFound = 0;
      let waitMs = 0;
      for (const url of urls) {
        try {
          return await this.#once(url, path, consume, init);
        } catch (e) {
          if (e instanceof NotFound) {
            notFound++;
            continue;
          }
          if (e instanceof TransientFault) {
            faults.push(`${redactUrl(url)}: ${e.message}`);
            waitMs = Math.max(waitMs, e.retryAfterMs);
            continue;
          }
          throw e;
        }
      }
      if (notFound === urls.length) return null;
      throw new RoundFailed(faults.at(-1) ?? 'n/a', waitMs);
    };
    try {
      return await retry(round, { ...this.#opts, signal: init.signal, retryable: (e) => e instanceof RoundFailed, waitMsOf: (e) => (e as RoundFailed).waitMs });
    } catch (e) {
      if (!(e instanceof RoundFailed)) throw e;
      throw new EngineError('SOURCE_UNAVAILABLE', `arweave: ${init.method ?? 'GET'} ${path} failed on every URL after ${this.#opts.attemptsMax} round(s); last: ${e.message}`, {
        details: { path, faults: faults.slice(-2 * urls.length) },
      });
    }
  }

  async #once<T>(url: string, path: string, consume: (res: Response) => Promise<T>, init: RequestInit2): Promise<T> {
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    let res: Response;
    try {
      const { base, headers } = splitCredentials(url);
      res = await this.#opts.fetch(new URL(path, base.endsWith('/') ? base : `${base}/`), {
        method: init.method ?? 'GET',
        headers: { ...headers, ...init.headers },
        body: init.body,
        signal,
      });
    } catch (e) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw new TransientFault(timeout.aborted ? `timed out after ${this.#opts.timeoutMs} ms` : `network error: ${scrub(e)}`);
    }
    // 404, and 202 "Pending" (a tx still in the mempool): this node has no confirmed value for the path.
    if (res.status === 404 || res.status === 202) {
      await res.body?.cancel();
      throw new NotFound(path);
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel();
      throw new TransientFault(`HTTP ${res.status}`, retryAfterMs(res));
    }
    if (res.status < 200 || res.status >= 300) {
      // 400 "Request type not found" (an older node), 421 "endpoint disabled": perhaps another URL serves it.
      await res.body?.cancel();
      throw new TransientFault(`HTTP ${res.status}`);
    }
    try {
      return await consume(res);
    } catch (e) {
      if (e instanceof EngineError) throw e;
      if (init.signal?.aborted) throw init.signal.reason;
      throw new TransientFault(timeout.aborted ? `timed out reading the body after ${this.#opts.timeoutMs} ms` : `body: ${scrub(e)}`);
    }
  }

  async getText(path: string, signal?: AbortSignal): Promise<string | null> {
    return this.request(path, (res) => res.text(), { signal });
  }

  async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    return this.request(path, (res) => readJson(res, path), { signal });
  }

  async postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    return this.request(path, (res) => readJson(res, path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
  }
}

/** This node has no confirmed value for the path: the next URL may. */
class NotFound extends Error {
  constructor(path: string) {
    super(`${path}: not found`);
    this.name = 'NotFound';
  }
}

async function readJson(res: Response, path: string): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EngineError('MALFORMED_RESPONSE', `arweave: GET ${path} answered non-JSON ${JSON.stringify(text.slice(0, 80))}; expected a JSON document`);
  }
}
