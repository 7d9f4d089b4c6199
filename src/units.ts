import { EngineError } from './errors.ts';

/**
 * Amounts are integers in base units, branded by unit so a winston can never be passed where
 * an AO base unit is expected. Constructed only through the parsers below (checked once at the
 * edge), trusted inside. DESIGN.md §1.
 */
type Amount<U extends string> = bigint & { readonly __unit: U };
export type AoUnits = Amount<'ao'>; // 1 AO = 10^12
export type Winston = Amount<'winston'>; // 1 AR = 10^12
export type Wei = Amount<'wei'>; // 1 ETH/stETH = 10^18 (DAI and USDS: their 18-decimal base units)
export type Lamports = Amount<'lamports'>; // 1 SOL = 10^9

/**
 * A pool's weight: an account's holding in its pool's own asset, as its source decoded it (AR:
 * winston; stETH, DAI, USDS: wei; SOL: lamports). The ledger takes any of them as a weight and never
 * an AoUnits, and no weight is ever an AoUnits (test/units.types.test.ts).
 */
export type PoolWeight = Winston | Wei | Lamports;

export const AO_DECIMALS = 12;
export const AO_UNIT = 10n ** 12n;

const CANONICAL_UNSIGNED = /^(0|[1-9][0-9]*)$/;
/** numeric(78,0) holds up to 78 digits; nothing we store may be longer. */
const MAX_DIGITS = 78;

function brand<U extends string>(value: bigint, unit: U, field: string): Amount<U> {
  if (value < 0n) throw new EngineError('INVALID_AMOUNT', `${field}: ${value} ${unit} is negative; expected an amount >= 0`);
  if (value.toString().length > MAX_DIGITS) throw new EngineError('INVALID_AMOUNT', `${field}: amount has more than ${MAX_DIGITS} digits`);
  return value as Amount<U>;
}

export const aoUnits = (value: bigint, field = 'amount'): AoUnits => brand(value, 'ao', field);
export const winston = (value: bigint, field = 'amount'): Winston => brand(value, 'winston', field);
export const wei = (value: bigint, field = 'amount'): Wei => brand(value, 'wei', field);
export const lamports = (value: bigint, field = 'amount'): Lamports => brand(value, 'lamports', field);

/**
 * The one unchecked brand, for AO amounts the engine derives by its own exact integer arithmetic
 * from amounts already in AO units (mint − ar, a sum of credits, floor(accrual / SCALE), a stored
 * column the ledger wrote), where the checks of `aoUnits` would cost per value in a hot loop and the
 * distribution's invariants already assert the sign. What comes from outside goes through `aoUnits`.
 */
export const derivedAo = (value: bigint): AoUnits => value as AoUnits;

/**
 * Parses a canonical unsigned decimal string ("0", "123", no sign, no leading zeros, no
 * exponent) — the only wire and storage form of an amount.
 */
export function parseUnits(text: unknown, field: string): bigint {
  if (typeof text !== 'string' || !CANONICAL_UNSIGNED.test(text) || text.length > MAX_DIGITS) {
    throw new EngineError('INVALID_AMOUNT', `${field}: ${JSON.stringify(text)} is not an amount; expected a decimal string of base units like "34137577002053"`);
  }
  return BigInt(text);
}

/**
 * Formats base units with `decimals` decimals and thousands separators, e.g.
 * formatUnits(34137577002053n, 12) → "34.137577002053". Exact: pure string arithmetic.
 */
export function formatUnits(value: bigint, decimals: number, options: { separators?: boolean } = {}): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  let whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals);
  if (options.separators ?? true) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${whole}${decimals > 0 ? `.${fraction}` : ''}`;
}

/** "1,234.567890123456 AO" — the human form of an AO amount. */
export const formatAo = (units: bigint): string => `${formatUnits(units, AO_DECIMALS)} AO`;
