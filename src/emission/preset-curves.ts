import { registerCheckpoints, type Curve } from './curve.ts';
import { ANNOUNCED_CHECKPOINTS, ANNOUNCED_INTERVAL_TICKS } from './checkpoints-announced.data.ts';
import { DEPLOYED_CHECKPOINTS, DEPLOYED_INTERVAL_TICKS } from './checkpoints-deployed.data.ts';
import { DEPLOYED_EXACT_CHECKPOINTS, DEPLOYED_EXACT_INTERVAL_TICKS } from './checkpoints-deployed-exact.data.ts';

/**
 * The deployed rate (DESIGN.md §2): the AO token process's `ARM_Mint_PCT = (bint("1647321875") /
 * bint("1000")) / bint("1000000000000")` = 1647321875 / 10^15 per tick, in doubles; the
 * ao.arweave.net calculator's `REWARD_PER_PERIOD = 0.000001647321875` is the same number.
 */
export const DEPLOYED_CURVE: Curve = { rate: { numerator: 1_647_321_875n, denominator: 10n ** 15n }, arithmetic: 'float64-half-even' };

/** The deployed rate in exact rationals, rounded half-even: what the float64 arithmetic drifts from. */
export const DEPLOYED_EXACT_CURVE: Curve = { rate: DEPLOYED_CURVE.rate, arithmetic: 'exact-half-even' };

/** The announced "1.425 % of the remaining supply per month", a month = 8,766 ticks (365.25/12 days). */
export const ANNOUNCED_CURVE: Curve = { rate: { numerator: 1425n, denominator: 876_600_000n }, arithmetic: 'exact-floor' };


// Generated tables (scripts/generate-checkpoints.ts), each entry recomputed by test/emission/checkpoints.test.ts.
registerCheckpoints(DEPLOYED_CURVE, DEPLOYED_INTERVAL_TICKS, DEPLOYED_CHECKPOINTS);
registerCheckpoints(DEPLOYED_EXACT_CURVE, DEPLOYED_EXACT_INTERVAL_TICKS, DEPLOYED_EXACT_CHECKPOINTS);
registerCheckpoints(ANNOUNCED_CURVE, ANNOUNCED_INTERVAL_TICKS, ANNOUNCED_CHECKPOINTS);
