/**
 * A short, independent reference of the deployed law for tests (not the engine's code): the AO
 * process's arithmetic written the way its Lua source reads —
 *   ARM_Mint_PCT = (1647321875 / 1000) / 1000000000000      two float divisions, as aos's bint does
 *   mint         = string.format('%.0f', remaining * ARM_Mint_PCT)
 * `%.0f` is emulated with toFixed(0) (exact decimal of the double, halves rounded up) and corrected
 * to ties-to-even for the exact halves, which toFixed rounds away from zero.
 */
export const ARM_MINT_PCT = 1647321875 / 1000 / 1000000000000;

export function percentZeroF(x: number): bigint {
  const up = BigInt(x.toFixed(0));
  const isHalf = x - Math.trunc(x) === 0.5;
  return isHalf && up % 2n === 1n ? up - 1n : up;
}

export const MAX = 21n * 10n ** 18n;

/** remaining_k and mint_k for k = 1..ticks by the reference law, calling `visit` for each tick. */
export function walkDeployed(ticks: number, visit: (tick: number, mint: bigint, remaining: bigint) => void): bigint {
  let remaining = MAX;
  for (let k = 1; k <= ticks; k++) {
    const mint = percentZeroF(Number(remaining) * ARM_MINT_PCT);
    remaining -= mint;
    visit(k, mint, remaining);
  }
  return remaining;
}

/** The announced law: floor(remaining · 1425 / 876,600,000), in plain bigint. */
export function walkAnnounced(ticks: number, visit: (tick: number, mint: bigint, remaining: bigint) => void): bigint {
  let remaining = MAX;
  for (let k = 1; k <= ticks; k++) {
    const mint = (remaining * 1425n) / 876_600_000n;
    remaining -= mint;
    visit(k, mint, remaining);
  }
  return remaining;
}
