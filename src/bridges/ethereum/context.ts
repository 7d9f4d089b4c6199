import { getAddress } from 'ethers';
import { TOKENS, TOKENS_BY_NETWORK } from '@lido-sdk/constants';
import type { SourceStateReader } from '../types.ts';
import { EngineError } from '../../errors.ts';
import { parseFixed18 } from '../../emission/asset-weight.ts';
import { DEFAULT_GENESIS_MS } from '../../emission/ticks.ts';
import { CANONICAL_MULTICALL3 } from './abi.ts';
import { DEFAULT_PRICE_MAX_AGE_SEC } from './assets.ts';
import type { BridgeKind, EthereumAsset, EthereumPool } from './assets.ts';
import { ETHEREUM_OPTION_BOUNDS } from './option-bounds.ts';
import type { EthereumSourceOptions } from './options.ts';
import { RpcClient } from './rpc.ts';

/**
 * A source's options, checked once when it is created: what every step of a snapshot reads (each
 * step takes the part it needs). Nothing here changes between snapshots; addresses are lowercase.
 */
export interface EthereumContext {
  readonly rpc: RpcClient;
  readonly chainId: number;
  readonly asset: EthereumAsset;
  readonly pool: EthereumPool;
  readonly kind: BridgeKind;
  /** The bridge contract (the cursor's `preBridge`). */
  readonly preBridge: string;
  /** The stETH token whose TokenRebased events give the APR (a 'lido' asset), else null. */
  readonly stETH: string | null;
  /** The deposit delay (0n: none) and the tick grid it counts on. */
  readonly delaySec: bigint;
  readonly genesisMs: number;
  readonly confirmations: number | undefined;
  readonly finalityLagBlocks: number;
  readonly startBlock: bigint;
  readonly chunkBlocks: bigint;
  readonly scanConcurrency: number;
  readonly aprLookbackBlocks: bigint;
  readonly priceMaxAgeSec: bigint;
  readonly repinAttemptsMax: number;
  /** Multicall3 for the cross-check; null = one eth_call per depositor. */
  readonly multicall3: string | null;
  readonly multicallSize: number;
  readonly sourceState: SourceStateReader;
}

const MAINNET_CHAINLINK_ETH_USD = '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419';

/** The options checked field by field, in this order (the first bad one is named); the source state is the caller's to add. */
export function checkOptions(opts: EthereumSourceOptions): Omit<EthereumContext, 'sourceState'> {
  const chainId = checkInt(opts.chainId, 'chainId', 0, ...ETHEREUM_OPTION_BOUNDS.chainId);
  const lidoStETH = (TOKENS_BY_NETWORK as Partial<Record<number, Partial<Record<TOKENS, string>>>>)[chainId]?.[TOKENS.STETH];
  const asset = opts.asset === undefined ? legacyStETH(opts, chainId, lidoStETH) : checkAsset(opts.asset);
  const preBridge = checkAddress(opts.preBridge, opts.asset === undefined ? 'preBridge' : `${asset.pool}.bridge`);
  const genesisMs = opts.genesisMs ?? DEFAULT_GENESIS_MS;
  if (!Number.isSafeInteger(genesisMs)) throw new EngineError('INVALID_CONFIG', `ethereum.genesisMs: ${genesisMs} is not an integer millisecond instant`);
  const confirmations = opts.confirmations === undefined ? undefined : checkInt(opts.confirmations, 'confirmations', 0, ...ETHEREUM_OPTION_BOUNDS.confirmations);
  const finalityLagBlocks = checkInt(opts.finalityLagBlocks, 'finalityLagBlocks', 0, ...ETHEREUM_OPTION_BOUNDS.finalityLagBlocks);
  const startBlock = BigInt(checkInt(opts.startBlock, 'startBlock', 0, ...ETHEREUM_OPTION_BOUNDS.startBlock));
  const chunkBlocks = BigInt(checkInt(opts.chunkBlocks, 'chunkBlocks', 2_000, 1, 1_000_000));
  const scanConcurrency = checkInt(opts.scanConcurrency, 'scanConcurrency', 4, 1, 64);
  const aprLookbackBlocks = BigInt(checkInt(opts.aprLookbackBlocks, 'aprLookbackBlocks', 57_600, 0, 10_000_000));
  const repinAttemptsMax = checkInt(opts.repinAttemptsMax, 'repinAttemptsMax', 3, 1, 20);
  // The public chains Lido knows all have the canonical Multicall3; elsewhere (a local chain) only a configured one.
  const multicall3 = opts.multicall3 === null ? null : opts.multicall3 !== undefined ? checkAddress(opts.multicall3, 'multicall3') : lidoStETH !== undefined ? CANONICAL_MULTICALL3 : null;
  const multicallSize = checkInt(opts.multicallSize, 'multicallSize', 500, 1, 5_000);
  return {
    rpc: rpcClientOf(opts),
    chainId,
    asset,
    pool: asset.pool,
    kind: asset.kind,
    preBridge,
    stETH: asset.apr.kind === 'lido' ? asset.apr.stETH : null,
    delaySec: BigInt(asset.depositDelaySec),
    genesisMs,
    confirmations,
    finalityLagBlocks,
    startBlock,
    chunkBlocks,
    scanConcurrency,
    aprLookbackBlocks,
    priceMaxAgeSec: BigInt(asset.priceMaxAgeSec),
    repinAttemptsMax,
    multicall3,
    multicallSize,
  };
}

/** The RPC client of the options, checked last (the client refuses both or neither of rpcUrls and provider). */
function rpcClientOf(opts: EthereumSourceOptions): RpcClient {
  return new RpcClient({
    urls: opts.rpcUrls,
    provider: opts.provider,
    attemptsMax: checkInt(opts.attemptsMax, 'attemptsMax', 5, 1, 21),
    timeoutMs: checkInt(opts.timeoutMs, 'timeoutMs', 10_000, 1, 600_000),
    backoffMsBase: checkInt(opts.backoffMsBase, 'backoffMsBase', 200, 0, 60_000),
    backoffMsMax: 5_000,
    batchSize: checkInt(opts.batchSize, 'batchSize', 500, 1, 10_000),
  });
}

function checkAddress(value: unknown, field: string): string {
  try {
    if (typeof value !== 'string') throw new Error('not a string');
    return getAddress(value).toLowerCase();
  } catch {
    throw new EngineError('INVALID_CONFIG', `ethereum.${field}: ${JSON.stringify(value)} is not an Ethereum address; expected 0x and 40 hex digits`);
  }
}

/** The asset a source without `asset` reads: stETH alone, as the older options give it (no delay). */
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
