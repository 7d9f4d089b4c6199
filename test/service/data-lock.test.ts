import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir, makeDataDir } from '../../src/service/data-lock.ts';
import { tempDir } from './support/harness.ts';

describe('data folder', () => {
  it('makeDataDir creates missing parents, and fails at once under /proc (where recursive mkdir never returns) or below a file', () => {
    const dir = join(tempDir('data-dir'), 'a', 'b');
    makeDataDir(dir);
    expect(existsSync(dir)).toBe(true);
    expect(() => makeDataDir('/proc/ao-emission-x/y')).toThrow(/^--data: cannot create \/proc\/ao-emission-x \(ENOENT\)$/);
    expect(() => makeDataDir('/etc/hostname/x')).toThrow(/^--data: \/etc\/hostname is not a folder$/);
  });

  it('lockDataDir admits one holder and names its pid to the next; released, it can be taken again', () => {
    const dir = tempDir('data-lock');
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(`--data: ${dir} is in use by pid ${process.pid}; stop that process or give another --data`);
    lock.release();
    lockDataDir(dir).release();
  });
});
