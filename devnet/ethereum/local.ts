import assert from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Interface } from 'ethers';
import { arweaveAddressToBytes, parseArweaveAddress } from '../../src/address.ts';
import { EngineError } from '../../src/errors.ts';
import type { EthereumAsset } from '../../src/bridges/ethereum/assets.ts';

/**
 * A real local EVM for tests, benches and the demo: Hardhat 2's in-process network served as
 * JSON-RPC over HTTP on 127.0.0.1:<ephemeral port> (so the source takes the same code path as
 * against a production node), with this folder's contracts compiled by solc-js at run time and
 * deployed: AO's three bridges — stETH (a share-based rebasing token) and DAI behind pool-style
 * pre-bridges, USDS behind the single-vault bridge — with a Maker Pot (`dsr()`), an sUSDS (`ssr()`) and
 * Chainlink-style ETH/USD, DAI/USD and USDS/USD feeds.
 */
/** The DAI or USDS side of the chain: the token, its bridge, its savings-rate contract and its price feed. */
export interface LocalStable {
  readonly token: string;
  readonly bridge: string;
  /** The Pot (DAI, `dsr()`) or sUSDS (USDS, `ssr()`). */
  readonly savings: string;
  readonly feed: string;
}

export type LocalPool = 'steth' | 'dai' | 'usds';

export interface LocalEthereum {
  readonly rpcUrl: string;
  readonly chainId: number;
  /** Hardhat's unlocked accounts, 0x-lowercase; accounts[0] deployed everything and owns it. */
  readonly accounts: readonly string[];
  readonly stETH: string;
  readonly preBridge: string;
  readonly aggregator: string;
  /** A Multicall3-compatible aggregate3, as mainnet and the testnets have at 0xcA11…CA11. */
  readonly multicall3: string;
  readonly dai: LocalStable;
  readonly usds: LocalStable;
  /** The source options of one bridge on this chain (its asset as the config would resolve it, with `depositDelaySec`). */
  bridgeOf(pool: LocalPool, depositDelaySec?: number): { preBridge: string; asset: EthereumAsset };
  /** Mints `amount` of the stable to `user` and stakes it in its bridge; returns the credited amount. */
  stakeStable(pool: 'dai' | 'usds', user: string, amount: bigint, arweave: ArweaveBytes32): Promise<{ block: bigint; credited: bigint }>;
  withdrawStable(pool: 'dai' | 'usds', user: string, amount: bigint, arweave: ArweaveBytes32): Promise<{ block: bigint }>;
  /** Many stakes in one transaction (the local bridges' test-only seeding call; the owner pays). */
  seedStable(pool: 'dai' | 'usds', entries: readonly { user: string; amount: bigint; arweave: ArweaveBytes32 }[]): Promise<{ block: bigint }>;
  /** Governance sets the Pot's dsr() or sUSDS's ssr(): a per-second rate in ray (10^27 = 0 %). */
  setSavingsRate(pool: 'dai' | 'usds', ray: bigint): Promise<{ block: bigint }>;
  /** New DAI/USD or USDS/USD answer, scaled by 10^8. */
  setStableUsd(pool: 'dai' | 'usds', answer: bigint): Promise<{ block: bigint }>;
  /**
   * Moves chain time on by `seconds` and mines a block; with `heartbeat` (default) every feed then
   * re-posts its answer, as Chainlink's heartbeat would, so prices stay fresh.
   */
  advance(seconds: number, opts?: { heartbeat?: boolean }): Promise<{ block: bigint }>;
  /** Mints `amountWei` stETH to `user` and stakes it; returns the wei the pre-bridge credited. */
  stake(user: string, amountWei: bigint, arweave: ArweaveBytes32): Promise<{ block: bigint; credited: bigint }>;
  withdraw(user: string, amountWei: bigint, arweave: ArweaveBytes32): Promise<{ block: bigint }>;
  /** The owner's emergency eject: returns the whole deposit, UserWithdrawn with a zero Arweave address. */
  eject(user: string): Promise<{ block: bigint }>;
  /** Many stakes in one transaction for any addresses (the local pre-bridge's test-only seeding call; the owner pays). */
  seedStakes(entries: readonly { user: string; amountWei: bigint; arweave: ArweaveBytes32 }[]): Promise<{ block: bigint }>;
  /** Lido's oracle report: pooled ether grows by aprBps (1/100 %) over timeElapsedSec; chain time moves on as much (feeds re-post: heartbeat). */
  rebase(opts: { aprBps: number; timeElapsedSec: number }): Promise<{ block: bigint }>;
  /** New ETH/USD answer, scaled by 10^8 like Chainlink's feed. */
  setEthUsd(answer: bigint): Promise<{ block: bigint }>;
  /** Mines `blocks` empty blocks; above 256 in bulk, and then only the last one's state is readable by eth_call. */
  mine(blocks: number): Promise<void>;
  setAutomine(on: boolean): Promise<void>;
  blockNumber(): Promise<bigint>;
  /** Saves the chain's state; the returned function puts the chain back there (evm_snapshot / evm_revert). */
  checkpoint(): Promise<() => Promise<void>>;
  /** Raw JSON-RPC against the node (eth_call, evm_mine …). */
  send(method: string, params: unknown[]): Promise<unknown>;
  stop(): Promise<void>;
}

/** An Arweave address (43 characters), raw 0x bytes32 hex, or null for the zero word. */
export type ArweaveBytes32 = string | null;

export function toBytes32(arweave: ArweaveBytes32): string {
  if (arweave === null) return `0x${'0'.repeat(64)}`;
  if (/^0x[0-9a-fA-F]{64}$/.test(arweave)) return arweave.toLowerCase();
  return `0x${Buffer.from(arweaveAddressToBytes(parseArweaveAddress(arweave))).toString('hex')}`;
}

interface Artifact {
  readonly abi: Interface;
  readonly bytecode: string;
}

const CONTRACTS = ['StETH', 'PreBridge', 'Aggregator', 'Multicall3', 'Token', 'SavingsRate', 'VaultBridge'] as const;
type ContractName = (typeof CONTRACTS)[number];
let compiled: Promise<Record<ContractName, Artifact>> | undefined;

/** solc-js, once per process (≈ 0.5 s); nothing is written to disk. */
function compile(): Promise<Record<ContractName, Artifact>> {
  compiled ??= (async () => {
    const require = createRequire(import.meta.url);
    const solc = require('solc') as { compile(input: string): string };
    const names = CONTRACTS;
    const sources = Object.fromEntries(names.map((n) => [`${n}.sol`, { content: readFileSync(fileURLToPath(new URL(`./contracts/${n}.sol`, import.meta.url)), 'utf8') }]));
    const input = { language: 'Solidity', sources, settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } } };
    const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
      errors?: { severity: string; formattedMessage: string }[];
      contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
    };
    const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
    if (errors.length > 0) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`);
    const get = (n: (typeof names)[number]): Artifact => {
      const c = output.contracts[`${n}.sol`]![n]!;
      return { abi: new Interface(c.abi as string[]), bytecode: `0x${c.evm.bytecode.object}` };
    };
    return Object.fromEntries(names.map((n) => [n, get(n)])) as Record<ContractName, Artifact>;
  })();
  return compiled;
}

interface Receipt {
  readonly status: string;
  readonly blockNumber: string;
  readonly contractAddress: string | null;
}

const YEAR_SEC = 365n * 24n * 3600n;
const REAL_BLOCKS_MAX = 256;

/** Maker's rate table: 5 % a year compounded per second, in ray (1.05^(1/31,536,000) · 10^27, rounded down). */
export const DSR_5_PERCENT = 1000000001547125957863212448n;
/** 6.5 % a year the same way (Sky's SSR of late 2024). */
export const SSR_6_5_PERCENT = 1000000001996917783620820123n;

export interface LocalEthereumOptions {
  /** Initial ETH/USD answer, scaled by 10^8. Default 3,000.12345678 USD. */
  readonly ethUsd?: bigint;
  /** Initial dsr() / ssr(). Defaults DSR_5_PERCENT, SSR_6_5_PERCENT. */
  readonly dsr?: bigint;
  readonly ssr?: bigint;
  /** APR (1/100 %) of one Lido report made at start, so the chain has a TokenRebased; null = none. Default 320. */
  readonly initialAprBps?: number | null;
}

export async function startLocalEthereum(opts: LocalEthereumOptions = {}): Promise<LocalEthereum> {
  const require = createRequire(import.meta.url);
  process.env.HARDHAT_CONFIG ??= fileURLToPath(new URL('../../hardhat.config.cjs', import.meta.url));
  const hre = require('hardhat') as { config: unknown; artifacts: unknown };
  const { createProvider } = require('hardhat/internal/core/providers/construction') as {
    createProvider(config: unknown, network: string, artifacts: unknown): Promise<{ request(a: { method: string; params?: unknown[] }): Promise<unknown> }>;
  };
  const { JsonRpcServer } = require('hardhat/internal/hardhat-network/jsonrpc/server') as {
    JsonRpcServer: new (c: { hostname: string; port: number; provider: unknown }) => { listen(): Promise<{ port: number }>; close(): Promise<void> };
  };
  // A fresh chain per call (hre.network.provider would be one chain shared by the whole process).
  const [artifacts, provider] = await Promise.all([compile(), createProvider(hre.config, 'hardhat', hre.artifacts)]);
  const server = new JsonRpcServer({ hostname: '127.0.0.1', port: 0, provider });
  const { port } = await server.listen();
  const rpcUrl = `http://127.0.0.1:${port}/`;

  let nextId = 1;
  async function send(method: string, params: unknown[]): Promise<unknown> {
    const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }) });
    const body = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new EngineError('SOURCE_UNAVAILABLE', `local ethereum ${method}: ${body.error.message}`);
    return body.result;
  }
  const hex = (n: bigint | number): string => `0x${BigInt(n).toString(16)}`;
  let automine = true;

  /** Sends a transaction; with automining on, waits for its receipt and checks it succeeded. */
  async function tx(from: string, to: string | null, data: string, gas?: bigint): Promise<Receipt | null> {
    const txHash = (await send('eth_sendTransaction', [{ from, ...(to === null ? {} : { to }), data, ...(gas === undefined ? {} : { gas: hex(gas) }) }])) as string;
    if (!automine) return null;
    const receipt = (await send('eth_getTransactionReceipt', [txHash])) as Receipt | null;
    assert(receipt !== null && receipt.status === '0x1', `transaction ${txHash} failed`);
    return receipt;
  }
  const blockOf = (r: Receipt | null): bigint => (r === null ? -1n : BigInt(r.blockNumber));
  async function deploy(a: Artifact, args: unknown[], from: string): Promise<string> {
    const r = await tx(from, null, a.bytecode + a.abi.encodeDeploy(args).slice(2));
    return r!.contractAddress!.toLowerCase();
  }
  async function call(to: string, a: Artifact, fn: string, args: unknown[]): Promise<readonly unknown[]> {
    const out = (await send('eth_call', [{ to, data: a.abi.encodeFunctionData(fn, args) }, 'latest'])) as string;
    return a.abi.decodeFunctionResult(fn, out);
  }

  const accounts = ((await send('eth_accounts', [])) as string[]).map((a) => a.toLowerCase());
  const owner = accounts[0]!;
  const stETH = await deploy(artifacts.StETH, [], owner);
  // A pooled-ether base so rebases have something to grow; share rate starts at 1.
  await tx(owner, stETH, artifacts.StETH.abi.encodeFunctionData('mint', [owner, 1_000_000n * 10n ** 18n]));
  const initialAprBps = opts.initialAprBps === undefined ? 320 : opts.initialAprBps;
  if (initialAprBps !== null) {
    // One oracle report before anything else, so a fresh chain already has a stETH APR to quote.
    const post = 1_000_000n * 10n ** 18n + (1_000_000n * 10n ** 18n * BigInt(initialAprBps) * 86_400n) / (10_000n * YEAR_SEC);
    await send('evm_increaseTime', [86_400]);
    await tx(owner, stETH, artifacts.StETH.abi.encodeFunctionData('rebase', [post, 86_400, 0]));
  }
  const preBridge = await deploy(artifacts.PreBridge, [stETH], owner);
  const aggregator = await deploy(artifacts.Aggregator, [8, 'ETH / USD', opts.ethUsd ?? 3_000_12345678n], owner);
  const multicall3 = await deploy(artifacts.Multicall3, [], owner);
  await tx(owner, stETH, artifacts.StETH.abi.encodeFunctionData('approve', [preBridge, 2n ** 256n - 1n]));
  const approved = new Set<string>();
  const S = artifacts.StETH.abi;
  const P = artifacts.PreBridge.abi;
  const T = artifacts.Token.abi;
  const V = artifacts.VaultBridge.abi;
  const R = artifacts.SavingsRate.abi;
  const A = artifacts.Aggregator.abi;

  // DAI behind a pool-style bridge (the same contract as stETH's), USDS behind the single-vault one.
  async function stable(symbol: 'DAI' | 'USDS', rate: bigint): Promise<LocalStable> {
    const token = await deploy(artifacts.Token, [symbol === 'DAI' ? 'Dai Stablecoin' : 'USDS Stablecoin', symbol, 18], owner);
    const bridge = await deploy(symbol === 'DAI' ? artifacts.PreBridge : artifacts.VaultBridge, [token], owner);
    const savings = await deploy(artifacts.SavingsRate, [rate], owner);
    const feed = await deploy(artifacts.Aggregator, [8, `${symbol} / USD`, symbol === 'DAI' ? 1_00010000n : 99_990000n], owner);
    await tx(owner, token, T.encodeFunctionData('approve', [bridge, 2n ** 256n - 1n]));
    return { token, bridge, savings, feed };
  }
  const dai = await stable('DAI', opts.dsr ?? DSR_5_PERCENT);
  const usds = await stable('USDS', opts.ssr ?? SSR_6_5_PERCENT);
  const stables = { dai, usds };
  // What each feed last answered, re-posted by the heartbeat.
  const answers = new Map<string, bigint>([
    [aggregator, opts.ethUsd ?? 3_000_12345678n],
    [dai.feed, 1_00010000n],
    [usds.feed, 99_990000n],
  ]);
  const setAnswer = async (feed: string, answer: bigint): Promise<{ block: bigint }> => {
    answers.set(feed, answer);
    return { block: blockOf(await tx(owner, feed, A.encodeFunctionData('setAnswer', [answer]))) };
  };
  async function heartbeat(): Promise<void> {
    for (const [feed, answer] of answers) await tx(owner, feed, A.encodeFunctionData('setAnswer', [answer]));
  }
  const approvedStable = new Set<string>();

  return {
    rpcUrl,
    chainId: 31337,
    accounts,
    stETH,
    preBridge,
    aggregator,
    multicall3,
    dai,
    usds,
    bridgeOf(pool, depositDelaySec = 0) {
      const common = { decimals: 18, depositDelaySec, priceMaxAgeSec: 86_400 };
      if (pool === 'steth') {
        return { preBridge, asset: { pool, symbol: 'stETH', kind: 'pools', price: { kind: 'chainlink', feed: aggregator }, apr: { kind: 'lido', stETH }, ...common } };
      }
      const s = stables[pool];
      const apr = pool === 'dai' ? ({ kind: 'dsr', pot: s.savings } as const) : ({ kind: 'ssr', sUSDS: s.savings } as const);
      return { preBridge: s.bridge, asset: { pool, symbol: pool.toUpperCase(), kind: pool === 'dai' ? 'pools' : 'vault', price: { kind: 'chainlink', feed: s.feed }, apr, ...common } };
    },
    async stakeStable(pool, user, amount, arweave) {
      const u = user.toLowerCase();
      const s = stables[pool];
      await tx(owner, s.token, T.encodeFunctionData('mint', [u, amount]));
      if (!approvedStable.has(`${pool}:${u}`)) {
        await tx(u, s.token, T.encodeFunctionData('approve', [s.bridge, 2n ** 256n - 1n]));
        approvedStable.add(`${pool}:${u}`);
      }
      const data = pool === 'dai' ? P.encodeFunctionData('stake', [0, amount, toBytes32(arweave)]) : V.encodeFunctionData('stake', [amount, toBytes32(arweave)]);
      return { block: blockOf(await tx(u, s.bridge, data, 300_000n)), credited: amount };
    },
    async withdrawStable(pool, user, amount, arweave) {
      const s = stables[pool];
      const data = pool === 'dai' ? P.encodeFunctionData('withdraw', [0, amount, toBytes32(arweave)]) : V.encodeFunctionData('withdraw', [amount, toBytes32(arweave)]);
      return { block: blockOf(await tx(user.toLowerCase(), s.bridge, data, 300_000n)) };
    },
    async seedStable(pool, entries) {
      const s = stables[pool];
      const sum = entries.reduce((t, e) => t + e.amount, 0n);
      await tx(owner, s.token, T.encodeFunctionData('mint', [owner, sum]));
      const data = (pool === 'dai' ? P : V).encodeFunctionData('seedStakes', [entries.map((e) => e.user), entries.map((e) => e.amount), entries.map((e) => toBytes32(e.arweave))]);
      return { block: blockOf(await tx(owner, s.bridge, data, 300_000n + 40_000n * BigInt(entries.length))) };
    },
    async setSavingsRate(pool, ray) {
      return { block: blockOf(await tx(owner, stables[pool].savings, R.encodeFunctionData('file', [ray]))) };
    },
    async setStableUsd(pool, answer) {
      return setAnswer(stables[pool].feed, answer);
    },
    async advance(seconds, o = {}) {
      await send('evm_increaseTime', [seconds]);
      if (o.heartbeat ?? true) await heartbeat();
      else await send('evm_mine', []);
      return { block: BigInt((await send('eth_blockNumber', [])) as string) };
    },
    async stake(user, amountWei, arweave) {
      const u = user.toLowerCase();
      const before = automine ? ((await call(preBridge, artifacts.PreBridge, 'usersData', [u, 0]))[1] as bigint) : 0n;
      await tx(owner, stETH, S.encodeFunctionData('mint', [u, amountWei]));
      if (!approved.has(u)) {
        await tx(u, stETH, S.encodeFunctionData('approve', [preBridge, 2n ** 256n - 1n]));
        approved.add(u);
      }
      const r = await tx(u, preBridge, P.encodeFunctionData('stake', [0, amountWei, toBytes32(arweave)]), 300_000n);
      const after = automine ? ((await call(preBridge, artifacts.PreBridge, 'usersData', [u, 0]))[1] as bigint) : 0n;
      return { block: blockOf(r), credited: after - before };
    },
    async withdraw(user, amountWei, arweave) {
      return { block: blockOf(await tx(user.toLowerCase(), preBridge, P.encodeFunctionData('withdraw', [0, amountWei, toBytes32(arweave)]), 300_000n)) };
    },
    async eject(user) {
      return { block: blockOf(await tx(owner, preBridge, P.encodeFunctionData('emergencyEject', [user.toLowerCase()]), 300_000n)) };
    },
    async seedStakes(entries) {
      const data = P.encodeFunctionData('seedStakes', [entries.map((e) => e.user), entries.map((e) => e.amountWei), entries.map((e) => toBytes32(e.arweave))]);
      // Explicit gas: estimating a transaction of thousands of stakes re-executes it many times.
      return { block: blockOf(await tx(owner, preBridge, data, 300_000n + 40_000n * BigInt(entries.length))) };
    },
    async rebase({ aprBps, timeElapsedSec }) {
      assert(Number.isInteger(aprBps) && Number.isInteger(timeElapsedSec) && timeElapsedSec > 0);
      const pre = (await call(stETH, artifacts.StETH, 'totalPooledEther', []))[0] as bigint;
      // post = pre · (1 + aprBps/10^4 · elapsed/year), rounded down.
      const post = pre + (pre * BigInt(aprBps) * BigInt(timeElapsedSec)) / (10_000n * YEAR_SEC);
      await send('evm_increaseTime', [timeElapsedSec]);
      // Chainlink's heartbeat: the feeds re-post before the report, so a day-long report leaves them fresh.
      await heartbeat();
      return { block: blockOf(await tx(owner, stETH, S.encodeFunctionData('rebase', [post, timeElapsedSec, 0]))) };
    },
    async setEthUsd(answer) {
      return setAnswer(aggregator, answer);
    },
    async mine(blocks) {
      // hardhat_mine makes "reserved" blocks whose state eth_call cannot read (it answers 0x): short
      // runs are mined one by one; long runs in bulk with only the last block real.
      if (blocks > REAL_BLOCKS_MAX) await send('hardhat_mine', [hex(blocks - 1)]);
      for (let i = blocks > REAL_BLOCKS_MAX ? blocks - 1 : 0; i < blocks; i++) await send('evm_mine', []);
    },
    async setAutomine(on) {
      await send('evm_setAutomine', [on]);
      automine = on;
    },
    async blockNumber() {
      return BigInt((await send('eth_blockNumber', [])) as string);
    },
    async checkpoint() {
      const id = await send('evm_snapshot', []);
      const approvedThen = new Set(approved);
      const approvedStableThen = new Set(approvedStable);
      const answersThen = new Map(answers);
      return async () => {
        assert((await send('evm_revert', [id])) === true, 'evm_revert refused');
        approved.clear();
        for (const a of approvedThen) approved.add(a);
        approvedStable.clear();
        for (const a of approvedStableThen) approvedStable.add(a);
        answers.clear();
        for (const [f, v] of answersThen) answers.set(f, v);
      };
    },
    send,
    async stop() {
      await server.close();
    },
  };
}
