import { EngineError } from '../errors.ts';
import { assertTick } from './curve.ts';

/**
 * Ticks and time (DESIGN.md §2): tick k ≥ 1 covers [genesis + (k−1)·300 s, genesis + k·300 s).
 * Times are integer milliseconds since the Unix epoch.
 */
export const TICK_SECONDS = 300;
export const TICK_MS = TICK_SECONDS * 1000;
/** Arweave block 1,372,724, 13:00 EST. */
export const DEFAULT_GENESIS_MS = Date.parse('2024-02-27T18:00:00Z');

export const tickStartMs = (tick: number, genesisMs = DEFAULT_GENESIS_MS): number => {
  assertTick(tick, 'tick', 1);
  return genesisMs + (tick - 1) * TICK_MS;
};

export const tickEndMs = (tick: number, genesisMs = DEFAULT_GENESIS_MS): number => {
  assertTick(tick, 'tick', 0);
  return genesisMs + tick * TICK_MS;
};

/** The tick whose [start, end) contains the instant. Instants before genesis have no tick. */
export function tickAt(instantMs: number, genesisMs = DEFAULT_GENESIS_MS): number {
  if (!Number.isFinite(instantMs) || instantMs < genesisMs) {
    throw new EngineError('INVALID_TIME', `time: ${isoOrRaw(instantMs)} is before genesis ${new Date(genesisMs).toISOString()}; no tick contains it`);
  }
  return Math.floor((instantMs - genesisMs) / TICK_MS) + 1;
}

/**
 * The first tick starting at or after the instant (1 for any instant up to genesis): tick k starts at
 * genesis + (k − 1)·300 s, so k = ⌈(t − genesis) / 300 s⌉ + 1. A deposit confirmed at t with delay d
 * counts from firstTickStartingAtOrAfter(t + d) (DESIGN.md §3).
 */
export function firstTickStartingAtOrAfter(instantMs: number, genesisMs = DEFAULT_GENESIS_MS): number {
  if (!Number.isFinite(instantMs)) throw new EngineError('INVALID_TIME', `time: ${String(instantMs)} is not a time`);
  return instantMs <= genesisMs ? 1 : Math.ceil((instantMs - genesisMs) / TICK_MS) + 1;
}

/** The last tick that has ended at or before the instant (0 if none): what a run at that time may apply. */
export function lastEndedTick(instantMs: number, genesisMs = DEFAULT_GENESIS_MS): number {
  if (!Number.isFinite(instantMs)) throw new EngineError('INVALID_TIME', `time: ${String(instantMs)} is not a time`);
  if (instantMs < genesisMs) return 0;
  return Math.floor((instantMs - genesisMs) / TICK_MS);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses an ISO-8601 instant ("2024-06-18T15:00:00Z", or a bare date = 00:00Z). A time without a
 * zone is refused: the same text must mean the same tick on every machine.
 */
export function parseInstant(text: unknown, field: string): number {
  if (typeof text !== 'string' || !ISO_INSTANT.test(text)) {
    throw new EngineError('INVALID_TIME', `${field}: ${JSON.stringify(text)} is not an ISO-8601 instant; expected e.g. 2024-06-18T15:00:00Z`);
  }
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  // Date.parse rolls 2024-02-30 over into March; a calendar date must read back as written.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (!Number.isFinite(ms) || calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) {
    throw new EngineError('INVALID_TIME', `${field}: ${JSON.stringify(text)} is not a valid date`);
  }
  return ms;
}

const isoOrRaw = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

export const toIso = (ms: number): string => new Date(ms).toISOString();
