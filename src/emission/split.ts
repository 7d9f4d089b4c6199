import { derivedAo } from '../units.ts';
import type { AoUnits } from '../units.ts';
import { mulDiv } from './muldiv.ts';
import type { Policy, SplitPhase } from './policy.ts';
import type { Share } from './share.ts';
import { DEFAULT_GENESIS_MS, tickEndMs } from './ticks.ts';

/**
 * The split of a tick's mint (DESIGN.md §3):
 *   ar_k      = mint_k · num / den, rounded as the phase says:
 *               floor      — the announced law and flat:A/B (never over-pays AR)
 *               half-even  — the deployed law: the process prints mint·1/3 with `%.0f`; the exact
 *                            nearest equals it because mint/3 never ends in .5 (a tie is impossible)
 *   bridges_k = mint_k − ar_k      the process rounds mint·2/3 on its own, which can differ by one
 *                                  unit; taking the rest keeps ar + bridges = mint exactly
 */
export interface Split {
  readonly ar: AoUnits;
  readonly bridges: AoUnits;
}

export function phaseAt(policy: Policy, tick: number, genesisMs = DEFAULT_GENESIS_MS): SplitPhase {
  const endMs = tickEndMs(tick, genesisMs);
  return policy.phases.find((p) => p.untilTickEndMs === null || endMs <= p.untilTickEndMs) ?? policy.phases[policy.phases.length - 1]!;
}

export const arShareAt = (policy: Policy, tick: number, genesisMs = DEFAULT_GENESIS_MS): Share => phaseAt(policy, tick, genesisMs).ar;

export function splitMint(policy: Policy, tick: number, mint: AoUnits, genesisMs = DEFAULT_GENESIS_MS): Split {
  const { ar: share, rounding } = phaseAt(policy, tick, genesisMs);
  const ar = mulDiv(mint, share.numerator, share.denominator, rounding);
  return { ar: derivedAo(ar), bridges: derivedAo(mint - ar) };
}
