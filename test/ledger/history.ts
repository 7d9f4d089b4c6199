import fc from 'fast-check';
import type { ArweaveAddress } from '../../src/address.ts';
import type { PoolId, Snapshot, WeightUpdate, YieldQuote } from '../../src/bridges/types.ts';
import { splitByYield } from '../../src/emission/asset-weight.ts';
import { mintAt } from '../../src/emission/curve.ts';
import { flatPolicy } from '../../src/emission/policy.ts';
import type { Policy } from '../../src/emission/policy.ts';
import { splitMint } from '../../src/emission/split.ts';
import { DEFAULT_GENESIS_MS } from '../../src/emission/ticks.ts';
import type { TickInput } from '../../src/ledger/index.ts';
import { inPoolUnit } from '../support/pool-weights.ts';
import { aoUnits } from '../../src/units.ts';

/**
 * Random ledger histories for the property tests, and an independent model of what each account
 * is owed: the exact rational pro-rata share Σ_k P_k · w_a,k / W_k (a pool amount with W_k = 0
 * carried whole into the next tick), computed with fractions, not with the ledger's index.
 */
export interface Step {
  readonly input: TickInput;
  /** Pools to settle right after this tick. */
  readonly settle: readonly PoolId[];
}

export interface History {
  readonly policy: Policy;
  readonly steps: readonly Step[];
}

const ACCOUNTS = ['k1', 'k2', 'k3', 'k4', 'k5'];
const RECIPIENTS = ['R1', 'R2', 'R3'].map((r) => r.padEnd(43, 'x') as ArweaveAddress);
const pin = (tick: number): Snapshot['pin'] => ({ chain: 'arweave', height: String(tick), hash: `h${tick}`, timeMs: DEFAULT_GENESIS_MS + tick * 300_000 });

const weightArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0n) },
  { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: 1000n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: 10n ** 27n }) },
);
const updateArb: fc.Arbitrary<WeightUpdate> = fc.record({
  account: fc.constantFrom(...ACCOUNTS),
  recipient: fc.option(fc.constantFrom(...RECIPIENTS), { freq: 3 }),
  weight: weightArb,
});
const yieldArb = (asset: string): fc.Arbitrary<YieldQuote> =>
  fc.record({
    asset: fc.constant(asset),
    decimals: fc.constant(asset === 'stETH' ? 18 : 9),
    priceUsd: fc.constantFrom('0', '1', '3412.57', '150.25'),
    apr: fc.constantFrom('0', '0.03', '0.0712'),
    priceSource: fc.constant('config'),
    aprSource: fc.constant('config'),
  });

const snapshotArb = (pool: PoolId, tick: number): fc.Arbitrary<Snapshot | null> =>
  fc.option(
    fc
      .record({
        complete: fc.boolean(),
        updates: fc.uniqueArray(updateArb, { selector: (u) => u.account, maxLength: 5 }),
        yield: pool === 'ar' ? fc.constant(undefined) : yieldArb(pool === 'steth' ? 'stETH' : 'SOL'),
      })
      .map(({ complete, updates, yield: y }): Snapshot => ({
        pool,
        pin: pin(tick),
        complete,
        updates: inPoolUnit(pool, updates),
        ...(y === undefined ? {} : { yield: y }),
        cursor: JSON.stringify({ pool, tick }),
        notes: [],
      })),
    { freq: 2 },
  );

export function historyArb(maxTicks: number): fc.Arbitrary<History> {
  return fc
    .record({
      ar: fc.bigInt({ min: 0n, max: 100n }),
      bridges: fc.bigInt({ min: 0n, max: 100n }),
      ticks: fc.integer({ min: 1, max: maxTicks }),
    })
    .filter(({ ar, bridges }) => ar + bridges > 0n)
    .chain(({ ar, bridges, ticks }) => {
      const policy = flatPolicy(ar, bridges);
      const stepArbs = Array.from({ length: ticks }, (_, i) =>
        fc
          .record({
            ar: snapshotArb('ar', i + 1),
            steth: snapshotArb('steth', i + 1),
            sol: snapshotArb('sol', i + 1),
            settle: fc.subarray(['ar', 'steth', 'sol'] as PoolId[]),
          })
          .map(
            (s): Step => ({
              input: { tick: i + 1, genesisMs: DEFAULT_GENESIS_MS, policy, snapshots: [s.ar, s.steth, s.sol].filter((x): x is Snapshot => x !== null) },
              settle: s.settle,
            }),
          ),
      );
      return fc.tuple(...stepArbs).map((steps): History => ({ policy, steps }));
    });
}

/** A fraction n/d with d > 0, kept unreduced except when it grows (exactness is all we need). */
export interface Fraction {
  n: bigint;
  d: bigint;
}
const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};
export const add = (x: Fraction, y: Fraction): Fraction => {
  const n = x.n * y.d + y.n * x.d;
  const d = x.d * y.d;
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
};

/** The model: each (pool, account)'s exact owed amount after the whole history. */
export function exactShares(history: History): Map<string, Fraction> {
  const weights = new Map<PoolId, Map<string, bigint>>([
    ['ar', new Map()],
    ['steth', new Map()],
    ['sol', new Map()],
  ]);
  const quotes = new Map<PoolId, YieldQuote>();
  const seen = new Set<PoolId>(['ar']);
  const carried = new Map<PoolId, bigint>([
    ['ar', 0n],
    ['steth', 0n],
    ['sol', 0n],
  ]);
  let bridgeCarry = 0n;
  const owed = new Map<string, Fraction>();
  for (const { input } of history.steps) {
    for (const s of input.snapshots) {
      seen.add(s.pool);
      const w = weights.get(s.pool)!;
      if (s.complete) for (const key of [...w.keys()]) if (!s.updates.some((u) => u.account === key)) w.set(key, 0n);
      for (const u of s.updates) w.set(u.account, u.weight);
      if (s.yield) quotes.set(s.pool, s.yield);
    }
    const total = (p: PoolId): bigint => [...weights.get(p)!.values()].reduce((a, b) => a + b, 0n);
    const split = splitMint(history.policy, input.tick, mintAt(history.policy.curve, input.tick), input.genesisMs);
    const assets = (['sol', 'steth'] as PoolId[])
      .filter((p) => seen.has(p) && quotes.has(p))
      .map((p) => ({ asset: p, deposits: total(p), decimals: quotes.get(p)!.decimals, priceUsd: quotes.get(p)!.priceUsd, apr: quotes.get(p)!.apr }));
    const bs = splitByYield(aoUnits(split.bridges + bridgeCarry), assets);
    bridgeCarry = bs.carried;
    for (const pool of ['ar', 'steth', 'sol'] as PoolId[]) {
      const amount = (pool === 'ar' ? split.ar : (bs.parts.get(pool) ?? 0n)) + carried.get(pool)!;
      const W = total(pool);
      if (W === 0n) {
        carried.set(pool, amount);
        continue;
      }
      carried.set(pool, 0n);
      for (const [key, w] of weights.get(pool)!) {
        if (w === 0n) continue;
        const id = `${pool}/${key}`;
        owed.set(id, add(owed.get(id) ?? { n: 0n, d: 1n }, { n: amount * w, d: W }));
      }
    }
  }
  return owed;
}
