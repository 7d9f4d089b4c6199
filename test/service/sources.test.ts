import { afterEach, describe, expect, it } from 'vitest';
import { startLocalSolana, type LocalSolana } from '../../devnet/solana/local-cluster.ts';
import { MemorySourceState } from '../../src/bridges/source-state.ts';
import { parseConfig } from '../../src/service/config.ts';
import { LateSourceState, sourcesFromConfig } from '../../src/service/sources.ts';

const running: LocalSolana[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

describe('sources from config', () => {
  it('the SOL source gets sources.solana.depositDelay and the genesis: stake waits its delay on the configured tick grid', async () => {
    const c = await startLocalSolana();
    running.push(c);
    c.createStake({ lamports: 5_000_000_000n });
    c.warpToEpoch(1); // first effective block: slot 32, 2024-06-18T15:00:12Z
    const solana = { rpcUrls: [c.url], voteAccounts: [c.bridgeVote.toBase58()], registry: c.registry.toBase58() };
    const config = (depositDelay?: string) =>
      parseConfig({
        genesis: '2024-06-18T15:00:00Z',
        database: { url: 'sqlite::memory:' },
        sources: { solana: { ...solana, ...(depositDelay === undefined ? {} : { depositDelay }) }, yield: { sol: { priceUsd: '150' } } },
      });
    const state = new LateSourceState();
    state.bind(new MemorySourceState());
    // 12 s + 5 min: due at tick ⌈312/300⌉ + 1 = 3 of the configured genesis; tick 2 has nothing yet.
    const [delayed] = sourcesFromConfig(config('5m'), state);
    expect((await delayed!.snapshot(null, undefined, { tick: 2 })).updates).toEqual([]);
    expect((await delayed!.snapshot(null, undefined, { tick: 3 })).updates).toHaveLength(1);
    const [plain] = sourcesFromConfig(config(), state);
    expect((await plain!.snapshot(null, undefined, { tick: 2 })).updates).toHaveLength(1);
  });
});
