import { EngineError } from '../../errors.ts';
import { redactUrl } from '../../redact-url.ts';
import { retry, type RetryPolicy } from '../../retry.ts';

/**
 * A small Ethereum JSON-RPC client: HTTP JSON-RPC batches over fetch (or any EIP-1193 / ethers
 * `send` provider), a timeout per request, bounded retries with exponential backoff, failover
 * across URLs, and a strict check of every answer's shape. Only reads go through it, and every
 * read is idempotent, so retrying a call that may have reached the node is always safe.
 */
export interface Eip1193Like {
  request(args: { method: string; params?: readonly unknown[] }): Promise<unknown>;
}
export interface EthersSendLike {
  send(method: string, params: unknown[]): Promise<unknown>;
}
export type ProviderLike = Eip1193Like | EthersSendLike;

export interface RpcCall {
  readonly method: string;
  readonly params: readonly unknown[];
}

export interface RpcOptions extends Omit<RetryPolicy, 'jitter'> {
  /** HTTP(S) JSON-RPC endpoints, tried in turn on failure. */
  readonly urls?: readonly string[];
  readonly provider?: ProviderLike;
  // attemptsMax: tries of one request, each on the next endpoint; the waits between them (retry()'s
  // backoff) have a ±50 % jitter so many clients do not retry in step.
  readonly timeoutMs: number;
  /** Calls per HTTP batch. */
  readonly batchSize: number;
}

/** A JSON-RPC error answered by the node (as opposed to a transport failure). */
export class RpcAnswerError extends Error {
  readonly rpcCode: number;
  constructor(rpcCode: number, message: string) {
    super(message);
    this.name = 'RpcAnswerError';
    this.rpcCode = rpcCode;
  }
}

/** Thrown by a parser when an answer has the wrong shape: the call is retried like a transport fault. */
export class MalformedAnswer extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedAnswer';
  }
}

/** Node answers that retrying cannot fix: a reverted call, bad params, unknown method. */
const FINAL_RPC_CODES = new Set([3, -32600, -32601, -32602]);
const isFinalAnswer = (e: RpcAnswerError): boolean => FINAL_RPC_CODES.has(e.rpcCode) || /revert/i.test(e.message);
/** eth_getLogs refused for its size: "query returned more than 10000 results", "block range too large", … */
const rangeRefused = (method: string, e: RpcAnswerError): boolean =>
  method === 'eth_getLogs' && (e.rpcCode === -32005 || /range|too many|more than|limit|exceed/i.test(e.message));
/** True for the error `batch`/`call` throws when the node refused an eth_getLogs range: the scanner halves its chunk. */
export const isRangeTooLarge = (e: unknown): boolean => e instanceof EngineError && e.details.rangeTooLarge === true;


export class RpcClient {
  readonly #opts: RpcOptions;
  #urlIndex = 0;
  #nextId = 1;
  /** Requests sent, answers refused and retries made: for tests and the bench. */
  readonly stats = { requests: 0, retries: 0, failures: 0 };

  constructor(opts: RpcOptions) {
    if ((opts.urls === undefined || opts.urls.length === 0) === (opts.provider === undefined)) {
      throw new EngineError('INVALID_CONFIG', 'ethereum: give either rpcUrls (at least one) or a provider, not both');
    }
    for (const url of opts.urls ?? []) {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw new EngineError('INVALID_CONFIG', `ethereum.rpcUrls: ${redactUrl(url)} is not a URL; expected http(s)://host[:port]/path`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new EngineError('INVALID_CONFIG', `ethereum.rpcUrls: ${redactUrl(url)} uses ${u.protocol}; expected http: or https:`);
      }
    }
    this.#opts = opts;
  }

  /** One call, parsed by `parse` (which throws MalformedAnswer on a bad shape). */
  async call<T>(call: RpcCall, parse: (raw: unknown) => T, signal?: AbortSignal): Promise<T> {
    const [result] = await this.batch([call], parse, signal);
    return result!;
  }

  /** Many calls, sent in batches of `batchSize`; each batch is retried as a whole. Results in call order. */
  async batch<T>(calls: readonly RpcCall[], parse: (raw: unknown, index: number) => T, signal?: AbortSignal): Promise<T[]> {
    const out: T[] = [];
    for (let start = 0; start < calls.length; start += this.#opts.batchSize) {
      const slice = calls.slice(start, start + this.#opts.batchSize);
      const parsed = await this.#withRetry(slice, signal, (raws) => raws.map((r, i) => parse(r, start + i)));
      out.push(...parsed);
    }
    return out;
  }

  async #withRetry<T>(calls: readonly RpcCall[], signal: AbortSignal | undefined, parse: (raws: unknown[]) => T[]): Promise<T[]> {
    const { attemptsMax } = this.#opts;
    // Retrying the same request cannot help an answer that is final or a refused range: the caller
    // decides (the scanner halves its range).
    const final = (e: unknown): e is RpcAnswerError => e instanceof RpcAnswerError && (isFinalAnswer(e) || rangeRefused(calls[0]!.method, e));
    try {
      return await retry(
        async () => {
          try {
            return parse(await this.#send(calls, signal));
          } catch (e) {
            if (!final(e)) this.#urlIndex++; // fail over to the next endpoint, if any
            throw e;
          }
        },
        { ...this.#opts, jitter: true, signal, retryable: (e) => !final(e), onRetry: () => void this.stats.retries++ },
      );
    } catch (e) {
      if (signal?.aborted) throw e;
      if (final(e)) {
        throw new EngineError('SOURCE_UNAVAILABLE', `ethereum rpc ${e.message}`, {
          cause: e,
          details: { method: calls[0]!.method, rpcCode: e.rpcCode, rangeTooLarge: rangeRefused(calls[0]!.method, e) },
        });
      }
      this.stats.failures++;
      const what = calls.length === 1 ? calls[0]!.method : `${calls.length} calls (${calls[0]!.method}, …)`;
      const reason = e instanceof Error ? e.message : String(e);
      throw new EngineError('SOURCE_UNAVAILABLE', `ethereum rpc ${what}: failed after ${attemptsMax} attempts: ${reason}`, {
        cause: e,
        details: { method: calls[0]!.method, attempts: attemptsMax, malformed: e instanceof MalformedAnswer },
      });
    }
  }

  async #send(calls: readonly RpcCall[], signal?: AbortSignal): Promise<unknown[]> {
    this.stats.requests++;
    const provider = this.#opts.provider;
    if (provider !== undefined) return Promise.all(calls.map((c) => this.#viaProvider(provider, c)));
    const urls = this.#opts.urls!;
    const url = urls[this.#urlIndex % urls.length]!;
    const ids = calls.map(() => this.#nextId++);
    const body = JSON.stringify(calls.map((c, i) => ({ jsonrpc: '2.0', id: ids[i], method: c.method, params: c.params })));
    const timeout = AbortSignal.timeout(this.#opts.timeoutMs);
    let text: string;
    let status: number;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      const why = timeout.aborted ? `timed out after ${this.#opts.timeoutMs} ms` : e instanceof Error ? e.message : String(e);
      throw new Error(`${redactUrl(url)}: ${why}`, { cause: e });
    }
    if (status !== 200) {
      const err = new Error(`${redactUrl(url)}: HTTP ${status}`);
      // 429 and 5xx are the provider's transient state; other statuses (auth, not found) will not heal.
      if (status === 429 || status === 408 || status >= 500) throw err;
      throw new EngineError('SOURCE_UNAVAILABLE', `ethereum rpc ${calls[0]!.method}: ${err.message}; check the endpoint`);
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw new MalformedAnswer(`${redactUrl(url)}: answer is not JSON (${text.length} bytes)`);
    }
    // A single-call batch may be answered with a bare object by some nodes.
    const items = Array.isArray(answer) ? answer : [answer];
    if (items.length !== calls.length) throw new MalformedAnswer(`${redactUrl(url)}: ${items.length} answers to ${calls.length} calls`);
    const byId = new Map<unknown, unknown>();
    for (const item of items) {
      if (typeof item !== 'object' || item === null) throw new MalformedAnswer(`${redactUrl(url)}: answer item is not an object`);
      byId.set((item as { id?: unknown }).id, item);
    }
    return ids.map((id, i) => {
      const item = byId.get(id) as { result?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
      if (item === undefined) throw new MalformedAnswer(`${redactUrl(url)}: no answer with id ${id}`);
      if (item.error !== undefined) throw answerError(calls[i]!.method, item.error);
      if (!('result' in item)) throw new MalformedAnswer(`${redactUrl(url)}: answer ${id} has neither result nor error`);
      return item.result;
    });
  }

  async #viaProvider(provider: ProviderLike, call: RpcCall): Promise<unknown> {
    try {
      if ('request' in provider) return await provider.request({ method: call.method, params: [...call.params] });
      return await provider.send(call.method, [...call.params]);
    } catch (e) {
      const err = e as { code?: unknown; message?: unknown; error?: { code?: unknown; message?: unknown } };
      // ethers wraps the node's error in `error`; EIP-1193 providers throw it with code and message.
      const inner = err.error ?? err;
      if (typeof inner.code === 'number') throw answerError(call.method, inner);
      throw e;
    }
  }
}

function answerError(method: string, error: { code?: unknown; message?: unknown }): RpcAnswerError {
  const code = typeof error.code === 'number' ? error.code : -32603;
  const message = typeof error.message === 'string' ? error.message.slice(0, 200) : 'no message';
  return new RpcAnswerError(code, `${method}: node error ${code}: ${message}`);
}
