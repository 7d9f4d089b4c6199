import { Interface, id } from 'ethers';

/**
 * Human-readable ABIs of the few calls and events the source reads (the real mainnet interfaces,
 * pinned by test/bridges/ethereum/abi-fixture.test.ts against the published ABIs).
 *
 * AO's bridges come in two shapes. The stETH and DAI bridges are MorpheusAI-style `Distribution`s
 * with public pools (the deposit is public pool 0): `preBridgeAbi`. The USDS bridge is the
 * single-vault `Distribution` (its deposits go into an ERC-4626 vault): no pool id in its events
 * or `usersData`, and its total is `totalDepositedInVault()`: `vaultBridgeAbi`.
 */
export const preBridgeAbi = new Interface([
  'function usersData(address user, uint256 poolId) view returns (uint128 lastStake, uint256 deposited, uint256 rate, uint256 pendingRewards)',
  'function poolsData(uint256 poolId) view returns (uint128 lastUpdate, uint256 rate, uint256 totalDeposited)',
  'function totalDepositedInPublicPools() view returns (uint256)',
  'event UserStaked(uint256 indexed poolId, address indexed user, uint256 amount, bytes32 arweaveAddress)',
  'event UserWithdrawn(uint256 indexed poolId, address indexed user, uint256 amount, bytes32 arweaveAddress)',
]);

export const vaultBridgeAbi = new Interface([
  'function usersData(address user) view returns ((uint128 lastStake, uint256 deposited))',
  'function totalDepositedInVault() view returns (uint256)',
  'event UserStaked(address indexed user, uint256 amount, bytes32 arweaveAddress)',
  'event UserWithdrawn(address indexed user, uint256 amount, bytes32 arweaveAddress)',
]);

/** Maker's Pot (DAI Savings Rate) and Sky's sUSDS (Sky Savings Rate): a per-second rate in ray (10^27). */
export const potAbi = new Interface(['function dsr() view returns (uint256)']);
export const sUsdsAbi = new Interface(['function ssr() view returns (uint256)']);

export const aggregatorAbi = new Interface([
  'function decimals() view returns (uint8)',
  'function latestRoundData() view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)',
]);

export const TOPIC_USER_STAKED = id('UserStaked(uint256,address,uint256,bytes32)');
export const TOPIC_USER_WITHDRAWN = id('UserWithdrawn(uint256,address,uint256,bytes32)');
export const TOPIC_VAULT_USER_STAKED = id('UserStaked(address,uint256,bytes32)');
export const TOPIC_VAULT_USER_WITHDRAWN = id('UserWithdrawn(address,uint256,bytes32)');
export const TOPIC_TOKEN_REBASED = id('TokenRebased(uint256,uint256,uint256,uint256,uint256,uint256,uint256)');

/** The stETH pool of the pre-bridge. */
export const STETH_POOL_ID = 0n;
export const STETH_POOL_TOPIC = `0x${STETH_POOL_ID.toString(16).padStart(64, '0')}`;

/** Multicall3 (canonical at 0xcA11bde05977b3631167028862bE2a173976CA11 on mainnet and the testnets). */
export const multicall3Abi = new Interface([
  'function aggregate3((address target, bool allowFailure, bytes callData)[] calls) payable returns ((bool success, bytes returnData)[] returnData)',
]);
export const CANONICAL_MULTICALL3 = '0xca11bde05977b3631167028862be2a173976ca11';
