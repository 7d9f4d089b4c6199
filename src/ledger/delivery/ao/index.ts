export { createAoWriter, verdictOf, mintBatchTags } from './writer.ts';
export type { AoWriter, AoWriterOptions, DeliveryReport, WriterStats } from './writer.ts';
export { reconcile, readProcessBalances, readHyperbeamBalances } from './reconcile.ts';
export type { ReconcileReport, ReconcileBasis, ReconcileVia, HyperbeamReads, BalanceDifference } from './reconcile.ts';
export { createAoClient } from './client.ts';
export type { AoClient, AoEndpoints, ArweaveJwk, AoTag, AoResultIn } from './client.ts';
export { loadWallet, addressOfJwk } from './wallet.ts';
export { transferGateOf } from './gate.ts';
