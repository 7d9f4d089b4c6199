import assert from 'node:assert';
import { getAddress } from 'ethers';
import { TOKENS, TOKENS_BY_NETWORK } from '@lido-sdk/constants';
import { OwnSourceState } from '../source-state.ts';
import type { Pin, Snapshot, Source, SourceStateReader, WeightUpdate, YieldQuote } from '../types.ts';
import { EngineError } from '../../errors.ts';
import { parseFixed18 } from '../../emission/asset-weight.ts';
import { aggregatorAbi, CANONICAL_MULTICALL3, multicall3Abi, preBridgeAbi, STETH_POOL_ID, TOPIC_TOKEN_REBASED, TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN } from './abi.ts';
import type { BlockHeader, RawLog } from './decode.ts';
import { blockHeader, data as hexData, logs as parseLogs, quantity } from './decode.ts';
import { isRangeTooLarge, MalformedAnswer, RpcClient } from './rpc.ts';
import type { ProviderLike, RpcCall } from './rpc.ts';
import { applyLog, decodeCursor, depositorChanges, DEPOSITOR_KIND, depositorsIn, encodeCursor, parseDepositorValue } from './state.ts';
import type { ScanState } from './state.ts';
import { lidoApr, scaledToDecimal, usableRebase } from './yield.ts';

/**
 * The stETH pre-bridge source (issue 5): per-depositor stETH deposits at a pinned block, indexed
 * incrementally from UserStaked/UserWithdrawn, cross-checked against the contract's own views at that
 * block, with the stETH APR (Lido TokenRebased) and ETH/USD (Chainlink) for the cross-asset split.
 */
export interface EthereumSourceOptions {
  /** HTTP(S) JSON-RPC endpoints (tried in turn on failure), or an EIP-1193 / ethers provider. */
  readonly rpcUrls?: readonly string[];
  readonly provider?: ProviderLike;
  readonly chainId: number;
  /** The pre-bridge proxy (mainnet 0xfE08D40Eee53d64936D3128838867c867602665c). */
  readonly preBridge: string;
  /** Default: @lido-sdk/constants' stETH for chainId. */
  readonly stETH?: string;
  /** Chainlink ETH/USD aggregator; default on mainnet 0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419. */
  readonly chainlinkEthUsd?: string;
  /** Pin to latest − confirmations instead of the `finalized` block (chains without finality). */
  readonly confirmations?: number;
  /** Blocks to stay behind the finalized block (local chains answer `latest` for `finalized`). Default 0. */
  readonly finalityLagBlocks?: number;
  /** Where a first scan starts: the pre-bridge's deployment block. Default 0. */
  readonly startBlock?: number;
  /** Blocks per eth_getLogs; halved (down to 1) when the node refuses a range. Default 2,000. */
  readonly chunkBlocks?: number;
  /** eth_getLogs requests in flight during a scan. Default 4. */
  readonly scanConcurrency?: number;
  /** How far back a first snapshot looks for a TokenRebased before startBlock. Default 57,600 (≈ 8 days). */
  readonly aprLookbackBlocks?: number;
  /** A Chainlink answer older than this (vs the pinned block's time) is noted as stale. Default 86,400 s. */
  readonly priceMaxAgeSec?: number;
  readonly overrides?: { readonly priceUsd?: string; readonly apr?: string };
  /** Retries per RPC request after the first attempt. Default 4. */
  readonly retries?: number;
  /** Per HTTP request. Default 10,000 ms. */
  readonly timeoutMs?: number;
  /** First retry delay, doubling up to 5 s. Default 200 ms. */
  readonly backoffBaseMs?: number;
  /** eth_call per JSON-RPC batch for the cross-check. Default 500. */
  readonly batchSize?: number;
  /**
   * Multicall3 for the cross-check (usersData of `multicallSize` depositors per eth_call); default the
   * canonical 0xcA11…CA11 on chains @lido-sdk/constants knows, none elsewhere; null = plain eth_calls.
   */
  readonly multicall3?: string | null;
  /** usersData calls per aggregate3. Default 500. */
  readonly multicallSize?: number;
  /** Whole-snapshot attempts when the pinned block is reorganised away while reading it. Default 3. */
  readonly pinAttempts?: number;
  /**
   * The depositors as of the cursor's tick (the ledger's, service/sources.ts). Without one the source
   * keeps them in memory (source-state.ts: a snapshot counts as applied once the next continues from its cursor).
   */
  readonly state?: SourceStateReader;
}

export interface EthereumSource extends Source {
  readonly pool: 'steth';
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
  const chainId = checkInt(opts.chainId, 'chainId', 0, 1, 2 ** 48);
  const preBridge = checkAddress(opts.preBridge, 'preBridge');
  const lidoStETH = (TOKENS_BY_NETWORK as Partial<Record<number, Partial<Record<TOKENS, string>>>>)[chainId]?.[TOKENS.STETH];
  const overrides = { priceUsd: checkDecimal(opts.overrides?.priceUsd, 'overrides.priceUsd'), apr: checkDecimal(opts.overrides?.apr, 'overrides.apr') };
  const stETHRaw = opts.stETH ?? lidoStETH;
  if (stETHRaw === undefined && overrides.apr === undefined) {
    throw new EngineError('INVALID_CONFIG', `ethereum.stETH: @lido-sdk/constants has no stETH for chain ${chainId}; set stETH or overrides.apr`);
  }
  const stETH = stETHRaw === undefined ? null : checkAddress(stETHRaw, 'stETH');
  const feedRaw = opts.chainlinkEthUsd ?? (chainId === 1 ? MAINNET_CHAINLINK_ETH_USD : undefined);
  if (feedRaw === undefined && overrides.priceUsd === undefined) {
    throw new EngineError('INVALID_CONFIG', `ethereum.chainlinkEthUsd: no ETH/USD feed known for chain ${chainId}; set chainlinkEthUsd or overrides.priceUsd`);
  }
  const feed = feedRaw === undefined ? null : checkAddress(feedRaw, 'chainlinkEthUsd');
  const confirmations = opts.confirmations === undefined ? undefined : checkInt(opts.confirmations, 'confirmations', 0, 0, 1_000_000);
  const finalityLag = checkInt(opts.finalityLagBlocks, 'finalityLagBlocks', 0, 0, 1_000_000);
  const startBlock = BigInt(checkInt(opts.startBlock, 'startBlock', 0, 0, 2 ** 48));
  const chunkBlocks = BigInt(checkInt(opts.chunkBlocks, 'chunkBlocks', 2_000, 1, 1_000_000));
  const concurrency = checkInt(opts.scanConcurrency, 'scanConcurrency', 4, 1, 64);
  const aprLookback = BigInt(checkInt(opts.aprLookbackBlocks, 'aprLookbackBlocks', 57_600, 0, 10_000_000));
  const priceMaxAgeSec = BigInt(checkInt(opts.priceMaxAgeSec, 'priceMaxAgeSec', 86_400, 1, 2 ** 32));
  const pinAttempts = checkInt(opts.pinAttempts, 'pinAttempts', 3, 1, 20);
  const multicall = opts.multicall3 === null ? null : opts.multicall3 !== undefined ? checkAddress(opts.multicall3, 'multicall3') : lidoStETH !== undefined ? CANONICAL_MULTICALL3 : null;
  const multicallSize = checkInt(opts.multicallSize, 'multicallSize', 500, 1, 5_000);
  const rpc = new RpcClient({
    urls: opts.rpcUrls,
    provider: opts.provider,
    retries: checkInt(opts.retries, 'retries', 4, 0, 20),
    timeoutMs: checkInt(opts.timeoutMs, 'timeoutMs', 10_000, 1, 600_000),
    backoffBaseMs: checkInt(opts.backoffBaseMs, 'backoffBaseMs', 200, 0, 60_000),
    backoffMaxMs: 5_000,
    batchSize: checkInt(opts.batchSize, 'batchSize', 500, 1, 10_000),
  });
  const own = opts.state === undefined ? new OwnSourceState('steth') : null;
  const sourceState: SourceStateReader = opts.state ?? own!.state;
  const logAddresses = stETH === null ? [preBridge] : [preBridge, stETH];
  const logTopics = [[TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN, ...(stETH === null ? [] : [TOPIC_TOKEN_REBASED])]];

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
      await loadDepositors(state, depositorsIn(results.flat(), preBridge));
      for (const [i, batch] of results.entries()) {
        const [a, b] = ranges[i]!;
        batch.sort((x, y) => (x.blockNumber === y.blockNumber ? Number(x.logIndex - y.logIndex) : x.blockNumber < y.blockNumber ? -1 : 1));
        for (const log of batch) {
          if (log.blockNumber < a || log.blockNumber > b) throw new MalformedAnswer(`logs ${a}..${b}: a log from block ${log.blockNumber}`);
          if (log.blockNumber === pin.number && log.blockHash !== pin.hash) throw new PinMoved(`a log of block ${pin.number} has hash ${log.blockHash}, the pin ${pin.hash}`);
          if (applyLog(state, log, stETH, touched) !== 'ignored') count++;
        }
      }
    }
    return count;
  }

  /** Reads the stored rows of these depositors (those not yet in the state) before their events apply. */
  async function loadDepositors(state: ScanState, users: readonly string[]): Promise<void> {
    const missing = users.filter((u) => !state.depositors.has(u));
    const rows = missing.length === 0 || state.reset ? new Map<string, string>() : await sourceState.read('steth', DEPOSITOR_KIND, missing);
    for (const user of missing) {
      const row = rows.get(user);
      if (row !== undefined) state.stored.add(user);
      state.depositors.set(user, row === undefined ? { deposited: 0n, recipient: null } : parseDepositorValue(user, row));
    }
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

  async function crossCheckAndQuote(state: ScanState, check: readonly string[], pin: BlockHeader, notes: string[], signal?: AbortSignal): Promise<YieldQuote> {
    const at = { blockHash: pin.hash };
    const usersData = check.map((user) => preBridgeAbi.encodeFunctionData('usersData', [user, STETH_POOL_ID]));
    const groups: string[][] = [];
    for (let i = 0; i < usersData.length; i += multicall === null ? 1 : multicallSize) groups.push(usersData.slice(i, i + (multicall === null ? 1 : multicallSize)));
    const calls: RpcCall[] = groups.map((g) =>
      multicall === null
        ? { method: 'eth_call', params: [{ to: preBridge, data: g[0]! }, at] }
        : { method: 'eth_call', params: [{ to: multicall, data: multicall3Abi.encodeFunctionData('aggregate3', [g.map((callData) => ({ target: preBridge, allowFailure: false, callData }))]) }, at] },
    );
    calls.push({ method: 'eth_call', params: [{ to: preBridge, data: preBridgeAbi.encodeFunctionData('poolsData', [STETH_POOL_ID]) }, at] });
    calls.push({ method: 'eth_call', params: [{ to: preBridge, data: preBridgeAbi.encodeFunctionData('totalDepositedInPublicPools') }, at] });
    if (feed !== null && overrides.priceUsd === undefined) {
      calls.push({ method: 'eth_call', params: [{ to: feed, data: aggregatorAbi.encodeFunctionData('decimals') }, at] });
      calls.push({ method: 'eth_call', params: [{ to: feed, data: aggregatorAbi.encodeFunctionData('latestRoundData') }, at] });
    }
    const answers = await rpc.batch(calls, (raw, i) => {
      const d = hexData(raw, `eth_call ${i}`);
      if (d.length < 2 + 64) throw new MalformedAnswer(`eth_call ${i}: ${(d.length - 2) / 2} bytes returned; is the contract deployed at this block?`);
      return d;
    }, signal);
    const mismatch = (what: string, chain: bigint, indexed: bigint): EngineError =>
      new EngineError('SNAPSHOT_MISMATCH', `ethereum: ${what} is ${chain} wei at block ${pin.number} but the indexed events give ${indexed} wei`, {
        details: { what, block: pin.number.toString(), blockHash: pin.hash, onChain: chain.toString(), indexed: indexed.toString() },
      });
    const userAnswers: string[] = [];
    for (const [g, group] of groups.entries()) {
      if (multicall === null) {
        userAnswers.push(answers[g]!);
        continue;
      }
      const results = multicall3Abi.decodeFunctionResult('aggregate3', answers[g]!)[0] as unknown as { success: boolean; returnData: string }[];
      if (results.length !== group.length || results.some((r) => !r.success)) throw new MalformedAnswer(`aggregate3 ${g}: ${results.length} results for ${group.length} calls`);
      for (const r of results) userAnswers.push(r.returnData);
    }
    for (const [i, user] of check.entries()) {
      const onChain = preBridgeAbi.decodeFunctionResult('usersData', userAnswers[i]!)[1] as bigint;
      const indexed = state.depositors.get(user)?.deposited ?? 0n;
      if (onChain !== indexed) throw mismatch(`usersData(${user}, 0).deposited`, onChain, indexed);
    }
    const poolTotal = preBridgeAbi.decodeFunctionResult('poolsData', answers[groups.length]!)[2] as bigint;
    if (poolTotal !== state.totalDeposited) throw mismatch('poolsData(0).totalDeposited', poolTotal, state.totalDeposited);
    const publicTotal = preBridgeAbi.decodeFunctionResult('totalDepositedInPublicPools', answers[groups.length + 1]!)[0] as bigint;
    if (publicTotal !== state.totalDeposited) throw mismatch('totalDepositedInPublicPools()', publicTotal, state.totalDeposited);

    let priceUsd: string;
    let priceSource: string;
    if (overrides.priceUsd !== undefined) {
      priceUsd = overrides.priceUsd;
      priceSource = 'config';
    } else {
      assert(feed !== null);
      const decimals = Number(aggregatorAbi.decodeFunctionResult('decimals', answers[groups.length + 2]!)[0]);
      const [, answer, , updatedAt] = aggregatorAbi.decodeFunctionResult('latestRoundData', answers[groups.length + 3]!) as unknown as [bigint, bigint, bigint, bigint];
      if (decimals > 18) throw new EngineError('SNAPSHOT_MISMATCH', `ethereum: Chainlink feed ${feed} has ${decimals} decimals; expected at most 18`);
      if (answer <= 0n) throw new EngineError('SNAPSHOT_MISMATCH', `ethereum: Chainlink feed ${feed} answered ${answer} at block ${pin.number}; expected a positive ETH/USD price`);
      if (pin.timestampSec - updatedAt > priceMaxAgeSec) notes.push(`ETH/USD answer is ${pin.timestampSec - updatedAt} s old at block ${pin.number} (limit ${priceMaxAgeSec} s)`);
      priceUsd = scaledToDecimal(answer, decimals);
      priceSource = `chainlink:${feed}@${pin.number}`;
    }

    let apr: string;
    let aprSource: string;
    if (overrides.apr !== undefined) {
      apr = overrides.apr;
      aprSource = 'config';
    } else {
      const r = state.rebase;
      if (r === null || !usableRebase(r)) {
        throw new EngineError('SOURCE_UNAVAILABLE', `ethereum: no usable Lido TokenRebased from ${stETH} at or before block ${pin.number}; set overrides.apr or aprLookbackBlocks`);
      }
      const result = lidoApr(r);
      if (result.apr !== result.raw) notes.push(`stETH APR ${result.raw} from the rebase at block ${r.block} is negative; quoted as 0`);
      apr = result.apr;
      aprSource = `lido:TokenRebased@${r.block}`;
    }
    return { asset: 'stETH', decimals: 18, priceUsd, apr, priceSource, aprSource };
  }

  let timings: SnapshotTimings | null = null;

  async function attempt(cursor: string | null, signal?: AbortSignal): Promise<Snapshot> {
    const t0 = performance.now();
    const notes: string[] = [];
    let pin = await choosePin(signal);
    let state: ScanState | null = cursor === null ? null : decodeCursor(cursor, { chainId, preBridge });
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
      const held = await sourceState.count('steth', DEPOSITOR_KIND);
      if (held !== state.count) throw new EngineError('INVALID_ARGUMENT', `steth cursor: counts ${state.count} depositors but the source state holds ${held}; the state is not the cursor's`);
    }
    const complete = state === null;
    if (state === null) {
      if (pin.number < startBlock) throw new EngineError('SOURCE_UNAVAILABLE', `ethereum: pinned block ${pin.number} is before startBlock ${startBlock}`);
      state = { chainId, preBridge, block: startBlock - 1n, hash: '', totalDeposited: 0n, depositors: new Map(), stored: new Set(), count: 0, reset: true, rebase: null };
    }
    const touched = new Set<string>();
    const from = state.block + 1n;
    const tScan = performance.now();
    const events = from <= pin.number ? await scan(state, from, pin.number, pin, touched, signal) : 0;
    if (state.rebase === null && overrides.apr === undefined) await findRebaseBefore(state, from, signal);
    if (complete) notes.push(`first scan: blocks ${startBlock}..${pin.number}, ${events} events`);
    const check = complete ? [...state.depositors.keys()] : [...touched];
    check.sort();
    const tCheck = performance.now();
    const quote = await crossCheckAndQuote(state, check, pin, notes, signal);
    const tDone = performance.now();
    // Every read above named the pin by number or hash; if the block at that height changed meanwhile, redo.
    const after = await getBlock(hex(pin.number), signal);
    if (after.hash !== pin.hash) throw new PinMoved(`block ${pin.number} changed from ${pin.hash} to ${after.hash} during the snapshot`);
    state.block = pin.number;
    state.hash = pin.hash;

    const updates: WeightUpdate[] = [];
    for (const user of check) {
      const d = state.depositors.get(user)!;
      if (complete && d.deposited === 0n) continue;
      updates.push({ account: user, recipient: d.recipient, weight: d.deposited });
    }
    const unclaimed = updates.filter((u) => u.recipient === null && u.weight > 0n).length;
    if (unclaimed > 0) notes.push(`${unclaimed} depositor(s) with no valid Arweave address: accruing unclaimed under their Ethereum address`);
    timings = { blocks: pin.number >= from ? Number(pin.number - from + 1n) : 0, events, checked: check.length, scanMs: tCheck - tScan, checkMs: tDone - tCheck, totalMs: performance.now() - t0 };
    const pinOut: Pin = { chain: 'ethereum', height: pin.number.toString(), hash: pin.hash, timeMs: Number(pin.timestampSec) * 1000 };
    const changes = depositorChanges(state, touched);
    return { pool: 'steth', pin: pinOut, complete, updates, yield: quote, cursor: encodeCursor(state), sourceState: changes, notes };
  }

  return {
    pool: 'steth',
    stats: rpc.stats,
    lastTimings: () => timings,
    async snapshot(cursor: string | null, signal?: AbortSignal): Promise<Snapshot> {
      if (cursor !== null) decodeCursor(cursor, { chainId, preBridge }); // a malformed cursor is named before anything else
      own?.continueFrom(cursor);
      let last: unknown;
      for (let i = 0; i < pinAttempts; i++) {
        try {
          const snap = await attempt(cursor, signal);
          own?.returned(snap);
          return snap;
        } catch (e) {
          if (!(e instanceof PinMoved) && !(e instanceof MalformedAnswer)) throw e;
          last = e;
        }
      }
      const reason = last instanceof Error ? last.message : String(last);
      throw new EngineError('SOURCE_UNAVAILABLE', `ethereum: snapshot failed ${pinAttempts} times: ${reason}`, { cause: last });
    },
  };
}
