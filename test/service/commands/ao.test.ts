import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalAoNode } from '../../../devnet/ao-node/server.ts';
import { runCli } from '../../../src/service/cli.ts';
import type { LocalAoNode } from '../../../devnet/ao-node/server.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { createAoWriter } from '../../../src/ledger/delivery/ao/index.ts';
import { freshLedger, settleTick, tempDir, wallet } from '../../ledger/delivery/ao/fixture.ts';

const BIN = fileURLToPath(new URL('../../../bin/ao-emission.js', import.meta.url));
const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 90_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });

/** The same program in this process (the CLI's start-up costs seconds per child on a busy machine). */
async function inProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/**
 * `ao-emission ao reconcile` against a real ledger file and a real local AO node: once as a child
 * process (the exit-code contract), the other cases in this process.
 */
let ledger: Ledger;
let node: LocalAoNode;
let database: string;
beforeAll(async () => {
  const minter = await wallet('minter');
  const dir = tempDir();
  database = `sqlite:${dir}/ledger.db`;
  ledger = await freshLedger(dir);
  node = await startLocalAoNode({ dbPath: `${dir}/node.db`, minter: minter.address });
  await settleTick(ledger, 30, 10);
  await createAoWriter({ outbox: ledger.outbox, processId: node.processId, jwk: minter.jwk, endpoints: { muUrl: node.url, cuUrl: node.url } }).deliverPending();
});
afterAll(async () => {
  await node.stop();
  await ledger.close();
});

describe('ao-emission ao reconcile', () => {
  it('exits 0 and reports EQUAL when every settled credit is in the process', async () => {
    const run = await inProcess('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', node.url, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { equal: boolean; recipients: number; differences: unknown[]; outbox: Record<string, number> };
    expect(report).toMatchObject({ equal: true, recipients: 30, differences: [], outbox: { delivered: 3, pending: 0 } });
  });

  it('--via hyperbeam reads compute/balances/<address> per recipient and token-info/supply: EQUAL on the same ledger', async () => {
    const run = await inProcess('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', node.url, '--via', 'hyperbeam', '--concurrency', '4', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ equal: true, via: 'hyperbeam', recipients: 30, differences: [] });
  });

  it('exits 1 and lists every recipient of a settlement not yet delivered', async () => {
    const s = await settleTick(ledger, 30, 10, 7); // 30 new holders + the 30 before, still pending
    const run = await cli('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', node.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('60 difference(s)');
    expect(run.stdout).toContain(`outbox: 3 delivered, ${s.batchIds.length} pending`);
    const viaHyperbeam = await inProcess('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', node.url, '--via', 'hyperbeam');
    expect(viaHyperbeam.code).toBe(1);
    expect(viaHyperbeam.stdout).toContain('via hyperbeam: 60 difference(s)');
    // Comparing only what was confirmed delivered, the process is exact.
    expect((await inProcess('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', node.url, '--delivered-only')).code).toBe(0);
  });

  it('exits 2 on a malformed process id or CU URL', async () => {
    const short = await inProcess('ao', 'reconcile', '--database', database, '--process', 'short', '--cu', node.url);
    expect(short).toMatchObject({ code: 2, stderr: 'ao-emission: --process: "short" is not a process id; expected 43 base64url characters\n' });
    expect((await inProcess('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', 'ftp://x')).code).toBe(2);
    const via = await inProcess('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', node.url, '--via', 'gossip');
    expect(via).toMatchObject({ code: 2, stderr: 'ao-emission: --via: "gossip" is not a way to read the process; expected dryrun or hyperbeam\n' });
    expect((await inProcess('ao', 'reconcile', '--database', database, '--process', node.processId, '--cu', node.url, '--via', 'hyperbeam', '--concurrency', '0')).code).toBe(2);
  });
});
