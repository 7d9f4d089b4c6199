import { firstTickStartingAtOrAfter } from '../../emission/ticks.ts';
import type { EthereumContext } from './context.ts';
import { loadDepositors } from './load-depositors.ts';
import { countedOf, DUE_KIND, mature, parseDueValue } from './state.ts';
import type { ScanState } from './state.ts';

/**
 * The deposit delay (DESIGN.md §3): a deposit counts from the first tick starting at or after its
 * block time + the delay. Queued deposits are listed in due rows by tick (state.ts DUE_KIND), so a
 * snapshot finds what matured by reading the rows of the ticks since its last, not every depositor.
 */
type DelayContext = Pick<EthereumContext, 'pool' | 'sourceState' | 'delaySec'>;

/** The first tick starting at or after a deposit's block time + the delay: when it starts to count. */
export function dueTick(ctx: Pick<EthereumContext, 'delaySec' | 'genesisMs'>, blockTimeSec: bigint): number {
  return firstTickStartingAtOrAfter(Number((blockTimeSec + ctx.delaySec) * 1000n), ctx.genesisMs);
}

/**
 * Before the scan: what is due by `tick` starts counting. A continued state reads the due rows of the
 * ticks since its last (returning the ticks consumed); a reset state has not read its events yet, so
 * it only moves countedTick, and counts after the scan (countDueAfterScan).
 */
export async function countDueBeforeScan(ctx: DelayContext, state: ScanState, tick: number, touched: Set<string>): Promise<number[]> {
  if (ctx.delaySec === 0n) return [];
  if (!state.reset) return countMatured(ctx, state, tick, touched);
  state.countedTick = Math.max(state.countedTick, tick);
  return [];
}

/** After the scan of a reset state: its depositors' deposits due by countedTick count. */
export async function countDueAfterScan(ctx: DelayContext, state: ScanState, touched: Set<string>): Promise<void> {
  if (state.reset && ctx.delaySec > 0n) await countMatured(ctx, state, state.countedTick, touched);
}

/** Due-row reads per statement when counting many ticks at once (a catch-up). */
const DUE_READ_TICKS = 10_000;

/**
 * Counts the queued deposits due in ticks (state.countedTick, upTo]: reads those ticks' due rows, the
 * depositors they list, and moves what matured into the counted amount. Returns the ticks consumed.
 */
async function countMatured(ctx: DelayContext, state: ScanState, upTo: number, touched: Set<string>): Promise<number[]> {
  const consumed: number[] = [];
  if (state.reset) {
    for (const [user, d] of state.depositors) if (mature(d, upTo)) touched.add(user);
  } else if (state.countedTick > 0) {
    // countedTick 0: a cursor from a source without delay, which never queued anything.
    for (let from = state.countedTick + 1; from <= upTo; from += DUE_READ_TICKS) {
      const ticks = Array.from({ length: Math.min(DUE_READ_TICKS, upTo - from + 1) }, (_, i) => String(from + i));
      const rows = await ctx.sourceState.read(ctx.pool, DUE_KIND, ticks);
      const users = new Set<string>();
      for (const [tick, value] of rows) {
        consumed.push(Number(tick));
        for (const u of parseDueValue(tick, value, ctx.pool)) users.add(u);
      }
      await loadDepositors(ctx, state, [...users]);
      for (const u of users) if (mature(state.depositors.get(u)!, upTo)) touched.add(u);
    }
  }
  state.countedTick = Math.max(state.countedTick, upTo);
  return consumed.sort((a, b) => a - b);
}

/** The stored due rows of the ticks this snapshot adds deposits to (a reset state replaces them all). */
export async function readStoredDue(ctx: Pick<EthereumContext, 'pool' | 'sourceState'>, state: ScanState): Promise<Map<number, string[]>> {
  const dueTicks = state.reset ? [] : [...state.dueAdded.keys()];
  const storedDue = new Map<number, string[]>();
  for (const [k, v] of dueTicks.length === 0 ? [] : await ctx.sourceState.read(ctx.pool, DUE_KIND, dueTicks.map(String))) storedDue.set(Number(k), parseDueValue(k, v, ctx.pool));
  return storedDue;
}

/** The note on the checked depositors with deposits still in their delay, or null when there are none. */
export function delayNote(state: ScanState, check: readonly string[]): string | null {
  const queuedNow = check.map((u) => state.depositors.get(u)!).filter((d) => (d.queued?.length ?? 0) > 0);
  if (queuedNow.length === 0) return null;
  const amount = queuedNow.reduce((sum, d) => sum + (d.deposited - countedOf(d)), 0n);
  const last = Math.max(...queuedNow.map((d) => d.queued![d.queued!.length - 1]!.tick));
  return `${queuedNow.length} depositor(s) with ${amount} base units in the deposit delay (counting by tick ${last}); tick ${state.countedTick} counts what is due by its start`;
}
