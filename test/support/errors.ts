import { EngineError } from '../../src/errors.ts';

/** The EngineError `fn` throws; throwing anything else, or nothing, fails the test. */
export function engineErrorOf(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw new Error(`expected an EngineError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected an EngineError, but nothing was thrown');
}
