import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/bridges/types.ts';
import type { LocalSolana } from '../../../devnet/solana/local-cluster.ts';
import { arweave, localClusters, SOL } from './support/cluster.ts';
import { createSolanaSource, RECIPIENT_KIND, type SolanaSourceOptions } from '../../../src/bridges/solana/source.ts';
import { MemorySourceState } from '../../../src/bridges/source-state.ts';

const cluster = localClusters();

function sourceFor(c: LocalSolana, extra: Partial<SolanaSourceOptions> = {}) {
  return createSolanaSource({ rpcUrls: [c.url], voteAccounts: [c.bridgeVote.toBase58()], registry: c.registry.toBase58(), priceUsd: '150.25', ...extra });
}

/** Delegated stake = deposit − the rent-exempt reserve the Stake program keeps back (Initialize sets it). */
const delegated = (c: LocalSolana, deposit: bigint): bigint => deposit - c.svm.minimumBalanceForRentExemption(200n);

const weights = (s: Snapshot): Record<string, string> => Object.fromEntries(s.updates.map((u) => [u.account, u.weight.toString()]));
const recipients = (s: Snapshot): Record<string, string | null> => Object.fromEntries(s.updates.map((u) => [u.account, u.recipient]));

describe('SOL source on a local litesvm cluster', () => {
  it('lists many depositors pinned to a slot, summing each withdraw authority’s stake accounts', async () => {
    const c = await cluster();
    // Amounts from 2 SOL up: the Stake program's minimum delegation is 1 SOL after the rent reserve.
    const depositors = Array.from({ length: 40 }, (_, i) => c.createStake({ lamports: BigInt(i + 2) * SOL }));
    // Depositor 0 opens a second stake account of 2 SOL with the same authority.
    c.createStake({ lamports: 2n * SOL, authority: depositors[0]!.authority });
    // A stake delegated elsewhere and an undelegated one are not the bridge's.
    c.createStake({ lamports: 9n * SOL, voter: c.createVoteAccount() });
    c.createStake({ lamports: 9n * SOL, voter: null });
    c.warpToEpoch(1);

    const s = await sourceFor(c).snapshot(null);
    expect(s.pool).toBe('sol');
    expect(s.complete).toBe(true);
    expect(s.pin).toMatchObject({ chain: 'solana', height: String(c.slot) });
    expect(s.pin.hash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    // Slot 32 at 400 ms per slot after the local genesis 2024-06-18T15:00:00Z = +12.8 s; block
    // times are whole Unix seconds, as the RPC's getBlock reports them → +12 s.
    expect(s.pin.timeMs).toBe(Date.parse('2024-06-18T15:00:12Z'));
    expect(s.updates).toHaveLength(40);
    const expected: Record<string, string> = {};
    depositors.forEach((d, i) => (expected[d.authority.publicKey.toBase58()] = delegated(c, BigInt(i + 2) * SOL).toString()));
    const first = depositors[0]!.authority.publicKey.toBase58();
    expected[first] = (delegated(c, 2n * SOL) + delegated(c, 2n * SOL)).toString();
    expect(weights(s)).toEqual(expected);
    expect(s.updates.every((u) => u.recipient === null)).toBe(true);
    expect(s.notes).toContain('40 depositor(s) without a registered recipient: accruing unclaimed');
  });

  it('counts stake only once it is active: not in its activation epoch, fully from the next', async () => {
    const c = await cluster();
    const a = c.createStake({ lamports: 5n * SOL });
    const source = sourceFor(c);
    const s0 = await source.snapshot(null);
    expect(s0.updates).toEqual([]); // epoch 0: activating
    c.warpToEpoch(1);
    const b = c.createStake({ lamports: 7n * SOL }); // activates in epoch 1
    const s1 = await source.snapshot(s0.cursor);
    expect(weights(s1)).toEqual({ [a.authority.publicKey.toBase58()]: delegated(c, 5n * SOL).toString() });
    c.warpToEpoch(2);
    const s2 = await source.snapshot(s1.cursor);
    expect(weights(s2)).toEqual({
      [a.authority.publicKey.toBase58()]: delegated(c, 5n * SOL).toString(),
      [b.authority.publicKey.toBase58()]: delegated(c, 7n * SOL).toString(),
    });
  });

  it('keeps deactivating stake until it cools down, then drops the account; a closed account stays gone', async () => {
    const c = await cluster();
    const a = c.createStake({ lamports: 5n * SOL });
    const b = c.createStake({ lamports: 3n * SOL });
    c.warpToEpoch(1);
    const source = sourceFor(c);
    const s1 = await source.snapshot(null);
    expect(Object.keys(weights(s1))).toHaveLength(2);

    c.warpToEpoch(2);
    c.deactivate(a.stake, a.authority);
    const s2 = await source.snapshot(s1.cursor);
    // Epoch 2 is a's deactivation epoch: the runtime still counts it as effective (and refuses a withdrawal).
    expect(weights(s2)[a.authority.publicKey.toBase58()]).toBe(delegated(c, 5n * SOL).toString());
    expect(() => c.withdraw(a.stake, a.authority, a.authority.publicKey, 5n * SOL)).toThrow(/InsufficientFunds|custom|failed/i);

    c.warpToEpoch(3);
    const s3 = await source.snapshot(s2.cursor);
    expect(weights(s3)).toEqual({ [b.authority.publicKey.toBase58()]: delegated(c, 3n * SOL).toString() });
    // The runtime agrees it is inactive: the whole balance can be withdrawn, which closes the account.
    c.withdraw(a.stake, a.authority, a.authority.publicKey, 5n * SOL);
    expect(c.svm.getAccount(a.stake.toBase58() as never).exists).toBe(false);
    c.advanceSlots();
    const s4 = await source.snapshot(s3.cursor);
    expect(weights(s4)).toEqual(weights(s3));
    expect(Number(s4.pin.height)).toBeGreaterThan(Number(s3.pin.height));
  });

  it('drops stake re-delegated to another validator, which then shows up under that vote account', async () => {
    const c = await cluster();
    const other = c.createVoteAccount();
    const a = c.createStake({ lamports: 4n * SOL });
    c.warpToEpoch(1);
    c.deactivate(a.stake, a.authority);
    c.warpToEpoch(2);
    c.delegate(a.stake, a.authority, other);
    c.warpToEpoch(3);
    const bridge = await sourceFor(c).snapshot(null);
    expect(bridge.updates).toEqual([]);
    const elsewhere = await sourceFor(c, { voteAccounts: [other.toBase58()] }).snapshot(null);
    expect(weights(elsewhere)).toEqual({ [a.authority.publicKey.toBase58()]: delegated(c, 4n * SOL).toString() });
    const both = await sourceFor(c, { voteAccounts: [c.bridgeVote.toBase58(), other.toBase58()] }).snapshot(null);
    expect(both.updates).toHaveLength(1);
  });

  it('takes the recipient from the withdraw authority’s latest valid ao: memo, ignores invalid ones and keeps unregistered stake unclaimed', async () => {
    const c = await cluster();
    const a = c.createStake({ lamports: 5n * SOL });
    const b = c.createStake({ lamports: 3n * SOL });
    const stranger = Keypair.generate();
    c.register(a.authority, `ao:${arweave(1)}`);
    c.register(stranger, `ao:${arweave(9)}`); // not a depositor (yet)
    c.warpToEpoch(1);
    const source = sourceFor(c);
    const s1 = await source.snapshot(null);
    const [ka, kb] = [a.authority.publicKey.toBase58(), b.authority.publicKey.toBase58()];
    expect(recipients(s1)).toEqual({ [ka]: arweave(1), [kb]: null });

    // b registers; a changes its recipient; then a posts an invalid memo, which changes nothing.
    c.register(b.authority, `ao:${arweave(2)}`);
    c.register(a.authority, `ao:${arweave(3)}`);
    c.advanceSlots();
    const badSignature = c.register(a.authority, 'ao:not-an-arweave-address');
    const wrongPrefix = c.register(a.authority, `AO:${arweave(4)}`);
    c.advanceSlots();
    const s2 = await source.snapshot(s1.cursor);
    expect(recipients(s2)).toEqual({ [ka]: arweave(3), [kb]: arweave(2) });
    expect(s2.notes.some((n) => n.startsWith(`ignored registration ${badSignature}: memo recipient: "not-an-arweave-address" is not an Arweave address`))).toBe(true);
    expect(s2.notes.some((n) => n.startsWith(`ignored registration ${wrongPrefix}: memo`) && n.includes('does not start with "ao:"'))).toBe(true);
    expect(weights(s2)).toEqual(weights(s1));

    // Handing a's withdraw authority to the stranger moves the weight to the stranger, with the stranger's registration.
    c.setWithdrawer(a.stake, a.authority, stranger.publicKey);
    c.advanceSlots();
    const s3 = await source.snapshot(s2.cursor);
    expect(recipients(s3)).toEqual({ [stranger.publicKey.toBase58()]: arweave(9), [kb]: arweave(2) });
    expect(weights(s3)[stranger.publicKey.toBase58()]).toBe(delegated(c, 5n * SOL).toString());
  });

  it('reads each registration once: the source state keeps them, so a restart from the cursor gives the same snapshot', async () => {
    const c = await cluster();
    const a = c.createStake({ lamports: 5n * SOL });
    c.register(a.authority, `ao:${arweave(5)}`);
    c.warpToEpoch(1);
    const state = new MemorySourceState(); // what the ledger keeps
    const source = sourceFor(c, { state });
    const s1 = await source.snapshot(null);
    const again = await source.snapshot(null);
    expect(again.updates).toEqual(s1.updates);
    expect(s1.sourceState).toEqual({ reset: true, changes: [{ kind: RECIPIENT_KIND, key: a.authority.publicKey.toBase58(), value: arweave(5) }] });
    state.apply('sol', s1.sourceState);
    const s2 = await sourceFor(c, { state }).snapshot(s1.cursor); // a fresh process resuming from the stored cursor
    expect(s2.sourceState).toEqual({ reset: false, changes: [] }); // no registration read again
    expect(s2.updates).toEqual(s1.updates);
    expect(JSON.parse(s2.cursor)).toEqual(JSON.parse(s1.cursor));
  });

  it('quotes SOL yield from config or, without an APR override, the cluster’s inflation', async () => {
    const c = await cluster();
    c.createStake({ lamports: 5n * SOL });
    c.warpToEpoch(1);
    const configured = await sourceFor(c, { apr: '0.0712' }).snapshot(null);
    expect(configured.yield).toEqual({ asset: 'SOL', decimals: 9, priceUsd: '150.25', apr: '0.0712', priceSource: 'config', aprSource: 'config' });
    const fed = await sourceFor(c, { priceUsd: undefined, priceFeed: async () => ({ priceUsd: '151.5', source: 'test-feed' }) }).snapshot(null);
    expect(fed.yield?.priceUsd).toBe('151.5');
    expect(fed.yield?.priceSource).toBe('test-feed');
    // litesvm pays no inflation rewards, so the source falls back to the nominal validator rate:
    // year = 32 / 78,892,314.98 slots; total = 0.08 · 0.85^year ≈ 0.0799999…; validator = 95 % of it ≈ 0.076.
    expect(fed.yield?.aprSource).toBe('solana:inflationRate validator epoch 1 (nominal; no bridge reward observed)');
    expect(Number(fed.yield?.apr)).toBeCloseTo(0.076, 6);
    expect(fed.yield?.apr).toMatch(/^0\.[0-9]{1,18}$/);
  });

  it('refuses bad configuration and a bad cursor with coded errors', async () => {
    const c = await cluster();
    const base = { rpcUrls: [c.url], voteAccounts: [c.bridgeVote.toBase58()], registry: c.registry.toBase58(), priceUsd: '1' };
    expect(() => createSolanaSource({ ...base, voteAccounts: ['nope'] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG', message: expect.stringContaining('"nope" is not a base58 Solana address') }));
    expect(() => createSolanaSource({ ...base, voteAccounts: [] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => createSolanaSource({ ...base, priceUsd: undefined })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => createSolanaSource({ ...base, priceUsd: '1.0000000000000000001' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createSolanaSource({ ...base, rpcUrls: ['ftp://x'] })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    expect(() => createSolanaSource({ ...base, attemptsMax: 100 })).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
    await expect(createSolanaSource(base).snapshot('{"v":3}')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^sol cursor: v: .*; expected the cursor of an earlier sol snapshot$/) });
    await expect(createSolanaSource(base).snapshot('not json')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'sol cursor: "not json" is not JSON; expected the cursor of an earlier sol snapshot' });
  });

  it('fails cleanly when the node is behind the cursor’s slot (never goes back in time)', async () => {
    const c = await cluster();
    const future = JSON.stringify({ v: 2, slot: '1000000', lastSignature: null, registrations: 0 });
    const error = await sourceFor(c, { attemptsMax: 1, state: new MemorySourceState() }).snapshot(future).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SOURCE_UNAVAILABLE', message: expect.stringContaining('JSON-RPC error -32016') });
  });

  it('works in-process through the adapter’s fetch, with no HTTP server', async () => {
    const c = await cluster();
    const a = c.createStake({ lamports: 3n * SOL });
    c.warpToEpoch(1);
    const s = await createSolanaSource({ rpcUrls: { fetch: c.rpc.fetch }, voteAccounts: [c.bridgeVote.toBase58()], registry: c.registry.toBase58(), priceUsd: '1' }).snapshot(null);
    expect(weights(s)).toEqual({ [a.authority.publicKey.toBase58()]: delegated(c, 3n * SOL).toString() });
    expect(new PublicKey(s.updates[0]!.account).toBase58()).toBe(s.updates[0]!.account);
  });
});
