import { EngineError } from '../../errors.ts';
import { SCALE } from './index-step.ts';
import { derivedAo } from '../../units.ts';
import type { AoUnits } from '../../units.ts';

/**
 * Yield delegation at settlement (DESIGN.md §9), pure. A wallet's preferences are targets
 * (PI or FLP processes) with factors in basis points; what they leave stays with the wallet.
 *
 *   part(target) = floor(units · factor / 10000)      (rounds down: a target never gets more than its share)
 *   own          = units − Σ part(target)             (the remainder, 0 ≤ own, stays with the wallet)
 *
 * The mid-period rule: a settlement's credit C = floor(A_end / SCALE) − paid is cut where the
 * recipient's preferences changed. A change that takes effect at tick c marks the account's
 * cumulative accrual M_c at the end of tick c − 1; the whole units that became due in each segment
 *
 *   u_0 = floor(M_c1 / SCALE) − paid,  u_i = floor(M_c(i+1) / SCALE) − floor(M_ci / SCALE),  u_last = floor(A_end / SCALE) − floor(M_cj / SCALE)
 *
 * add up to C exactly (the sum telescopes), and each u_i is split by the preferences in force in
 * its segment (u_0 by those at the period's first tick, with any unclaimed backlog).
 */
export const FACTOR_TOTAL = 10_000;
/** The official UI's minimum non-zero factor: 5 %. */
export const FACTOR_MIN = 500;

export interface DelegationPref {
  readonly target: string;
  /** Basis points, FACTOR_MIN..FACTOR_TOTAL. */
  readonly factor: number;
}

export interface DelegatedSplit {
  /** What stays with the wallet. */
  readonly own: AoUnits;
  /** target → units, targets with a positive part only. */
  readonly parts: Map<string, AoUnits>;
}

const mismatch = (what: string): EngineError => new EngineError('CONSERVATION_MISMATCH', `delegation: ${what}`);

/** Adds the split of `units` by `prefs` into `into` (own and parts). Asserts Σ parts + own = units. */
function splitInto(units: AoUnits, prefs: readonly DelegationPref[], into: { own: AoUnits; parts: Map<string, AoUnits> }): void {
  if (units < 0n) throw mismatch(`units ${units} to split are negative`);
  let given = 0n;
  for (const p of prefs) {
    const part = (units * BigInt(p.factor)) / BigInt(FACTOR_TOTAL);
    if (part === 0n) continue;
    given += part;
    into.parts.set(p.target, derivedAo((into.parts.get(p.target) ?? 0n) + part));
  }
  if (given > units) throw mismatch(`parts ${given} exceed the ${units} units split (factors above 10000?)`);
  into.own = derivedAo(into.own + units - given);
}

/** One amount split by one preference set. */
export function splitCredit(units: AoUnits, prefs: readonly DelegationPref[]): DelegatedSplit {
  const out = { own: derivedAo(0n), parts: new Map<string, AoUnits>() };
  splitInto(units, prefs, out);
  return out;
}

/**
 * The units of each segment of a settlement period (see above): marks are the cumulative accruals
 * (scaled) where the preferences changed, in tick order. Asserts each segment ≥ 0 and Σ = credit.
 */
export function segmentUnits(paid: bigint, marks: readonly bigint[], cumulative: bigint): AoUnits[] {
  const bounds = [...marks.map((m) => m / SCALE), cumulative / SCALE];
  const units: AoUnits[] = [];
  let previous = paid;
  for (const b of bounds) {
    // A mark below what was already paid (an unclaimed account's backlog paid earlier) opens an empty segment.
    const u = b > previous ? b - previous : 0n;
    units.push(derivedAo(u));
    if (b > previous) previous = b;
  }
  const credit = cumulative / SCALE - paid;
  const sum = units.reduce((s, u) => s + u, 0n);
  if (sum !== credit) throw mismatch(`segments add up to ${sum}, not the credit ${credit}`);
  return units;
}

/** A credit split segment by segment, each by the preferences in force in it (prefs[i] for units[i]). */
export function delegateSegments(units: readonly AoUnits[], prefs: readonly (readonly DelegationPref[])[]): DelegatedSplit {
  if (units.length !== prefs.length) throw mismatch(`${units.length} segments but ${prefs.length} preference sets`);
  const out = { own: derivedAo(0n), parts: new Map<string, AoUnits>() };
  for (const [i, u] of units.entries()) splitInto(u, prefs[i]!, out);
  return out;
}
