import type { Source } from '../bridges/types.ts';
import { createArweaveSource } from '../bridges/arweave/index.ts';
import { createEthereumSource } from '../bridges/ethereum/index.ts';
import { createSolanaSource } from '../bridges/solana/index.ts';
import type { ServiceConfig } from './config.ts';

/** The production sources named by the config, in pool order ar, steth, sol. */
export function sourcesFromConfig(config: ServiceConfig): Source[] {
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
    sources.push(
      createEthereumSource({
        rpcUrls: s.ethereum.rpcUrls,
        chainId: s.ethereum.chainId,
        preBridge: s.ethereum.preBridge,
        ...(s.ethereum.steth === undefined ? {} : { stETH: s.ethereum.steth }),
        ...(s.ethereum.chainlinkEthUsd === undefined ? {} : { chainlinkEthUsd: s.ethereum.chainlinkEthUsd }),
        ...(s.ethereum.confirmations === undefined ? {} : { confirmations: s.ethereum.confirmations }),
        finalityLagBlocks: s.ethereum.finalityLagBlocks,
        startBlock: s.ethereum.startBlock,
        ...(s.yield?.steth ? { overrides: s.yield.steth } : {}),
      }),
    );
  }
  if (s.solana) {
    sources.push(
      createSolanaSource({
        rpcUrls: s.solana.rpcUrls,
        voteAccounts: s.solana.voteAccounts,
        registry: s.solana.registry,
        commitment: s.solana.commitment,
        priceUsd: s.yield!.sol!.priceUsd!,
        ...(s.yield?.sol?.apr === undefined ? {} : { apr: s.yield.sol.apr }),
      }),
    );
  }
  return sources;
}
