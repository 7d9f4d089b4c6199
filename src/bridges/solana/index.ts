export { createSolanaSource, type SolanaSourceOptions } from './source.ts';
export { registrationInstructions, parseRegistrationMemo, MEMO_PREFIX, MEMO_PROGRAM_ID } from './registration.ts';
export { createFailoverFetch, type FetchLike } from './transport.ts';
export { stakeActivation, decodeStakeHistory, type StakeHistory } from './stake-activation.ts';
export { decodeStakeAccount, STAKE_PROGRAM_ID, VOTER_OFFSET } from './stake-account.ts';
