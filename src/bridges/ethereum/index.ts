export { createEthereumSource } from './source.ts';
export type { EthereumSource, EthereumSourceOptions, SnapshotTimings } from './source.ts';
export { lidoApr } from './yield.ts';
export { recipientFromWord } from './state.ts';
export type { ProviderLike } from './rpc.ts';
