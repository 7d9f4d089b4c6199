import { describe, it, expect, beforeAll, afterAll, beforeEach, afterEach } from 'vitest';
import { Decimal } from 'decimal.js';
import { arweaveAddressFromBytes } from '../../../src/address.ts';
import type { ArweaveAddress } from '../../../src/address.ts';
import type { EngineError } from '../../../src/errors.ts';
import type { Snapshot } from '../../../src/bridges/types.ts';
import { createEthereumSource } from '../../../src/bridges/ethereum/source.ts';
import type { EthereumSourceOptions } from '../../../src/bridges/ethereum/source.ts';
import { DEPOSITOR_KIND, DUE_KIND } from '../../../src/bridges/ethereum/state.ts';
import { MemorySourceState } from '../../../src/bridges/source-state.ts';
import { AO_MAINNET, TICK_MS, mintAt, splitMint, tickAt, tickStartMs } from '../../../src/emission/index.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { describeDivergence, verifyLedger } from '../../../src/ledger/audit/index.ts';
import { startLocalEthereum, DSR_5_PERCENT, SSR_6_5_PERCENT } from '../../../devnet/ethereum/local.ts';
import type { LocalEthereum, LocalPool } from '../../../devnet/ethereum/local.ts';
import { mulberry32 } from '../../../src/prng.ts';

/**
 * AO's three Ethereum bridges on the Hardhat devnet: DAI behind a pool-style bridge, USDS
 * behind the single-vault bridge, stETH as before; their APRs from dsr()/ssr()/TokenRebased; the
 * deposit delay at tick boundaries; the three-way split through a real ledger; bad input.
 */
const E18 = 10n ** 18n;
const DAY = 86_400;
let eth: LocalEthereum;
let restore: () => Promise<void>;

beforeAll(async () => {
  eth = await startLocalEthereum();
});
afterAll(async () => eth?.stop());
beforeEach(async () => {
  restore = await eth.checkpoint();
});
afterEach(async () => restore());

const source = (pool: LocalPool, o: Partial<EthereumSourceOptions> & { delaySec?: number } = {}) => {
  const { preBridge, asset } = eth.bridgeOf(pool, o.delaySec ?? 0);
  return createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge, asset, multicall3: eth.multicall3, multicallSize: 4, backoffMsBase: 1, ...o });
};

function arAddress(rand: () => number): ArweaveAddress {
  const bytes = new Uint8Array(32).map(() => Math.floor(rand() * 256));
  bytes[0] = 0xff;
  return arweaveAddressFromBytes(bytes);
}

const latestTimeSec = async (): Promise<number> => Number(BigInt(((await eth.send('eth_getBlockByNumber', ['latest', false])) as { timestamp: string }).timestamp));
const blockTimeSec = async (block: bigint): Promise<number> => Number(BigInt(((await eth.send('eth_getBlockByNumber', [`0x${block.toString(16)}`, false])) as { timestamp: string }).timestamp));

/** APR = (rate/10^27)^31,536,000 − 1 by a different road than rayApr's square-and-multiply: exp(n · ln(rate/10^27)) at 100 digits. */
const independentApr = (ray: bigint): string =>
  new (Decimal.clone({ precision: 100 }))(ray.toString()).div('1e27').ln().mul(31_536_000).exp().sub(1).toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN).toFixed();

describe('DAI and USDS bridges on the Hardhat devnet', () => {
  it('index deposits and withdrawals snapshot by snapshot, cross-checked against usersData and the totals at the pinned block (seeded model)', async () => {
    const rand = mulberry32(Number(process.env.SEED ?? 0x19da1));
    const users = eth.accounts.slice(1, 7);
    for (const pool of ['dai', 'usds'] as const) {
      const src = source(pool);
      const model = new Map<string, { deposited: bigint; recipient: string | null }>();
      const ledger = new Map<string, bigint>();
      let cursor: string | null = null;
      for (let step = 0; step < 24; step++) {
        const user = users[Math.floor(rand() * users.length)]!;
        const m = model.get(user) ?? { deposited: 0n, recipient: null };
        const ar = arAddress(rand);
        if (rand() < 0.6 || m.deposited === 0n) {
          const amount = BigInt(1 + Math.floor(rand() * 500)) * 10n ** 16n;
          await eth.stakeStable(pool, user, amount, ar);
          m.deposited += amount;
        } else {
          const amount = m.deposited / 2n + 1n;
          await eth.withdrawStable(pool, user, amount, ar);
          m.deposited -= amount;
        }
        m.recipient = ar;
        model.set(user, m);
        if (step % 4 !== 3) continue;
        // Every read is cross-checked inside the snapshot (usersData of each touched depositor, the totals):
        // a disagreement would throw SNAPSHOT_MISMATCH. Here the result is also checked against the model.
        const snap: Snapshot = await src.snapshot(cursor);
        if (snap.complete) ledger.clear();
        for (const u of snap.updates) ledger.set(u.account, u.weight);
        cursor = snap.cursor;
        for (const [u, v] of model) expect(ledger.get(u) ?? 0n, `${pool} ${u}`).toBe(v.deposited);
        expect(snap.yield?.asset).toBe(pool.toUpperCase());
      }
    }
  });

  it('quotes the DAI APR from the Pot dsr() and the USDS APR from sUSDS ssr(), equal to an independent computation, with the block', async () => {
    // Maker's rate table: 1000000001547125957863212448 is 5 %, 1000000000627937192491029810 is 2 %:
    // (rate/10^27)^31,536,000 − 1 = 0.05 and 0.02 to 18 decimals (the table rounds 1.05^(1/31,536,000) · 10^27 down).
    const dai = await source('dai').snapshot(null);
    expect(dai.yield).toMatchObject({ asset: 'DAI', apr: '0.05', priceUsd: '1.0001', aprSource: `maker:Pot.dsr=${DSR_5_PERCENT}@${dai.pin.height}` });
    expect(dai.yield!.apr).toBe(independentApr(DSR_5_PERCENT).replace(/\.?0+$/, ''));
    const usds = await source('usds').snapshot(null);
    expect(usds.yield).toMatchObject({ asset: 'USDS', priceUsd: '0.9999', aprSource: `sky:sUSDS.ssr=${SSR_6_5_PERCENT}@${usds.pin.height}` });
    expect(usds.yield!.apr).toBe(independentApr(SSR_6_5_PERCENT).replace(/\.?0+$/, ''));
    expect(Math.abs(Number(usds.yield!.apr) - 0.065)).toBeLessThan(1e-15);
    const two = 1000000000627937192491029810n;
    const { block } = await eth.setSavingsRate('dai', two);
    const after = await source('dai').snapshot(null);
    expect(after.yield).toMatchObject({ apr: '0.02', aprSource: `maker:Pot.dsr=${two}@${block}` });
  });

  it('splits the bridge part three ways by deposits · price · APR to the base unit (largest remainder, conservation) in a real ledger', async () => {
    await eth.stake(eth.accounts[1]!, 7n * E18, null); // stETH at 3,000.12345678 USD, APR from the start-up rebase (3.2 %)
    await eth.stakeStable('dai', eth.accounts[2]!, 10_000n * E18, null); // DAI 1.0001 USD at 5 %
    await eth.stakeStable('usds', eth.accounts[3]!, 25_000n * E18 + 1n, null); // USDS 0.9999 USD at 6.5 %
    const snaps = await Promise.all((['steth', 'dai', 'usds'] as const).map((p) => source(p).snapshot(null)));
    const genesisMs = Math.floor(snaps[0]!.pin.timeMs / TICK_MS) * TICK_MS;
    const ledger = await openLedger({ url: 'sqlite::memory:' });
    await ledger.migrate();
    try {
      const applied = await ledger.applyTick({ tick: 1, genesisMs, policy: AO_MAINNET, snapshots: snaps });
      // Independently: B = mint − AR; w = deposits · 10^(18−decimals) · price·10^18 · apr·10^18 (exact decimals);
      // part = floor(B·w/W), the B − Σ floor leftover units to the largest remainders B·w mod W.
      const bridges = splitMint(AO_MAINNET, 1, mintAt(AO_MAINNET.curve, 1), genesisMs).bridges;
      const fixed = (t: string): bigint => {
        const [i, f = ''] = t.split('.');
        return BigInt(i!) * E18 + BigInt(f.padEnd(18, '0'));
      };
      const w = snaps.map((s) => s.updates.reduce((t, u) => t + u.weight, 0n) * fixed(s.yield!.priceUsd) * fixed(s.yield!.apr));
      const W = w.reduce((a, b) => a + b, 0n);
      const base = w.map((x) => (bridges * x) / W);
      const rem = w.map((x, i) => ({ i, r: (bridges * x) % W })).sort((a, b) => (a.r > b.r ? -1 : a.r < b.r ? 1 : 0));
      for (let left = bridges - base.reduce((a, b) => a + b, 0n), j = 0; left > 0n; left--, j++) base[rem[j]!.i]! += 1n;
      const amounts = Object.fromEntries(applied.pools.map((p) => [p.pool, p.amount]));
      expect([amounts['steth'], amounts['dai'], amounts['usds']]).toEqual(base);
      expect(amounts['steth']! + amounts['dai']! + amounts['usds']!).toBe(bridges);
      expect(applied.bridgeCarryOut).toBe(0n);
      expect((await ledger.conservation()).ok).toBe(true);
      expect((await verifyLedger(ledger.db)).divergences.map(describeDivergence)).toEqual([]);
    } finally {
      await ledger.close();
    }
  });
});

describe('the deposit delay (24 h, counted at tick boundaries) through a real ledger', () => {
  it('counts a deposit from exactly the first tick starting at or after its block time + 24 h; a deposit withdrawn within its delay earns nothing; a larger withdrawal takes the rest from the counted part', async () => {
    const [a, b, c] = [eth.accounts[4]!, eth.accounts[5]!, eth.accounts[6]!];
    const arA = arAddress(mulberry32(0xa));
    const genesisMs = Math.floor(((await latestTimeSec()) * 1000) / TICK_MS) * TICK_MS - 10 * TICK_MS;
    const ledger: Ledger = await openLedger({ url: 'sqlite::memory:' });
    await ledger.migrate();
    const src = source('dai', { delaySec: DAY, genesisMs, state: ledger.sourceState() });
    let last = 0;
    /** Applies empty ticks up to tick − 1, then tick with a DAI snapshot taken for it. */
    const tickWith = async (tick: number): Promise<Snapshot> => {
      for (let k = last + 1; k < tick; k++) await ledger.applyTick({ tick: k, genesisMs, policy: AO_MAINNET, snapshots: [] });
      const snap = await src.snapshot(await ledger.cursor('dai'), undefined, { tick });
      await ledger.applyTick({ tick, genesisMs, policy: AO_MAINNET, snapshots: [snap] });
      last = tick;
      return snap;
    };
    /** The first tick starting at or after t + 24 h, computed here from the tick grid: genesis + (k − 1) · 300 s ≥ (t + 86,400) · 1000. */
    const dueOf = (tSec: number): number => {
      let k = 1;
      while (tickStartMs(k, genesisMs) < (tSec + DAY) * 1000) k++;
      return k;
    };
    try {
      // C's first deposit counts after its delay (the counted part the withdrawal below reaches into).
      const c1 = await eth.stakeStable('dai', c, 30n * E18, null);
      await tickWith(tickAt((await latestTimeSec()) * 1000, genesisMs));
      await eth.advance(DAY + 600);
      const dueC1 = dueOf(await blockTimeSec(c1.block));
      await tickWith(dueC1);
      expect((await ledger.account('dai', c))?.weight).toBe(30n * E18);

      // A deposits; B deposits and withdraws it all within the delay; C deposits 20 more, then withdraws 35.
      const sa = await eth.stakeStable('dai', a, 100n * E18, arA);
      await eth.stakeStable('dai', b, 50n * E18, null);
      await eth.withdrawStable('dai', b, 50n * E18, null);
      await eth.stakeStable('dai', c, 20n * E18, null);
      await eth.withdrawStable('dai', c, 35n * E18, null); // 20 from the queued deposit, 15 from the counted 30
      const dueA = dueOf(await blockTimeSec(sa.block));
      const s1 = await tickWith(last + 1);
      expect(s1.updates).toEqual(expect.arrayContaining([{ account: a, recipient: arA, weight: 0n }, { account: c, recipient: null, weight: 15n * E18 }]));
      expect(s1.notes.some((n) => /1 depositor\(s\) with 100000000000000000000 base units in the deposit delay/.test(n))).toBe(true);
      // The queue is source state in the ledger: A's row carries it, and the due row of A's tick lists A.
      const rows = await ledger.sourceState().read('dai', DEPOSITOR_KIND, [a, b, c]);
      expect(JSON.parse(rows.get(a)!)).toEqual([String(100n * E18), arA, [[dueA, String(100n * E18)]]]);
      expect(JSON.parse(rows.get(c)!)).toEqual([String(15n * E18), null]);
      expect(rows.has(b)).toBe(false);
      expect(JSON.parse((await ledger.sourceState().read('dai', DUE_KIND, [String(dueA)])).get(String(dueA))!)).toContain(a);

      await eth.advance(DAY + 600);
      const before = await tickWith(dueA - 1);
      expect(before.updates.find((u) => u.account === a)).toBeUndefined();
      expect((await ledger.account('dai', a))).toBeNull(); // never held weight: no account, nothing accrued
      const at = await tickWith(dueA);
      expect(at.updates).toEqual([{ account: a, recipient: arA, weight: 100n * E18 }]);
      const viewA = (await ledger.account('dai', a))!;
      expect(viewA).toMatchObject({ weight: 100n * E18, joinedTick: dueA });
      expect(viewA.unsettled).toBeGreaterThan(0n); // earns from tick dueA on
      expect(await ledger.account('dai', b)).toBeNull(); // B's deposit never counted: it earned nothing
      expect((await ledger.account('dai', c))?.weight).toBe(15n * E18);
      expect((await ledger.sourceState().read('dai', DUE_KIND, [String(dueA)])).size).toBe(0); // consumed
      expect((await ledger.conservation()).ok).toBe(true);

      // A restart (a new source on the same ledger) continues from the rows, not from memory.
      const again = source('dai', { delaySec: DAY, genesisMs, state: ledger.sourceState() });
      const next = await again.snapshot(await ledger.cursor('dai'), undefined, { tick: dueA + 1 });
      expect(next.updates).toEqual([]);

      // The audit replays the dai pool and its queued-deposit rows: clean, before and after a settlement.
      expect((await verifyLedger(ledger.db)).divergences.map(describeDivergence)).toEqual([]);
      const owedA = (await ledger.account('dai', a))!.unsettled; // A is the one depositor with a recipient
      const settled = await ledger.settle('dai', last);
      expect(settled?.total).toBe(owedA);
      const audit = await verifyLedger(ledger.db);
      expect(audit.divergences.map(describeDivergence)).toEqual([]);
      expect(audit.settlements).toBe(1);
    } finally {
      await ledger.close();
    }
  });
});

describe('bad input: one line naming the pool and the field; nothing is applied', () => {
  it('a bridge address with no contract (wrong address) is SNAPSHOT_MISMATCH naming dai.bridge', async () => {
    const { asset } = eth.bridgeOf('dai');
    const src = createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.accounts[9]!, asset, backoffMsBase: 1 });
    const err = (await src.snapshot(null).catch((e: unknown) => e)) as EngineError;
    expect(err.code).toBe('SNAPSHOT_MISMATCH');
    expect(err.message).toBe(`dai.bridge: no contract at ${eth.accounts[9]} at block ${await eth.blockNumber()}; expected the DAI bridge (wrong address or chain?)`);
    // A contract of another ABI at the Pot's address (Multicall3 has no dsr(): the call reverts).
    const wrongPot = createEthereumSource({ rpcUrls: [eth.rpcUrl], chainId: eth.chainId, preBridge: eth.dai.bridge, asset: { ...asset, apr: { kind: 'dsr', pot: eth.multicall3 } }, backoffMsBase: 1, attemptsMax: 1 });
    const err2 = (await wrongPot.snapshot(null).catch((e: unknown) => e)) as EngineError;
    expect(err2.code).toBe('SNAPSHOT_MISMATCH');
    expect(err2.message).toBe(`dai.pot ${eth.multicall3} dsr(): reverted at block ${await eth.blockNumber()}; no contract there answers the DAI ABI (wrong address?)`);
  });

  it('a feed older than priceMaxAge is an error naming the pool and the feed, and the tick runner applies nothing', async () => {
    await eth.stakeStable('usds', eth.accounts[1]!, 5n * E18, null);
    await eth.advance(DAY + 1, { heartbeat: false }); // no feed has posted for a day and a second
    const src = source('usds');
    const err = (await src.snapshot(null).catch((e: unknown) => e)) as EngineError;
    expect(err.code).toBe('SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(new RegExp(`^usds\\.feed: price feed ${eth.usds.feed} last updated 864[0-9]{2} s before block [0-9]+, over the 86400 s limit \\(priceMaxAge\\); the tick waits for a fresh price$`));
    // Through the tick loop: the run fails with that line and the ledger stays at tick 0.
    const { syntheticService, tempDir } = await import('../../service/support/harness.ts');
    const { ManualClock } = await import('../../../src/clock.ts');
    const genesisMs = Math.floor(((await latestTimeSec()) * 1000) / TICK_MS) * TICK_MS - 2 * TICK_MS;
    const clock = new ManualClock(genesisMs + TICK_MS);
    const service = await syntheticService({ databaseUrl: `sqlite:${tempDir('stale')}/l.db`, population: { seed: 1 }, clock, extra: { genesisMs, sources: [source('usds')], settlementTicks: { usds: 288 } } });
    try {
      const outcome = await service.runNow();
      expect(outcome.kind).toBe('failed');
      expect(outcome.kind === 'failed' && outcome.error.message).toMatch(/^source usds: no snapshot for tick 1 after 3 attempts: usds\.feed: price feed .* over the 86400 s limit/);
      expect(await service.ledger.lastAppliedTick()).toBe(0);
    } finally {
      await service.stop();
    }
  });
});

describe('the deposit delay against a model (seeded)', () => {
  it('each snapshot gives the weights of the model: deposits count from their due tick, withdrawals take queued deposits first, across restarts', async () => {
    const seed = Number(process.env.SEED ?? 0xde1a7);
    const rand = mulberry32(seed);
    const users = eth.accounts.slice(1, 5);
    const genesisMs = Math.floor(((await latestTimeSec()) * 1000) / TICK_MS) * TICK_MS - 3 * TICK_MS;
    const state = new MemorySourceState();
    const make = () => source('usds', { delaySec: DAY, genesisMs, state });
    let src = make();
    // The model: per user, deposited and the queue [due tick, amount] (the rule of DESIGN.md §3, written out here).
    type Entry = { due: number; amount: bigint };
    const model = new Map<string, { deposited: bigint; queue: Entry[] }>(users.map((u) => [u, { deposited: 0n, queue: [] }]));
    const pending: { user: string; kind: 'stake' | 'withdraw'; amount: bigint; block: bigint }[] = [];
    const dueOf = (tSec: number): number => Math.max(1, Math.ceil(((tSec + DAY) * 1000 - genesisMs) / TICK_MS) + 1);
    let cursor: string | null = null;
    const weights = new Map<string, bigint>();
    for (let step = 0; step < 40; step++) {
      const user = users[Math.floor(rand() * users.length)]!;
      const m = model.get(user)!;
      const roll = rand();
      if (roll < 0.45 || m.deposited === 0n) {
        const amount = BigInt(1 + Math.floor(rand() * 100)) * E18;
        pending.push({ user, kind: 'stake', amount, block: (await eth.stakeStable('usds', user, amount, null)).block });
        m.deposited += amount;
      } else if (roll < 0.7) {
        const amount = BigInt(1 + Math.floor(rand() * Number(m.deposited / E18))) * E18;
        pending.push({ user, kind: 'withdraw', amount, block: (await eth.withdrawStable('usds', user, amount, null)).block });
        m.deposited -= amount;
      } else {
        await eth.advance(Math.floor(rand() * 30 * 3600));
      }
      if (rand() < 0.4) continue;
      // A snapshot for the tick in progress now: first what is due by its start counts, then the new events apply.
      const tick = tickAt((await latestTimeSec()) * 1000, genesisMs);
      for (const v of model.values()) v.queue = v.queue.filter((e) => e.due > tick);
      for (const ev of pending.splice(0)) {
        const v = model.get(ev.user)!;
        if (ev.kind === 'stake') {
          const due = dueOf(await blockTimeSec(ev.block));
          if (due > tick) v.queue.push({ due, amount: ev.amount });
        } else {
          let rest = ev.amount;
          v.queue.sort((x, y) => x.due - y.due);
          while (rest > 0n && v.queue.length > 0) {
            const last = v.queue[v.queue.length - 1]!;
            const take = last.amount < rest ? last.amount : rest;
            last.amount -= take;
            rest -= take;
            if (last.amount === 0n) v.queue.pop();
          }
        }
      }
      const snap: Snapshot = await src.snapshot(cursor, undefined, { tick });
      state.apply('usds', snap.sourceState);
      cursor = snap.cursor;
      if (snap.complete) weights.clear();
      for (const u of snap.updates) weights.set(u.account, u.weight);
      for (const [u, v] of model) {
        const expected = v.queue.reduce((t, e) => t - e.amount, v.deposited);
        expect(weights.get(u) ?? 0n, `seed ${seed} step ${step} tick ${tick} ${u}`).toBe(expected);
      }
      if (rand() < 0.3) src = make(); // a restart: the queue lives in the rows, not in the source
    }
  });
});

describe('the deposit delay through the service', () => {
  it('the tick loop names each snapshot its tick (through the health tracker): a deposit queued at tick K counts from its due tick, not from chain time', async () => {
    const { syntheticService, tempDir } = await import('../../service/support/harness.ts');
    const { ManualClock } = await import('../../../src/clock.ts');
    // Genesis 10 ticks before the chain's clock, the service's clock 40 ticks on: ticks 1..40 are due.
    const genesisMs = Math.floor(((await latestTimeSec()) * 1000) / TICK_MS) * TICK_MS - 10 * TICK_MS;
    const clock = new ManualClock(genesisMs + 40 * TICK_MS);
    const service = await syntheticService({ databaseUrl: `sqlite:${tempDir('delay-service')}/l.db`, population: { seed: 1 }, clock, extra: { genesisMs, sources: [source('dai', { delaySec: DAY, genesisMs })], settlementTicks: { dai: 288 } } });
    try {
      await eth.stakeStable('dai', eth.accounts[1]!, 9n * E18, null);
      expect(await service.runNow()).toMatchObject({ kind: 'applied', lastTick: 40 });
      const cursor = JSON.parse((await service.ledger.cursor('dai'))!) as { countedTick: number };
      expect(cursor.countedTick).toBe(40); // the tick the runner named, not the chain's tick (≈ 11)
      expect(await service.ledger.account('dai', eth.accounts[1]!)).toBeNull(); // queued: a day to go
    } finally {
      await service.stop();
    }
  });
});

describe('source state kept by a memory store', () => {
  it('a first snapshot after the delay counts old deposits at once and queues only the recent ones', async () => {
    await eth.stakeStable('dai', eth.accounts[1]!, 3n * E18, null);
    await eth.advance(DAY + 600);
    await eth.stakeStable('dai', eth.accounts[2]!, 4n * E18, null);
    const state = new MemorySourceState();
    const snap = await source('dai', { delaySec: DAY, state }).snapshot(null);
    expect(snap.complete).toBe(true);
    expect(snap.updates).toEqual([{ account: eth.accounts[1], recipient: null, weight: 3n * E18 }]);
    state.apply('dai', snap.sourceState);
    expect(await state.count('dai', DUE_KIND)).toBe(1);
  });
});
