import type { ArweaveAddress } from '../../../src/address.ts';
import type { PoolId, Snapshot, WeightUpdate } from '../../../src/bridges/types.ts';
import { ManualClock } from '../../../src/clock.ts';
import { xorshift32 } from '../../../src/prng.ts';
import { AO_MAINNET } from '../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../src/emission/ticks.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { inPoolUnit } from '../../support/pool-weights.ts';

/**
 * A deterministic ledger history for the audit tests, built through the ledger's own API
 * (applyTick, settle, outbox marks): three pools, accounts joining, changing weight and recipient,
 * leaving; AR settled every `arEvery` ticks, bridges every `bridgeEvery`; a share of the outbox
 * batches marked delivered with a message id. Genesis is put 16 weeks before the bridge start, so
 * the ao-mainnet policy switches from 100 % AR to 1/3–2/3 inside short histories.
 */
export interface FixtureOptions {
  readonly ticks: number;
  readonly accounts: number;
  /** Accounts whose weight changes each tick (per pool). */
  readonly changesPerTick: number;
  readonly arEvery: number;
  readonly bridgeEvery: number;
  readonly seed: number;
  /** Settlement batch size (small: several batches per settlement). */
  readonly batchSize?: number;
}

export const GENESIS_MS = Date.parse('2024-06-18T15:00:00Z') - 20 * 300_000;
export const addressOf = (i: number): ArweaveAddress => `R${String(i).padStart(6, '0')}`.padEnd(43, 'x') as ArweaveAddress;

const pin = (tick: number): Snapshot['pin'] => ({ chain: 'arweave', height: String(tick), hash: `h${tick}`, timeMs: GENESIS_MS + tick * 300_000 });
const QUOTES = {
  steth: { asset: 'stETH', decimals: 18, priceUsd: '3000', apr: '0.03', priceSource: 'config', aprSource: 'config' },
  sol: { asset: 'SOL', decimals: 9, priceUsd: '150.25', apr: '0.0712', priceSource: 'config', aprSource: 'config' },
};

export async function buildLedger(ledger: Ledger, o: FixtureOptions): Promise<void> {
  const next = xorshift32(o.seed);
  const pick = (n: number): number => Math.floor(next() * n);
  const pools: PoolId[] = ['ar', 'steth', 'sol'];
  for (let k = 1; k <= o.ticks; k++) {
    const snapshots: Snapshot[] = [];
    for (const pool of pools) {
      if (pool !== 'ar' && k < 3) continue; // bridge pools appear later: carry and pool creation
      const seen = new Set<string>();
      const updates: WeightUpdate[] = [];
      const n = k === 1 || (pool !== 'ar' && k === 3) ? Math.min(o.accounts, Math.max(o.changesPerTick, Math.ceil(o.accounts / 2))) : o.changesPerTick;
      for (let i = 0; i < n; i++) {
        const id = k === 1 || (pool !== 'ar' && k === 3) ? i : pick(o.accounts);
        const account = `${pool}-${id}`;
        if (seen.has(account)) continue;
        seen.add(account);
        const r = next();
        // Mostly weight changes; some leave (0); some have no recipient yet; recipients shared (id mod 7).
        const weight = r < 0.1 ? 0n : BigInt(1 + pick(1_000_000)) * (pool === 'ar' ? 10n ** 9n : 10n ** 15n);
        const recipient = r > 0.95 ? null : addressOf(r > 0.9 ? id % 7 : id);
        updates.push({ account, recipient, weight });
      }
      snapshots.push({ pool, pin: pin(k), complete: false, updates: inPoolUnit(pool, updates), cursor: `${pool}@${k}`, notes: [], ...(pool === 'ar' ? {} : { yield: QUOTES[pool as keyof typeof QUOTES] }) });
    }
    await ledger.applyTick({ tick: k, genesisMs: GENESIS_MS, policy: AO_MAINNET, snapshots });
    if (k % o.arEvery === 0) await ledger.settle('ar', k, { batchSize: o.batchSize ?? 4 });
    if (k % o.bridgeEvery === 0) {
      await ledger.settle('steth', k, { batchSize: o.batchSize ?? 4 });
      await ledger.settle('sol', k, { batchSize: o.batchSize ?? 4 });
    }
  }
  // Deliver about two thirds of the batches (as the AO writer would: sent with an id, then delivered).
  for (const b of await ledger.outbox.pending(1_000_000)) {
    if (next() < 0.67) {
      await ledger.outbox.markSent(b.batchId, `msg-${b.batchId.slice(0, 16)}`);
      await ledger.outbox.markDelivered(b.batchId);
    }
  }
}

export async function fixtureLedger(url: string, o: FixtureOptions): Promise<Ledger> {
  const ledger = await openLedger({ url, clock: new ManualClock(DEFAULT_GENESIS_MS) });
  await ledger.migrate();
  await buildLedger(ledger, o);
  return ledger;
}
