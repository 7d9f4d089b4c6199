import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from './errors.ts';

/**
 * The folder an export or report is written into, checked before anything is written: an existing
 * file there (or a file where a parent folder should be) is bad input with one line naming it —
 * mkdir's bare EEXIST/ENOTDIR reached users as "internal error". With `overwrite: false`, files of
 * the same names already in the folder are refused too (naming the first), so a second run never
 * silently replaces an earlier one; the caller's flag (--force) turns that off.
 */
export function prepareOutputDir(dir: string, names: readonly string[], options: { field: string; overwrite: boolean }): void {
  const { field } = options;
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new EngineError('INVALID_ARGUMENT', `${field}: ${dir} is an existing file, not a folder; give a folder (created if missing)`);
  }
  if (!options.overwrite) {
    const taken = names.filter((n) => existsSync(join(dir, n)));
    if (taken.length > 0) {
      const more = taken.length > 1 ? ` (and ${taken.length - 1} more)` : '';
      throw new EngineError('INVALID_ARGUMENT', `${field}: ${join(dir, taken[0]!)} already exists${more}; pass --force to overwrite`);
    }
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new EngineError('INVALID_ARGUMENT', `${field}: cannot create folder ${dir}: a part of the path is an existing file`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new EngineError('INVALID_ARGUMENT', `${field}: cannot create folder ${dir} (${code})`);
    throw error;
  }
}
