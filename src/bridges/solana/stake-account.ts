import { PublicKey } from '@solana/web3.js';
import { EngineError } from '../../errors.ts';

/**
 * The native stake account layout (StakeStateV2, bincode, 200 bytes), as the Stake program
 * writes it. Offsets from solana-program/stake `StakeStateV2`:
 *
 *     0   u32  tag: 0 Uninitialized, 1 Initialized, 2 Stake, 3 RewardsPool
 *     4   u64  meta.rent_exempt_reserve
 *    12   [32] meta.authorized.staker
 *    44   [32] meta.authorized.withdrawer
 *    76   i64  meta.lockup.unix_timestamp
 *    84   u64  meta.lockup.epoch
 *    92   [32] meta.lockup.custodian
 *   124   [32] stake.delegation.voter_pubkey      ← the memcmp offset used to list a validator's delegators
 *   156   u64  stake.delegation.stake             (lamports)
 *   164   u64  stake.delegation.activation_epoch
 *   172   u64  stake.delegation.deactivation_epoch (u64::MAX = not deactivating)
 *   180   f64  stake.delegation.warmup_cooldown_rate (deprecated, ignored)
 *   188   u64  stake.credits_observed
 *   196   u8   stake_flags, then padding
 */
export const STAKE_PROGRAM_ID = 'Stake11111111111111111111111111111111111111';
export const STAKE_ACCOUNT_BYTES = 200;
export const VOTER_OFFSET = 124;
export const U64_MAX = 2n ** 64n - 1n;

export interface Delegation {
  readonly voter: string;
  /** Delegated lamports. */
  readonly stake: bigint;
  readonly activationEpoch: bigint;
  /** U64_MAX while not deactivating. */
  readonly deactivationEpoch: bigint;
}

export interface StakeAccount {
  readonly state: 'uninitialized' | 'initialized' | 'delegated' | 'rewards-pool';
  readonly staker: string | null;
  readonly withdrawer: string | null;
  readonly delegation: Delegation | null;
}

const STATES = ['uninitialized', 'initialized', 'delegated', 'rewards-pool'] as const;

/**
 * base58 of a 32-byte key, memoised: web3.js's base58 is pure JS (~30 µs a key) and a snapshot
 * sees the same withdraw authorities and voters every tick. Bounded: cleared past 1 M entries.
 */
const BASE58_MEMO_MAX = 1_000_000;
const base58Memo = new Map<string, string>();
function key(data: Uint8Array, offset: number): string {
  const bytes = data.subarray(offset, offset + 32);
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString('latin1');
  let text = base58Memo.get(hex);
  if (text === undefined) {
    if (base58Memo.size >= BASE58_MEMO_MAX) base58Memo.clear();
    text = new PublicKey(bytes).toBase58();
    base58Memo.set(hex, text);
  }
  return text;
}

/** Decodes a stake account's data; `field` names the account in errors (a PublicKey is only stringified on error). */
export function decodeStakeAccount(data: Uint8Array, field: string | { toString(): string }): StakeAccount {
  if (data.length !== STAKE_ACCOUNT_BYTES) {
    throw new EngineError('MALFORMED_RESPONSE', `${String(field)}: stake account data is ${data.length} bytes; expected ${STAKE_ACCOUNT_BYTES}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const tag = view.getUint32(0, true);
  const state = STATES[tag];
  if (state === undefined) throw new EngineError('MALFORMED_RESPONSE', `${String(field)}: stake state tag ${tag}; expected 0..3`);
  if (state === 'uninitialized' || state === 'rewards-pool') return { state, staker: null, withdrawer: null, delegation: null };
  const staker = key(data, 12);
  const withdrawer = key(data, 44);
  if (state === 'initialized') return { state, staker, withdrawer, delegation: null };
  return {
    state,
    staker,
    withdrawer,
    delegation: {
      voter: key(data, VOTER_OFFSET),
      stake: view.getBigUint64(156, true),
      activationEpoch: view.getBigUint64(164, true),
      deactivationEpoch: view.getBigUint64(172, true),
    },
  };
}
