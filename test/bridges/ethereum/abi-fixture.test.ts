import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { Interface, getAddress } from 'ethers';
import {
  potAbi,
  preBridgeAbi,
  sUsdsAbi,
  TOPIC_USER_STAKED,
  TOPIC_USER_WITHDRAWN,
  TOPIC_VAULT_USER_STAKED,
  TOPIC_VAULT_USER_WITHDRAWN,
  vaultBridgeAbi,
} from '../../../src/bridges/ethereum/abi.ts';
import { ETHEREUM_POOLS, MAINNET_PRESETS } from '../../../src/bridges/ethereum/assets.ts';

/**
 * The presets of AO's three Ethereum bridges pinned against the published ABIs (fixtures/ao-bridges.abi.json:
 * the JSON-ABI fragments of the verified contracts, with their topic0 / selectors as explorers list them).
 */
const fixture = JSON.parse(readFileSync(new URL('./fixtures/ao-bridges.abi.json', import.meta.url), 'utf8')) as {
  bridges: Record<string, { address: string; shape: 'pools' | 'vault' }>;
  pools: unknown[];
  vault: unknown[];
  pot: unknown[];
  sUsds: unknown[];
  expected: Record<'pools' | 'vault' | 'pot' | 'sUsds', Record<string, string>>;
};

describe('AO bridge presets against the published ABIs', () => {
  it('name the three published mainnet bridges (EIP-55 as published), each with its ABI shape', () => {
    expect(ETHEREUM_POOLS).toEqual(['steth', 'dai', 'usds']);
    for (const pool of ETHEREUM_POOLS) {
      const published = fixture.bridges[pool]!;
      expect(getAddress(MAINNET_PRESETS[pool].bridge)).toBe(published.address);
      expect(MAINNET_PRESETS[pool].asset.kind).toBe(published.shape);
      expect(MAINNET_PRESETS[pool].asset.depositDelaySec).toBe(24 * 3600);
    }
  });

  it.each([
    ['pools', preBridgeAbi, { UserStaked: TOPIC_USER_STAKED, UserWithdrawn: TOPIC_USER_WITHDRAWN }],
    ['vault', vaultBridgeAbi, { UserStaked: TOPIC_VAULT_USER_STAKED, UserWithdrawn: TOPIC_VAULT_USER_WITHDRAWN }],
    ['pot', potAbi, {}],
    ['sUsds', sUsdsAbi, {}],
  ] as const)('%s: the event topics and view selectors the source uses equal the published ones', (shape, ours, topics) => {
    const published = new Interface(fixture[shape] as never[]);
    for (const [name, pinned] of Object.entries(fixture.expected[shape])) {
      const event = published.getEvent(name);
      if (event) {
        expect(event.topicHash, name).toBe(pinned);
        expect(ours.getEvent(name)!.topicHash, name).toBe(pinned);
        expect((topics as Record<string, string>)[name], name).toBe(pinned);
      } else {
        expect(published.getFunction(name)!.selector, name).toBe(pinned);
        expect(ours.getFunction(name)!.selector, name).toBe(pinned);
        // The outputs decode the same way: our human-readable form has the published output types.
        expect(ours.getFunction(name)!.outputs.map((o) => o.format()), name).toEqual(published.getFunction(name)!.outputs.map((o) => o.format()));
      }
    }
  });
});
