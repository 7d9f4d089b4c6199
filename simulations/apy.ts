import { Decimal } from 'decimal.js';
import { AO_UNIT } from '../src/units.ts';
import { AO_MAX_SUPPLY_WHOLE } from './scenario.ts';

/**
 * The yield definitions, written once (they are also printed in the report):
 *
 *   AO price          = FDV / 21,000,000
 *   aoPerAr           = AO minted to the AR pool over the horizon / AR supply
 *   aoPerBridgeUsd[a] = AO accrued by 1 USD deposited in asset a over the horizon
 *                       (= a's bridge AO / a's TVL in USD when TVL is constant)
 *   AR APY            = aoPerAr · AO price / AR price · 12 / months
 *   bridge APY[a]     = aoPerBridgeUsd[a] · AO price · 12 / months
 *   net bridge APY[a] = bridge APY[a] − APR[a]    (the staking yield the depositor gives up)
 *
 * Annualisation is simple (× 12 / months, no compounding); a month is 365.25/12 days.
 */
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

export const aoPriceUsd = (fdvUsd: Decimal.Value): Decimal => new D(fdvUsd).div(AO_MAX_SUPPLY_WHOLE);

/** Base units → whole AO, exact (40 significant digits hold any amount up to 21 M AO). */
export const toAo = (units: bigint): Decimal => new D(units.toString()).div(AO_UNIT.toString());

export const annualise = (overHorizon: Decimal.Value, months: Decimal.Value): Decimal => new D(overHorizon).mul(12).div(months);

export function arApy(aoPerAr: Decimal.Value, fdvUsd: Decimal.Value, arPriceUsd: Decimal.Value, months: Decimal.Value): Decimal {
  return annualise(new D(aoPerAr).mul(aoPriceUsd(fdvUsd)).div(arPriceUsd), months);
}

export function bridgeApy(aoPerUsd: Decimal.Value, fdvUsd: Decimal.Value, months: Decimal.Value): Decimal {
  return annualise(new D(aoPerUsd).mul(aoPriceUsd(fdvUsd)), months);
}

/** Analytic figures leave as JSON numbers, rounded to 12 significant digits; amounts never do. */
export const num = (d: Decimal): number => d.toSignificantDigits(12).toNumber();
