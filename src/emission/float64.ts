import assert from 'node:assert/strict';

/**
 * The one place where a float decides an amount: the emulation of the deployed AO token process's
 * mint arithmetic (DESIGN.md §2). Its source computes
 *
 *   string.format('%.0f', bint(remaining) * ARM_Mint_PCT)
 *
 * aos's bint multiplies by a float in IEEE-754 doubles (the bint is converted to the nearest double)
 * and `%.0f` prints the product rounded to the nearest integer, ties to even. So
 *
 *   mint = round_half_even(double(remaining) × rate)        rate: a double
 *
 * Every step is exact or correctly rounded in JS too: Number(bigint) rounds to nearest, ties to
 * even (ECMA-262 §21.2.1.1.1); `*` is an IEEE-754 product; the product's integer and fractional
 * parts below are exact because a double below 2^53 has its fractional bits explicit and one at or
 * above 2^52 is already an integer. The result leaves as an exact bigint.
 */
export function float64MintHalfEven(remaining: bigint, rate: number): bigint {
  assert.ok(remaining >= 0n, 'remaining supply is non-negative');
  const product = Number(remaining) * rate;
  const whole = Math.floor(product);
  const fraction = product - whole;
  const rounded = fraction > 0.5 || (fraction === 0.5 && whole % 2 === 1) ? whole + 1 : whole;
  return BigInt(rounded);
}

/**
 * The double nearest to numerator/denominator (ties to even), computed exactly in integers so a
 * rate whose parts exceed 2^53 is not rounded twice. For 1647321875/10^15 it equals aos's
 * `(1647321875 / 1000) / 10^12`: both divisions there are of exact doubles, so the second is the
 * correctly rounded quotient of the whole fraction.
 */
export function nearestDouble(numerator: bigint, denominator: bigint): number {
  assert.ok(numerator > 0n && denominator > 0n, 'a rate is a positive fraction');
  // Scale so the quotient has 53 significant bits: 2^52 ≤ numerator·2^shift / denominator < 2^53.
  let shift = 52 - (numerator.toString(2).length - denominator.toString(2).length);
  const quotientOf = (s: number): [bigint, bigint, bigint] => {
    const n = s >= 0 ? numerator << BigInt(s) : numerator;
    const d = s >= 0 ? denominator : denominator << BigInt(-s);
    return [n / d, n % d, d];
  };
  let [quotient, remainder, divisor] = quotientOf(shift);
  if (quotient >= 1n << 53n) [quotient, remainder, divisor] = quotientOf(--shift);
  else if (quotient < 1n << 52n) [quotient, remainder, divisor] = quotientOf(++shift);
  assert.ok(quotient >= 1n << 52n && quotient < 1n << 53n, `53-bit quotient for ${numerator}/${denominator}`);
  const twice = 2n * remainder;
  if (twice > divisor || (twice === divisor && (quotient & 1n) === 1n)) quotient += 1n;
  // quotient·2^−shift: the power-of-two scaling is exact for every rate in (2^−1000, 1).
  return Number(quotient) * 2 ** -shift;
}
