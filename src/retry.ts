import { sleep as abortableSleep } from './sleep.ts';

/**
 * The one retry loop (every client of a chain, the AO writer, the tick runner's sources): up to
 * `attemptsMax` tries of `attempt` (the first included); before try n ≥ 2 a wait of
 * min(backoffMsMax, backoffMsBase · 2^(n−2)), or longer when the failure asks for it (an HTTP
 * Retry-After, within backoffMsMax), times a jitter in [0.5, 1.5) when asked. A failure that is not
 * `retryable` is thrown at once; after the last try the last failure is thrown, for the caller to
 * name. An abort of `signal` ends a wait at once with the signal's reason, so no loop outlives its caller.
 */
export interface RetryPolicy {
  /** Tries in all, the first included (1 = no retry). */
  readonly attemptsMax: number;
  readonly backoffMsBase: number;
  readonly backoffMsMax: number;
  /** Spread the waits of many clients (× [0.5, 1.5)). */
  readonly jitter?: boolean;
}

export interface RetryOptions extends RetryPolicy {
  /** Whether a failure may be retried. */
  readonly retryable: (error: unknown) => boolean;
  readonly signal?: AbortSignal | undefined;
  /** A wait the failure itself asks for, in ms (0: none). */
  readonly waitMsOf?: (error: unknown) => number;
  /** Called before each wait: for logs, metrics and bookkeeping. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void | Promise<void>;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The jitter's source, [0, 1). */
  readonly random?: () => number;
}

/** The wait before try `attempt` (≥ 2) of a policy, without jitter or a failure's own wait. */
export const backoffMs = (policy: RetryPolicy, attempt: number): number => Math.min(policy.backoffMsMax, policy.backoffMsBase * 2 ** (attempt - 2));

export async function retry<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (n >= options.attemptsMax || !options.retryable(error)) throw error;
      const asked = Math.min(options.waitMsOf?.(error) ?? 0, options.backoffMsMax);
      const base = Math.max(backoffMs(options, n + 1), asked);
      const delay = options.jitter ? Math.round(base * (0.5 + (options.random ?? Math.random)())) : base;
      await options.onRetry?.(error, n, delay);
      await sleep(delay, options.signal);
    }
  }
}

/** Checks a policy from options (an attempt limit and waits): a clear INVALID_CONFIG naming `field`. */
export function retryPolicyProblem(policy: RetryPolicy, attemptsLimit: number): string | null {
  if (!Number.isSafeInteger(policy.attemptsMax) || policy.attemptsMax < 1 || policy.attemptsMax > attemptsLimit) return `attemptsMax ${String(policy.attemptsMax)} must be an integer in 1..${attemptsLimit}`;
  if (!Number.isFinite(policy.backoffMsBase) || policy.backoffMsBase < 0) return `backoffMsBase ${String(policy.backoffMsBase)} must be a number of ms >= 0`;
  if (!Number.isFinite(policy.backoffMsMax) || policy.backoffMsMax < policy.backoffMsBase) return `backoffMsMax ${String(policy.backoffMsMax)} must be a number of ms >= backoffMsBase`;
  return null;
}
