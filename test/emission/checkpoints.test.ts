import { describe, expect, it } from 'vitest';
import { computeCheckpoints } from '../../src/emission/checkpoints.ts';
import { ANNOUNCED_CHECKPOINTS, ANNOUNCED_INTERVAL_TICKS } from '../../src/emission/checkpoints-announced.data.ts';
import { DEPLOYED_CHECKPOINTS, DEPLOYED_INTERVAL_TICKS } from '../../src/emission/checkpoints-deployed.data.ts';
import { DEPLOYED_EXACT_CHECKPOINTS, DEPLOYED_EXACT_INTERVAL_TICKS } from '../../src/emission/checkpoints-deployed-exact.data.ts';
import { ANNOUNCED_CURVE, DEPLOYED_CURVE, DEPLOYED_EXACT_CURVE } from '../../src/emission/preset-curves.ts';

describe('the checkpoint tables of the preset curves', () => {
  // ~19.5 M iterations each (a few seconds): the tables are caches of the exact curves, never a source of truth.
  it.each([
    ['deployed', DEPLOYED_CURVE, DEPLOYED_INTERVAL_TICKS, DEPLOYED_CHECKPOINTS],
    ['deployed-exact', DEPLOYED_EXACT_CURVE, DEPLOYED_EXACT_INTERVAL_TICKS, DEPLOYED_EXACT_CHECKPOINTS],
    ['announced', ANNOUNCED_CURVE, ANNOUNCED_INTERVAL_TICKS, ANNOUNCED_CHECKPOINTS],
  ] as const)('%s: every entry equals remaining_{i·16,384} recomputed from genesis, through the end of the curve', (_name, curve, interval, table) => {
    const recomputed = computeCheckpoints(curve, interval, 4096);
    expect(recomputed).toEqual([...table]);
    // The last two entries are equal: the table reaches past the curve's last mint.
    expect(table.at(-1)).toBe(table.at(-2));
  });
});
