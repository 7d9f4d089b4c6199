import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * vitest globalSetup, listed first so its teardown runs last: every temp folder a test, a child
 * process or the run's Postgres makes goes under one folder per run, removed when the run ends.
 * Without it each run left a few hundred `ao-emission-*`, `ao-writer-*` and browser-profile
 * folders in /tmp, since a test that fails (or a child killed on purpose) never reaches its own
 * clean-up. os.tmpdir() reads TMPDIR on every call and the worker forks inherit the environment,
 * so setting it here is enough. 0755: as root, the `postgres` user must traverse it to the data
 * folder (test/support/postgres-server.ts).
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'ao-emission-test-run-'));
  chmodSync(root, 0o755);
  const previous = process.env['TMPDIR'];
  process.env['TMPDIR'] = root;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
