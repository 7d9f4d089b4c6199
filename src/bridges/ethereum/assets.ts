/**
 * The Ethereum bridge assets: each is its own bridge contract with a deposit token, a
 * price source and a yield source, and a deposit delay. AO runs three — stETH, DAI, USDS — and
 * their mainnet contracts are the presets below (pinned by test/bridges/ethereum/abi-fixture.test.ts).
 */
export type EthereumPool = 'steth' | 'dai' | 'usds';
export const ETHEREUM_POOLS: readonly EthereumPool[] = ['steth', 'dai', 'usds'];

/** 'pools': a Distribution with public pool 0 (stETH, DAI bridges); 'vault': the single-vault Distribution (USDS bridge). See abi.ts. */
export type BridgeKind = 'pools' | 'vault';

/** Where the APR comes from, read at the pinned block. */
export type AprSpec =
  /** Lido's TokenRebased on the stETH token (yield.ts lidoApr). */
  | { readonly kind: 'lido'; readonly stETH: string }
  /** Maker's Pot dsr(), a per-second rate in ray (yield.ts rayApr). */
  | { readonly kind: 'dsr'; readonly pot: string }
  /** Sky's sUSDS ssr(), the same form. */
  | { readonly kind: 'ssr'; readonly sUSDS: string }
  /** A constant from the config (recorded as aprSource "config"). */
  | { readonly kind: 'config'; readonly apr: string };

export type PriceSpec =
  /** A Chainlink-style AggregatorV3 (decimals, latestRoundData), read at the pinned block. */
  | { readonly kind: 'chainlink'; readonly feed: string }
  /** A constant from the config (recorded as priceSource "config"). */
  | { readonly kind: 'config'; readonly priceUsd: string };

export interface EthereumAsset {
  readonly pool: EthereumPool;
  /** The symbol recorded in the yield quote: stETH, DAI, USDS. */
  readonly symbol: string;
  readonly kind: BridgeKind;
  /** The deposit token's decimals (the weight is in its base units). */
  readonly decimals: number;
  readonly price: PriceSpec;
  readonly apr: AprSpec;
  /** A deposit counts from the first tick starting at or after its block time + this (0 = from the snapshot that sees it). */
  readonly depositDelaySec: number;
  /** A price answer older than this at the pinned block is an error: the tick waits rather than use an old price. */
  readonly priceMaxAgeSec: number;
}

/** AO's deposit delay: "You will begin to accrue AO 24 hours after your deposit has been confirmed". */
export const AO_DEPOSIT_DELAY_SEC = 24 * 3600;
/** Chainlink's ETH/USD and DAI/USD heartbeats are one hour; a day without an update is an outage. */
export const DEFAULT_PRICE_MAX_AGE_SEC = 86_400;

export interface AssetPreset {
  readonly bridge: string;
  readonly asset: EthereumAsset;
}

/**
 * AO's three bridges on Ethereum mainnet (chain 1). Addresses 0x-lowercase. USDS has no price feed
 * the deployed process reads: its price is the constant 1 USD, recorded as "config".
 */
export const MAINNET_PRESETS: Readonly<Record<EthereumPool, AssetPreset>> = {
  steth: {
    bridge: '0xfe08d40eee53d64936d3128838867c867602665c',
    asset: {
      pool: 'steth',
      symbol: 'stETH',
      kind: 'pools',
      decimals: 18,
      price: { kind: 'chainlink', feed: '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419' }, // ETH/USD
      apr: { kind: 'lido', stETH: '0xae7ab96520de3a18e5e111b5eaab095312d7fe84' },
      depositDelaySec: AO_DEPOSIT_DELAY_SEC,
      priceMaxAgeSec: DEFAULT_PRICE_MAX_AGE_SEC,
    },
  },
  dai: {
    bridge: '0x6a1b588b0684dace1f53c5820111f400b3dbfebf',
    asset: {
      pool: 'dai',
      symbol: 'DAI',
      kind: 'pools',
      decimals: 18,
      price: { kind: 'chainlink', feed: '0xaed0c38402a5d19df6e4c03f4e2dced6e29c1ee9' }, // DAI/USD
      apr: { kind: 'dsr', pot: '0x197e90f9fad81970ba7976f33cbd77088e5d7cf7' }, // MCD_POT
      depositDelaySec: AO_DEPOSIT_DELAY_SEC,
      priceMaxAgeSec: DEFAULT_PRICE_MAX_AGE_SEC,
    },
  },
  usds: {
    bridge: '0x7cd01d5cad4ba0caeba02583a5c61d35b23e08eb',
    asset: {
      pool: 'usds',
      symbol: 'USDS',
      kind: 'vault',
      decimals: 18,
      price: { kind: 'config', priceUsd: '1' },
      apr: { kind: 'ssr', sUSDS: '0xa3931d71877c0e7a3148cb7eb4463524fec27fbd' },
      depositDelaySec: AO_DEPOSIT_DELAY_SEC,
      priceMaxAgeSec: DEFAULT_PRICE_MAX_AGE_SEC,
    },
  },
};

export const isEthereumPool = (v: unknown): v is EthereumPool => typeof v === 'string' && (ETHEREUM_POOLS as readonly string[]).includes(v);
