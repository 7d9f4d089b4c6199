import assert from 'node:assert/strict';

export type Rounding = 'floor' | 'ceil';

/**
 * a·b/d rounded as asked, exact for any size. Only non-negative operands: every amount in the
 * engine is ≥ 0, and floor/ceil of negatives is where hand-written ceil-divisions go wrong.
 */
export function mulDiv(a: bigint, b: bigint, d: bigint, rounding: Rounding = 'floor'): bigint {
  assert.ok(a >= 0n && b >= 0n, 'mulDiv operands are non-negative');
  assert.ok(d > 0n, 'mulDiv divisor is positive');
  const product = a * b;
  const quotient = product / d;
  return rounding === 'ceil' && quotient * d !== product ? quotient + 1n : quotient;
}
