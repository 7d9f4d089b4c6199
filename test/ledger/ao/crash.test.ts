import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createAoClient, createAoWriter, readProcessBalances, reconcile } from '../../../src/ledger/ao/index.ts';
import { freshLedger, settleTick, tempDir, wallet } from './fixture.ts';

/**
 * The local AO node in its own OS process, SIGKILLed while the writer is delivering, then restarted
 * on the same database and port. The writer keeps retrying with backoff; at the end every batch is
 * delivered, the node's schedule holds exactly one Mint-Batch-Notice per Batch-Id (none applied
 * twice), and the process's balances equal the ledger's settled totals (none lost).
 */
const MAIN = new URL('../../../ao/node/main.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  ready: { url: string; processId: string; replayed: number };
  scheduled: (n: number) => Promise<void>;
}

async function startChild(db: string, minter: string, port: number): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--db', db, '--minter', minter, '--port', String(port), '--events'], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  let resolveReady!: (r: Started['ready']) => void;
  const ready = new Promise<Started['ready']>((resolve, reject) => {
    resolveReady = resolve;
    child.once('exit', (code, signal) => reject(new Error(`node exited before ready (${code ?? signal})`)));
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as { event: string };
    if (event.event === 'ready') resolveReady(event as unknown as Started['ready']);
    if (event.event === 'scheduled') {
      count++;
      for (const w of waiters.filter((x) => x.n <= count)) w.resolve();
    }
  });
  return { child, ready: await ready, scheduled: (n) => new Promise<void>((resolve) => (count >= n ? resolve() : waiters.push({ n, resolve }))) };
}

describe('node killed mid-delivery', () => {
  it('loses no batch and applies none twice across a SIGKILL and restart', async () => {
    const dir = tempDir();
    const minter = await wallet('minter');
    const ledger = await freshLedger(dir);
    const first = await settleTick(ledger, 3_000, 250);
    const second = await settleTick(ledger, 3_000, 250, 1);
    const batches = first.batchIds.length + second.batchIds.length;
    // Tick 1: 3,000 holders → 12 batches of 250; tick 2 adds 3,000 more, and all 6,000 are credited → 24.
    expect(batches).toBe(36);

    const db = `${dir}/node.db`;
    const a = await startChild(db, minter.address, 0);
    const port = Number(new URL(a.ready.url).port);
    const writer = createAoWriter({
      outbox: ledger.outbox,
      processId: a.ready.processId,
      jwk: minter.jwk,
      endpoints: { muUrl: a.ready.url, cuUrl: a.ready.url },
      attemptsMax: 200,
      backoffMs: 20,
      backoffMsMax: 100,
    });
    const delivering = writer.deliverPending(100);
    // Kill right after the node scheduled and evaluated the 7th message, before it answers.
    await a.scheduled(7);
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));
    const b = await startChild(db, minter.address, port);
    expect(b.ready.processId).toBe(a.ready.processId);
    expect(b.ready.replayed).toBeGreaterThanOrEqual(7);

    const report = await delivering;
    expect(report.unavailable).toBeNull();
    expect(report.retries).toBeGreaterThan(0);
    expect(report.failed).toBe(0);
    expect(report.delivered).toBe(batches);
    expect(await ledger.outbox.counts()).toEqual({ pending: 0, sent: 0, delivered: batches, failed: 0 });

    // The node's own record (read beside the running node): one Mint-Batch-Notice per Batch-Id, never two.
    const nodeDb = new Database(db, { readonly: true });
    const notices = new Map<string, number>();
    for (const { result } of nodeDb.prepare('SELECT result FROM messages ORDER BY seq').all() as { result: string }[]) {
      for (const m of (JSON.parse(result) as { Messages: { Tags: { name: string; value: string }[] }[] }).Messages) {
        const tags = Object.fromEntries(m.Tags.map((t) => [t.name, t.value]));
        if (tags['Action'] === 'Mint-Batch-Notice') notices.set(tags['Batch-Id']!, (notices.get(tags['Batch-Id']!) ?? 0) + 1);
      }
    }
    nodeDb.close();
    expect(notices.size).toBe(batches);
    expect([...notices.values()].every((n) => n === 1)).toBe(true);

    // The restarted node's state (rebuilt by replay, then extended) equals the ledger, unit for unit.
    const client = createAoClient({ muUrl: b.ready.url, cuUrl: b.ready.url });
    expect((await readProcessBalances(client, b.ready.processId)).totalSupply).toBe(first.total + second.total);
    const r = await reconcile({ db: ledger.db, client, processId: b.ready.processId });
    expect(r).toMatchObject({ equal: true, recipients: 6_000 });
    b.child.kill('SIGTERM');
    await ledger.close();
  });
});
