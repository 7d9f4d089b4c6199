import { createHash } from 'node:crypto';
import { PublicKey } from '@solana/web3.js';
import type { ArweaveAddress } from '../src/address.ts';
import type { PoolId, PoolWeight, Snapshot, Source, WeightUpdate, YieldQuote } from '../src/bridges/types.ts';
import type { Clock } from '../src/clock.ts';
import { EngineError } from '../src/errors.ts';
import { lastEndedTick, TICK_MS } from '../src/emission/index.ts';
import { lamports, wei, winston } from '../src/units.ts';

/**
 * A deterministic synthetic chain for drills and tests: an input generator, not a mock of a chain.
 * It has one block per 5-minute interval from genesis (block h at genesis + h·300 s); a seeded
 * population, and in every block a few accounts change their weight (some leave, some join). The
 * weights at block h are a pure function of (seed, pool, h), so two runs see the same holders.
 *
 * mode 'follow': each snapshot advances one block past the cursor (never past the head, the last
 *   block whose time has passed on the injected clock) — a source that can answer for past blocks.
 * mode 'head': each snapshot jumps to the head, as a real chain source does; during catch-up the
 *   runner records the late pin in the tick's notes.
 */
export interface SyntheticSourceOptions {
  readonly pool: PoolId;
  readonly seed: number;
  readonly genesisMs: number;
  readonly clock: Clock;
  /** Accounts in the initial population. */
  readonly accounts: number;
  /** Weight changes per block. */
  readonly changesPerBlock: number;
  readonly mode?: 'follow' | 'head';
  /** Fails the next N snapshot calls with SOURCE_UNAVAILABLE (for the runner's retry path). */
  failures?: number;
}

/** Bounds one snapshot: a cursor more than this many blocks behind is an error, not a long loop. */
export const SYNTHETIC_BLOCKS_PER_SNAPSHOT_MAX = 100_000;

const CHAIN: Record<PoolId, 'arweave' | 'ethereum' | 'solana'> = { ar: 'arweave', steth: 'ethereum', dai: 'ethereum', usds: 'ethereum', sol: 'solana' };
/** Demo prices and APRs (static, like a config override): stETH $3,500 at 3 %, DAI $1 at 5 %, USDS $1 at 6.5 %, SOL $150 at 7 %. */
const YIELD: Record<Exclude<PoolId, 'ar'>, YieldQuote> = {
  steth: { asset: 'stETH', decimals: 18, priceUsd: '3500', apr: '0.03', priceSource: 'synthetic', aprSource: 'synthetic' },
  dai: { asset: 'DAI', decimals: 18, priceUsd: '1', apr: '0.05', priceSource: 'synthetic', aprSource: 'synthetic' },
  usds: { asset: 'USDS', decimals: 18, priceUsd: '1', apr: '0.065', priceSource: 'synthetic', aprSource: 'synthetic' },
  sol: { asset: 'SOL', decimals: 9, priceUsd: '150', apr: '0.07', priceSource: 'synthetic', aprSource: 'synthetic' },
};
const UNIT: Record<PoolId, bigint> = { ar: 10n ** 12n, steth: 10n ** 18n, dai: 10n ** 18n, usds: 10n ** 18n, sol: 10n ** 9n };

const digest = (...parts: (string | number)[]): Buffer => createHash('sha256').update(parts.join('/')).digest();
const uint = (bytes: Buffer, offset: number): number => bytes.readUInt32BE(offset);

/** Account i of a pool: its key in the chain's own format and its AO recipient. */
export function syntheticAccount(seed: number, pool: PoolId, i: number): { account: string; recipient: ArweaveAddress } {
  const bytes = digest('account', seed, pool, i);
  const recipient = digest('recipient', seed, pool, i).toString('base64url') as ArweaveAddress;
  if (pool === 'ar') return { account: bytes.toString('base64url'), recipient: bytes.toString('base64url') as ArweaveAddress };
  if (pool === 'steth' || pool === 'dai' || pool === 'usds') return { account: `0x${bytes.subarray(0, 20).toString('hex')}`, recipient };
  return { account: new PublicKey(bytes).toBase58(), recipient };
}

/** Weight in the asset's base units: 0.5 to 1,000.5 whole units, from the hash. */
const weightOf = (bytes: Buffer, pool: PoolId): bigint => (BigInt(uint(bytes, 4) % 1_000_000) + 500n) * (UNIT[pool] / 1000n);

/** A weight branded in its pool's unit, as that pool's source brands it: ar winston, sol lamports, the Ethereum bridges wei. */
export const weightIn = (pool: PoolId, value: bigint): PoolWeight => (pool === 'ar' ? winston(value) : pool === 'sol' ? lamports(value) : wei(value));

/** The changes of block h ≥ 1: account index → new weight (0 = left); later blocks override earlier ones. */
function blockChanges(o: SyntheticSourceOptions, height: number, into: Map<number, bigint>): void {
  for (let j = 0; j < o.changesPerBlock; j++) {
    const bytes = digest('change', o.seed, o.pool, height, j);
    // Indices up to 1.25 × the population: some changes are newcomers.
    const index = uint(bytes, 0) % Math.ceil(o.accounts * 1.25);
    into.set(index, uint(bytes, 8) % 10 === 0 ? 0n : weightOf(bytes, o.pool));
  }
}

function initialWeights(o: SyntheticSourceOptions): Map<number, bigint> {
  const weights = new Map<number, bigint>();
  for (let i = 0; i < o.accounts; i++) weights.set(i, weightOf(digest('initial', o.seed, o.pool, i), o.pool));
  return weights;
}

export function createSyntheticSource(options: SyntheticSourceOptions): Source {
  const o = options;
  const mode = o.mode ?? 'follow';
  const toUpdates = (changes: Map<number, bigint>, onlyPositive: boolean): WeightUpdate<PoolWeight>[] =>
    [...changes]
      .filter(([, w]) => !onlyPositive || w > 0n)
      .sort(([a], [b]) => a - b)
      .map(([i, weight]) => ({ ...syntheticAccount(o.seed, o.pool, i), weight: weightIn(o.pool, weight) }));

  return {
    pool: o.pool,
    async snapshot(cursor, signal) {
      signal?.throwIfAborted();
      if (o.failures !== undefined && o.failures > 0) {
        o.failures -= 1;
        throw new EngineError('SOURCE_UNAVAILABLE', `synthetic ${o.pool}: injected failure`);
      }
      const head = lastEndedTick(o.clock.nowMs(), o.genesisMs);
      const from = cursor === null ? null : (JSON.parse(cursor) as { height: number }).height;
      const height = mode === 'head' || from === null ? head : Math.min(from + 1, head);
      if (from !== null && height - from > SYNTHETIC_BLOCKS_PER_SNAPSHOT_MAX) {
        throw new EngineError('LIMIT_EXCEEDED', `synthetic ${o.pool}: ${height - from} blocks behind is more than ${SYNTHETIC_BLOCKS_PER_SNAPSHOT_MAX}`);
      }
      const changes = from === null ? initialWeights(o) : new Map<number, bigint>();
      for (let h = (from ?? 0) + 1; h <= height; h++) blockChanges(o, h, changes);
      const hash = digest('block', o.seed, o.pool, height).toString('hex');
      return {
        pool: o.pool,
        pin: { chain: CHAIN[o.pool], height: String(height), hash, timeMs: o.genesisMs + height * TICK_MS },
        complete: from === null,
        updates: toUpdates(changes, from === null),
        ...(o.pool === 'ar' ? {} : { yield: YIELD[o.pool] }),
        cursor: JSON.stringify({ height }),
        notes: [],
      } satisfies Snapshot;
    },
  };
}
