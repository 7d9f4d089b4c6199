import type { WeightUpdate } from '../src/bridges/types.ts';
import { AO_MAINNET } from '../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../src/emission/ticks.ts';
import type { TickInput } from '../src/ledger/index.ts';
import type { Winston } from '../src/units.ts';

/** The ledger benches' tick k: one AR snapshot pinned at an Arweave height, under the deployed law. */
const pin = (k: number) => ({ chain: 'arweave' as const, height: String(1_372_724 + k), hash: `h${k}`, timeMs: DEFAULT_GENESIS_MS + k * 300_000 });
/**
 * The benches' weights are synthetic winston by construction; they are branded by one cast of the
 * array, not a check per update, which the benches would measure as tick latency.
 */
export const tickInput = (tick: number, updates: WeightUpdate[]): TickInput => ({
  tick,
  genesisMs: DEFAULT_GENESIS_MS,
  policy: AO_MAINNET,
  snapshots: [{ pool: 'ar', pin: pin(tick), complete: false, updates: updates as WeightUpdate<Winston>[], cursor: JSON.stringify({ height: 1_372_724 + tick }), notes: [] }],
});

/** The q-quantile of a sample (nearest rank, the rank rounded down). */
export const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
