import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from '../src/errors.ts';
import { prepareOutputDir } from '../src/output-dir.ts';
import { engineErrorOf } from './support/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'ao-output-dir-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const error = engineErrorOf;

describe('prepareOutputDir (was internal error: EEXIST)', () => {
  it('an existing file at the folder path is bad input naming it', () => {
    const file = join(dir, 'report.txt');
    writeFileSync(file, 'x');
    const e = error(() => prepareOutputDir(file, [], { field: 'out', overwrite: true }));
    expect(e).toBeInstanceOf(EngineError);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe(`out: ${file} is an existing file, not a folder; give a folder (created if missing)`);
    expect(error(() => prepareOutputDir(join(file, 'sub'), [], { field: 'out', overwrite: true })).message).toBe(`out: cannot create folder ${join(file, 'sub')}: a part of the path is an existing file`);
  });

  it('files of an earlier run are refused naming the first, unless overwriting; a new folder is created', () => {
    const out = join(dir, 'export');
    prepareOutputDir(out, ['a.csv', 'b.csv'], { field: 'export', overwrite: false });
    expect(existsSync(out)).toBe(true);
    writeFileSync(join(out, 'a.csv'), '');
    writeFileSync(join(out, 'b.csv'), '');
    expect(error(() => prepareOutputDir(out, ['a.csv', 'b.csv'], { field: 'export', overwrite: false })).message).toBe(`export: ${join(out, 'a.csv')} already exists (and 1 more); pass --force to overwrite`);
    expect(() => prepareOutputDir(out, ['a.csv', 'b.csv'], { field: 'export', overwrite: true })).not.toThrow();
    mkdirSync(join(dir, 'other'));
    expect(() => prepareOutputDir(join(dir, 'other'), ['a.csv'], { field: 'export', overwrite: false })).not.toThrow();
  });
});
