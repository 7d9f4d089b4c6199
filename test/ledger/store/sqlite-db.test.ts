import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { history, key, refusesMissingState, rollBackTick2 } from './id-map-history.ts';
import { sqliteLedgers } from '../sqlite-files.ts';

/**
 * The SQLite hot path's in-memory account key → id map (sqlite-db.ts) and its recipient-preserving
 * update: a rolled-back tick, a second connection writing the same file and recipient changes must
 * give exactly the rows and hashes a plain run gives.
 */
const { dir, ledgerAt } = sqliteLedgers('sqlite-db');

async function plainHashes(): Promise<string[]> {
  const ledger = await ledgerAt();
  const hashes: string[] = [];
  for (const input of history) hashes.push((await ledger.applyTick(input)).hash);
  return hashes;
}

describe('SQLite account key → id map and recipient-preserving updates', () => {
  it('a tick rolled back after inserting accounts leaves nothing behind; re-applying it gives the plain run’s hash and ids', async () => {
    const expected = await plainHashes();
    await rollBackTick2(await ledgerAt(), expected, ["CREATE TRIGGER fail_tick BEFORE INSERT ON ticks BEGIN SELECT RAISE(ABORT, 'injected failure'); END"], 'DROP TRIGGER fail_tick');
  });

  it('an account written by another connection to the same file is found, not inserted twice', async () => {
    const expected = await plainHashes();
    const path = join(dir, 'shared.db');
    const first = await ledgerAt({ path });
    await first.applyTick(history[0]!); // loads first's map (A, B)
    const second = await ledgerAt({ path });
    await second.applyTick(history[1]!); // inserts C through the second connection
    expect((await first.applyTick(history[2]!)).hash).toBe(expected[2]); // changes C: must update id 3
    expect((await first.applyTick(history[3]!)).hash).toBe(expected[3]);
    expect((await first.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM accounts'))[0]!.n).toBe(4);
  });

  it('a changed account without an account_state row is refused with STORAGE_MISMATCH naming it, and the tick writes nothing', async () => {
    // deferAccounts 1: account_state is current after every tick, so tick 4 reads A's row.
    await refusesMissingState(await ledgerAt({ deferAccounts: 1 }));
  });

  it('a weight change keeps the stored recipient and a recipient change is written (and found by recipient)', async () => {
    const ledger = await ledgerAt();
    for (const input of history) await ledger.applyTick(input);
    // A: recipient R (tick 1), weight only (tick 2), recipient S (tick 4). B: null → S (tick 3).
    expect((await ledger.account('ar', key('A')))?.recipient).toBe(key('S'));
    expect((await ledger.account('ar', key('B')))?.recipient).toBe(key('S'));
    expect((await ledger.accountsByRecipient(key('R'))).map((v) => v.account)).toEqual([key('D')]);
    expect((await ledger.accountsByRecipient(key('S'))).map((v) => v.account)).toEqual([key('A'), key('B'), key('C')]);
    expect((await ledger.account('ar', key('C'), 2))?.recipient).toBe(key('S'));
    expect((await ledger.account('ar', key('A'), 3))?.recipient).toBe(key('R'));
  });
});
