import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/child.ts';
import { tempDir } from '../ledger/delivery/ao/fixture.ts';

/** `ao-emission ao node --flps …`: the local node with the delegation process, PI and the named FLPs. */
describe('ao node --flps', () => {
  it('spawns the delegation process and the projects beside the token and prints their ids', async () => {
    const args = ['ao', 'node', '--db', join(tempDir(), 'node.db'), '--minter', Buffer.alloc(32, 7).toString('base64url'), '--flps', 'APUS,Botega'];
    const proc = spawn(process.execPath, [join(ROOT, 'bin/ao-emission.js'), ...args], { cwd: ROOT });
    const exited = new Promise((done) => proc.on('exit', done));
    try {
      // The ready document (pretty-printed JSON) once it parses whole.
      const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
        let out = '';
        let err = '';
        proc.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
        proc.stdout.on('data', (c: Buffer) => {
          out += c.toString('utf8');
          try {
            resolve(JSON.parse(out) as Record<string, unknown>);
          } catch {
            // not whole yet
          }
        });
        void exited.then(() => reject(new Error(`ao node exited: ${err}`)));
      });
      expect(ready['delegationProcessId']).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((ready['projects'] as { name: string }[]).map((p) => p.name)).toEqual(['PI', 'APUS', 'Botega']);
      // The delegation process answers through the node's CU.
      const res = await fetch(`${ready['url'] as string}/dry-run?process-id=${ready['delegationProcessId'] as string}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ Tags: [{ name: 'Action', value: 'Get-FLPs' }] }),
      });
      const answer = (await res.json()) as { Messages: { Data: string }[] };
      expect(JSON.parse(answer.Messages[0]!.Data)).toHaveLength(2);
    } finally {
      proc.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});
