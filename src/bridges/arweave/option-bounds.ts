/**
 * The bounds of the whole-number options, [min, max]: the one statement of them, read by the
 * source (source.ts) and by the service's config schema (src/service/config.ts), so both refuse the same values.
 */
export const ARWEAVE_OPTION_BOUNDS = {
  confirmations: [0, 1000],
  fullEvery: [0, 1_000_000],
  concurrency: [1, 256],
  maxWalkBlocks: [1, 1_000_000],
  repinAttemptsMax: [1, 20],
} as const satisfies Record<string, readonly [number, number]>;
