import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { arweaveAddressFromBytes } from '../../../src/address.ts';
import type { ArweaveAddress } from '../../../src/address.ts';
import type { EngineError } from '../../../src/errors.ts';
import type { Snapshot } from '../../../src/bridges/types.ts';
import { createEthereumSource } from '../../../src/bridges/ethereum/source.ts';
import { DEPOSITOR_KIND } from '../../../src/bridges/ethereum/state.ts';
import { MemorySourceState } from '../../../src/bridges/source-state.ts';
import type { EthereumSourceOptions } from '../../../src/bridges/ethereum/source.ts';
import { startLocalEthereum } from '../../../devnet/ethereum/local.ts';
import type { LocalEthereum } from '../../../devnet/ethereum/local.ts';
import { mulberry32 } from '../../../src/prng.ts';

const E18 = 10n ** 18n;
let eth: LocalEthereum;
let restore: () => Promise<void>;

beforeAll(async () => {
  eth = await startLocalEthereum();
  await eth.rebase({ aprBps: 300, timeElapsedSec: 86_400 }); // every test starts with one Lido report on chain
});
afterAll(async () => eth?.stop());
beforeEach(async () => {
  restore = await eth.checkpoint();
});
afterEach(async () => restore());

// Cross-checks through Multicall3 in groups of 4 here (the fault tests use plain eth_call batches).
const source = (o: Partial<EthereumSourceOptions> = {}) =>
  createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.preBridge, stETH: eth.stETH, chainlinkEthUsd: eth.aggregator, multicall3: eth.multicall3, multicallSize: 4, backoffMsBase: 1, ...o });

/** A deterministic random Arweave address (raw bytes that are not all base64url text). */
function arAddress(rand: () => number): ArweaveAddress {
  const bytes = new Uint8Array(32).map(() => Math.floor(rand() * 256));
  bytes[0] = 0xff;
  return arweaveAddressFromBytes(bytes);
}
/** The address pasted as text: 32 base64url characters in the bytes32 (not a raw address). */
const malformed = (ar: string): string => '0x' + Buffer.from(ar.slice(0, 32), 'latin1').toString('hex');

/** What the ledger would hold after applying snapshots: complete replaces, incremental merges. */
function applyToLedger(ledger: Map<string, { weight: bigint; recipient: string | null }>, s: Snapshot): void {
  if (s.complete) ledger.clear();
  for (const u of s.updates) {
    if (u.weight === 0n && s.complete) continue;
    ledger.set(u.account, { weight: u.weight, recipient: u.recipient });
  }
  for (const [k, v] of ledger) if (v.weight === 0n) ledger.delete(k);
}

type Model = Map<string, { deposited: bigint; recipient: string | null }>;
const cloneModel = (m: Model): Model => new Map([...m].map(([k, v]) => [k, { ...v }]));
const modelView = (m: Model) => new Map([...m].filter(([, v]) => v.deposited > 0n).map(([k, v]) => [k, { weight: v.deposited, recipient: v.recipient }]));

describe('ethereum source on a local Hardhat chain', () => {
  it('tracks many depositors staking and withdrawing across blocks and rebases, snapshot by snapshot, at lagged pins (seeded model)', async () => {
    const seed = Number(process.env.SEED ?? 0x5eed);
    const rand = mulberry32(seed);
    const users = eth.accounts.slice(1, 13);
    const model: Model = new Map();
    const history: { block: bigint; model: Model }[] = [{ block: await eth.blockNumber(), model: new Map() }];
    const at = (block: bigint): Model => [...history].reverse().find((h) => h.block <= block)!.model;
    const lag = 2;
    const src = source({ finalityLagBlocks: lag });
    const ledger = new Map<string, { weight: bigint; recipient: string | null }>();
    let cursor: string | null = null;
    try {
      for (let step = 0; step < 120; step++) {
        const user = users[Math.floor(rand() * users.length)]!;
        const m = model.get(user) ?? { deposited: 0n, recipient: null };
        const roll = rand();
        const addrRoll = rand();
        const addr = addrRoll < 0.5 ? arAddress(rand) : addrRoll < 0.75 ? null : malformed(arAddress(rand));
        const validAddr = addrRoll < 0.5 ? (addr as string) : null;
        let block: bigint;
        let links = false; // stake and withdraw carry an Arweave address; eject and rebase do not
        if (roll < 0.55 || m.deposited === 0n) {
          links = true;
          const amount = BigInt(1 + Math.floor(rand() * 1000)) * 10n ** 15n + BigInt(Math.floor(rand() * 1000));
          const r = await eth.stake(user, amount, addr);
          expect(amount - r.credited >= 0n && amount - r.credited <= 2n).toBe(true); // stETH's 1–2 wei transfer rounding
          m.deposited += r.credited;
          block = r.block;
        } else if (roll < 0.85) {
          const amount = (m.deposited * BigInt(1 + Math.floor(rand() * 100))) / 100n;
          links = true;
          block = (await eth.withdraw(user, amount, addr)).block;
          m.deposited -= amount;
        } else if (roll < 0.93) {
          block = (await eth.eject(user)).block;
          m.deposited = 0n;
        } else {
          block = (await eth.rebase({ aprBps: 200 + Math.floor(rand() * 300), timeElapsedSec: 86_400 })).block;
        }
        if (validAddr !== null && links) m.recipient = validAddr;
        model.set(user, m);
        history.push({ block, model: cloneModel(model) });
        if (step % 10 === 9) {
          const snap = await src.snapshot(cursor);
          const pinned = BigInt(snap.pin.height);
          expect(pinned).toBe((await eth.blockNumber()) - BigInt(lag));
          applyToLedger(ledger, snap);
          expect(ledger, `seed=${seed} step=${step}`).toEqual(modelView(at(pinned)));
          expect(snap.complete).toBe(cursor === null);
          cursor = snap.cursor;
        }
      }
    } catch (e) {
      console.error(`reproduce with SEED=${seed}`);
      throw e;
    }
  });

  it('credits the stETH balance change (1–2 wei less than requested after a rebase), not the requested amount', async () => {
    await eth.rebase({ aprBps: 337, timeElapsedSec: 86_400 }); // share rate no longer 1: transfers round down
    const user = eth.accounts[1]!;
    const requested = 1_000_000_000_000_000_001n;
    const { credited } = await eth.stake(user, requested, null);
    expect(requested - credited).toBeGreaterThanOrEqual(1n);
    expect(requested - credited).toBeLessThanOrEqual(2n);
    const snap = await source().snapshot(null);
    expect(snap.updates).toEqual([{ account: user, recipient: null, weight: credited }]);
  });

  it('keeps an ejected depositor at weight 0 with their recipient, and a zero-address stake later does not unlink it', async () => {
    const ar = arAddress(mulberry32(7));
    const user = eth.accounts[2]!;
    const src = source();
    const first = await eth.stake(user, 5n * E18, ar);
    const s1 = await src.snapshot(null);
    expect(s1.updates).toEqual([{ account: user, recipient: ar, weight: first.credited }]);
    await eth.eject(user);
    const s2 = await src.snapshot(s1.cursor);
    expect(s2.updates).toEqual([{ account: user, recipient: ar, weight: 0n }]);
    const { credited } = await eth.stake(user, 2n * E18, null);
    const s3 = await src.snapshot(s2.cursor);
    expect(s3.updates).toEqual([{ account: user, recipient: ar, weight: credited }]);
  });

  it('leaves a deposit with a zero or malformed Arweave address unclaimed, and claims it when a later stake links one', async () => {
    const [a, b] = [eth.accounts[3]!, eth.accounts[4]!];
    const ar = arAddress(mulberry32(9));
    const src = source();
    const ca = (await eth.stake(a, 3n * E18, null)).credited;
    const cb = (await eth.stake(b, 4n * E18, malformed(ar))).credited;
    const s1 = await src.snapshot(null);
    expect(s1.updates).toEqual([
      { account: a, recipient: null, weight: ca },
      { account: b, recipient: null, weight: cb },
    ].sort((x, y) => (x.account < y.account ? -1 : 1)));
    expect(s1.notes.some((n) => n.includes('2 depositor(s) with no valid Arweave address'))).toBe(true);
    const cb2 = (await eth.stake(b, 1n * E18, ar)).credited;
    const s2 = await src.snapshot(s1.cursor);
    expect(s2.complete).toBe(false);
    expect(s2.updates).toEqual([{ account: b, recipient: ar, weight: cb + cb2 }]);
  });

  it('takes a snapshot at a past block equal to the state and the ETH/USD price at that block', async () => {
    const user = eth.accounts[5]!;
    await eth.setEthUsd(2_500_00000000n);
    const { credited } = await eth.stake(user, 1n * E18, null);
    const past = await eth.blockNumber();
    await eth.stake(user, 1n * E18, null); // mint + stake: two more blocks
    await eth.setEthUsd(4_000_50000000n);
    const lag = Number((await eth.blockNumber()) - past);
    const snap = await source({ finalityLagBlocks: lag }).snapshot(null);
    expect(snap.pin.height).toBe(past.toString());
    expect(snap.updates).toEqual([{ account: user, recipient: null, weight: credited }]);
    expect(snap.yield?.priceUsd).toBe('2500');
    expect(snap.yield?.priceSource).toMatch(new RegExp(`^chainlink:${eth.aggregator}@${past} age [0-9]+s$`)); // block, feed and the answer's age at the pin
    expect((await source().snapshot(null)).yield?.priceUsd).toBe('4000.5');
  });

  it('quotes the APR of the latest TokenRebased at or before the pinned block (Lido method) and records the block', async () => {
    // Two source instances (a restart) sharing the state a ledger would keep.
    const state = new MemorySourceState();
    const before = await source({ state }).snapshot(null);
    state.apply('steth', before.sourceState);
    const { block } = await eth.rebase({ aprBps: 420, timeElapsedSec: 86_400 });
    const after = await source({ state }).snapshot(before.cursor);
    expect(after.yield?.aprSource).toBe(`lido:TokenRebased@${block}`);
    // Built as pre · (1 + 0.042 · 1 day / 365 days), rounded down to the wei: 0.042 to ≥ 15 decimals.
    expect(Math.abs(Number(after.yield!.apr) - 0.042)).toBeLessThan(1e-15);
    expect(before.yield?.aprSource).not.toBe(after.yield?.aprSource);
  });

  it('uses the configured price and APR when overridden', async () => {
    const snap = await source({ overrides: { priceUsd: '3456.78', apr: '0.031' } }).snapshot(null);
    expect(snap.yield).toEqual({ asset: 'stETH', decimals: 18, priceUsd: '3456.78', apr: '0.031', priceSource: 'config', aprSource: 'config' });
  });

  it('fails with SOURCE_UNAVAILABLE when no TokenRebased is within reach and no APR is configured', async () => {
    const err = await source({ stETH: eth.aggregator }).snapshot(null).catch((e: unknown) => e);
    expect((err as EngineError).code).toBe('SOURCE_UNAVAILABLE');
    expect((err as Error).message).toMatch(/no usable Lido TokenRebased/);
  });

  it('pins to latest − confirmations when configured', async () => {
    await eth.mine(20);
    const latest = await eth.blockNumber();
    const snap = await source({ confirmations: 12 }).snapshot(null);
    expect(snap.pin.height).toBe((latest - 12n).toString());
    expect(snap.pin.hash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it('scans ≥ 10,000 blocks in bounded chunks with the same result as one wide scan', async () => {
    const users = eth.accounts.slice(6, 10);
    const credited: bigint[] = [];
    for (const [i, user] of users.entries()) {
      credited.push((await eth.stake(user, BigInt(i + 1) * E18, arAddress(mulberry32(i)))).credited);
      await eth.mine(3_000);
    }
    await eth.withdraw(users[0]!, E18 / 2n, null);
    expect(await eth.blockNumber()).toBeGreaterThan(12_000n);
    const chunked = source({ chunkBlocks: 500 });
    const wide = source({ chunkBlocks: 1_000_000 });
    const [a, b] = [await chunked.snapshot(null), await wide.snapshot(null)];
    expect(a.updates).toEqual(b.updates);
    const expected = new Map(users.map((u, i) => [u, i === 0 ? credited[0]! - E18 / 2n : credited[i]!]));
    expect(new Map(a.updates.map((u) => [u.account, u.weight]))).toEqual(expected);
    expect(chunked.stats.requests - wide.stats.requests).toBeGreaterThanOrEqual(24); // ≥ 12,000 / 500 getLogs vs 1
  });

  it('rescans from the start (complete snapshot, noted) when the cursor block was reorganised away', async () => {
    const [a, b] = [eth.accounts[10]!, eth.accounts[11]!];
    const src = source();
    const fork = await eth.checkpoint();
    await eth.stake(a, 7n * E18, null);
    const s1 = await src.snapshot(null);
    await fork(); // the blocks holding a's stake are gone
    const { credited } = await eth.stake(b, 8n * E18, null);
    await eth.mine(5);
    const s2 = await src.snapshot(s1.cursor);
    expect(s2.complete).toBe(true);
    expect(s2.notes.some((n) => n.startsWith('re-pinned after a fork'))).toBe(true);
    expect(s2.updates).toEqual([{ account: b, recipient: null, weight: credited }]);
  });

  it('fails loudly with SNAPSHOT_MISMATCH when the indexed deposits disagree with usersData / totals at the pinned block', async () => {
    const user = eth.accounts[12]!;
    // The stored state (what the ledger keeps) is forged: the user's row and the cursor's total say 1 wei more.
    const state = new MemorySourceState();
    const src = source({ state });
    const c1 = (await eth.stake(user, 2n * E18, null)).credited;
    const s1 = await src.snapshot(null);
    state.apply('steth', s1.sourceState);
    const cursorBefore = JSON.parse(s1.cursor) as { totalDeposited: string; depositors: number };
    const total = BigInt(cursorBefore.totalDeposited);
    const forged = s1.cursor.replace(`"totalDeposited":"${total}"`, `"totalDeposited":"${total + 1n}"`);
    expect(forged).not.toBe(s1.cursor);
    state.apply('steth', { reset: false, changes: [{ kind: DEPOSITOR_KIND, key: user, value: JSON.stringify([String(c1 + 1n), null]) }] });
    const c2 = (await eth.stake(user, E18, null)).credited;
    const err = (await src.snapshot(forged).catch((e: unknown) => e)) as EngineError;
    expect(err.code).toBe('SNAPSHOT_MISMATCH');
    expect(err.message).toContain(`usersData(${user}, 0).deposited is ${c1 + c2} wei at block`);
    expect(err.message).toContain(`the indexed events give ${c1 + c2 + 1n} wei`);
    // An untouched depositor's error is caught by the pool totals.
    await eth.mine(1);
    state.apply('steth', { reset: false, changes: [{ kind: DEPOSITOR_KIND, key: user, value: JSON.stringify([String(c1), null]) }, { kind: DEPOSITOR_KIND, key: `0x${'77'.repeat(20)}`, value: JSON.stringify(['1', null]) }] });
    const err2 = (await src.snapshot(forged.replace(`"depositors":${cursorBefore.depositors}`, `"depositors":${cursorBefore.depositors + 1}`)).catch((e: unknown) => e)) as EngineError;
    expect(err2.code).toBe('SNAPSHOT_MISMATCH');
  });

  it('refuses a cursor whose depositors the source state does not hold (a foreign cursor, or a store of another ledger)', async () => {
    await eth.stake(eth.accounts[13]!, E18, null);
    const s1 = await source().snapshot(null);
    const depositors = (JSON.parse(s1.cursor) as { depositors: number }).depositors;
    expect(depositors).toBeGreaterThan(0);
    // A source that keeps its own state knows only the cursors it returned.
    await expect(source().snapshot(s1.cursor)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^steth cursor: not one this source returned/) });
    // A reader whose rows are not the cursor's: the count in the cursor tells.
    await expect(source({ state: new MemorySourceState() }).snapshot(s1.cursor)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `steth cursor: counts ${depositors} depositors but the source state holds 0; the state is not the cursor's`,
    });
  });

  it('refuses bad configuration with INVALID_CONFIG naming the field', () => {
    const base = { rpcUrls: [eth.rpcUrl], chainId: 31337, preBridge: eth.preBridge, stETH: eth.stETH, chainlinkEthUsd: eth.aggregator };
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return `${(e as EngineError).code}: ${(e as Error).message}`;
      }
    };
    expect(code(() => createEthereumSource({ ...base, preBridge: '0x1234' }))).toMatch(/^INVALID_CONFIG: ethereum.preBridge/);
    expect(code(() => createEthereumSource({ ...base, chainlinkEthUsd: undefined }))).toMatch(/^INVALID_CONFIG: ethereum.chainlinkEthUsd/);
    expect(code(() => createEthereumSource({ ...base, stETH: undefined }))).toMatch(/^INVALID_CONFIG: ethereum.stETH/);
    expect(code(() => createEthereumSource({ ...base, overrides: { apr: '-0.1' } }))).toMatch(/^INVALID_CONFIG: ethereum.overrides.apr/);
    expect(code(() => createEthereumSource({ ...base, rpcUrls: ['ftp://user:secret@host/x'] }))).toMatch(/^INVALID_CONFIG: ethereum.rpcUrls: ftp:\/\/\*\*\*@host\/… uses ftp:/);
    expect(code(() => createEthereumSource({ ...base, rpcUrls: [] }))).toMatch(/^INVALID_CONFIG/);
    expect(code(() => createEthereumSource({ ...base, chunkBlocks: 0 }))).toMatch(/^INVALID_CONFIG: ethereum.chunkBlocks/);
    // Mainnet: stETH from @lido-sdk/constants and the Chainlink ETH/USD feed are known defaults.
    expect(code(() => createEthereumSource({ rpcUrls: ['https://rpc.invalid/'], chainId: 1, preBridge: '0xfE08D40Eee53d64936D3128838867c867602665c' }))).toBe('ok');
  });
});
