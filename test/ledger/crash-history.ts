import type { ArweaveAddress } from '../../src/address.ts';
import type { Snapshot, WeightUpdate } from '../../src/bridges/types.ts';
import { flatPolicy } from '../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../src/emission/ticks.ts';
import type { Ledger, TickInput } from '../../src/ledger/index.ts';
import { mulberry32 } from '../../src/prng.ts';
import { inPoolUnit } from '../support/pool-weights.ts';

/**
 * The deterministic history the crash test applies (crash-child.ts in a killed child, the test
 * itself for the reference and for the continuation): tick k's input is a pure function of
 * (seed, k), and pools are settled after every third tick.
 */
export const CRASH_TICKS = 12;
/**
 * deferAccounts of every ledger the crash test opens: small enough that some ticks rewrite
 * account_state (seed 7: ticks 6, 8 and 11), besides the settlements every third tick.
 */
export const CRASH_DEFER_ACCOUNTS = 100;
const KEYS = 3_000;
const UPDATES_PER_TICK = 200;

export function crashInput(seed: number, tick: number): TickInput {
  const rand = mulberry32(seed * 1_000_003 + tick);
  const updates = (pool: string, n: number): WeightUpdate[] => {
    const seen = new Set<number>();
    const out: WeightUpdate[] = [];
    while (out.length < n) {
      const i = Math.floor(rand() * KEYS);
      if (seen.has(i)) continue;
      seen.add(i);
      const r = rand();
      out.push({ account: `${pool}-${i}`, recipient: r < 0.1 ? null : (`R${i % 997}`.padEnd(43, 'x') as ArweaveAddress), weight: r < 0.2 ? 0n : BigInt(Math.floor(rand() * 1e12)) * 1_000_003n });
    }
    return out;
  };
  const pin = { chain: 'arweave' as const, height: String(tick), hash: `h${tick}`, timeMs: DEFAULT_GENESIS_MS + tick * 300_000 };
  const snapshots: Snapshot[] = [{ pool: 'ar', pin, complete: false, updates: inPoolUnit('ar', updates('ar', UPDATES_PER_TICK)), cursor: `ar@${tick}`, notes: [] }];
  if (tick % 2 === 0) {
    snapshots.push({
      pool: 'steth',
      pin: { ...pin, chain: 'ethereum' },
      complete: false,
      updates: inPoolUnit('steth', updates('steth', UPDATES_PER_TICK / 4)),
      yield: { asset: 'stETH', decimals: 18, priceUsd: '3000', apr: '0.03', priceSource: 'config', aprSource: 'config' },
      cursor: `steth@${tick}`,
      notes: [],
    });
  }
  return { tick, genesisMs: DEFAULT_GENESIS_MS, policy: flatPolicy(36n, 64n), snapshots };
}

/** Continues from wherever the ledger is (a restart): finishes an interrupted settlement, then applies the rest. */
export async function runCrashHistory(ledger: Ledger, seed: number, onTick?: (tick: number) => void): Promise<string> {
  for (let k = await ledger.lastAppliedTick(); ; k++) {
    if (k > 0 && k % 3 === 0) for (const pool of ['ar', 'steth'] as const) await ledger.settle(pool, k, { batchSize: 100 });
    if (k === CRASH_TICKS) break;
    await ledger.applyTick(crashInput(seed, k + 1));
    onTick?.(k + 1);
  }
  return ledger.lastHash();
}
