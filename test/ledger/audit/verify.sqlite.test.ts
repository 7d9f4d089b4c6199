import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openLedger } from '../../../src/ledger/index.ts';
import { describeDivergence, verifyLedger } from '../../../src/ledger/audit/index.ts';
import { historyArb } from '../history.ts';
import { replay } from '../suite.ts';
import { tamperSuite } from './tamper-suite.ts';

tamperSuite('sqlite', async () => 'sqlite::memory:');

describe('audit verify on random histories', () => {
  it('every history the ledger applies (random pools, yields, joins, leaves, settlements) verifies clean', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb(12), async (history) => {
        const ledger = await openLedger({ url: 'sqlite::memory:' });
        await ledger.migrate();
        await replay(ledger, history);
        const r = await verifyLedger(ledger.db);
        await ledger.close();
        expect(r.divergences.map(describeDivergence)).toEqual([]);
        expect(r.ticks).toBe(history.steps.length);
      }),
      { numRuns: 25 },
    );
  });

  it('rejects a range outside the applied ticks as INVALID_TICK', async () => {
    const ledger = await openLedger({ url: 'sqlite::memory:' });
    await ledger.migrate();
    await expect(verifyLedger(ledger.db, { toTick: 1 })).rejects.toMatchObject({ code: 'INVALID_TICK' });
    await expect(verifyLedger(ledger.db, { fromTick: 0 })).rejects.toMatchObject({ code: 'INVALID_TICK' });
    expect((await verifyLedger(ledger.db)).ok).toBe(true);
    await ledger.close();
  });
});
