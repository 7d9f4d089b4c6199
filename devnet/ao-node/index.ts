// The local AO node's public surface (devnet/ao-node/README.md).
export { startLocalAoNode, processIdOf, addressOfOwner } from './server.ts';
export type { LocalAoNode, LocalAoNodeOptions, TokenProcessSpec } from './server.ts';
export type { AoResult, AoOutMessage, AoTag } from './vm.ts';
