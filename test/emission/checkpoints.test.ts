import { describe, expect, it } from 'vitest';
import { computeCheckpoints } from '../../src/emission/checkpoints.ts';
import { CHECKPOINT_INTERVAL_TICKS, CHECKPOINT_REMAINING } from '../../src/emission/checkpoints.data.ts';

describe('the checkpoint table', () => {
  it('equals remaining_{i·16,384} recomputed by plain iteration from genesis, for every entry', () => {
    // ~16.8 M iterations (~2 s): the table is a cache of the exact curve, never a source of truth.
    const recomputed = computeCheckpoints(CHECKPOINT_INTERVAL_TICKS, CHECKPOINT_REMAINING.length);
    expect(recomputed).toEqual([...CHECKPOINT_REMAINING]);
    expect(CHECKPOINT_REMAINING.length).toBe(1024);
  });
});
