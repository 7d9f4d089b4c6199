import { mulberry32 } from '../../src/prng.ts';

/**
 * Which faults the simulator injects, decided by the seeded PRNG (src/prng.ts) at each numbered
 * step, never by time. A fault-free plan draws nothing, so the fault-free run of a seed and its
 * faulted run share the seed's population and differ only by the faults.
 */
export interface FaultRates {
  /** A source's snapshot call fails (the tick waits for the next attempt). */
  readonly sourceFails: number;
  /** A source answers late: the clock moves on 1..3 ticks before the answer arrives. */
  readonly sourceLate: number;
  /** The sources' answers arrive in the other order. */
  readonly reorderAnswers: number;
  /** The answer to applyTick or settle is lost and the call is made again (a retry after a timeout). */
  readonly duplicateCall: number;
  /** The leader steps down at the step; another instance opens the same database and carries on. */
  readonly leaderChange: number;
  /** The AO node goes down for 1..8 calls (stopped, restarted later from its store). */
  readonly nodeDown: number;
  /** A Mint-Batch is sent to the process twice (a second signed message for the same Batch-Id). */
  readonly duplicateMessage: number;
  /** The writer reads its pending batches in a shuffled order. */
  readonly reorderBatches: number;
  /** The engine process dies at the step, before or after the step's effect. */
  readonly crash: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = {
  sourceFails: 0.08,
  sourceLate: 0.05,
  reorderAnswers: 0.3,
  duplicateCall: 0.05,
  leaderChange: 0.06,
  nodeDown: 0.08,
  duplicateMessage: 0.12,
  reorderBatches: 0.5,
  crash: 0.025,
};

export type CrashPoint = 'before' | 'after';

/** The engine process died at a numbered step: everything in memory is abandoned. */
export class SimulatedCrash extends Error {
  constructor(
    readonly step: number,
    readonly at: string,
    readonly point: CrashPoint,
  ) {
    super(`simulated crash ${point} step ${step} (${at})`);
  }
}

export type FaultKind = keyof FaultRates | 'crashAfter';

export class FaultPlan {
  readonly #rand: (() => number) | null;
  readonly #rates: FaultRates;
  /** How often each fault fired (a run that injected nothing proves nothing). */
  readonly fired: Record<FaultKind, number> = {
    sourceFails: 0,
    sourceLate: 0,
    reorderAnswers: 0,
    duplicateCall: 0,
    leaderChange: 0,
    nodeDown: 0,
    duplicateMessage: 0,
    reorderBatches: 0,
    crash: 0,
    crashAfter: 0,
  };

  /** seed null: the fault-free plan. */
  constructor(seed: number | null, rates: FaultRates = DEFAULT_FAULT_RATES) {
    // An odd multiplier keeps the fault stream apart from the population's seed.
    this.#rand = seed === null ? null : mulberry32(Math.imul(seed, 0x2545f491) ^ 0x5bd1e995);
    this.#rates = rates;
  }

  /** Whether the fault fires now (always false in the fault-free plan). */
  fires(kind: keyof FaultRates): boolean {
    if (this.#rand === null || this.#rand() >= this.#rates[kind]) return false;
    this.fired[kind]++;
    return true;
  }

  /** A crash at this step, and whether before or after its effect. */
  crash(): CrashPoint | null {
    if (!this.fires('crash')) return null;
    if (this.#rand!() < 0.5) return 'before';
    this.fired.crashAfter++;
    return 'after';
  }

  /** A whole number in 1..max (the PRNG's, so reproducible). */
  upTo(max: number): number {
    return this.#rand === null ? 1 : 1 + Math.floor(this.#rand() * max);
  }

  /** The array in a seeded random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.#rand!() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
