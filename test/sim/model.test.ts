import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../src/bridges/types.ts';
import { wallet } from '../ledger/delivery/ao/fixture.ts';
import { PipelineModel } from './model.ts';
import { simulate } from './pipeline.ts';
import { winston } from '../../src/units.ts';

/** The simulator's checks can fail: its model catches wrong totals and credits, and a corrupted outbox fails a run with its seed. */
const snapshot = (updates: [string, string | null, bigint][], complete = false): Snapshot => ({
  pool: 'ar',
  pin: { chain: 'arweave', height: '1', hash: 'h', timeMs: 0 },
  complete,
  updates: updates.map(([account, recipient, weight]) => ({ account, recipient: recipient as never, weight: winston(weight) })),
  cursor: 'c',
  notes: [],
});

describe('pipeline model', () => {
  it('shares a tick exactly pro rata and credits whole units: 10 over weights 1 and 2 is 3 and 6 (10/3, 20/3 floored)', () => {
    const model = new PipelineModel();
    expect(model.applyTick(1, [snapshot([['a', 'A', 1n], ['b', 'B', 2n]], true)], [{ pool: 'ar', amount: 10n, totalWeight: 3n }])).toEqual([]);
    expect(model.settle('ar')).toEqual(new Map([['A', 3n], ['B', 6n]]));
    // The next tick's 2 units bring a to 12/3 = 4 and b to 24/3 = 8: one more unit each.
    model.applyTick(2, [], [{ pool: 'ar', amount: 2n, totalWeight: 3n }]);
    expect(model.settle('ar')).toEqual(new Map([['A', 1n], ['B', 2n]]));
  });

  it('carries a pool amount with no weight to the next tick with weight, and keeps the unclaimed share until a recipient is set', () => {
    const model = new PipelineModel();
    model.applyTick(1, [], [{ pool: 'ar', amount: 7n, totalWeight: 0n }]);
    model.applyTick(2, [snapshot([['a', null, 5n]])], [{ pool: 'ar', amount: 3n, totalWeight: 5n }]);
    expect(model.settle('ar')).toEqual(new Map());
    model.applyTick(3, [snapshot([['a', 'A', 5n]])], [{ pool: 'ar', amount: 0n, totalWeight: 5n }]);
    expect(model.settle('ar')).toEqual(new Map([['A', 10n]]));
  });

  it('reports a ledger total weight other than its own, and credits off by more than a unit per crediting account', () => {
    const model = new PipelineModel();
    expect(model.applyTick(1, [snapshot([['a', 'A', 1n]], true)], [{ pool: 'ar', amount: 10n, totalWeight: 2n }])).toEqual(['tick 1 pool ar: ledger total weight 2, model 1']);
    model.settle('ar');
    expect(model.compareCredits(new Map([['A', 10n]]))).toEqual([]);
    expect(model.compareCredits(new Map([['A', 9n]]))).toEqual([]);
    expect(model.compareCredits(new Map([['A', 8n]]))).toHaveLength(1);
    expect(model.compareCredits(new Map([['A', 11n]]))).toHaveLength(1);
    expect(model.compareCredits(new Map([['A', 10n], ['X', 1n]]))).toHaveLength(1);
  });
});

describe('pipeline simulation', () => {
  it('fails, naming the seed to reproduce, when a pending batch is altered after its settlement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ao-emission-sim-tamper-'));
    try {
      const run = simulate({
        seed: 5,
        faults: false,
        dir,
        minter: await wallet('minter'),
        afterSettlements: async (ledger, tick) => {
          if (tick !== 4) return;
          // One more unit to the first recipient of a pending batch, its total kept consistent.
          const [batch] = await ledger.outbox.pending(1);
          const payload = JSON.parse(batch!.payload) as [string, string][];
          payload[0]![1] = (BigInt(payload[0]![1]) + 1n).toString();
          await ledger.db.run('UPDATE outbox_batches SET payload = ?, total = ? WHERE batch_id = ?', [JSON.stringify(payload), (batch!.total + 1n).toString(), batch!.batchId]);
        },
      });
      await expect(run).rejects.toThrow(/reproduce with seed=5$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
