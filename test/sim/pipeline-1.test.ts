import { describe, expect, it } from 'vitest';
import { wallet } from '../ledger/ao/fixture.ts';
import { simulatePart } from './ci-part.ts';

describe('seeded pipeline simulation, seeds part 0', () => {
  it('every seed keeps every invariant at every step under faults and ends with its fault-free run\'s final hash', async () => {
    const report = await simulatePart(0, await wallet('minter'));
    expect(report.failures).toEqual([]);
    expect(report.seeds).toBe(100);
  }, 170_000);
});
