import type { z } from 'zod';
import { EngineError } from '../errors.ts';

/**
 * A source's cursor (the JSON text the ledger stored with the previous tick) parsed against its
 * schema. A cursor that is not JSON or not of that shape is an INVALID_ARGUMENT whose one line names
 * the source, the first offending field and what was expected, e.g.
 * `sol cursor: slot: Invalid string: must match pattern /^[0-9]+$/; expected the cursor of an earlier sol snapshot`.
 */
export function parseCursor<S extends z.ZodType>(source: string, text: string, schema: S): z.infer<S> {
  const expected = `expected the cursor of an earlier ${source} snapshot`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new EngineError('INVALID_ARGUMENT', `${source} cursor: ${JSON.stringify(text.slice(0, 60))} is not JSON; ${expected}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError('INVALID_ARGUMENT', `${source} cursor: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}; ${expected}`);
  }
  return parsed.data;
}
