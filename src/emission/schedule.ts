import { EngineError } from '../errors.ts';
import { derivedAo } from '../units.ts';
import type { AoUnits } from '../units.ts';
import { walkTicks, supplyAt } from './curve.ts';
import { isTransferable } from './gate.ts';
import type { Policy } from './policy.ts';
import { splitMint } from './split.ts';
import { DEFAULT_GENESIS_MS, lastEndedTick, TICK_MS, tickEndMs } from './ticks.ts';

/**
 * A periodic table of the emission: rows for [from + i·every, from + (i+1)·every), the last cut
 * at `to`. A tick belongs to the row in which it ends; supply and cumulative figures are as of the
 * last tick ended by the row's end. Cumulative AR is summed tick by tick from genesis (each tick
 * rounds its own AR part), so it equals what the ledger records.
 */
export interface ScheduleRow {
  readonly startMs: number;
  readonly endMs: number;
  /** The last tick ended at or before endMs (0 before genesis). */
  readonly lastTick: number;
  readonly ticks: number;
  readonly minted: AoUnits;
  readonly ar: AoUnits;
  readonly bridges: AoUnits;
  readonly supply: AoUnits;
  readonly cumulativeAr: AoUnits;
  readonly transferable: boolean;
}

export const SCHEDULE_ROWS_MAX = 100_000;

const EVERY = /^([1-9][0-9]{0,6})(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** "5m", "1h", "1d", "30d", "1w" → ms; a multiple of the 5-minute tick. */
export function parseEvery(text: unknown, field = 'every'): number {
  const m = typeof text === 'string' ? EVERY.exec(text) : null;
  if (!m) throw new EngineError('INVALID_ARGUMENT', `${field}: ${JSON.stringify(text)} is not a period; expected a count and a unit m|h|d|w, e.g. 1h, 1d, 30d`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  if (ms % TICK_MS !== 0) throw new EngineError('INVALID_ARGUMENT', `${field}: ${text} is not a multiple of the 5-minute tick`);
  return ms;
}

export function buildSchedule(opts: { fromMs: number; toMs: number; everyMs: number; policy: Policy; genesisMs?: number }): ScheduleRow[] {
  const genesisMs = opts.genesisMs ?? DEFAULT_GENESIS_MS;
  if (!(opts.toMs > opts.fromMs)) throw new EngineError('INVALID_ARGUMENT', `to: must be after from`);
  const rowCount = Math.ceil((opts.toMs - opts.fromMs) / opts.everyMs);
  if (rowCount > SCHEDULE_ROWS_MAX) {
    throw new EngineError('LIMIT_EXCEEDED', `every: ${rowCount} rows is more than ${SCHEDULE_ROWS_MAX}; choose a longer period or a shorter range`);
  }
  const rows: ScheduleRow[] = [];
  const firstTick = lastEndedTick(opts.fromMs, genesisMs) + 1;
  // Cumulative AR before the first row needs every tick from genesis: each tick rounds its own part.
  let cumulativeAr = 0n;
  if (firstTick > 1) for (const t of walkTicks(opts.policy.curve, 1, firstTick - 1)) cumulativeAr += splitMint(opts.policy, t.tick, t.mint, genesisMs).ar;

  const lastTick = lastEndedTick(opts.toMs, genesisMs);
  const steps = lastTick >= firstTick ? walkTicks(opts.policy.curve, firstTick, lastTick) : [][Symbol.iterator]();
  let pending = steps.next();
  for (let i = 0; i < rowCount; i++) {
    const startMs = opts.fromMs + i * opts.everyMs;
    const endMs = Math.min(startMs + opts.everyMs, opts.toMs);
    let ticks = 0;
    let minted = 0n;
    let ar = 0n;
    while (!pending.done && tickEndMs(pending.value.tick, genesisMs) <= endMs) {
      const split = splitMint(opts.policy, pending.value.tick, pending.value.mint, genesisMs);
      ticks++;
      minted += pending.value.mint;
      ar += split.ar;
      pending = steps.next();
    }
    cumulativeAr += ar;
    const rowLastTick = lastEndedTick(endMs, genesisMs);
    const supply = supplyAt(opts.policy.curve, rowLastTick);
    rows.push({
      startMs,
      endMs,
      lastTick: rowLastTick,
      ticks,
      minted: derivedAo(minted),
      ar: derivedAo(ar),
      bridges: derivedAo(minted - ar),
      supply,
      cumulativeAr: derivedAo(cumulativeAr),
      transferable: isTransferable(opts.policy, rowLastTick),
    });
  }
  return rows;
}
