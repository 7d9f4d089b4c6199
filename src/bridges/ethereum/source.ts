import assert from 'node:assert';
import { getAddress } from 'ethers';
import { TOKENS, TOKENS_BY_NETWORK } from '@lido-sdk/constants';
import { OwnSourceState } from '../source-state.ts';
import type { Pin, Snapshot, SnapshotContext, Source, SourceStateChange, SourceStateReader, WeightUpdate, YieldQuote } from '../types.ts';
import { EngineError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import { parseFixed18 } from '../../emission/asset-weight.ts';
import { DEFAULT_GENESIS_MS, TICK_MS, tickAt } from '../../emission/ticks.ts';
import {
  aggregatorAbi,
  CANONICAL_MULTICALL3,
  multicall3Abi,
  potAbi,
  preBridgeAbi,
  STETH_POOL_ID,
  sUsdsAbi,
  TOPIC_TOKEN_REBASED,
  TOPIC_USER_STAKED,
  TOPIC_USER_WITHDRAWN,
  TOPIC_VAULT_USER_STAKED,
  TOPIC_VAULT_USER_WITHDRAWN,
  vaultBridgeAbi,
} from './abi.ts';
import { DEFAULT_PRICE_MAX_AGE_SEC } from './assets.ts';
import type { EthereumAsset, EthereumPool } from './assets.ts';
import type { BlockHeader, RawLog } from './decode.ts';
import { blockHeader, data as hexData, logs as parseLogs, quantity } from './decode.ts';
import { isRangeTooLarge, MalformedAnswer, RpcClient } from './rpc.ts';
import type { ProviderLike, RpcCall } from './rpc.ts';
import { applyLog, countedOf, decodeCursor, depositorChanges, DEPOSITOR_KIND, depositorsIn, DUE_KIND, dueChanges, encodeCursor, mature, parseDepositorValue, parseDueValue } from './state.ts';
import type { ScanState } from './state.ts';
import { lidoApr, RAY_RATE_MAX, rayApr, scaledToDecimal, usableRebase } from './yield.ts';
import { ETHEREUM_OPTION_BOUNDS } from './option-bounds.ts';

/**
 * One Ethereum bridge's source (issues 5, 19): per-depositor deposits at a pinned block, indexed
 * incrementally from UserStaked/UserWithdrawn, cross-checked against the contract's own views at that
 * block, with the asset's price (a Chainlink-style feed) and APR (Lido TokenRebased, Maker dsr(), Sky
 * ssr()) for the cross-asset split, and the deposit delay applied at tick boundaries (DESIGN.md §3).
 * One source per bridge: stETH, DAI and USDS are three sources on one chain.
 */
export interface EthereumSourceOptions {
  /** HTTP(S) JSON-RPC endpoints (tried in turn on failure), or an EIP-1193 / ethers provider. */
  readonly rpcUrls?: readonly string[];
  readonly provider?: ProviderLike;
  readonly chainId: number;
  /** The bridge contract (mainnet stETH 0xfE08D40Eee53d64936D3128838867c867602665c; assets.ts has DAI's and USDS's). */
  readonly preBridge: string;
  /**
   * What the bridge holds and where its price, APR and delay come from (assets.ts). Default: stETH,
   * from stETH / chainlinkEthUsd / overrides / priceMaxAgeSec below, with no deposit delay.
   */
  readonly asset?: EthereumAsset;
  /** The tick grid the deposit delay counts on (DESIGN.md §2). Default: the default genesis. */
  readonly genesisMs?: number;
  /** Without `asset`: the stETH token; default @lido-sdk/constants' stETH for chainId. */
  readonly stETH?: string;
  /** Without `asset`: the Chainlink ETH/USD aggregator; default on mainnet 0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419. */
  readonly chainlinkEthUsd?: string;
  /** Pin to latest − confirmations instead of the `finalized` block (chains without finality). */
  readonly confirmations?: number;
  /** Blocks to stay behind the finalized block (local chains answer `latest` for `finalized`). Default 0. */
  readonly finalityLagBlocks?: number;
  /** Where a first scan starts: the bridge's deployment block. Default 0. */
  readonly startBlock?: number;
  /** Blocks per eth_getLogs; halved (down to 1) when the node refuses a range. Default 2,000. */
  readonly chunkBlocks?: number;
  /** eth_getLogs requests in flight during a scan. Default 4. */
  readonly scanConcurrency?: number;
  /** How far back a first snapshot looks for a TokenRebased before startBlock. Default 57,600 (≈ 8 days). */
  readonly aprLookbackBlocks?: number;
  /** Without `asset`: a Chainlink answer older than this (vs the pinned block's time) is an error: the tick waits. Default 86,400 s. */
  readonly priceMaxAgeSec?: number;
  /** Without `asset`: constants replacing the feed's price or the Lido APR (an asset says so in its own price / apr). */
  readonly overrides?: { readonly priceUsd?: string; readonly apr?: string };
  /** Tries of one RPC request, the first included (src/retry.ts). Default 5. */
  readonly attemptsMax?: number;
  /** Per HTTP request. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** First retry delay, doubling up to 5 s. Default 200 ms. */
  readonly backoffMsBase?: number;
  /** eth_call per JSON-RPC batch for the cross-check. Default 500. */
  readonly batchSize?: number;
  /**
   * Multicall3 for the cross-check (usersData of `multicallSize` depositors per eth_call); default the
   * canonical 0xcA11…CA11 on chains @lido-sdk/constants knows, none elsewhere; null = plain eth_calls.
   */
  readonly multicall3?: string | null;
  /** usersData calls per aggregate3. Default 500. */
  readonly multicallSize?: number;
  /** Snapshots tried, re-pinning each time the pinned block is reorganised away while reading it. Default 3. */
  readonly repinAttemptsMax?: number;
  /**
   * The depositors as of the cursor's tick (the ledger's, service/sources.ts). Without one the source
   * keeps them in memory (source-state.ts: a snapshot counts as applied once the next continues from its cursor).
   */
  readonly state?: SourceStateReader;
}

export interface EthereumSource extends Source {
  readonly pool: EthereumPool;
  /** RPC request/retry counters since creation. */
  readonly stats: { readonly requests: number; readonly retries: number; readonly failures: number };
  /** Where the last successful snapshot spent its time, for logs and the bench. */
  readonly lastTimings: () => SnapshotTimings | null;
}

export interface SnapshotTimings {
  readonly blocks: number;
  readonly events: number;
  /** Depositors cross-checked against usersData. */
  readonly checked: number;
  readonly scanMs: number;
  readonly checkMs: number;
  readonly totalMs: number;
}

const MAINNET_CHAINLINK_ETH_USD = '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419';

function checkAddress(value: unknown, field: string): string {
  try {
    if (typeof value !== 'string') throw new Error('not a string');
    return getAddress(value).toLowerCase();
  } catch {
    throw new EngineError('INVALID_CONFIG', `ethereum.${field}: ${JSON.stringify(value)} is not an Ethereum address; expected 0x and 40 hex digits`);
  }
}

/** The asset a source without `asset` reads: stETH as before issue 19 (legacy options, no delay). */
function legacyStETH(opts: EthereumSourceOptions, chainId: number, lidoStETH: string | undefined): EthereumAsset {
  const overrides = { priceUsd: checkDecimal(opts.overrides?.priceUsd, 'overrides.priceUsd'), apr: checkDecimal(opts.overrides?.apr, 'overrides.apr') };
  const stETHRaw = opts.stETH ?? lidoStETH;
  if (stETHRaw === undefined && overrides.apr === undefined) {
    throw new EngineError('INVALID_CONFIG', `ethereum.stETH: @lido-sdk/constants has no stETH for chain ${chainId}; set stETH or overrides.apr`);
  }
  const feedRaw = opts.chainlinkEthUsd ?? (chainId === 1 ? MAINNET_CHAINLINK_ETH_USD : undefined);
  if (feedRaw === undefined && overrides.priceUsd === undefined) {
    throw new EngineError('INVALID_CONFIG', `ethereum.chainlinkEthUsd: no ETH/USD feed known for chain ${chainId}; set chainlinkEthUsd or overrides.priceUsd`);
  }
  return {
    pool: 'steth',
    symbol: 'stETH',
    kind: 'pools',
    decimals: 18,
    price: overrides.priceUsd !== undefined ? { kind: 'config', priceUsd: overrides.priceUsd } : { kind: 'chainlink', feed: checkAddress(feedRaw, 'chainlinkEthUsd') },
    apr: overrides.apr !== undefined ? { kind: 'config', apr: overrides.apr } : { kind: 'lido', stETH: checkAddress(stETHRaw, 'stETH') },
    depositDelaySec: 0,
    priceMaxAgeSec: checkInt(opts.priceMaxAgeSec, 'priceMaxAgeSec', DEFAULT_PRICE_MAX_AGE_SEC, 1, 2 ** 32),
  };
}

/** An asset handed in whole (the config's, assets.ts): its fields checked and its addresses made lowercase. */
function checkAsset(a: EthereumAsset): EthereumAsset {
  const p = a.pool;
  if (!Number.isInteger(a.decimals) || a.decimals < 0 || a.decimals > 18) throw new EngineError('INVALID_CONFIG', `${p}.decimals: ${a.decimals} must be an integer in 0..18`);
  checkInt(a.depositDelaySec, `${p}.depositDelaySec`, 0, 0, 365 * 86_400);
  checkInt(a.priceMaxAgeSec, `${p}.priceMaxAgeSec`, 0, 1, 2 ** 32);
  const price = a.price.kind === 'chainlink' ? { kind: 'chainlink' as const, feed: checkAddress(a.price.feed, `${p}.feed`) } : { kind: 'config' as const, priceUsd: checkDecimal(a.price.priceUsd, `${p}.priceUsd`)! };
  const apr =
    a.apr.kind === 'lido'
      ? { kind: 'lido' as const, stETH: checkAddress(a.apr.stETH, `${p}.stETH`) }
      : a.apr.kind === 'dsr'
        ? { kind: 'dsr' as const, pot: checkAddress(a.apr.pot, `${p}.pot`) }
        : a.apr.kind === 'ssr'
          ? { kind: 'ssr' as const, sUSDS: checkAddress(a.apr.sUSDS, `${p}.sUSDS`) }
          : { kind: 'config' as const, apr: checkDecimal(a.apr.apr, `${p}.apr`)! };
  return { ...a, price, apr };
}

function checkInt(value: number | undefined, field: string, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw new EngineError('INVALID_CONFIG', `ethereum.${field}: ${value} must be an integer in ${min}..${max}`);
  return v;
}

function checkDecimal(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    parseFixed18(value, field);
  } catch {
    throw new EngineError('INVALID_CONFIG', `ethereum.${field}: ${JSON.stringify(value)} is not a non-negative decimal with at most 18 decimals`);
  }
  return value;
}

/** A fork below the pinned block was seen while reading it: the attempt is redone from a new pin. */
class PinMoved extends Error {}

export function createEthereumSource(opts: EthereumSourceOptions): EthereumSource {
  const chainId = checkInt(opts.chainId, 'chainId', 0, ...ETHEREUM_OPTION_BOUNDS.chainId);
  const lidoStETH = (TOKENS_BY_NETWORK as Partial<Record<number, Partial<Record<TOKENS, string>>>>)[chainId]?.[TOKENS.STETH];
  const asset = opts.asset === undefined ? legacyStETH(opts, chainId, lidoStETH) : checkAsset(opts.asset);
  const pool = asset.pool;
  const preBridge = checkAddress(opts.preBridge, opts.asset === undefined ? 'preBridge' : `${pool}.bridge`);
  const kind = asset.kind;
  const stETH = asset.apr.kind === 'lido' ? asset.apr.stETH : null;
  const feed = asset.price.kind === 'chainlink' ? asset.price.feed : null;
  const delaySec = BigInt(asset.depositDelaySec);
  const genesisMs = opts.genesisMs ?? DEFAULT_GENESIS_MS;
  if (!Number.isSafeInteger(genesisMs)) throw new EngineError('INVALID_CONFIG', `ethereum.genesisMs: ${genesisMs} is not an integer millisecond instant`);
  const confirmations = opts.confirmations === undefined ? undefined : checkInt(opts.confirmations, 'confirmations', 0, ...ETHEREUM_OPTION_BOUNDS.confirmations);
  const finalityLag = checkInt(opts.finalityLagBlocks, 'finalityLagBlocks', 0, ...ETHEREUM_OPTION_BOUNDS.finalityLagBlocks);
  const startBlock = BigInt(checkInt(opts.startBlock, 'startBlock', 0, ...ETHEREUM_OPTION_BOUNDS.startBlock));
  const chunkBlocks = BigInt(checkInt(opts.chunkBlocks, 'chunkBlocks', 2_000, 1, 1_000_000));
  const concurrency = checkInt(opts.scanConcurrency, 'scanConcurrency', 4, 1, 64);
  const aprLookback = BigInt(checkInt(opts.aprLookbackBlocks, 'aprLookbackBlocks', 57_600, 0, 10_000_000));
  const priceMaxAgeSec = BigInt(asset.priceMaxAgeSec);
  const repinAttemptsMax = checkInt(opts.repinAttemptsMax, 'repinAttemptsMax', 3, 1, 20);
  const multicall = opts.multicall3 === null ? null : opts.multicall3 !== undefined ? checkAddress(opts.multicall3, 'multicall3') : lidoStETH !== undefined ? CANONICAL_MULTICALL3 : null;
  const multicallSize = checkInt(opts.multicallSize, 'multicallSize', 500, 1, 5_000);
  const rpc = new RpcClient({
    urls: opts.rpcUrls,
    provider: opts.provider,
    attemptsMax: checkInt(opts.attemptsMax, 'attemptsMax', 5, 1, 21),
    timeoutMs: checkInt(opts.timeoutMs, 'timeoutMs', 10_000, 1, 600_000),
    backoffMsBase: checkInt(opts.backoffMsBase, 'backoffMsBase', 200, 0, 60_000),
    backoffMsMax: 5_000,
    batchSize: checkInt(opts.batchSize, 'batchSize', 500, 1, 10_000),
  });
  const own = opts.state === undefined ? new OwnSourceState(pool) : null;
  const sourceState: SourceStateReader = opts.state ?? own!.state;
  const logAddresses = stETH === null ? [preBridge] : [preBridge, stETH];
  const depositTopics = kind === 'pools' ? [TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN] : [TOPIC_VAULT_USER_STAKED, TOPIC_VAULT_USER_WITHDRAWN];
  const logTopics = [[...depositTopics, ...(stETH === null ? [] : [TOPIC_TOKEN_REBASED])]];
  /** Every contract the source reads, named as the config names it, for the "is it there" check of a first snapshot. */
  const contracts: [string, string][] = [
    [`${pool}.bridge`, preBridge],
    ...(feed === null ? [] : [[`${pool}.feed`, feed] as [string, string]]),
    ...(asset.apr.kind === 'lido' ? [[`${pool}.stETH`, asset.apr.stETH] as [string, string]] : []),
    ...(asset.apr.kind === 'dsr' ? [[`${pool}.pot`, asset.apr.pot] as [string, string]] : []),
    ...(asset.apr.kind === 'ssr' ? [[`${pool}.sUSDS`, asset.apr.sUSDS] as [string, string]] : []),
  ];
  let contractsSeen = false;

  /** The first tick starting at or after a deposit's block time + the delay: when it starts to count (DESIGN.md §3). */
  const dueTick = (blockTimeSec: bigint): number => {
    const ms = Number((blockTimeSec + delaySec) * 1000n);
    return ms <= genesisMs ? 1 : Math.ceil((ms - genesisMs) / TICK_MS) + 1;
  };

  const getBlock = (tag: string, signal?: AbortSignal): Promise<BlockHeader> =>
    rpc.call({ method: 'eth_getBlockByNumber', params: [tag, false] }, (raw) => blockHeader(raw, `block ${tag}`), signal);
  const hex = (n: bigint): string => `0x${n.toString(16)}`;

  async function choosePin(signal?: AbortSignal): Promise<BlockHeader> {
    let target: bigint;
    if (confirmations !== undefined) {
      const latest = await rpc.call({ method: 'eth_blockNumber', params: [] }, (r) => quantity(r, 'eth_blockNumber'), signal);
      target = latest - BigInt(confirmations);
    } else {
      const finalized = await getBlock('finalized', signal);
      if (finalityLag === 0) return finalized;
      target = finalized.number - BigInt(finalityLag);
    }
    return getBlock(hex(target < 0n ? 0n : target), signal);
  }

  /** The timestamps of the blocks holding deposits (only with a delay: they decide when each counts). */
  async function stakeTimes(batch: readonly RawLog[], signal?: AbortSignal): Promise<Map<bigint, bigint>> {
    const times = new Map<bigint, bigint>();
    if (delaySec === 0n) return times;
    const blocks = new Map<bigint, string>();
    for (const log of batch) if (log.address === preBridge && log.topics[0] === depositTopics[0]) blocks.set(log.blockNumber, log.blockHash);
    const numbers = [...blocks.keys()];
    const headers = await rpc.batch(numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [hex(n), false] })), (raw, i) => blockHeader(raw, `block ${numbers[i]}`), signal);
    for (const h of headers) {
      if (h.hash !== blocks.get(h.number)) throw new PinMoved(`block ${h.number} is ${h.hash} but its logs say ${blocks.get(h.number)}`);
      times.set(h.number, h.timestampSec);
    }
    return times;
  }

  /** Logs of [from, to] in chunks, `concurrency` requests at a time, applied in chain order. */
  async function scan(state: ScanState, from: bigint, to: bigint, pin: BlockHeader, touched: Set<string>, signal?: AbortSignal): Promise<number> {
    let count = 0;
    let chunk = chunkBlocks;
    let next = from;
    while (next <= to) {
      const ranges: [bigint, bigint][] = [];
      for (let i = 0; i < concurrency && next <= to; i++) {
        const end = next + chunk - 1n < to ? next + chunk - 1n : to;
        ranges.push([next, end]);
        next = end + 1n;
      }
      let results: RawLog[][];
      try {
        results = await Promise.all(
          ranges.map(([a, b]) =>
            rpc.call({ method: 'eth_getLogs', params: [{ address: logAddresses, topics: logTopics, fromBlock: hex(a), toBlock: hex(b) }] }, (raw) => parseLogs(raw, `logs ${a}..${b}`), signal),
          ),
        );
      } catch (e) {
        if (!isRangeTooLarge(e) || chunk === 1n) throw e;
        chunk = chunk / 2n; // the node caps ranges or results: redo this window with half the span
        next = ranges[0]![0];
        continue;
      }
      await loadDepositors(state, depositorsIn(results.flat(), preBridge, kind));
      const times = await stakeTimes(results.flat(), signal);
      const dueOf = (log: RawLog): number | null => (delaySec === 0n ? null : dueTick(times.get(log.blockNumber)!));
      for (const [i, batch] of results.entries()) {
        const [a, b] = ranges[i]!;
        batch.sort((x, y) => (x.blockNumber === y.blockNumber ? Number(x.logIndex - y.logIndex) : x.blockNumber < y.blockNumber ? -1 : 1));
        for (const log of batch) {
          if (log.blockNumber < a || log.blockNumber > b) throw new MalformedAnswer(`logs ${a}..${b}: a log from block ${log.blockNumber}`);
          if (log.blockNumber === pin.number && log.blockHash !== pin.hash) throw new PinMoved(`a log of block ${pin.number} has hash ${log.blockHash}, the pin ${pin.hash}`);
          if (applyLog(state, log, stETH, touched, dueOf) !== 'ignored') count++;
        }
      }
    }
    return count;
  }

  /** Reads the stored rows of these depositors (those not yet in the state) before their events apply. */
  async function loadDepositors(state: ScanState, users: readonly string[]): Promise<void> {
    const missing = users.filter((u) => !state.depositors.has(u));
    const rows = missing.length === 0 || state.reset ? new Map<string, string>() : await sourceState.read(pool, DEPOSITOR_KIND, missing);
    for (const user of missing) {
      const row = rows.get(user);
      if (row !== undefined) state.stored.add(user);
      state.depositors.set(user, row === undefined ? { deposited: 0n, recipient: null } : parseDepositorValue(user, row, pool));
    }
  }

  /** Due-row reads per statement when counting many ticks at once (a catch-up). */
  const DUE_READ_TICKS = 10_000;

  /**
   * Counts the queued deposits due in ticks (state.countedTick, upTo]: reads those ticks' due rows, the
   * depositors they list, and moves what matured into the counted amount. Returns the ticks consumed.
   */
  async function countMatured(state: ScanState, upTo: number, touched: Set<string>): Promise<number[]> {
    const consumed: number[] = [];
    if (state.reset) {
      for (const [user, d] of state.depositors) if (mature(d, upTo)) touched.add(user);
    } else if (state.countedTick > 0) {
      // countedTick 0: a cursor from a source without delay, which never queued anything.
      for (let from = state.countedTick + 1; from <= upTo; from += DUE_READ_TICKS) {
        const ticks = Array.from({ length: Math.min(DUE_READ_TICKS, upTo - from + 1) }, (_, i) => String(from + i));
        const rows = await sourceState.read(pool, DUE_KIND, ticks);
        const users = new Set<string>();
        for (const [tick, value] of rows) {
          consumed.push(Number(tick));
          for (const u of parseDueValue(tick, value, pool)) users.add(u);
        }
        await loadDepositors(state, [...users]);
        for (const u of users) if (mature(state.depositors.get(u)!, upTo)) touched.add(u);
      }
    }
    state.countedTick = Math.max(state.countedTick, upTo);
    return consumed.sort((a, b) => a - b);
  }

  /** The latest TokenRebased in (from − lookback, from), scanning backwards chunk by chunk. */
  async function findRebaseBefore(state: ScanState, from: bigint, signal?: AbortSignal): Promise<void> {
    if (stETH === null) return;
    const floor = from > aprLookback ? from - aprLookback : 0n;
    let end = from - 1n;
    while (end >= floor && state.rebase === null) {
      const start = end - chunkBlocks + 1n > floor ? end - chunkBlocks + 1n : floor;
      const found = await rpc.call(
        { method: 'eth_getLogs', params: [{ address: stETH, topics: [TOPIC_TOKEN_REBASED], fromBlock: hex(start), toBlock: hex(end) }] },
        (raw) => parseLogs(raw, `rebase logs ${start}..${end}`),
        signal,
      );
      for (const log of found) applyLog(state, log, stETH, new Set()); // in order: the last one wins
      end = start - 1n;
    }
  }

  /** An eth_call answer shorter than one word: no contract at the address answers this ABI. */
  const noAnswer = (label: string, data: string, pin: BlockHeader): EngineError =>
    new EngineError('SNAPSHOT_MISMATCH', `${label}: answered ${(data.length - 2) / 2} bytes at block ${pin.number}; no contract there answers the ${asset.symbol} ABI (wrong address?)`, {
      details: { pool, label, block: pin.number.toString() },
    });

  /** Before a first snapshot: every configured contract has code at the pinned block (a wrong address is named, not retried). */
  async function checkContracts(pin: BlockHeader, signal?: AbortSignal): Promise<void> {
    const codes = await rpc.batch(contracts.map(([, address]) => ({ method: 'eth_getCode', params: [address, { blockHash: pin.hash }] })), (raw, i) => hexData(raw, `eth_getCode ${contracts[i]![0]}`), signal);
    for (const [i, code] of codes.entries()) {
      const [field, address] = contracts[i]!;
      if (code === '0x') throw new EngineError('SNAPSHOT_MISMATCH', `${field}: no contract at ${address} at block ${pin.number}; expected the ${asset.symbol} ${field.split('.')[1]} (wrong address or chain?)`, { details: { pool, field, address } });
    }
  }

  async function crossCheckAndQuote(state: ScanState, check: readonly string[], pin: BlockHeader, notes: string[], signal?: AbortSignal): Promise<YieldQuote> {
    const at = { blockHash: pin.hash };
    const bridgeAbi = kind === 'pools' ? preBridgeAbi : vaultBridgeAbi;
    const usersData = check.map((user) => (kind === 'pools' ? preBridgeAbi.encodeFunctionData('usersData', [user, STETH_POOL_ID]) : vaultBridgeAbi.encodeFunctionData('usersData', [user])));
    const groups: string[][] = [];
    for (let i = 0; i < usersData.length; i += multicall === null ? 1 : multicallSize) groups.push(usersData.slice(i, i + (multicall === null ? 1 : multicallSize)));
    const calls: RpcCall[] = groups.map((g) =>
      multicall === null
        ? { method: 'eth_call', params: [{ to: preBridge, data: g[0]! }, at] }
        : { method: 'eth_call', params: [{ to: multicall, data: multicall3Abi.encodeFunctionData('aggregate3', [g.map((callData) => ({ target: preBridge, allowFailure: false, callData }))]) }, at] },
    );
    const labels: string[] = groups.map(() => (multicall === null ? `${pool}.bridge ${preBridge} usersData` : `multicall3 ${multicall} aggregate3(usersData)`));
    const push = (label: string, to: string, data: string): number => {
      labels.push(label);
      return calls.push({ method: 'eth_call', params: [{ to, data }, at] }) - 1;
    };
    const iPool = kind === 'pools' ? push(`${pool}.bridge ${preBridge} poolsData(0)`, preBridge, preBridgeAbi.encodeFunctionData('poolsData', [STETH_POOL_ID])) : -1;
    const totalFn = kind === 'pools' ? 'totalDepositedInPublicPools' : 'totalDepositedInVault';
    const iTotal = push(`${pool}.bridge ${preBridge} ${totalFn}()`, preBridge, bridgeAbi.encodeFunctionData(totalFn));
    const iDecimals = feed === null ? -1 : push(`${pool}.feed ${feed} decimals()`, feed, aggregatorAbi.encodeFunctionData('decimals'));
    const iRound = feed === null ? -1 : push(`${pool}.feed ${feed} latestRoundData()`, feed, aggregatorAbi.encodeFunctionData('latestRoundData'));
    const iRate =
      asset.apr.kind === 'dsr'
        ? push(`${pool}.pot ${asset.apr.pot} dsr()`, asset.apr.pot, potAbi.encodeFunctionData('dsr'))
        : asset.apr.kind === 'ssr'
          ? push(`${pool}.sUSDS ${asset.apr.sUSDS} ssr()`, asset.apr.sUSDS, sUsdsAbi.encodeFunctionData('ssr'))
          : -1;
    const parse = (raw: unknown, i: number): string => hexData(raw, `eth_call ${i}`);
    let answers: string[];
    try {
      answers = await rpc.batch(calls, parse, signal);
    } catch (e) {
      if (!(e instanceof EngineError) || !/revert/i.test(e.message)) throw e;
      // One call reverted: name it (a contract of another ABI at a configured address), asking each alone.
      for (const [i, call] of calls.entries()) {
        const failed = await rpc.call(call, (raw) => parse(raw, i), signal).then(() => false, (err: unknown) => err instanceof EngineError && /revert/i.test(err.message));
        if (failed) throw new EngineError('SNAPSHOT_MISMATCH', `${labels[i]}: reverted at block ${pin.number}; no contract there answers the ${asset.symbol} ABI (wrong address?)`, { cause: e, details: { pool, label: labels[i] } });
      }
      throw e;
    }
    for (const [i, d] of answers.entries()) if (d.length < 2 + 64) throw noAnswer(labels[i]!, d, pin);
    const unit = asset.decimals === 18 ? 'wei' : 'base units';
    const mismatch = (what: string, chain: bigint, indexed: bigint): EngineError =>
      new EngineError('SNAPSHOT_MISMATCH', `${pool}: ${what} is ${chain} ${unit} at block ${pin.number} but the indexed events give ${indexed} ${unit}`, {
        details: { pool, what, block: pin.number.toString(), blockHash: pin.hash, onChain: chain.toString(), indexed: indexed.toString() },
      });
    const userAnswers: string[] = [];
    for (const [g, group] of groups.entries()) {
      if (multicall === null) {
        userAnswers.push(answers[g]!);
        continue;
      }
      const results = multicall3Abi.decodeFunctionResult('aggregate3', answers[g]!)[0] as unknown as { success: boolean; returnData: string }[];
      if (results.length !== group.length || results.some((r) => !r.success)) throw new MalformedAnswer(`aggregate3 ${g}: ${results.length} results for ${group.length} calls`);
      for (const r of results) {
        if (r.returnData.length < 2 + 64) throw noAnswer(`${pool}.bridge ${preBridge} usersData`, r.returnData, pin);
        userAnswers.push(r.returnData);
      }
    }
    for (const [i, user] of check.entries()) {
      const onChain = kind === 'pools' ? (preBridgeAbi.decodeFunctionResult('usersData', userAnswers[i]!)[1] as bigint) : ((vaultBridgeAbi.decodeFunctionResult('usersData', userAnswers[i]!)[0] as unknown as bigint[])[1]!);
      const indexed = state.depositors.get(user)?.deposited ?? 0n;
      if (onChain !== indexed) throw mismatch(`usersData(${user}${kind === 'pools' ? ', 0' : ''}).deposited`, onChain, indexed);
    }
    if (iPool >= 0) {
      const poolTotal = preBridgeAbi.decodeFunctionResult('poolsData', answers[iPool]!)[2] as bigint;
      if (poolTotal !== state.totalDeposited) throw mismatch('poolsData(0).totalDeposited', poolTotal, state.totalDeposited);
    }
    const total = bridgeAbi.decodeFunctionResult(totalFn, answers[iTotal]!)[0] as bigint;
    if (total !== state.totalDeposited) throw mismatch(`${totalFn}()`, total, state.totalDeposited);

    let priceUsd: string;
    let priceSource: string;
    if (asset.price.kind === 'config') {
      priceUsd = asset.price.priceUsd;
      priceSource = 'config';
    } else {
      assert(feed !== null);
      const decimals = Number(aggregatorAbi.decodeFunctionResult('decimals', answers[iDecimals]!)[0]);
      const [, answer, , updatedAt] = aggregatorAbi.decodeFunctionResult('latestRoundData', answers[iRound]!) as unknown as [bigint, bigint, bigint, bigint];
      if (decimals > 18) throw new EngineError('SNAPSHOT_MISMATCH', `${pool}.feed: Chainlink feed ${feed} has ${decimals} decimals; expected at most 18`);
      if (answer <= 0n) throw new EngineError('SNAPSHOT_MISMATCH', `${pool}.feed: Chainlink feed ${feed} answered ${answer} at block ${pin.number}; expected a positive ${asset.symbol}/USD price`);
      const age = pin.timestampSec - updatedAt;
      if (age > priceMaxAgeSec) {
        throw new EngineError('SOURCE_UNAVAILABLE', `${pool}.feed: price feed ${feed} last updated ${age} s before block ${pin.number}, over the ${priceMaxAgeSec} s limit (priceMaxAge); the tick waits for a fresh price`, {
          details: { pool, feed, block: pin.number.toString(), ageSec: age.toString(), limitSec: priceMaxAgeSec.toString(), stalePrice: true },
        });
      }
      priceUsd = scaledToDecimal(answer, decimals);
      priceSource = `chainlink:${feed}@${pin.number} age ${age < 0n ? 0n : age}s`;
    }

    let apr: string;
    let aprSource: string;
    if (asset.apr.kind === 'config') {
      apr = asset.apr.apr;
      aprSource = 'config';
    } else if (asset.apr.kind === 'lido') {
      const r = state.rebase;
      if (r === null || !usableRebase(r)) {
        throw new EngineError('SOURCE_UNAVAILABLE', `${pool}: no usable Lido TokenRebased from ${stETH} at or before block ${pin.number}; set overrides.apr or aprLookbackBlocks`);
      }
      const result = lidoApr(r);
      if (result.apr !== result.raw) notes.push(`stETH APR ${result.raw} from the rebase at block ${r.block} is negative; quoted as 0`);
      apr = result.apr;
      aprSource = `lido:TokenRebased@${r.block}`;
    } else {
      const field = asset.apr.kind === 'dsr' ? 'pot' : 'sUSDS';
      const fn = asset.apr.kind === 'dsr' ? 'dsr' : 'ssr';
      const rate = (asset.apr.kind === 'dsr' ? potAbi : sUsdsAbi).decodeFunctionResult(fn, answers[iRate]!)[0] as bigint;
      if (rate < 10n ** 27n || rate > RAY_RATE_MAX) {
        throw new EngineError('SNAPSHOT_MISMATCH', `${pool}.${field}: ${fn}() is ${rate} at block ${pin.number}; expected a per-second rate in ray, 10^27 .. 10^27 + 10^20`);
      }
      apr = rayApr(rate);
      aprSource = `${asset.apr.kind === 'dsr' ? 'maker:Pot.dsr' : 'sky:sUSDS.ssr'}=${rate}@${pin.number}`;
    }
    return { asset: asset.symbol, decimals: asset.decimals, priceUsd, apr, priceSource, aprSource };
  }

  let timings: SnapshotTimings | null = null;

  async function attempt(cursor: string | null, signal?: AbortSignal, at?: SnapshotContext): Promise<Snapshot> {
    const t0 = performance.now();
    const notes: string[] = [];
    let pin = await choosePin(signal);
    let state: ScanState | null = cursor === null ? null : decodeCursor(cursor, { chainId, preBridge, pool, kind });
    const countedBefore = state?.countedTick ?? 0;
    if (state !== null) {
      const seen = await getBlock(hex(state.block), signal);
      if (seen.hash !== state.hash) {
        notes.push(`re-pinned after a fork: block ${state.block} is now ${seen.hash}, the cursor had ${state.hash}; rescanned from block ${startBlock}`);
        state = null;
      } else if (pin.number < state.block) {
        // The pin went backwards (a larger lag or fewer confirmations): stay on the block we already stand on.
        notes.push(`pinned block ${pin.number} is behind the cursor's block ${state.block}; no new blocks read`);
        pin = seen;
      }
    }
    if (state !== null && !state.reset) {
      const held = await sourceState.count(pool, DEPOSITOR_KIND);
      if (held !== state.count) throw new EngineError('INVALID_ARGUMENT', `${pool} cursor: counts ${state.count} depositors but the source state holds ${held}; the state is not the cursor's`);
    }
    const complete = state === null;
    if (state === null) {
      if (pin.number < startBlock) throw new EngineError('SOURCE_UNAVAILABLE', `${pool}: pinned block ${pin.number} is before startBlock ${startBlock}`);
      if (!contractsSeen) await checkContracts(pin, signal);
      state = { chainId, pool, kind, preBridge, block: startBlock - 1n, hash: '', totalDeposited: 0n, depositors: new Map(), stored: new Set(), count: 0, reset: true, rebase: null, countedTick: countedBefore, dueAdded: new Map() };
    }
    contractsSeen = true;
    const touched = new Set<string>();
    // The tick this snapshot sets: deposits due by its start count (the tick in progress at the pin when the caller names none).
    const pinMs = Number(pin.timestampSec) * 1000;
    const tick = at?.tick ?? (pinMs >= genesisMs ? tickAt(pinMs, genesisMs) : 0);
    let consumed: number[] = [];
    if (delaySec > 0n && !state.reset) consumed = await countMatured(state, tick, touched);
    else if (delaySec > 0n) state.countedTick = Math.max(state.countedTick, tick);
    const from = state.block + 1n;
    const tScan = performance.now();
    const events = from <= pin.number ? await scan(state, from, pin.number, pin, touched, signal) : 0;
    if (state.reset && delaySec > 0n) await countMatured(state, state.countedTick, touched);
    if (state.rebase === null && stETH !== null) await findRebaseBefore(state, from, signal);
    if (complete) notes.push(`first scan: blocks ${startBlock}..${pin.number}, ${events} events`);
    const check = complete ? [...state.depositors.keys()] : [...touched];
    check.sort();
    const tCheck = performance.now();
    const quote = await crossCheckAndQuote(state, check, pin, notes, signal);
    const tDone = performance.now();
    // The due rows this snapshot adds to (read before the pin is re-checked, so a fork redoes them too).
    const dueTicks = state.reset ? [] : [...state.dueAdded.keys()];
    const storedDue = new Map<number, string[]>();
    for (const [k, v] of dueTicks.length === 0 ? [] : await sourceState.read(pool, DUE_KIND, dueTicks.map(String))) storedDue.set(Number(k), parseDueValue(k, v, pool));
    // Every read above named the pin by number or hash; if the block at that height changed meanwhile, redo.
    const after = await getBlock(hex(pin.number), signal);
    if (after.hash !== pin.hash) throw new PinMoved(`block ${pin.number} changed from ${pin.hash} to ${after.hash} during the snapshot`);
    state.block = pin.number;
    state.hash = pin.hash;

    const updates: WeightUpdate[] = [];
    for (const user of check) {
      const d = state.depositors.get(user)!;
      const weight = countedOf(d);
      if (complete && weight === 0n) continue;
      updates.push({ account: user, recipient: d.recipient, weight });
    }
    const unclaimed = updates.filter((u) => u.recipient === null && u.weight > 0n).length;
    if (unclaimed > 0) notes.push(`${unclaimed} depositor(s) with no valid Arweave address: accruing unclaimed under their Ethereum address`);
    const queuedNow = check.map((u) => state.depositors.get(u)!).filter((d) => (d.queued?.length ?? 0) > 0);
    if (queuedNow.length > 0) {
      const amount = queuedNow.reduce((sum, d) => sum + (d.deposited - countedOf(d)), 0n);
      const last = Math.max(...queuedNow.map((d) => d.queued![d.queued!.length - 1]!.tick));
      notes.push(`${queuedNow.length} depositor(s) with ${amount} base units in the deposit delay (counting by tick ${last}); tick ${state.countedTick} counts what is due by its start`);
    }
    timings = { blocks: pin.number >= from ? Number(pin.number - from + 1n) : 0, events, checked: check.length, scanMs: tCheck - tScan, checkMs: tDone - tCheck, totalMs: performance.now() - t0 };
    const pinOut: Pin = { chain: 'ethereum', height: pin.number.toString(), hash: pin.hash, timeMs: pinMs };
    const deposits = depositorChanges(state, touched);
    const due: SourceStateChange[] = delaySec > 0n ? dueChanges(state, consumed, storedDue) : [];
    return { pool, pin: pinOut, complete, updates, yield: quote, cursor: encodeCursor(state), sourceState: { reset: deposits.reset, changes: [...deposits.changes, ...due] }, notes };
  }

  return {
    pool,
    stats: rpc.stats,
    lastTimings: () => timings,
    async snapshot(cursor: string | null, signal?: AbortSignal, at?: SnapshotContext): Promise<Snapshot> {
      if (cursor !== null) decodeCursor(cursor, { chainId, preBridge, pool, kind }); // a malformed cursor is named before anything else
      own?.continueFrom(cursor);
      // A reorganised pin is re-read at once from a new pin: waiting only lets the chain move on.
      const retryable = (e: unknown): boolean => e instanceof PinMoved || e instanceof MalformedAnswer;
      try {
        const snap = await retry(() => attempt(cursor, signal, at), { attemptsMax: repinAttemptsMax, backoffMsBase: 0, backoffMsMax: 0, signal, retryable });
        own?.returned(snap);
        return snap;
      } catch (e) {
        if (!retryable(e)) throw e;
        throw new EngineError('SOURCE_UNAVAILABLE', `${pool}: snapshot failed ${repinAttemptsMax} times: ${(e as Error).message}`, { cause: e });
      }
    },
  };
}
