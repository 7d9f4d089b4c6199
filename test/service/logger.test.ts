import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.ts';
import { createLogger } from '../../src/service/logger.ts';
import { logSink } from './support/harness.ts';

describe('logger', () => {
  it('logs an expected outage (SOURCE_UNAVAILABLE, …) by code and message without a stack; a bug keeps its stack', () => {
    const sink = logSink();
    const log = createLogger({ destination: sink.stream });
    log.warn({ err: new EngineError('SOURCE_UNAVAILABLE', 'arweave: GET info failed on every URL') }, 'snapshot failed');
    log.error({ err: new TypeError('x is undefined') }, 'tick run failed');
    const [outage, bug] = sink.lines.map((l) => l['err'] as Record<string, unknown>);
    expect(outage).toMatchObject({ type: 'EngineError', code: 'SOURCE_UNAVAILABLE', message: 'arweave: GET info failed on every URL' });
    expect(outage).not.toHaveProperty('stack');
    expect(String(bug!['stack'])).toMatch(/^TypeError: x is undefined\n\s+at /);
  });
});
