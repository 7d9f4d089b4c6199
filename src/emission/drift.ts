import { EngineError } from '../errors.ts';
import type { AoUnits } from '../units.ts';
import { assertTick, walkTicks, type Curve, type TickAmounts } from './curve.ts';
import { ANNOUNCED_CURVE, DEPLOYED_CURVE, DEPLOYED_EXACT_CURVE } from './preset-curves.ts';

/**
 * How far the deployed arithmetic drifts (DESIGN.md §2), per tick and cumulative, in base units:
 *   deployed − exact      float64-half-even against exact-half-even of the same rate 1647321875/10^15
 *   deployed − announced  the deployed law against the announced 1.425 %/month curve
 * Each curve is walked on its own from genesis, so the cumulative figure is the supply difference.
 */
export interface DriftRow {
  readonly tick: number;
  readonly deployed: AoUnits;
  readonly exact: AoUnits;
  readonly announced: AoUnits;
  readonly deployedMinusExact: bigint;
  readonly cumulativeDeployedMinusExact: bigint;
  readonly deployedMinusAnnounced: bigint;
  readonly cumulativeDeployedMinusAnnounced: bigint;
}

export const DRIFT_ROWS_MAX = 1_000_000;

export function* driftRows(fromTick: number, toTick: number): Generator<DriftRow> {
  assertTick(fromTick, 'from', 1);
  assertTick(toTick, 'to', 1);
  if (toTick < fromTick) throw new EngineError('INVALID_ARGUMENT', `to: ${toTick} is before from ${fromTick}`);
  if (toTick - fromTick + 1 > DRIFT_ROWS_MAX) {
    throw new EngineError('INVALID_ARGUMENT', `to: ${(toTick - fromTick + 1).toLocaleString('en-US')} ticks is more than ${DRIFT_ROWS_MAX.toLocaleString('en-US')}; choose a shorter range`);
  }
  const walk = (curve: Curve): Generator<TickAmounts> => walkTicks(curve, fromTick, toTick);
  const [deployed, exact, announced] = [walk(DEPLOYED_CURVE), walk(DEPLOYED_EXACT_CURVE), walk(ANNOUNCED_CURVE)];
  for (;;) {
    const d = deployed.next();
    const e = exact.next();
    const a = announced.next();
    if (d.done || e.done || a.done) return;
    yield {
      tick: d.value.tick,
      deployed: d.value.mint,
      exact: e.value.mint,
      announced: a.value.mint,
      deployedMinusExact: d.value.mint - e.value.mint,
      cumulativeDeployedMinusExact: d.value.supply - e.value.supply,
      deployedMinusAnnounced: d.value.mint - a.value.mint,
      cumulativeDeployedMinusAnnounced: d.value.supply - a.value.supply,
    };
  }
}
