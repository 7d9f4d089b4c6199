import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';

/** A child process whose stdout is JSON lines; waitFor resolves on the first line matching. */
export interface Child {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly events: Record<string, unknown>[];
  readonly stderr: () => string;
  waitFor(match: (e: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
}

export const ROOT = resolve(import.meta.dirname, '../..');

export function spawnTs(script: string, args: readonly string[], env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  const events: Record<string, unknown>[] = [];
  let buffered = '';
  let err = '';
  const waiters: { match: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      for (const w of [...waiters]) {
        if (!w.match(event)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  return {
    proc,
    events,
    stderr: () => err,
    exited,
    waitFor(match, what, timeoutMs = 60_000) {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; stderr: ${err.slice(-2000)}`)), timeoutMs);
        const w = { match, resolve: (e: Record<string, unknown>) => (clearTimeout(timer), resolvePromise(e)) };
        waiters.push(w);
        void exited.then(() => setTimeout(() => reject(new Error(`process exited before ${what}; stderr: ${err.slice(-2000)}`)), 50));
      });
    },
  };
}

export interface BinOptions {
  /** Extra environment over the test's own. */
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
  /** The working directory; default the checkout whose bin runs. */
  readonly cwd?: string;
  /** The checkout whose bin/ao-emission.js runs; default this repository. */
  readonly root?: string;
}

/** Runs the CLI (bin/ao-emission.js) in a child process to its end, as a user or a script would: exit code, stdout and stderr. */
export function runBin(args: readonly string[], options: BinOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { env = {}, timeoutMs = 120_000, root = ROOT, cwd = root } = options;
  return new Promise((done, fail) => {
    const proc = spawn(process.execPath, [resolve(root, 'bin/ao-emission.js'), ...args], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(new Error(`ao-emission ${args.join(' ')}: no exit after ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}
