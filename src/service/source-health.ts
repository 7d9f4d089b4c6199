import type { PoolId, Snapshot, SnapshotContext, Source } from '../bridges/types.ts';
import type { Clock } from '../clock.ts';
import type { HealthLimits } from './config.ts';

/**
 * Per-source health for readiness: when each source last answered and since when it has been
 * failing. It wraps the sources the runner calls (the runner stays unaware), and counts a snapshot
 * aborted by shutdown as neither success nor failure.
 */
export interface SourceHealthView {
  readonly pool: PoolId;
  readonly ok: boolean;
  readonly lastSuccessAt: string | null;
  /** First failure since the last success (null while healthy). */
  readonly failingSince: string | null;
  readonly failingForMs: number;
  readonly lastError: string | null;
}

interface State {
  lastSuccessMs: number | null;
  failingSinceMs: number | null;
  lastError: string | null;
}

export class SourceHealth {
  readonly #clock: Clock;
  readonly #states = new Map<PoolId, State>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The same sources, reporting every snapshot's outcome here. */
  track(sources: readonly Source[]): Source[] {
    return sources.map((source) => {
      const state: State = { lastSuccessMs: null, failingSinceMs: null, lastError: null };
      this.#states.set(source.pool, state);
      return {
        pool: source.pool,
        snapshot: async (cursor: string | null, signal?: AbortSignal, at?: SnapshotContext): Promise<Snapshot> => {
          try {
            // `at` passes through: a source with a deposit delay counts at the tick it is named.
            const snapshot = await source.snapshot(cursor, signal, at);
            state.lastSuccessMs = this.#clock.nowMs();
            state.failingSinceMs = null;
            state.lastError = null;
            return snapshot;
          } catch (error) {
            if (!signal?.aborted) {
              state.failingSinceMs ??= this.#clock.nowMs();
              state.lastError = (error as Error)?.message ?? String(error);
            }
            throw error;
          }
        },
      };
    });
  }

  views(limits: HealthLimits): SourceHealthView[] {
    const now = this.#clock.nowMs();
    return [...this.#states].map(([pool, s]) => {
      const failingForMs = s.failingSinceMs === null ? 0 : Math.max(0, now - s.failingSinceMs);
      return {
        pool,
        ok: s.failingSinceMs === null || failingForMs <= limits.maxSourceFailureMs,
        lastSuccessAt: s.lastSuccessMs === null ? null : new Date(s.lastSuccessMs).toISOString(),
        failingSince: s.failingSinceMs === null ? null : new Date(s.failingSinceMs).toISOString(),
        failingForMs,
        lastError: s.lastError,
      };
    });
  }
}
