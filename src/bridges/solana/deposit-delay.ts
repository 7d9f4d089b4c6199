import type { Connection, EpochSchedule } from '@solana/web3.js';
import { firstTickStartingAtOrAfter } from '../../emission/ticks.ts';
import { EngineError } from '../../errors.ts';
import type { SourceStateChange, SourceStateReader } from '../types.ts';

/**
 * The SOL deposit delay (DESIGN.md §3): a stake account's effective stake counts from the first
 * tick starting at or after t + delay, where t is the block time of the first block of the first
 * epoch in which the runtime counts the delegation as effective (activation epoch + 1: stake
 * warms up at epoch boundaries, so no lamport of it is staked — or earning — before that block).
 * This t is a chain fact, not when this source happened to look: the same for every operator, a
 * restart or a catch-up, and the same for every stake account split from it (a split keeps the
 * activation epoch), so splitting a queued stake does not skip its delay.
 *
 * Hence the state is per epoch, not per stake account: stake accounts of the same activation
 * epoch become due together. The cursor's `settledEpoch` is the latest first-effective epoch
 * already due (every earlier one is due too: epoch start times only grow); epochs after it
 * keep their start time in a source-state row (kind EPOCH_START_KIND, key = the epoch, value =
 * its Unix seconds) until they are due, so a snapshot looks up each epoch's first block once.
 * The candidates are the listed stakes' epochs, the stored rows' (all after settledEpoch, up to
 * the cursor's pinned epoch: a bounded read) and the pinned epoch, newest first until one is
 * due; so settledEpoch keeps up with the chain, a row goes once its epoch is due whether or not
 * its stake is still listed (none is left behind by a withdrawn stake), and a bootstrap looks
 * up only the recent epochs still within the delay (plus the first one due), never old blocks.
 */
export const EPOCH_START_KIND = 'epoch-start';

/** Slots asked per getBlocks call while looking for an epoch's first block (a skipped first slot has none). */
const BLOCKS_WINDOW = 1_000;
/** Row keys read per statement (a catch-up may clear many epochs at once). */
const READ_KEYS_MAX = 10_000;

/** The first tick starting at or after `startSec` + the delay (ticks.ts firstTickStartingAtOrAfter). */
export function dueTick(startSec: number, delaySec: number, genesisMs: number): number {
  return firstTickStartingAtOrAfter((startSec + delaySec) * 1000, genesisMs);
}

export interface DelayInput {
  readonly conn: Connection;
  readonly schedule: EpochSchedule;
  readonly commitment: 'finalized' | 'confirmed';
  readonly sourceState: SourceStateReader;
  /** The source state is replaced by this snapshot (no stored row is read). */
  readonly reset: boolean;
  readonly delaySec: number;
  readonly genesisMs: number;
  /** The tick the weights are for. */
  readonly tick: number;
  readonly pinSlot: number;
  /** The cursor's pinned slot: no row is for an epoch after its epoch. */
  readonly cursorSlot: number;
  /** The cursor's settledEpoch (null: none due yet). */
  readonly settledEpoch: number | null;
  /** The first-effective epochs of the listed stake accounts with effective stake (bootstrap stake, always counted, left out). */
  readonly epochs: ReadonlySet<number>;
}

export interface DelayResult {
  readonly settledEpoch: number | null;
  /** Epochs still in their delay → the tick they count from. */
  readonly queued: ReadonlyMap<number, number>;
  readonly changes: readonly SourceStateChange[];
}

/** Which first-effective epochs count at `tick`: looks epochs up newest first until one is due (all older ones are then due too). */
export async function settleEpochs(input: DelayInput): Promise<DelayResult> {
  const { settledEpoch: settled } = input;
  const pinEpoch = input.schedule.getEpoch(input.pinSlot);
  // Rows exist only for epochs after settledEpoch up to the cursor's pinned epoch (the candidates of earlier snapshots): read them all.
  const stored = new Map<string, string>();
  if (!input.reset) {
    const to = input.schedule.getEpoch(input.cursorSlot);
    for (let lo = settled === null ? 0 : settled + 1; lo <= to; lo += READ_KEYS_MAX) {
      const keys = Array.from({ length: Math.min(READ_KEYS_MAX, to - lo + 1) }, (_, i) => String(lo + i));
      for (const [k, v] of await input.sourceState.read('sol', EPOCH_START_KIND, keys)) stored.set(k, v);
    }
  }
  const candidates = [...new Set([...input.epochs, pinEpoch, ...[...stored.keys()].map(Number)])].filter((e) => settled === null || e > settled).sort((a, b) => b - a);
  const queued = new Map<number, number>();
  const changes: SourceStateChange[] = [];
  let next = settled;
  for (const epoch of candidates) {
    const row = stored.get(String(epoch));
    const startSec = row === undefined ? await epochStartSec(input, epoch) : parseStart(epoch, row);
    const due = dueTick(startSec, input.delaySec, input.genesisMs);
    if (due <= input.tick) {
      next = epoch;
      break;
    }
    queued.set(epoch, due);
    if (row === undefined) changes.push({ kind: EPOCH_START_KIND, key: String(epoch), value: String(startSec) });
  }
  // The rows of the epochs now due go.
  for (const key of stored.keys()) if (next !== null && Number(key) <= next) changes.push({ kind: EPOCH_START_KIND, key, value: null });
  return { settledEpoch: next, queued, changes };
}

function parseStart(epoch: number, value: string): number {
  if (!/^[0-9]{1,12}$/.test(value)) throw new EngineError('MALFORMED_RESPONSE', `sol source state ${EPOCH_START_KIND} ${epoch}: ${JSON.stringify(value)} is not a Unix time in seconds`);
  return Number(value);
}

/** The block time of the epoch's first block (its first slot may have been skipped), up to the pinned slot. */
async function epochStartSec(input: DelayInput, epoch: number): Promise<number> {
  const first = input.schedule.getFirstSlotInEpoch(epoch);
  const last = Math.min(input.schedule.getLastSlotInEpoch(epoch), input.pinSlot);
  const finality = input.commitment as 'finalized';
  for (let from = first; from <= last; from += BLOCKS_WINDOW) {
    const slots = await input.conn.getBlocks(from, Math.min(from + BLOCKS_WINDOW - 1, last), finality);
    if (slots.length === 0) continue;
    const block = await input.conn.getBlock(slots[0]!, { commitment: finality, transactionDetails: 'none', rewards: false, maxSupportedTransactionVersion: 0 });
    if (block === null || block.blockTime === null) throw new EngineError('SOURCE_UNAVAILABLE', `sol snapshot: block ${slots[0]} (first of epoch ${epoch}) has no block time`);
    return block.blockTime;
  }
  throw new EngineError('SOURCE_UNAVAILABLE', `sol snapshot: no block in epoch ${epoch} up to slot ${input.pinSlot}`);
}
