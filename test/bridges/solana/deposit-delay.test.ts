import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/bridges/types.ts';
import type { LocalSolana } from '../../../devnet/solana/local-cluster.ts';
import { arweave, localClusters, SOL } from './support/cluster.ts';
import { EPOCH_START_KIND, dueTick } from '../../../src/bridges/solana/deposit-delay.ts';
import { createSolanaSource, type SolanaSourceOptions } from '../../../src/bridges/solana/source.ts';
import { MemorySourceState } from '../../../src/bridges/source-state.ts';

const cluster = localClusters();
/** The local cluster's slot 0 (local-cluster.ts), used as the tick genesis: tick k starts at G + (k − 1)·300 s = slot 750·(k − 1) at 400 ms a slot. */
const G = Date.parse('2024-06-18T15:00:00Z');

function sourceFor(c: LocalSolana, extra: Partial<SolanaSourceOptions> = {}) {
  return createSolanaSource({ rpcUrls: [c.url], voteAccounts: [c.bridgeVote.toBase58()], registry: c.registry.toBase58(), priceUsd: '150.25', genesisMs: G, ...extra });
}

const delegated = (c: LocalSolana, deposit: bigint): bigint => deposit - c.svm.minimumBalanceForRentExemption(200n);
const weights = (s: Snapshot): Record<string, string> => Object.fromEntries(s.updates.map((u) => [u.account, u.weight.toString()]));

describe('SOL deposit delay on a local litesvm cluster', () => {
  it('dueTick: the first tick starting at or after start + delay', () => {
    // G + 16 s + 300 s = G + 316 s: tick 2 starts at G + 300 s (before), tick 3 at G + 600 s → 3.
    expect(dueTick(G / 1000 + 16, 300, G)).toBe(3);
    // G + 16 s + 284 s = G + 300 s exactly: tick 2 starts then → 2 ("at or after").
    expect(dueTick(G / 1000 + 16, 284, G)).toBe(2);
    expect(dueTick(G / 1000 - 1000, 300, G)).toBe(1); // due before genesis: from the first tick
  });

  it('with a one-tick delay a new stake earns nothing before the first tick after its first effective block + 300 s, and from exactly that tick', async () => {
    const c = await cluster();
    const a = c.createStake({ lamports: 5n * SOL }); // activation epoch 0: effective from epoch 1
    // Skip epoch 1's first slot (32): its first block is slot 41, block time ⌊G + 41·0.4 s⌋ = G + 16 s.
    c.advanceSlots(40);
    const state = new MemorySourceState();
    const source = sourceFor(c, { depositDelaySec: 300, state });
    const ka = a.authority.publicKey.toBase58();

    // t + delay = G + 316 s → tick 3 (starts G + 600 s). The pin (G + 16 s) is in tick 1.
    const s1 = await source.snapshot(null);
    expect(s1.updates).toEqual([]);
    expect(s1.notes).toContain(`1 stake account(s) with ${delegated(c, 5n * SOL)} effective lamports in the deposit delay (the first counts from tick 3); tick 1 counts what is due by its start`);
    expect(s1.sourceState).toEqual({ reset: true, changes: [{ kind: EPOCH_START_KIND, key: '1', value: String(G / 1000 + 16) }] });
    expect(JSON.parse(s1.cursor)).not.toHaveProperty('settledEpoch');
    state.apply('sol', s1.sourceState);

    // Slot 1499: block time ⌊G + 599.6 s⌋ = G + 599 s, the last second of tick 2 → still nothing.
    c.rpc.advanceToSlot(1499);
    const s2 = await source.snapshot(s1.cursor);
    expect(s2.updates).toEqual([]);
    state.apply('sol', s2.sourceState);

    // Slot 1500: G + 600 s, the start of tick 3 → the stake counts, whole.
    c.rpc.advanceToSlot(1500);
    // The tick the snapshot is for is what counts, not the pin: asked for tick 2, nothing yet.
    expect((await source.snapshot(s2.cursor, undefined, { tick: 2 })).updates).toEqual([]);
    const s3 = await source.snapshot(s2.cursor, undefined, { tick: 3 });
    expect(weights(s3)).toEqual({ [ka]: delegated(c, 5n * SOL).toString() });
    expect(s3.notes.some((n) => n.includes('deposit delay'))).toBe(false);
    // Epoch 1 is due: its row goes. Epoch 46 (slots 1472–1503; its first block, slot 1499 = G + 599 s, is due at
    // tick ⌈899/300⌉ + 1 = 4) got its row from the snapshot pinned at slot 1499, and keeps it.
    expect(JSON.parse(s3.cursor)).toMatchObject({ settledEpoch: 1 });
    expect(s2.sourceState?.changes).toEqual([{ kind: EPOCH_START_KIND, key: '46', value: String(G / 1000 + 599) }]);
    expect(s3.sourceState).toEqual({ reset: false, changes: [{ kind: EPOCH_START_KIND, key: '1', value: null }] });
    state.apply('sol', s3.sourceState);
    // A fresh process resuming from the stored cursor and state gives the same weights.
    expect(weights(await sourceFor(c, { depositDelaySec: 300, state }).snapshot(s3.cursor, undefined, { tick: 3 }))).toEqual(weights(s3));
  });

  it('times the delay from the epoch’s first block, exactly at the tick boundary', async () => {
    const c = await cluster();
    c.createStake({ lamports: 5n * SOL });
    c.advanceSlots(40); // epoch 1's first block: slot 41, G + 16 s (its first slot 32, G + 12 s, was skipped)
    // 16 + 284 = 300 s: due at the start of tick 2; 16 + 285 = 301 s: tick 3. Timed from slot 32 both would be tick 2.
    expect((await sourceFor(c, { depositDelaySec: 284 }).snapshot(null, undefined, { tick: 2 })).updates).toHaveLength(1);
    expect((await sourceFor(c, { depositDelaySec: 285 }).snapshot(null, undefined, { tick: 2 })).updates).toEqual([]);
    expect((await sourceFor(c, { depositDelaySec: 285 }).snapshot(null, undefined, { tick: 3 })).updates).toHaveLength(1);
  });

  it('a stake deactivated and withdrawn within its delay never earns, and leaves no row behind', async () => {
    const c = await cluster();
    const b = c.createStake({ lamports: 3n * SOL }); // activation epoch 0: effective from epoch 1 (first block slot 32, G + 12 s) → due tick ⌈312/300⌉ + 1 = 3
    c.warpToEpoch(1);
    const a = c.createStake({ lamports: 5n * SOL }); // activation epoch 1: effective from epoch 2 (slot 64, G + 25 s) → due tick 3
    const state = new MemorySourceState();
    const source = sourceFor(c, { depositDelaySec: 300, state });
    const seen: Snapshot[] = [];
    const take = async (cursor: string | null, tick: number): Promise<Snapshot> => {
      const s = await source.snapshot(cursor, undefined, { tick });
      state.apply('sol', s.sourceState);
      seen.push(s);
      return s;
    };
    let s = await take(null, 1);
    c.warpToEpoch(2);
    s = await take(s.cursor, 2); // a effective, in its delay
    expect(s.notes.some((n) => n.startsWith('2 stake account(s)'))).toBe(true);
    c.deactivate(a.stake, a.authority); // deactivation epoch 2: inactive from epoch 3
    c.warpToEpoch(3);
    c.withdraw(a.stake, a.authority, a.authority.publicKey, 5n * SOL); // closes the account
    c.advanceSlots();
    s = await take(s.cursor, 2);
    c.rpc.advanceToSlot(1500); // G + 600 s, tick 3: b's epoch (and a's, had it stayed) is due
    s = await take(s.cursor, 3);
    expect(weights(s)).toEqual({ [b.authority.publicKey.toBase58()]: delegated(c, 3n * SOL).toString() });
    expect(seen.flatMap((x) => x.updates.map((u) => u.account))).not.toContain(a.authority.publicKey.toBase58());
    // The rows of epochs 1–3 (a's epoch 2 among them) went when they came due; only the pinned epoch 46's waits.
    expect(JSON.parse(s.cursor)).toMatchObject({ settledEpoch: 3 });
    expect(await state.read('sol', EPOCH_START_KIND, ['1', '2', '3'])).toEqual(new Map());
    expect(await state.count('sol', EPOCH_START_KIND)).toBe(1);
  });

  it('the default delay 0 gives exactly today’s snapshots: updates, cursor, source-state changes and notes', async () => {
    const c = await cluster();
    const a = c.createStake({ lamports: 5n * SOL });
    c.register(a.authority, `ao:${arweave(1)}`);
    const today = createSolanaSource({ rpcUrls: [c.url], voteAccounts: [c.bridgeVote.toBase58()], registry: c.registry.toBase58(), priceUsd: '150.25' });
    const zero = sourceFor(c, { depositDelaySec: 0 });
    const both = async (cursor: string | null, tick: number): Promise<Snapshot> => {
      const [x, y] = [await today.snapshot(cursor, undefined, { tick }), await zero.snapshot(cursor, undefined, { tick })];
      expect(y).toEqual(x);
      return x;
    };
    let s = await both(null, 1);
    c.warpToEpoch(1);
    const b = c.createStake({ lamports: 7n * SOL });
    c.register(b.authority, `ao:${arweave(2)}`);
    s = await both(s.cursor, 1);
    expect(weights(s)).toEqual({ [a.authority.publicKey.toBase58()]: delegated(c, 5n * SOL).toString() });
    c.warpToEpoch(2);
    s = await both(s.cursor, 2);
    expect(Object.keys(weights(s))).toHaveLength(2);
    expect(JSON.parse(s.cursor)).not.toHaveProperty('settledEpoch');
  });

  it('refuses a bad delay with a coded error naming the option', async () => {
    const c = await cluster();
    expect(() => sourceFor(c, { depositDelaySec: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('solana depositDelaySec: -1') }));
    expect(() => sourceFor(c, { depositDelaySec: 1.5 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
