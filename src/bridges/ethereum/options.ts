import type { SourceStateReader } from '../types.ts';
import type { EthereumAsset } from './assets.ts';
import type { ProviderLike } from './rpc.ts';

/** What createEthereumSource (source.ts) is configured with; context.ts checks it once. */
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
