import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decodeCursor as decodeArweaveCursor } from '../../src/bridges/arweave/cursor.ts';
import { parseCursor } from '../../src/bridges/cursor.ts';

const schema = z.object({ v: z.literal(1), slot: z.string().regex(/^[0-9]+$/), nested: z.object({ height: z.number().int() }) });
const messageOf = (fn: () => unknown): { code: string; message: string } => {
  try {
    fn();
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error('expected an error');
};

describe('a source cursor parsed against its schema', () => {
  it('returns the parsed value of a well-formed cursor', () => {
    expect(parseCursor('sol', '{"v":1,"slot":"42","nested":{"height":7}}', schema)).toEqual({ v: 1, slot: '42', nested: { height: 7 } });
  });

  it('refuses text that is not JSON with one line naming the source and quoting the start of the text', () => {
    expect(messageOf(() => parseCursor('steth', 'height=5', schema))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'steth cursor: "height=5" is not JSON; expected the cursor of an earlier steth snapshot',
    });
  });

  it('refuses JSON of another shape naming the first offending field by its path', () => {
    const e = messageOf(() => parseCursor('sol', '{"v":1,"slot":"42","nested":{"height":"7"}}', schema));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/^sol cursor: nested\.height: .*number.*; expected the cursor of an earlier sol snapshot$/);
    expect(messageOf(() => parseCursor('sol', '[]', schema)).message).toMatch(/^sol cursor: \(root\): /);
  });

  it('is what the AR source uses: its own checks come after, with the same prefix', () => {
    expect(messageOf(() => decodeArweaveCursor('{"v":2}')).message).toMatch(/^ar cursor: v: .*; expected the cursor of an earlier ar snapshot$/);
  });
});
