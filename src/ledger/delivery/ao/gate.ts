import { EngineError } from '../../../errors.ts';
import type { Policy } from '../../../emission/index.ts';

/** The token process keeps P and Q of a supplyShare gate as Lua integers below 10^9 (ao/token.lua parseGate). */
const SHARE_DIGITS_MAX = 9;

/**
 * The token process's Transfer-Gate spawn tag for an emission law's gate rule (DESIGN.md §2), so
 * the process and the engine open transfers at the same tick: `mintCount:N` (the process opens once
 * a Mint-Batch's To-Tick reaches N; the engine's gateTick is N) or `supplyShare:P/Q` (both open
 * once the supply reaches P/Q of the max — in the process, the delivered supply).
 */
export function transferGateOf(policy: Policy): string {
  if (policy.gate.kind === 'mintCount') return `mintCount:${policy.gate.count}`;
  const { numerator: p, denominator: q } = policy.gate.share;
  if (p.toString().length > SHARE_DIGITS_MAX || q.toString().length > SHARE_DIGITS_MAX) {
    throw new EngineError('INVALID_POLICY', `${policy.id}: gate supplyShare ${p}/${q} has more than ${SHARE_DIGITS_MAX} digits in a term; the token process cannot hold it`);
  }
  return `supplyShare:${p}/${q}`;
}
