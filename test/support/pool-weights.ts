import type { PoolId, PoolWeight, WeightUpdate } from '../../src/bridges/types.ts';
import { weightIn } from '../../devnet/synthetic-source.ts';

/** A test's raw updates (weights as plain bigints) branded in the pool's unit: the tests' edge, where a source would decode its chain. */
export const inPoolUnit = (pool: PoolId, updates: readonly WeightUpdate[]): WeightUpdate<PoolWeight>[] => updates.map((u) => ({ ...u, weight: weightIn(pool, u.weight) }));
