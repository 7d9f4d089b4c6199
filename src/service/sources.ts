import { EngineError } from '../errors.ts';
import type { PoolId, Source, SourceStateReader } from '../bridges/types.ts';
import { createArweaveSource } from '../bridges/arweave/index.ts';
import { createEthereumSource } from '../bridges/ethereum/index.ts';
import { createSolanaSource } from '../bridges/solana/index.ts';
import type { ServiceConfig } from './config.ts';
import { createDelegationSource } from '../bridges/ao/delegation-source.ts';
import type { DelegationSource } from '../bridges/ao/delegation-source.ts';

/**
 * The ledger's source state (Ledger.sourceState()) for sources built before the ledger is open (the
 * config is checked first): startService binds it once the ledger is migrated, before any tick.
 */
export class LateSourceState implements SourceStateReader {
  #reader: SourceStateReader | null = null;

  bind(reader: SourceStateReader): void {
    this.#reader = reader;
  }

  #bound(): SourceStateReader {
    if (this.#reader === null) throw new EngineError('INTERNAL_ERROR', 'source state read before the ledger was opened');
    return this.#reader;
  }

  read(pool: PoolId, kind: string, keys: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.#bound().read(pool, kind, keys);
  }

  count(pool: PoolId, kind: string): Promise<number> {
    return this.#bound().count(pool, kind);
  }
}

/** The production sources named by the config, in pool order ar, steth, dai, usds, sol; the bridges read their state through `state`. */
export function sourcesFromConfig(config: ServiceConfig, state: SourceStateReader): Source[] {
  const s = config.sources;
  const sources: Source[] = [];
  if (s.arweave) {
    sources.push(
      createArweaveSource({
        urls: s.arweave.urls,
        confirmations: s.arweave.confirmations,
        fullEvery: s.arweave.fullEvery,
        ...(s.arweave.seedFile === undefined ? {} : { seedFile: s.arweave.seedFile }),
      }),
    );
  }
  if (s.ethereum) {
    // One source per bridge, in pool order (steth, dai, usds), all on the one chain's RPCs.
    for (const b of config.ethereumBridges) {
      sources.push(
        createEthereumSource({
          rpcUrls: s.ethereum.rpcUrls,
          chainId: s.ethereum.chainId,
          preBridge: b.bridge,
          asset: b.asset,
          genesisMs: config.genesisMs,
          ...(s.ethereum.confirmations === undefined ? {} : { confirmations: s.ethereum.confirmations }),
          finalityLagBlocks: s.ethereum.finalityLagBlocks,
          startBlock: b.startBlock,
          state,
        }),
      );
    }
  }
  if (s.solana) {
    sources.push(
      createSolanaSource({
        rpcUrls: s.solana.rpcUrls,
        voteAccounts: s.solana.voteAccounts,
        registry: s.solana.registry,
        commitment: s.solana.commitment,
        depositDelaySec: config.solanaDepositDelaySec,
        genesisMs: config.genesisMs,
        state,
        priceUsd: s.yield!.sol!.priceUsd!,
        ...(s.yield?.sol?.apr === undefined ? {} : { apr: s.yield.sol.apr }),
      }),
    );
  }
  return sources;
}

/** The delegation source of sources.delegation, or null when the config names none. */
export function delegationSourceFromConfig(config: ServiceConfig): DelegationSource | null {
  const d = config.sources.delegation;
  return d === undefined ? null : createDelegationSource({ cuUrl: d.cuUrl, processId: d.process, limit: d.limit });
}
