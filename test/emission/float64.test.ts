import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { float64MintHalfEven, nearestDouble } from '../../src/emission/float64.ts';
import { ARM_MINT_PCT, percentZeroF } from './support/reference-law.ts';

/** The exact rational value of a double as numerator / 2^exponent, from its IEEE-754 bits. */
function exactDouble(x: number): { num: bigint; shift: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const e = (exponent === 0 ? 1 : exponent) - 1075; // x = mantissa · 2^e
  return e >= 0 ? { num: mantissa << BigInt(e), shift: 0n } : { num: mantissa, shift: BigInt(-e) };
}

/** round_half_even of a double computed from its exact bits in bigint: shares no code with the engine. */
function roundExact(x: number): bigint {
  const { num, shift } = exactDouble(x);
  if (shift === 0n) return num;
  const q = num >> shift;
  const rem = num - (q << shift);
  const half = 1n << (shift - 1n);
  return rem > half || (rem === half && (q & 1n) === 1n) ? q + 1n : q;
}

describe('the float64 mint emulation (DESIGN.md §2)', () => {
  it('uses the rate aos computes: (1647321875 / 1000) / 10^12 in doubles equals the nearest double to 1647321875/10^15', () => {
    expect(nearestDouble(1_647_321_875n, 10n ** 15n)).toBe(ARM_MINT_PCT);
    expect(nearestDouble(1n, 3n)).toBe(1 / 3);
    expect(nearestDouble(1425n, 876_600_000n)).toBe(1425 / 876_600_000);
  });

  it('rounds double(remaining) × rate to the nearest integer, ties to even, for any remaining (property against exact bits)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 21n * 10n ** 18n }), (remaining) => {
        const product = Number(remaining) * ARM_MINT_PCT;
        expect(float64MintHalfEven(remaining, ARM_MINT_PCT)).toBe(roundExact(product));
        expect(float64MintHalfEven(remaining, ARM_MINT_PCT)).toBe(percentZeroF(product));
      }),
      { numRuns: 5000 },
    );
  });

  it('breaks exact ties to even: 2.5 → 2, 3.5 → 4 (a product that is exactly .5)', () => {
    expect(float64MintHalfEven(5n, 0.5)).toBe(2n);
    expect(float64MintHalfEven(7n, 0.5)).toBe(4n);
    expect(float64MintHalfEven(2n ** 60n, 0.5)).toBe(2n ** 59n);
  });

  const lua = spawnSync('lua5.3', ['-v']).status === 0;
  if (!lua) console.warn('float64 emulation vs lua5.3: SKIPPED — the Debian package lua5.3 is not installed (apt-get install -y lua5.3)');
  it.skipIf(!lua)('matches lua5.3 computing the process\'s own expression string.format("%.0f", remaining * ARM_Mint_PCT), ties included', () => {
    // Lua 5.3 is aos's Lua; its string.format is C's printf, the one the deployed process rounds with.
    const cases: [bigint, string][] = [[5n, '0.5'], [7n, '0.5'], [2n ** 60n + 1n, '0.5']];
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 21n * 10n ** 18n }), (r) => void cases.push([r, 'ARM'])), { numRuns: 300 });
    const script = [
      'local ARM = (1647321875 / 1000) / 1000000000000',
      'for line in io.lines() do',
      '  local rem, rate = line:match("(%d+) (%S+)")',
      '  local r = rate == "ARM" and ARM or tonumber(rate)',
      '  print(string.format("%.0f", (tonumber(rem) * 1.0) * r))',
      'end',
    ].join('\n');
    const out = execFileSync('lua5.3', ['-e', script], { input: cases.map(([r, rate]) => `${r} ${rate}`).join('\n') }).toString().trim().split('\n');
    expect(out.map((s) => BigInt(s))).toEqual(cases.map(([r, rate]) => float64MintHalfEven(r, rate === 'ARM' ? ARM_MINT_PCT : Number(rate))));
  });
});
