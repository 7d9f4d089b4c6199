import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../support/child.ts';
import { tempDir } from './support/harness.ts';

/**
 * The demo as an operator runs it: a real `npm start` (npm → sh → node, as a supervisor or a
 * container runtime sees it), a second demo on the same --data, the printed reconcile command run
 * as its own process, and SIGTERM sent to the npm process alone (not to its process group).
 */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('demo processes', () => {
  it('npm start: a second demo on its --data exits 2 naming the pid and deletes nothing; the printed reconcile command reaches its AO process; SIGTERM to npm stops the demo', async () => {
    const dataDir = tempDir('demo-proc');
    const npm = spawn('npm', ['start', '--', '--data', dataDir, '--ticks', '0', '--speed', '10', '--seed', '3'], { cwd: ROOT, env: process.env });
    let out = '';
    let err = '';
    npm.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    npm.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const npmExited = new Promise<number | null>((done) => npm.on('exit', (code) => done(code)));
    const until = async (pattern: RegExp, what: string, timeoutMs = 180_000): Promise<RegExpExecArray> => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (Date.now() > end || npm.exitCode !== null) throw new Error(`no ${what}; stdout: ${out.slice(-2000)} stderr: ${err.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    let pid = 0;
    try {
      const status = await until(/status: (http:\/\/127\.0\.0\.1:\d+)\/status .* pid (\d+)\n/, 'status line');
      pid = Number(status[2]);
      expect(pid).not.toBe(npm.pid);
      const command = (await until(/\n {2}npx ao-emission (ao reconcile [^\n]+)\n/, 'reconcile command'))[1]!;
      const processId = /--process (\S+)/.exec(command)![1]!;
      const node = /--cu (\S+)/.exec(command)![1]!;
      // /status names the same AO node, process and pid.
      const body = (await (await fetch(`${status[1]}/status`)).json()) as { info: { pid: number; ao: { url: string; processId: string } } };
      expect(body.info).toEqual({ pid, ao: { url: node, processId } });

      // AR settles every 12 ticks: wait for a delivered batch, so the reconcile compares real balances.
      await until(/tick {3}1[3-9] .*delivered [1-9]/, 'a delivered settlement');
      const ledger = join(dataDir, 'demo.sqlite');
      const ledgerBorn = statSync(ledger).birthtimeMs;

      const second = await runBin(['demo', '--data', dataDir, '--ticks', '1']);
      expect(second.code).toBe(2);
      expect(second.stderr).toBe(`ao-emission: --data: ${dataDir} is in use by pid ${pid}; stop that process or give another --data\n`);
      expect(existsSync(ledger) && statSync(ledger).birthtimeMs).toBe(ledgerBorn);

      // The printed command, as its own process (a delivery may land between the two reads: retry once).
      let reconcile = await runBin(command.split(' '));
      if (reconcile.code !== 0) reconcile = await runBin(command.split(' '));
      expect(reconcile.stderr).toBe('');
      expect(reconcile.stdout).toMatch(new RegExp(`^process ${processId}, basis delivered[^:\\n]*: EQUAL\\n`));
      expect(reconcile.code).toBe(0);
    } finally {
      // What a supervisor does: SIGTERM to the process it started, npm, and nothing else.
      npm.kill('SIGTERM');
    }
    expect(await npmExited).toBe(0);
    const end = Date.now() + 60_000;
    while (alive(pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
    expect(out).toMatch(/\nconservation ok\n/);
  });

  it('SIGINT while the local network starts exits 0 with one line (not 130 and silence)', async () => {
    const dataDir = tempDir('demo-early');
    const proc = spawn(process.execPath, ['bin/ao-emission.js', 'demo', '--data', dataDir, '--ticks', '0'], { cwd: ROOT, env: process.env });
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
    const end = Date.now() + 120_000;
    while (!out.includes('starting local Arweave') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    proc.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(err).toBe('ao-emission: SIGINT while starting the local network; stopped\n');
  });
});
