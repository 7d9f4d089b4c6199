import { describe, expect, it } from 'vitest';
import { backoffMs, retry, retryPolicyProblem } from '../src/retry.ts';

/** A retry whose waits are recorded, not slept. */
function recorded(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

class Transient extends Error {}

describe('retry: the one bounded retry loop', () => {
  it('tries attemptsMax times with waits min(backoffMsMax, backoffMsBase · 2^(n−2)), then throws the last failure', async () => {
    const { waits, sleep } = recorded();
    let tries = 0;
    const failing = retry(
      async (n) => {
        tries++;
        throw new Transient(`try ${n}`);
      },
      { attemptsMax: 5, backoffMsBase: 100, backoffMsMax: 500, retryable: () => true, sleep },
    );
    await expect(failing).rejects.toThrow(/^try 5$/);
    expect(tries).toBe(5);
    // Before tries 2..5: 100, 200, 400, then capped at 500.
    expect(waits).toEqual([100, 200, 400, 500]);
    expect([2, 3, 4, 5].map((n) => backoffMs({ attemptsMax: 5, backoffMsBase: 100, backoffMsMax: 500 }, n))).toEqual(waits);
  });

  it('returns the first success, and throws a failure that is not retryable at once', async () => {
    const { waits, sleep } = recorded();
    expect(await retry(async (n) => (n < 3 ? Promise.reject(new Transient()) : `ok at ${n}`), { attemptsMax: 4, backoffMsBase: 1, backoffMsMax: 1, retryable: (e) => e instanceof Transient, sleep })).toBe('ok at 3');
    expect(waits).toEqual([1, 1]);
    let tries = 0;
    const final = retry(
      async () => {
        tries++;
        throw new RangeError('final');
      },
      { attemptsMax: 4, backoffMsBase: 1, backoffMsMax: 1, retryable: (e) => e instanceof Transient, sleep },
    );
    await expect(final).rejects.toThrow(RangeError);
    expect(tries).toBe(1);
  });

  it("waits longer when the failure asks (Retry-After), never past backoffMsMax; jitter stays within [0.5, 1.5) of the backoff", async () => {
    const { waits, sleep } = recorded();
    const asking = retry(() => Promise.reject(new Transient()), { attemptsMax: 3, backoffMsBase: 10, backoffMsMax: 1_000, retryable: () => true, waitMsOf: () => 5_000, sleep });
    await expect(asking).rejects.toThrow(Transient);
    expect(waits).toEqual([1_000, 1_000]);
    const jittered = recorded();
    const values = [0, 0.999];
    const jitter = retry(() => Promise.reject(new Transient()), { attemptsMax: 3, backoffMsBase: 100, backoffMsMax: 1_000, jitter: true, random: () => values.shift()!, retryable: () => true, sleep: jittered.sleep });
    await expect(jitter).rejects.toThrow(Transient);
    expect(jittered.waits).toEqual([50, Math.round(200 * 1.499)]);
  });

  it('an abort ends a wait at once with the signal’s reason: no loop outlives its caller', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const pending = retry(() => Promise.reject(new Transient()), { attemptsMax: 3, backoffMsBase: 60_000, backoffMsMax: 60_000, retryable: () => true, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stopping')), 20);
    await expect(pending).rejects.toThrow(/^stopping$/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('names a bad policy', () => {
    expect(retryPolicyProblem({ attemptsMax: 0, backoffMsBase: 1, backoffMsMax: 1 }, 10)).toBe('attemptsMax 0 must be an integer in 1..10');
    expect(retryPolicyProblem({ attemptsMax: 2, backoffMsBase: 10, backoffMsMax: 5 }, 10)).toBe('backoffMsMax 5 must be a number of ms >= backoffMsBase');
    expect(retryPolicyProblem({ attemptsMax: 2, backoffMsBase: 1, backoffMsMax: 5 }, 10)).toBeNull();
  });
});
