import type { ArweaveAddress } from '../src/address.ts';
import type { WeightUpdate } from '../src/bridges/types.ts';
import { AO_MAINNET } from '../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../src/emission/ticks.ts';
import type { TickInput } from '../src/ledger/index.ts';
import { mulberry32 } from '../src/prng.ts';
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

/**
 * The ledger benches' population (ledger.bench.ts, ledger-postgres.ts): account i has a
 * 43-character key and recipient like an Arweave address (1 % have no recipient yet), and a
 * seeded random winston weight; `changes` draws n distinct accounts, 10 % of them leaving (0).
 */
export class BenchPopulation {
  readonly #rand: () => number;
  readonly #weights: bigint[];

  constructor(size: number, seed: number) {
    this.#rand = mulberry32(seed);
    this.#weights = new Array<bigint>(size);
  }

  static key(i: number): string {
    return `acct${i.toString(36)}`.padEnd(43, '_');
  }

  #update(i: number, weight: bigint): WeightUpdate {
    this.#weights[i] = weight;
    return { account: BenchPopulation.key(i), recipient: i % 100 === 0 ? null : (`rcpt${i.toString(36)}`.padEnd(43, '-') as ArweaveAddress), weight };
  }

  #randomWeight(): bigint {
    return BigInt(1 + Math.floor(this.#rand() * 1e9)) * 1_000_000n;
  }

  /** Accounts from..to − 1 join with a random weight. */
  joins(from: number, to: number): WeightUpdate[] {
    const out: WeightUpdate[] = [];
    for (let i = from; i < to; i++) out.push(this.#update(i, this.#randomWeight()));
    return out;
  }

  /** n distinct accounts change weight (10 % to 0). */
  changes(n: number): WeightUpdate[] {
    const picked = new Set<number>();
    while (picked.size < n) picked.add(Math.floor(this.#rand() * this.#weights.length));
    const out: WeightUpdate[] = [];
    for (const i of picked) out.push(this.#update(i, this.#rand() < 0.1 ? 0n : this.#randomWeight()));
    return out;
  }

  /** Account i's current weight. */
  weightOf(i: number): bigint {
    return this.#weights[i]!;
  }
}
