import { EngineError } from '../../errors.ts';
import { U64_MAX, type Delegation } from './stake-account.ts';

/**
 * Effective ("active") stake of a delegation at an epoch, computed exactly as the Stake program
 * and the runtime do (solana-program/stake `Delegation::stake_activating_and_deactivating`), so
 * the bridge counts the lamports the cluster itself counts as staked — and earning — that epoch:
 * fully active stake plus stake still cooling down, not stake still warming up.
 *
 * Warm-up and cool-down are rate-limited cluster-wide: each epoch at most `rate` × the cluster's
 * effective stake (from the StakeHistory sysvar) may change state, shared pro rata among the
 * delegations changing. The runtime uses f64 for this and truncates each epoch's step toward
 * zero (at least 1 lamport); JS numbers are the same IEEE-754 doubles, so the result is
 * bit-for-bit the runtime's. Where the history has no entry for the activation (or deactivation)
 * epoch the runtime treats the change as complete one epoch later — which is also what a local
 * VM without a maintained StakeHistory does.
 */
export interface StakeHistoryEntry {
  readonly effective: bigint;
  readonly activating: bigint;
  readonly deactivating: bigint;
}
export type StakeHistory = ReadonlyMap<bigint, StakeHistoryEntry>;

export interface StakeActivation {
  readonly effective: bigint;
  readonly activating: bigint;
  readonly deactivating: bigint;
}

/** Warm-up/cool-down rate per epoch: 25 % before feature `reduce_stake_warmup_cooldown`, 9 % from its activation epoch on. */
export function warmupCooldownRate(epoch: bigint, newRateActivationEpoch: bigint | null): number {
  return newRateActivationEpoch !== null && epoch >= newRateActivationEpoch ? 0.09 : 0.25;
}

/** Rust `(x as u64)` for a non-negative f64: truncation toward zero, saturating at u64::MAX. */
function f64ToU64(x: number): bigint {
  if (!(x > 0)) return 0n;
  if (x >= 2 ** 64) return U64_MAX;
  return BigInt(Math.trunc(x));
}

const max1 = (x: bigint): bigint => (x > 1n ? x : 1n);

function stakeAndActivating(d: Delegation, target: bigint, history: StakeHistory, newRate: bigint | null): [bigint, bigint] {
  if (d.activationEpoch === U64_MAX) return [d.stake, 0n]; // bootstrap stake: active since genesis
  if (d.activationEpoch === d.deactivationEpoch) return [0n, 0n]; // deactivated before it ever activated
  if (target === d.activationEpoch) return [0n, d.stake];
  if (target < d.activationEpoch) return [0n, 0n];
  let prevEpoch = d.activationEpoch;
  let prev = history.get(prevEpoch);
  if (prev === undefined) return [d.stake, 0n];
  let effective = 0n;
  for (;;) {
    const epoch = prevEpoch + 1n;
    if (prev.activating === 0n) break;
    const weight = Number(d.stake - effective) / Number(prev.activating);
    const newlyEffectiveCluster = Number(prev.effective) * warmupCooldownRate(epoch, newRate);
    effective += max1(f64ToU64(weight * newlyEffectiveCluster));
    if (effective >= d.stake) {
      effective = d.stake;
      break;
    }
    if (epoch >= target || epoch >= d.deactivationEpoch) break;
    const next = history.get(epoch);
    if (next === undefined) break;
    prevEpoch = epoch;
    prev = next;
  }
  return [effective, d.stake - effective];
}

/** The delegation's effective/activating/deactivating lamports at `targetEpoch`. */
export function stakeActivation(d: Delegation, targetEpoch: bigint, history: StakeHistory, newRateActivationEpoch: bigint | null): StakeActivation {
  const [effective, activating] = stakeAndActivating(d, targetEpoch, history, newRateActivationEpoch);
  if (targetEpoch < d.deactivationEpoch) return { effective, activating, deactivating: 0n };
  if (targetEpoch === d.deactivationEpoch) return { effective, activating: 0n, deactivating: effective };
  let prevEpoch = d.deactivationEpoch;
  let prev = history.get(prevEpoch);
  if (prev === undefined) return { effective: 0n, activating: 0n, deactivating: 0n };
  let current = effective;
  for (;;) {
    const epoch = prevEpoch + 1n;
    if (prev.deactivating === 0n) break;
    const weight = Number(current) / Number(prev.deactivating);
    const newlyNotEffectiveCluster = Number(prev.effective) * warmupCooldownRate(epoch, newRateActivationEpoch);
    const step = max1(f64ToU64(weight * newlyNotEffectiveCluster));
    current = current > step ? current - step : 0n;
    if (current === 0n || epoch >= targetEpoch) break;
    const next = history.get(epoch);
    if (next === undefined) break;
    prevEpoch = epoch;
    prev = next;
  }
  return { effective: current, activating: 0n, deactivating: current };
}

/**
 * Decodes the StakeHistory sysvar (SysvarStakeHistory1111111111111111111111111): bincode
 * Vec<(u64 epoch, u64 effective, u64 activating, u64 deactivating)>, newest first, ≤ 512 entries.
 */
export const STAKE_HISTORY_SYSVAR = 'SysvarStakeHistory1111111111111111111111111';
const STAKE_HISTORY_MAX_ENTRIES = 512;

export function decodeStakeHistory(data: Uint8Array): StakeHistory {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 8) throw new EngineError('MALFORMED_RESPONSE', `stake history sysvar: ${data.length} bytes; expected at least 8`);
  const count = view.getBigUint64(0, true);
  if (count > BigInt(STAKE_HISTORY_MAX_ENTRIES) || data.length < 8 + Number(count) * 32) {
    throw new EngineError('MALFORMED_RESPONSE', `stake history sysvar: ${count} entries in ${data.length} bytes; expected at most ${STAKE_HISTORY_MAX_ENTRIES} entries of 32 bytes`);
  }
  const history = new Map<bigint, StakeHistoryEntry>();
  for (let i = 0; i < Number(count); i++) {
    const at = 8 + i * 32;
    history.set(view.getBigUint64(at, true), {
      effective: view.getBigUint64(at + 8, true),
      activating: view.getBigUint64(at + 16, true),
      deactivating: view.getBigUint64(at + 24, true),
    });
  }
  return history;
}
