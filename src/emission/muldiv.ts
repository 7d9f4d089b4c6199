import assert from 'node:assert/strict';

export type Rounding = 'floor' | 'half-even';

/**
 * a·b/d rounded as asked, exact for any size: `floor` rounds down, `half-even` to the nearest with
 * ties to the even neighbour (as C's `%.0f` does). Only non-negative operands: every amount in the
 * engine is ≥ 0, and rounding of negatives is where hand-written divisions go wrong.
 */
export function mulDiv(a: bigint, b: bigint, d: bigint, rounding: Rounding): bigint {
  assert.ok(a >= 0n && b >= 0n, 'mulDiv operands are non-negative');
  assert.ok(d > 0n, 'mulDiv divisor is positive');
  const product = a * b;
  const quotient = product / d;
  if (rounding === 'floor') return quotient;
  const twice = 2n * (product - quotient * d);
  return twice > d || (twice === d && (quotient & 1n) === 1n) ? quotient + 1n : quotient;
}
