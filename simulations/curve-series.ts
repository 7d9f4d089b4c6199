import { AO_ANNOUNCED, AO_MAINNET, curveKey, gateSupply, gateTick, lastEndedTick, policyLabel, supplyAt, tickEndMs, walkTicks } from '../src/emission/index.ts';
import { DAY_MS, type Scenario } from './scenario.ts';

/**
 * The emission and supply curve around the horizon, for the report's first chart: one point per
 * day from genesis to the later of the horizon's end and 30 days past the transferability gate,
 * so the gate is always on the chart. Exact: summed tick by tick (walkTicks).
 */
export interface CurvePoint {
  readonly endMs: number;
  readonly lastTick: number;
  /** Minted in the day ending at endMs (base units). */
  readonly minted: bigint;
  readonly supply: bigint;
  /** Supply at the same tick under the comparison law (the announced one, or the deployed one when the scenario runs another). */
  readonly comparisonSupply: bigint;
}

export interface CurveSeries {
  readonly points: readonly CurvePoint[];
  /** Null when the law's gate never opens. */
  readonly gate: { readonly tick: number; readonly endMs: number } | null;
  /** Supply at the gate tick (base units, decimal string) and the law's rule, for the chart's labels. */
  readonly gateSupply: string | null;
  readonly gateRule: string;
  readonly comparisonLaw: string;
}

export function curveSeries(scenario: Scenario): CurveSeries {
  const { genesisMs } = scenario;
  const gate = gateTick(scenario.policy);
  const gateEndMs = gate === null ? null : tickEndMs(gate, genesisMs);
  // Whole days only, so the last point's daily mint is not a partial day's.
  const days = Math.ceil((Math.max(scenario.endMs, (gateEndMs ?? 0) + 30 * DAY_MS) - genesisMs) / DAY_MS);
  const points: CurvePoint[] = [];
  const comparison = curveKey(scenario.policy.curve) === curveKey(AO_MAINNET.curve) ? AO_ANNOUNCED : AO_MAINNET;
  const steps = walkTicks(scenario.policy.curve, 1, lastEndedTick(genesisMs + days * DAY_MS, genesisMs));
  let pending = steps.next();
  let supply = 0n;
  for (let dayEnd = genesisMs + DAY_MS; dayEnd <= genesisMs + days * DAY_MS; dayEnd += DAY_MS) {
    let minted = 0n;
    while (!pending.done && tickEndMs(pending.value.tick, genesisMs) <= dayEnd) {
      minted += pending.value.mint;
      supply = pending.value.supply;
      pending = steps.next();
    }
    const lastTick = lastEndedTick(dayEnd, genesisMs);
    points.push({ endMs: dayEnd, lastTick, minted, supply, comparisonSupply: supplyAt(comparison.curve, lastTick) });
  }
  const rule = scenario.policy.gate;
  return {
    points,
    gate: gate === null || gateEndMs === null ? null : { tick: gate, endMs: gateEndMs },
    gateSupply: gateSupply(scenario.policy)?.toString() ?? null,
    comparisonLaw: policyLabel(comparison),
    gateRule: rule.kind === 'mintCount' ? `MintCount ≥ ${rule.count.toLocaleString('en-US')}` : `supply ≥ ${rule.share.numerator}/${rule.share.denominator} of 21 M`,
  };
}
