export { createArweaveSource } from './source.ts';
export type { ArweaveSource, ArweaveSourceOptions } from './source.ts';
export { WalletListScanner, readWalletListPages, readWalletListDocument } from './wallet-list.ts';
export type { Wallet } from './wallet-list.ts';
export { readSeedFile } from './seed.ts';
export type { SeedRow } from './seed.ts';
export { ownerToAddress } from './wire.ts';
