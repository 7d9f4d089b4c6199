import { accrual } from './index-step.ts';
import type { Holding } from './state.ts';

/**
 * An account's cumulative accrual at pool index I: accrued + w · (I − i0), scaled (DESIGN.md §4).
 * The one place the checkpoint is written: a weight change stores it as the new `accrued` (with
 * i0 = I), settlement credits floor(it / SCALE) − settled, the deferred change log replays it.
 */
export const accruedAt = (h: Pick<Holding, 'weight' | 'indexAtChange' | 'accrued'>, index: bigint): bigint => h.accrued + accrual(h.weight, h.indexAtChange, index);
