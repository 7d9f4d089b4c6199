/* global module */
// Hardhat 2's in-process network for devnet/ethereum/local.ts (tests, benches, the demo).
// Nothing is compiled by Hardhat: the contracts are compiled with solc-js at run time.
/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  networks: {
    hardhat: {
      chainId: 31337,
      // Prague, not Osaka: Osaka caps a transaction at 2^24 gas (EIP-7825), and the bench seeds
      // hundreds of stakes per transaction. Nothing the source reads differs between the two.
      hardfork: 'prague',
      // Room for the bench's batched seeding transactions (thousands of stakes in one block).
      blockGasLimit: 2_000_000_000,
      allowUnlimitedContractSize: false,
      accounts: { count: 20 },
      loggingEnabled: false,
    },
  },
};
