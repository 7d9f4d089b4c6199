import { EngineError } from '../../errors.ts';
import { accruedAt } from '../distribution/index.ts';
import { decodeChanges } from './change-log.ts';
import type { AccountRow, AccountState } from './db.ts';

/** An account's state not yet written to account_state. */
export interface DeferredAccount extends AccountState {
  /** The recipient differs from the one in account_state (only then is the indexed column rewritten). */
  readonly recipientChanged: boolean;
  /** The first tick whose change is not in account_state (account_state_tick may advance to since − 1 once no account behind is older). */
  readonly since: number;
}

/** One weight_changes row. */
export interface ChangeLogRow {
  readonly tick: number;
  readonly pool: string;
  readonly payload: string;
}

/**
 * The weight changes a SQLite ledger has committed to the change log but not yet to account_state
 * (src/ledger/README.md, "Deferred account state"). Rewriting ~5,000 random account_state rows in every
 * tick costs a WAL frame per dirtied page at commit; instead a tick appends its changes to
 * weight_changes only, and account_state is rewritten once for many ticks, in id order.
 *
 * The database alone defines this state, so any connection (and a restart after a crash) rebuilds
 * it: account_state_tick holds T, the last tick account_state is complete for, and the changes
 * logged after T are replayed onto account_state by `replay`.
 */
export class DeferredState {
  /** T, or null when account_state is current (no account_state_tick row). */
  checkpoint: number | null;
  /** The last tick whose logged changes are in `accounts`. */
  through: number;
  readonly accounts = new Map<number, DeferredAccount>();

  constructor(checkpoint: number | null) {
    this.checkpoint = checkpoint;
    this.through = checkpoint ?? 0;
  }

  /** A committed transaction's deferred updates (and the account_state_tick it wrote, if it wrote one) join this state. */
  absorb(staged: ReadonlyMap<number, DeferredAccount>, checkpoint: number | null): void {
    if (checkpoint !== null) this.checkpoint = checkpoint;
    for (const [id, s] of staged) {
      this.accounts.set(id, s);
      if (s.changedTick > this.through) this.through = s.changedTick;
    }
  }

  /**
   * Applies logged changes (rows of ticks > `through`, in tick order) the way apply-tick does
   * (DESIGN.md §4): accrued += w_old · (I_{k−1} − index_at_change), index_at_change = I_{k−1},
   * then the new weight (and recipient, when logged), changed_tick = k.
   * A change of tick k applies only to a state with changed_tick < k: an account inserted by tick k
   * is already in account_state with its tick-k state, and replaying twice changes nothing.
   * indexBefore(k, pool) = I_{k−1} of the pool; stored(id) = the account's account_state row.
   */
  replay(rows: Iterable<ChangeLogRow>, indexBefore: (tick: number, pool: string) => bigint, stored: (id: number) => AccountState | undefined): void {
    for (const row of rows) {
      const index = indexBefore(row.tick, row.pool);
      for (const change of decodeChanges(row.payload)) {
        const id = change.accountId;
        const held = this.accounts.get(id);
        const current = held ?? stored(id);
        if (current === undefined) {
          throw new EngineError('STORAGE_MISMATCH', `weight_changes: tick ${row.tick} pool ${row.pool} changes account id ${id}, which has no account_state row; run ao-emission audit verify`);
        }
        if (current.changedTick >= row.tick) continue;
        if (current.weight !== change.oldWeight) {
          throw new EngineError(
            'STORAGE_MISMATCH',
            `weight_changes: tick ${row.tick} pool ${row.pool} account id ${id} changes weight ${change.oldWeight} → ${change.newWeight}, but its weight before that tick is ${current.weight}; run ao-emission audit verify`,
          );
        }
        const recipient = change.recipient === undefined ? current.recipient : change.recipient;
        this.accounts.set(id, {
          recipient,
          weight: change.newWeight,
          indexAtChange: index,
          accrued: accruedAt(current, index),
          joinedTick: current.joinedTick,
          changedTick: row.tick,
          recipientChanged: (held?.recipientChanged ?? false) || change.recipient !== undefined,
          since: held?.since ?? row.tick,
        });
      }
      if (row.tick > this.through) this.through = row.tick;
    }
  }
}

/**
 * An account's deferred state after a tick's update: the row as the tick leaves it, still marked
 * for a recipient rewrite if an earlier deferred change set one, behind since its first deferred tick.
 */
export function deferredAfter(before: DeferredAccount | undefined, a: AccountRow, recipientChanged: boolean): DeferredAccount {
  return {
    recipient: a.recipient,
    weight: a.weight,
    indexAtChange: a.indexAtChange,
    accrued: a.accrued,
    joinedTick: a.joinedTick,
    changedTick: a.changedTick,
    recipientChanged: recipientChanged || (before?.recipientChanged ?? false),
    since: before?.since ?? a.changedTick,
  };
}

/** One step of SQLite's spread rewrite (sqlite-db.ts): the ids it writes and where it leaves T and the sweep. */
export interface RewriteSlice {
  /** Ids after the wrap to the lowest ones, then those after the sweep position: each ascending. */
  readonly head: Float64Array;
  readonly tail: Float64Array;
  /** The last id written: the next slice starts after it. */
  readonly sweepAfter: number;
  /** account_state_tick after it: the oldest change still behind, minus one. */
  readonly checkpoint: number;
}

/**
 * The next `size` ids behind (ascending `ids`, more than `size` of them) after `sweepAfter`,
 * wrapping to the lowest ids; T moves up to the oldest `since` among the ids left behind, minus one
 * (a replay from T leaves the written accounts alone: their changed_tick is their last change).
 */
export function sliceAfter(ids: Float64Array, sweepAfter: number, size: number, sinceOf: (id: number) => number): RewriteSlice {
  // First id after the sweep position (binary search), then size ids in sweep order, wrapping.
  let lo = 0;
  for (let hi = ids.length; lo < hi; ) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= sweepAfter) lo = mid + 1;
    else hi = mid;
  }
  const start = lo === ids.length ? 0 : lo;
  const tail = ids.subarray(start, start + size);
  const head = tail.length < size ? ids.subarray(0, size - tail.length) : ids.subarray(0, 0);
  // The oldest change still behind: over the ids outside the slice (head ∪ tail is [0, h) ∪ [start, start + |tail|)).
  let oldest = Number.POSITIVE_INFINITY;
  for (let i = head.length; i < start; i++) oldest = Math.min(oldest, sinceOf(ids[i]!));
  for (let i = start + tail.length; i < ids.length; i++) oldest = Math.min(oldest, sinceOf(ids[i]!));
  return { head, tail, sweepAfter: head.length > 0 ? head[head.length - 1]! : tail[tail.length - 1]!, checkpoint: oldest - 1 };
}
