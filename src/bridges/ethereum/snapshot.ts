import type { Pin, Snapshot, SnapshotContext, WeightUpdate, YieldQuote } from '../types.ts';
import { EngineError } from '../../errors.ts';
import { tickAt } from '../../emission/ticks.ts';
import { wei } from '../../units.ts';
import type { Wei } from '../../units.ts';
import { callAtPin } from './call-at-pin.ts';
import { checkContracts } from './check-contracts.ts';
import type { EthereumContext } from './context.ts';
import { crossCheck, crossCheckCalls } from './cross-check.ts';
import type { BlockHeader } from './decode.ts';
import { countDueAfterScan, countDueBeforeScan, delayNote, readStoredDue } from './delay.ts';
import { assertPinHeld, choosePin, resume } from './pin.ts';
import { quote, quoteCalls } from './quote.ts';
import { findRebaseBefore } from './rebase.ts';
import { scan } from './scan.ts';
import { countedOf, decodeCursor, depositorChanges, DEPOSITOR_KIND, dueChanges, encodeCursor } from './state.ts';
import type { ScanState } from './state.ts';

export interface SnapshotTimings {
  readonly blocks: number;
  readonly events: number;
  /** Depositors cross-checked against usersData. */
  readonly checked: number;
  readonly scanMs: number;
  readonly checkMs: number;
  readonly totalMs: number;
}

/** What a source carries from one snapshot attempt to the next, besides the cursor it is handed. */
export interface SourceMemory {
  /** The configured contracts were found (or a cursor was continued): a rescan after a fork does not ask again. */
  contractsSeen: boolean;
  /** Of the last successful snapshot. */
  timings: SnapshotTimings | null;
}

/**
 * One snapshot attempt: pin a block, continue the cursor's state (or scan from startBlock), count
 * the deposits whose delay ended, cross-check what changed and quote the yield at the pin, then check
 * that the pin still stands. A PinMoved or MalformedAnswer means: try again from a new pin (source.ts).
 */
export async function takeSnapshot(ctx: EthereumContext, memory: SourceMemory, cursor: string | null, signal?: AbortSignal, at?: SnapshotContext): Promise<Snapshot<Wei>> {
  const t0 = performance.now();
  const notes: string[] = [];
  const { state, pin, complete } = await startState(ctx, memory, cursor, notes, signal);
  const touched = new Set<string>();
  // The tick this snapshot sets: deposits due by its start count (the tick in progress at the pin when the caller names none).
  const pinMs = Number(pin.timestampSec) * 1000;
  const consumed = await countDueBeforeScan(ctx, state, at?.tick ?? (pinMs >= ctx.genesisMs ? tickAt(pinMs, ctx.genesisMs) : 0), touched);
  const from = state.block + 1n;
  const tScan = performance.now();
  const events = from <= pin.number ? await scan(ctx, state, from, pin.number, pin, touched, signal) : 0;
  await countDueAfterScan(ctx, state, touched);
  await findRebaseBefore(ctx, state, from, signal);
  if (complete) notes.push(`first scan: blocks ${ctx.startBlock}..${pin.number}, ${events} events`);
  const check = (complete ? [...state.depositors.keys()] : [...touched]).sort();
  const tCheck = performance.now();
  const yieldQuote = await crossCheckAndQuote(ctx, state, check, pin, notes, signal);
  const tDone = performance.now();
  // The due rows this snapshot adds to (read before the pin is re-checked, so a fork redoes them too).
  const storedDue = await readStoredDue(ctx, state);
  await assertPinHeld(ctx, pin, signal);
  state.block = pin.number;
  state.hash = pin.hash;
  const updates = updatesOf(state, check, complete);
  notes.push(...depositorNotes(state, check, updates));
  memory.timings = { blocks: pin.number >= from ? Number(pin.number - from + 1n) : 0, events, checked: check.length, scanMs: tCheck - tScan, checkMs: tDone - tCheck, totalMs: performance.now() - t0 };
  const pinOut: Pin = { chain: 'ethereum', height: pin.number.toString(), hash: pin.hash, timeMs: pinMs };
  const deposits = depositorChanges(state, touched);
  const due = ctx.delaySec > 0n ? dueChanges(state, consumed, storedDue) : [];
  return { pool: ctx.pool, pin: pinOut, complete, updates, yield: yieldQuote, cursor: encodeCursor(state), sourceState: { reset: deposits.reset, changes: [...deposits.changes, ...due] }, notes };
}

interface Started {
  readonly state: ScanState;
  readonly pin: BlockHeader;
  /** A first scan (or a rescan after a fork): every depositor is in the state. */
  readonly complete: boolean;
}

/** The state a snapshot continues: the cursor's, checked against the chain and the source state, or a fresh one from startBlock. */
async function startState(ctx: EthereumContext, memory: SourceMemory, cursor: string | null, notes: string[], signal?: AbortSignal): Promise<Started> {
  let pin = await choosePin(ctx, signal);
  let state = cursor === null ? null : decodeCursor(cursor, { chainId: ctx.chainId, preBridge: ctx.preBridge, pool: ctx.pool, kind: ctx.kind });
  const countedBefore = state?.countedTick ?? 0;
  if (state !== null) {
    const resumed = await resume(ctx, state, pin, signal);
    ({ state, pin } = resumed);
    if (resumed.note !== null) notes.push(resumed.note);
  }
  if (state !== null && !state.reset) {
    const held = await ctx.sourceState.count(ctx.pool, DEPOSITOR_KIND);
    if (held !== state.count) throw new EngineError('INVALID_ARGUMENT', `${ctx.pool} cursor: counts ${state.count} depositors but the source state holds ${held}; the state is not the cursor's`);
  }
  const complete = state === null;
  if (state === null) {
    if (pin.number < ctx.startBlock) throw new EngineError('SOURCE_UNAVAILABLE', `${ctx.pool}: pinned block ${pin.number} is before startBlock ${ctx.startBlock}`);
    if (!memory.contractsSeen) await checkContracts(ctx, pin, signal);
    state = freshState(ctx, countedBefore);
  }
  memory.contractsSeen = true;
  return { state, pin, complete };
}

/** The state of a scan from startBlock: the stored rows are replaced; the counted tick is kept (it only grows). */
function freshState(ctx: EthereumContext, countedTick: number): ScanState {
  const { chainId, pool, kind, preBridge } = ctx;
  return { chainId, pool, kind, preBridge, block: ctx.startBlock - 1n, hash: '', totalDeposited: 0n, depositors: new Map(), stored: new Set(), count: 0, reset: true, rebase: null, countedTick, dueAdded: new Map() };
}

/** The cross-check and the quote read in one batch of eth_calls at the pin, the check's first. */
async function crossCheckAndQuote(ctx: EthereumContext, state: ScanState, check: readonly string[], pin: BlockHeader, notes: string[], signal?: AbortSignal): Promise<YieldQuote> {
  const checkCalls = crossCheckCalls(ctx, check);
  const answers = await callAtPin(ctx, [...checkCalls, ...quoteCalls(ctx)], pin, signal);
  crossCheck(ctx, state, check, pin, answers.slice(0, checkCalls.length));
  const quoted = quote(ctx, state.rebase, pin, answers.slice(checkCalls.length));
  if (quoted.note !== null) notes.push(quoted.note);
  return quoted.quote;
}

/** The weights to set: each checked depositor's counted amount (on a first scan, only those with one). */
function updatesOf(state: ScanState, check: readonly string[], complete: boolean): WeightUpdate<Wei>[] {
  const updates: WeightUpdate<Wei>[] = [];
  for (const user of check) {
    const d = state.depositors.get(user)!;
    const weight = countedOf(d);
    if (complete && weight === 0n) continue;
    // Branded here, where the decoded events' state becomes the pool's weight: wei from now on.
    updates.push({ account: user, recipient: d.recipient, weight: wei(weight, `${state.pool} depositor ${user}`) });
  }
  return updates;
}

function depositorNotes(state: ScanState, check: readonly string[], updates: readonly WeightUpdate[]): string[] {
  const notes: string[] = [];
  const unclaimed = updates.filter((u) => u.recipient === null && u.weight > 0n).length;
  if (unclaimed > 0) notes.push(`${unclaimed} depositor(s) with no valid Arweave address: accruing unclaimed under their Ethereum address`);
  const delayed = delayNote(state, check);
  if (delayed !== null) notes.push(delayed);
  return notes;
}
