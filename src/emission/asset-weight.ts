import { EngineError } from '../errors.ts';
import { derivedAo } from '../units.ts';
import type { AoUnits } from '../units.ts';

/**
 * The bridge pool's split between assets (DESIGN.md §3):
 *   weight(asset) = deposits(asset) · price_usd(asset) · APR(asset)
 * computed exactly: deposits normalised to 18 decimals, price and APR as decimal strings read as
 * exact integers scaled by 10^18. The amount is then divided by largest remainder:
 *   base_a = floor(amount · w_a / W),   leftover = amount − Σ base_a  (< number of assets)
 * and the leftover units go one each to the largest remainders (amount · w_a mod W), ties broken
 * by asset name, so the parts sum to the amount exactly and the result is deterministic.
 * An asset of zero weight gets nothing; if every weight is zero the whole amount is carried.
 */
export interface AssetYield {
  readonly asset: string;
  /** Deposits in the asset's base units (wei, lamports). */
  readonly deposits: bigint;
  readonly decimals: number;
  /** USD per whole unit, a decimal string like "3412.57". */
  readonly priceUsd: string;
  /** Annual rate as a fraction, a decimal string like "0.0312". */
  readonly apr: string;
}

export interface AssetSplit {
  readonly parts: ReadonlyMap<string, AoUnits>;
  readonly weights: ReadonlyMap<string, bigint>;
  /** Units no asset could take (all weights zero): carried to the next tick, never dropped. */
  readonly carried: AoUnits;
}

const FIXED_DECIMALS = 18;
const DECIMAL = /^(0|[1-9][0-9]*)(\.([0-9]{1,18}))?$/;

/** "3412.57" → 3412570000000000000000n (× 10^18), exact; more than 18 decimals is refused. */
export function parseFixed18(text: string, field: string): bigint {
  const m = DECIMAL.exec(text);
  if (!m) throw new EngineError('INVALID_ARGUMENT', `${field}: ${JSON.stringify(text)} is not a non-negative decimal with at most 18 decimals`);
  return BigInt(m[1]!) * 10n ** 18n + BigInt((m[3] ?? '').padEnd(FIXED_DECIMALS, '0'));
}

export function assetWeight(y: AssetYield): bigint {
  if (!Number.isInteger(y.decimals) || y.decimals < 0 || y.decimals > FIXED_DECIMALS) {
    throw new EngineError('INVALID_ARGUMENT', `${y.asset}.decimals: ${y.decimals} must be an integer in 0..18`);
  }
  if (y.deposits < 0n) throw new EngineError('INVALID_AMOUNT', `${y.asset}.deposits: ${y.deposits} is negative`);
  const normalised = y.deposits * 10n ** BigInt(FIXED_DECIMALS - y.decimals);
  return normalised * parseFixed18(y.priceUsd, `${y.asset}.priceUsd`) * parseFixed18(y.apr, `${y.asset}.apr`);
}

export function splitByYield(amount: AoUnits, assets: readonly AssetYield[]): AssetSplit {
  if (amount < 0n) throw new EngineError('INVALID_AMOUNT', `amount: ${amount} is negative`);
  const names = new Set<string>();
  for (const a of assets) {
    if (names.has(a.asset)) throw new EngineError('INVALID_ARGUMENT', `assets: ${a.asset} appears twice`);
    names.add(a.asset);
  }
  const sorted = [...assets].sort((a, b) => (a.asset < b.asset ? -1 : a.asset > b.asset ? 1 : 0));
  const weights = new Map(sorted.map((a) => [a.asset, assetWeight(a)] as const));
  const total = [...weights.values()].reduce((s, w) => s + w, 0n);
  const parts = new Map<string, AoUnits>(sorted.map((a) => [a.asset, derivedAo(0n)]));
  if (total === 0n) return { parts, weights, carried: amount };

  const remainders: { asset: string; remainder: bigint }[] = [];
  let given = 0n;
  for (const [asset, w] of weights) {
    const product = amount * w;
    const base = product / total;
    parts.set(asset, derivedAo(base));
    given += base;
    remainders.push({ asset, remainder: product % total });
  }
  // Stable sort: equal remainders keep name order.
  remainders.sort((a, b) => (a.remainder > b.remainder ? -1 : a.remainder < b.remainder ? 1 : 0));
  for (let leftover = amount - given, i = 0; leftover > 0n; leftover--, i++) {
    const winner = remainders[i]!;
    parts.set(winner.asset, derivedAo(parts.get(winner.asset)! + 1n));
  }
  return { parts, weights, carried: derivedAo(0n) };
}
