import { EngineError } from '../errors.ts';

/** An exact non-negative rational: a share of a mint, a per-tick rate, a supply share. */
export interface Share {
  readonly numerator: bigint;
  readonly denominator: bigint;
}

const FRACTION = /^(0|[1-9][0-9]{0,29})\/([1-9][0-9]{0,29})$/;

/** "1/3" → { 1n, 3n }. Not reduced: the written form is what the ledger records and hashes. */
export function parseShare(text: unknown, field: string): Share {
  const m = typeof text === 'string' ? FRACTION.exec(text) : null;
  if (!m) throw new EngineError('INVALID_POLICY', `${field}: ${JSON.stringify(text)} is not a fraction; expected e.g. "1/3" (at most 30 digits each side)`);
  return { numerator: BigInt(m[1]!), denominator: BigInt(m[2]!) };
}

export const shareText = (share: Share): string => `${share.numerator}/${share.denominator}`;
