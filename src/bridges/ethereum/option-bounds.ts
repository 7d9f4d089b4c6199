/**
 * The bounds of the whole-number options the service's config also takes, [min, max]: the one
 * statement of them, read by the source (context.ts) and by the config schema (src/service/config.ts).
 */
export const ETHEREUM_OPTION_BOUNDS = {
  chainId: [1, 2 ** 48],
  confirmations: [0, 10_000],
  finalityLagBlocks: [0, 10_000],
  startBlock: [0, 2 ** 48],
} as const satisfies Record<string, readonly [number, number]>;
