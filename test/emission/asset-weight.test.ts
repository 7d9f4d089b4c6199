import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { assetWeight, parseFixed18, splitByYield, type AssetYield } from '../../src/emission/asset-weight.ts';
import { aoUnits } from '../../src/units.ts';

const steth = (deposits: bigint, priceUsd = '3000', apr = '0.03'): AssetYield => ({ asset: 'stETH', deposits, decimals: 18, priceUsd, apr });
const sol = (deposits: bigint, priceUsd = '150', apr = '0.07'): AssetYield => ({ asset: 'SOL', deposits, decimals: 9, priceUsd, apr });

const decimalText = fc
  .tuple(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 10n ** 18n - 1n }))
  .map(([whole, frac]) => `${whole}.${frac.toString().padStart(18, '0')}`.replace(/\.?0+$/, '') || '0');

describe('the bridge pool split between assets (DESIGN.md §3)', () => {
  it('weights by deposits·price·APR: 100 stETH at $3000·3 % and 2000 SOL at $150·7 % → 9000 : 21000', () => {
    // stETH: 100 · 3000 · 0.03 = 9,000 USD/yr; SOL: 2,000 · 150 · 0.07 = 21,000 USD/yr → 30 % / 70 %.
    const split = splitByYield(aoUnits(1_000n), [steth(100n * 10n ** 18n), sol(2_000n * 10n ** 9n)]);
    expect(split.parts.get('stETH')).toBe(300n);
    expect(split.parts.get('SOL')).toBe(700n);
    expect(split.carried).toBe(0n);
  });

  it('gives leftover units to the largest remainders: 10 units over three equal assets → 4, 3, 3 by name', () => {
    const a = (asset: string): AssetYield => ({ asset, deposits: 1n, decimals: 0, priceUsd: '1', apr: '1' });
    const split = splitByYield(aoUnits(10n), [a('c'), a('b'), a('a')]);
    expect([...split.parts.entries()]).toEqual([['a', 4n], ['b', 3n], ['c', 3n]]);
  });

  it('gives nothing to a zero-weight asset, and carries the whole amount when every weight is zero', () => {
    const split = splitByYield(aoUnits(999n), [steth(10n ** 18n), sol(0n)]);
    expect(split.parts.get('SOL')).toBe(0n);
    expect(split.parts.get('stETH')).toBe(999n);
    const none = splitByYield(aoUnits(999n), [steth(0n), sol(5n, '150', '0')]);
    expect(none.carried).toBe(999n);
    expect([...none.parts.values()]).toEqual([0n, 0n]);
  });

  it('always sums exactly, stays within one unit of the exact proportion, and ignores input order', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 19n }),
        fc.array(fc.record({ deposits: fc.bigInt({ min: 0n, max: 10n ** 27n }), decimals: fc.integer({ min: 0, max: 18 }), priceUsd: decimalText, apr: decimalText }), { minLength: 1, maxLength: 5 }),
        (amount, raw) => {
          const assets = raw.map((r, i) => ({ ...r, asset: `asset${i}` }));
          const split = splitByYield(aoUnits(amount), assets);
          const sum = [...split.parts.values()].reduce((s, v) => s + v, 0n);
          expect(sum + split.carried).toBe(amount);
          const total = assets.reduce((s, a) => s + assetWeight(a), 0n);
          for (const a of assets) {
            const part = split.parts.get(a.asset)!;
            const w = assetWeight(a);
            if (total === 0n) continue;
            // |part·W − amount·w| < W  ⇔  within one unit of the exact share amount·w/W
            const diff = part * total - amount * w;
            expect(diff < total && -diff < total).toBe(true);
            if (w === 0n) expect(part).toBe(0n);
          }
          expect(splitByYield(aoUnits(amount), [...assets].reverse()).parts).toEqual(split.parts);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads prices and APRs as exact decimals and refuses anything else', () => {
    expect(parseFixed18('3412.57', 'p')).toBe(3_412_570_000_000_000_000_000n);
    expect(parseFixed18('0.000000000000000001', 'p')).toBe(1n);
    expect(() => parseFixed18('1e3', 'stETH.priceUsd')).toThrow(/stETH\.priceUsd: "1e3"/);
    expect(() => parseFixed18('-1', 'apr')).toThrow(/apr/);
    expect(() => parseFixed18('0.0000000000000000001', 'apr')).toThrow(/at most 18 decimals/);
    expect(() => splitByYield(aoUnits(1n), [steth(1n), steth(2n)])).toThrow(/stETH appears twice/);
  });
});
