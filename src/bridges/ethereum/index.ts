export { createEthereumSource } from './source.ts';
export type { EthereumSource, EthereumSourceOptions, SnapshotTimings } from './source.ts';
export { startLocalEthereum, toBytes32 } from './local.ts';
export type { ArweaveBytes32, LocalEthereum, LocalEthereumOptions } from './local.ts';
export { lidoApr } from './yield.ts';
export { recipientFromWord } from './state.ts';
export type { ProviderLike } from './rpc.ts';
