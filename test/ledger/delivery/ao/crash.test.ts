import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createAoClient, createAoWriter, readProcessBalances, reconcile } from '../../../../src/ledger/delivery/ao/index.ts';
import { CRASH_AT_ENV, killPoint } from '../../crash-at-statement.ts';
import { freshLedger, settleTick, tempDir, wallet } from './fixture.ts';

/**
 * The local AO node in its own OS process, SIGKILLed twice while the writer is delivering — each
 * time just before its N-th store statement (../crash-at-statement.ts: a count, not a timer; N
 * from the fixed, printed seed), so the kill lands between scheduling and evaluating a message,
 * between evaluating and answering, or between two messages, the same on every run — and
 * restarted on the same database and port. The writer keeps retrying with backoff; at the end
 * every batch is delivered, the node's schedule holds exactly one Mint-Batch-Notice per Batch-Id
 * (none applied twice), and the process's balances equal the ledger's settled totals (none lost).
 * Reproduce a failure with CRASH_SEED=<the printed seed>.
 */
const SEED = Number(process.env['CRASH_SEED'] ?? 20_261_202);
/** Kill points fall in the first 100 statements after a start: ≈ 14 messages at ≈ 7 store statements each, well inside the 36 batches. */
const KILL_WINDOW = 100;
const KILLS = 2;
const CHILD = new URL('./crash-node.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Started {
  child: ChildProcess;
  ready: { url: string; processId: string; replayed: number };
  exited: Promise<NodeJS.Signals | number | null>;
}

async function startChild(db: string, minter: string, port: number, killAt: number | null): Promise<Started> {
  const env = { ...process.env, [CRASH_AT_ENV]: killAt === null ? '' : String(killAt) };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, db, minter, String(port)], { stdio: ['ignore', 'pipe', 'inherit'], env });
  children.push(child);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  const ready = await new Promise<Started['ready']>((resolve, reject) => {
    void exited.then((how) => reject(new Error(`node exited before ready (${String(how)})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string };
      if (event.event === 'ready') resolve(event as unknown as Started['ready']);
    });
  });
  return { child, ready, exited };
}

describe('node killed mid-delivery', () => {
  it(`loses no batch and applies none twice across ${KILLS} SIGKILLs at seeded store statements and restarts`, async () => {
    process.stdout.write(`ao crash.test: CRASH_SEED=${SEED}\n`);
    const dir = tempDir();
    const minter = await wallet('minter');
    const ledger = await freshLedger(dir);
    const first = await settleTick(ledger, 3_000, 250);
    const second = await settleTick(ledger, 3_000, 250, 1);
    const batches = first.batchIds.length + second.batchIds.length;
    // Tick 1: 3,000 holders → 12 batches of 250; tick 2 adds 3,000 more, and all 6,000 are credited → 24.
    expect(batches).toBe(36);

    const db = `${dir}/node.db`;
    const killAts = Array.from({ length: KILLS }, (_, i) => killPoint(SEED, 0, i, KILL_WINDOW));
    let node = await startChild(db, minter.address, 0, killAts[0]!);
    const port = Number(new URL(node.ready.url).port);
    const processId = node.ready.processId;
    const writer = createAoWriter({
      outbox: ledger.outbox,
      processId,
      jwk: minter.jwk,
      endpoints: { muUrl: node.ready.url, cuUrl: node.ready.url },
      attemptsMax: 200,
      backoffMsBase: 20,
      backoffMsMax: 100,
    });
    const delivering = writer.deliverPending(100);
    const replayedAfter: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      expect(await node.exited, `CRASH_SEED=${SEED}: node ${kill} killed at store statement ${killAts[kill]}`).toBe('SIGKILL');
      node = await startChild(db, minter.address, port, kill + 1 < KILLS ? killAts[kill + 1]! : null);
      expect(node.ready.processId).toBe(processId);
      replayedAfter.push(node.ready.replayed);
    }
    // Each restart replays what the killed node had scheduled; the second has more than the first.
    expect(replayedAfter[0]).toBeGreaterThan(0);
    expect(replayedAfter[1]).toBeGreaterThanOrEqual(replayedAfter[0]!);

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
    const client = createAoClient({ muUrl: node.ready.url, cuUrl: node.ready.url });
    expect((await readProcessBalances(client, processId)).totalSupply).toBe(first.total + second.total);
    const r = await reconcile({ db: ledger.db, client, processId });
    expect(r).toMatchObject({ equal: true, recipients: 6_000 });
    node.child.kill('SIGTERM');
    await ledger.close();
  });
});
