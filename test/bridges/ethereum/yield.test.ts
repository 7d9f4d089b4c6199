import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { lidoApr, RAY_RATE_MAX, rayApr, scaledToDecimal, usableRebase } from '../../../src/bridges/ethereum/yield.ts';
import { parseFixed18 } from '../../../src/emission/asset-weight.ts';
import type { Rebase } from '../../../src/bridges/ethereum/state.ts';

const E18 = 10n ** 18n;
const rebase = (r: Partial<Rebase>): Rebase => ({
  block: 1n,
  reportTimestamp: 1_700_000_000n,
  timeElapsed: 86_400n,
  preTotalShares: 8_000_000n * E18,
  preTotalEther: 9_200_000n * E18,
  postTotalShares: 8_000_010n * E18,
  postTotalEther: 9_200_900n * E18,
  ...r,
});

describe('lidoApr (Lido docs: secondsInYear · (post − pre share rate) / pre / timeElapsed)', () => {
  it('matches the documented formula on a one-day report with fee shares, to 18 decimals', () => {
    // preShareRate  = 9,200,000e18 · 1e27 / 8,000,000e18 = 1.15e27
    // postShareRate = 9,200,900e18 · 1e27 / 8,000,010e18 = 1.150111062361172048534939331…e27
    // APR = 31,536,000 · (post − pre) / pre / 86,400 = 0.0352502276763458393503… → half-even at 18 dp
    // (computed independently with Python's decimal at 80 digits)
    expect(lidoApr(rebase({}))).toEqual({ apr: '0.035250227676345839', raw: '0.035250227676345839' });
  });

  it('is exactly 0 when the share rate does not move', () => {
    expect(lidoApr(rebase({ postTotalShares: 8_000_000n * E18, postTotalEther: 9_200_000n * E18 })).apr).toBe('0');
  });

  it('clamps a slashing report (falling share rate) to 0 and keeps the negative raw rate', () => {
    // post rate 0.9999 · pre over 1 day → raw = 365 · (−0.0001) = −0.0365
    const r = lidoApr(rebase({ postTotalShares: 8_000_000n * E18, postTotalEther: 9_199_080n * E18 }));
    expect(r).toEqual({ apr: '0', raw: '-0.0365' });
  });

  it('recovers the rate a rebase was built from, for any size and span (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 10n ** 20n, max: 10n ** 28n }), fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 60, max: 30 * 86_400 }), (ether, aprBps, elapsed) => {
        // post = pre · (1 + aprBps/1e4 · elapsed/year), rounded down: the APR is aprBps/1e4 to within the rounding of one wei.
        const post = ether + (ether * BigInt(aprBps) * BigInt(elapsed)) / (10_000n * 31_536_000n);
        const r = lidoApr(rebase({ preTotalShares: ether, preTotalEther: ether, postTotalShares: ether, postTotalEther: post, timeElapsed: BigInt(elapsed) }));
        const err = new Decimal(r.apr).sub(new Decimal(aprBps).div(10_000)).abs();
        const oneWeiRate = new Decimal(31_536_000).div(elapsed).div(ether.toString());
        expect(err.lte(oneWeiRate.add('1e-18'))).toBe(true);
        expect(() => parseFixed18(r.apr, 'apr')).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses rebases it cannot divide by', () => {
    expect(usableRebase(rebase({}))).toBe(true);
    expect(usableRebase(rebase({ timeElapsed: 0n }))).toBe(false);
    expect(usableRebase(rebase({ preTotalShares: 0n }))).toBe(false);
    expect(usableRebase(rebase({ postTotalShares: 0n }))).toBe(false);
  });
});

describe('scaledToDecimal (Chainlink answers)', () => {
  it.each([
    [312345000000n, 8, '3123.45'], // 3123.45 · 10^8
    [300012345678n, 8, '3000.12345678'],
    [1n, 8, '0.00000001'],
    [5n, 0, '5'],
    [1234567890123456789n, 18, '1.234567890123456789'],
  ])('%s with %i decimals is %s', (answer, decimals, text) => {
    expect(scaledToDecimal(answer, decimals)).toBe(text);
  });
});

describe('rayApr (Maker dsr(), Sky ssr(): APR = (rate / 10^27)^31,536,000 − 1)', () => {
  // The independent computation: exp(n · ln(rate / 10^27)) in decimal.js at 100 significant digits (series for
  // ln and exp, no repeated squaring), rounded half-even to 18 decimals. rayApr squares and multiplies in
  // integers at 10^54 with every product floored; its error is below 1.6·10^-45 (yield.ts), far under 10^-18.
  const D100 = Decimal.clone({ precision: 100 });
  const independent = (ray: bigint): string => {
    const v = new D100(ray.toString()).div('1e27').ln().mul(31_536_000).exp().sub(1).toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN);
    return v.isZero() ? '0' : v.toFixed().replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  };

  it.each([
    // Maker's rate table: per-second rates whose yearly compounding is the round figure.
    [10n ** 27n, '0'], // 0 %: one ray
    [1000000000627937192491029810n, '0.02'],
    [1000000001547125957863212448n, '0.05'],
    [1000000003022265980097387650n, '0.1'],
  ])('%s ray a second is %s a year', (ray, apr) => {
    expect(rayApr(ray)).toBe(apr);
    expect(independent(ray)).toBe(apr);
  });

  it('equals the independent exp(n·ln x) computation to all 18 decimals for any rate up to 10^-7 a second (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 10n ** 27n, max: RAY_RATE_MAX }), (ray) => {
        expect(rayApr(ray)).toBe(independent(ray));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a rate below one ray or above the bound (the contracts refuse the first; the second is no savings rate)', () => {
    expect(() => rayApr(10n ** 27n - 1n)).toThrow(RangeError);
    expect(() => rayApr(RAY_RATE_MAX + 1n)).toThrow(RangeError);
  });
});
