import { z } from 'zod';
import { EngineError } from '../../errors.ts';
import { parseCursor } from '../cursor.ts';

/**
 * What the next incremental snapshot needs, persisted by the ledger with the tick (JSON text):
 * the pinned block, the hashes of the blocks just below it (to find the last common block after a
 * fork), and how many snapshots ago the last full-list reconciliation was.
 */
export const CURSOR_VERSION = 1;
/** Blocks remembered below the pin; a fork deeper than this falls back to a full reconciliation. */
export const RECENT_BLOCKS = 50;

const HASH = z.string().regex(/^[A-Za-z0-9_-]{1,86}$/);
const HEIGHT = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const cursorSchema = z.strictObject({
  v: z.literal(CURSOR_VERSION),
  /** Pinned height and indep_hash. */
  height: HEIGHT,
  hash: HASH,
  /** [height, indep_hash] of the pinned block and up to RECENT_BLOCKS − 1 below it, ascending, contiguous. */
  recent: z.array(z.tuple([HEIGHT, HASH])).min(1).max(RECENT_BLOCKS),
  /** Snapshots taken since the last full-list one (0 right after it). */
  sinceFull: z.number().int().min(0),
});

export type ArweaveCursor = z.infer<typeof cursorSchema>;

export function decodeCursor(text: string): ArweaveCursor {
  const c = parseCursor('ar', text, cursorSchema);
  const last = c.recent.at(-1)!;
  if (last[0] !== c.height || last[1] !== c.hash) throw new EngineError('INVALID_ARGUMENT', 'ar cursor: recent must end with the pinned block');
  for (let i = 1; i < c.recent.length; i++) {
    if (c.recent[i]![0] !== c.recent[i - 1]![0] + 1) throw new EngineError('INVALID_ARGUMENT', 'ar cursor: recent heights must be contiguous and ascending');
  }
  return c;
}

export const encodeCursor = (c: ArweaveCursor): string => JSON.stringify(c);
