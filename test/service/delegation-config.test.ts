import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.ts';
import { parseConfig } from '../../src/service/config.ts';
import { delegationSourceFromConfig } from '../../src/service/sources.ts';

/** sources.delegation: the delegation process `serve` reads every tick. */
const PROCESS = 'D'.padEnd(43, 'd');
const arweave = { urls: ['http://127.0.0.1:1984'] };

describe('sources.delegation', () => {
  it('builds the delegation source from the process id and CU URL; none without the section', () => {
    const c = parseConfig({ database: { url: 'sqlite::memory:' }, sources: { arweave, delegation: { process: PROCESS, cuUrl: 'http://127.0.0.1:6363' } } });
    expect(c.sources.delegation).toEqual({ process: PROCESS, cuUrl: 'http://127.0.0.1:6363', limit: 1000 });
    expect(delegationSourceFromConfig(c)?.processId).toBe(PROCESS);
    expect(delegationSourceFromConfig(parseConfig({ database: { url: 'sqlite::memory:' }, sources: { arweave } }))).toBeNull();
  });

  it('refuses a process id that is not one and a limit above 1000, naming the field', () => {
    for (const [delegation, field] of [
      [{ process: 'nope', cuUrl: 'http://127.0.0.1:6363' }, 'sources.delegation.process'],
      [{ process: PROCESS, cuUrl: 'http://127.0.0.1:6363', limit: 1001 }, 'sources.delegation.limit'],
    ] as const) {
      const error = (() => {
        try {
          parseConfig({ database: { url: 'sqlite::memory:' }, sources: { arweave, delegation } });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(EngineError);
      expect((error as EngineError).code).toBe('INVALID_CONFIG');
      expect((error as EngineError).message).toContain(field);
    }
  });
});
