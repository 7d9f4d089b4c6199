import { keccak256, toUtf8Bytes } from 'ethers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEthereumSource } from '../../src/bridges/ethereum/source.ts';
import { startLocalEthereum, type LocalEthereum } from '../../devnet/ethereum/local.ts';
import type { Snapshot } from '../../src/bridges/types.ts';
import { AO_MAINNET } from '../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../src/emission/ticks.ts';
import { describeDivergence, verifyLedger } from '../../src/ledger/audit/index.ts';
import { openLedger, type Ledger } from '../../src/ledger/index.ts';
import { tickBytes } from '../../src/ledger/tick-bytes.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';
import { wei } from '../../src/units.ts';

const pin = (k: number): Snapshot['pin'] => ({ chain: 'ethereum', height: String(k), hash: `0x${k.toString(16).padStart(64, '0')}`, timeMs: DEFAULT_GENESIS_MS + k * 300_000 });
const QUOTE = { asset: 'stETH', decimals: 18, priceUsd: '3000', apr: '0.03', priceSource: 'config', aprSource: 'config' };
const user = (i: number): string => `0x${i.toString(16).padStart(40, '0')}`;

/** A stETH-shaped snapshot: weights for these users and the source-state changes given. */
const snapshot = (k: number, weights: readonly [number, bigint][], sourceState?: Snapshot['sourceState']): Snapshot => ({
  pool: 'steth',
  pin: pin(k),
  complete: false,
  updates: weights.map(([i, weight]) => ({ account: user(i), recipient: null, weight: wei(weight) })),
  yield: QUOTE,
  cursor: JSON.stringify({ block: k }),
  ...(sourceState === undefined ? {} : { sourceState }),
  notes: [],
});

async function ledgerWith(url: string, ...snapshots: Snapshot[]): Promise<Ledger> {
  const ledger = await openLedger({ url });
  await ledger.migrate();
  for (const [i, s] of snapshots.entries()) await ledger.applyTick({ tick: i + 1, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots: [s] });
  return ledger;
}

const row = (i: number, v: string | null) => ({ kind: 'depositor', key: user(i), value: v });

const URLS = { sqlite: async () => 'sqlite::memory:', postgres: () => freshPostgresDatabase(inject('postgresUrl'), 'source_state') };

describe.each(['sqlite', 'postgres'] as const)('source state in the ledger (%s)', (dialect) => {
  it('applies a snapshot’s changes in its tick (upsert, delete, reset) and hands them back through the reader', async () => {
    const ledger = await ledgerWith(
      await URLS[dialect](),
      snapshot(1, [[1, 5n], [2, 7n]], { reset: true, changes: [row(1, '["5",null]'), row(2, '["7",null]')] }),
      snapshot(2, [[1, 0n], [3, 1n]], { reset: false, changes: [row(1, null), row(3, '["1",null]')] }),
    );
    const reader = ledger.sourceState();
    expect([...(await reader.read('steth', 'depositor', [user(1), user(2), user(3), user(4)]))]).toEqual([
      [user(2), '["7",null]'],
      [user(3), '["1",null]'],
    ]);
    expect(await reader.count('steth', 'depositor')).toBe(2);
    await ledger.applyTick({ tick: 3, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots: [snapshot(3, [], { reset: true, changes: [row(9, '["0","x"]')] })] });
    expect(await reader.count('steth', 'depositor')).toBe(1);
    expect((await verifyLedger(ledger.db)).divergences.map(describeDivergence)).toEqual([]);
    await ledger.close();
  });

  it('hashes the changes into the journal: an edited log row or stored row is a divergence; a tick without changes has no sourceState', async () => {
    const ledger = await ledgerWith(await URLS[dialect](), snapshot(1, [[1, 5n]], { reset: true, changes: [row(1, '["5",null]')] }), snapshot(2, [[2, 1n]]));
    expect(await ledger.db.all('SELECT tick FROM source_state_log')).toEqual([{ tick: 1 }]);
    await ledger.db.run(`UPDATE source_state SET value = '["6",null]'`);
    const stored = (await verifyLedger(ledger.db)).divergences.map(describeDivergence);
    expect(stored.some((d) => d.includes('source-state.value') && d.includes(user(1)))).toBe(true);
    await ledger.db.run(`UPDATE source_state_log SET payload = '[["depositor","${user(1)}","[\\"6\\",null]"]]'`);
    const logged = (await verifyLedger(ledger.db)).divergences.map(describeDivergence);
    expect(logged.some((d) => d.startsWith('tick 1') && d.includes('chain.hash'))).toBe(true);
    expect(logged.some((d) => d.includes('source-state.value'))).toBe(false); // the stored row is the replay of the (edited) log
    await ledger.close();
  });

  it('refuses a key changed twice in one snapshot, writing nothing', async () => {
    const ledger = await ledgerWith(await URLS[dialect]());
    const bad = snapshot(1, [[1, 5n]], { reset: false, changes: [row(1, '["5",null]'), row(1, null)] });
    await expect(ledger.applyTick({ tick: 1, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots: [bad] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `snapshots.steth.sourceState: depositor ${user(1)} is changed twice; expected at most one change per kind and key`,
    });
    expect(await ledger.lastAppliedTick()).toBe(0);
    expect(await ledger.db.all('SELECT * FROM source_state')).toEqual([]);
    await ledger.close();
  });
});

it('gives the same journal hash on SQLite and Postgres for ticks with source-state changes', async () => {
  const history = [snapshot(1, [[1, 5n]], { reset: true, changes: [row(1, '["5",null]'), row(2, '["0","x"]')] }), snapshot(2, [[1, 6n]], { reset: false, changes: [row(1, '["6",null]'), row(2, null)] })];
  const hashes: string[] = [];
  for (const url of [await URLS.sqlite(), await URLS.postgres()]) {
    const ledger = await ledgerWith(url, ...history);
    hashes.push(await ledger.lastHash());
    await ledger.close();
  }
  expect(hashes[1]).toBe(hashes[0]);
});

describe('bytes per tick with the stETH source on a Hardhat chain', () => {
  let eth: LocalEthereum;
  beforeAll(async () => {
    eth = await startLocalEthereum();
  });
  afterAll(async () => {
    await eth.stop();
  });

  it('stay flat when the depositors grow 10× (200 → 2,000): an incremental tick writes O(changes), not O(depositors)', async () => {
    const ledger = await openLedger({ url: 'sqlite::memory:' });
    await ledger.migrate();
    const src = createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.preBridge, stETH: eth.stETH, chainlinkEthUsd: eth.aggregator, multicall3: eth.multicall3, state: ledger.sourceState() });
    const users = Array.from({ length: 2_000 }, (_, i) => `0x${keccak256(toUtf8Bytes(`bytes depositor ${i}`)).slice(26)}`);
    const arweave = (i: number): string => keccak256(toUtf8Bytes(`ar ${i}`));
    let k = 0;
    const tick = async (): Promise<number> => {
      const snap = await src.snapshot(await ledger.cursor('steth'));
      await ledger.applyTick({ tick: ++k, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots: [snap] });
      return (await tickBytes(ledger.db, k)).total;
    };
    // The same change each time: 20 existing depositors stake again (same recipient).
    const twentyMore = () => eth.seedStakes(Array.from({ length: 20 }, (_, j) => ({ user: users[j * 7]!, amountWei: 10n ** 15n, arweave: arweave(j * 7) })));
    await eth.seedStakes(users.slice(0, 200).map((u, i) => ({ user: u, amountWei: 10n ** 18n, arweave: arweave(i) })));
    await tick(); // first snapshot: 200 depositors
    await twentyMore();
    const at200 = await tick();
    await eth.seedStakes(users.slice(200).map((u, i) => ({ user: u, amountWei: 10n ** 18n, arweave: arweave(200 + i) })));
    await tick(); // 1,800 join
    expect(await ledger.sourceState().count('steth', 'depositor')).toBe(2_000);
    await twentyMore();
    const at2000 = await tick();
    // Before the source-state rows the cursor held every depositor (≈ 107 bytes each), stored twice a tick: ≈ 430 KB
    // at 2,000 vs ≈ 43 KB at 200. Now only counts and totals grow, by a few digits.
    expect(at2000).toBeLessThan(at200 * 1.05 + 64);
    expect(at2000).toBeLessThan(20 * 2_000);
    expect((await verifyLedger(ledger.db)).divergences.map(describeDivergence)).toEqual([]);
    await ledger.close();
  });
});
