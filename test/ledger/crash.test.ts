import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/ledger/audit/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { CRASH_DEFER_ACCOUNTS, CRASH_TICKS, runCrashHistory } from './crash-history.ts';

/**
 * Crash safety (DESIGN.md §5: a restart must neither lose nor double a tick or a credit). A child
 * process applies ticks and settlements to a SQLite file and is SIGKILLed at a random moment; the
 * file must then hold a whole tick (the chain, pools and change log all end at the same tick, and
 * its hash is the uninterrupted run's hash for that tick), conservation must hold, and continuing
 * from there must reach the uninterrupted run's final hash and credits.
 * Reproduce a failure with CRASH_SEED=<the printed seed>.
 */
const TRIALS = 50;
const CONCURRENCY = 4;
const HISTORIES = 5;
const SEED = Number(process.env['CRASH_SEED'] ?? Math.floor(Math.random() * 1e9));

const dir = mkdtempSync(join(tmpdir(), 'ao-emission-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

/** Kill delays spread over 0..1.3× the uninterrupted run's duration (measured: the machine may be loaded). */
function delayFor(trial: number, windowMs: number): number {
  // splitmix-style hash of (seed, trial): deterministic kill delays for a given seed.
  let x = (SEED ^ Math.imul(trial + 1, 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) % Math.max(1, Math.round(windowMs));
}

/** Runs the child until `ready`, waits delayMs, kills it with SIGKILL; resolves with the last tick it reported. */
function runAndKill(path: string, historySeed: number, delayMs: number): Promise<{ reported: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, String(historySeed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (timer === undefined && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' && code !== 0) return reject(new Error(`child exited ${code}: ${err}`));
      const ticks = [...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
      resolve({ reported: ticks.length === 0 ? 0 : ticks[ticks.length - 1]!, finished: out.includes('done\n') });
    });
  });
}

describe('crash safety on SQLite', () => {
  it(`after SIGKILL at ${TRIALS} random moments the ledger is at a whole tick, conserves, and continues to the same final hash`, async () => {
    // The uninterrupted reference: every tick's hash and the final credits, per history.
    const reference = new Map<number, { hashes: string[]; credited: bigint }>();
    let windowMs = 0;
    for (let h = 0; h < HISTORIES; h++) {
      const ledger = await openLedger({ url: `sqlite:${join(dir, `reference-${h}.db`)}`, deferAccounts: CRASH_DEFER_ACCOUNTS });
      await ledger.migrate();
      const hashes: string[] = [];
      const startMs = performance.now();
      await runCrashHistory(ledger, SEED + h, () => undefined);
      windowMs = Math.max(windowMs, 1.3 * (performance.now() - startMs));
      for (let k = 1; k <= CRASH_TICKS; k++) hashes.push((await ledger.tick(k))!.hash);
      reference.set(SEED + h, { hashes, credited: (await ledger.conservation()).credited });
      await ledger.close();
    }

    const outcomes: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let trial = next++; trial < TRIALS; trial = next++) {
        const historySeed = SEED + (trial % HISTORIES);
        const ref = reference.get(historySeed)!;
        const path = join(dir, `trial-${trial}.db`);
        const where = `CRASH_SEED=${SEED} trial ${trial}`;
        const killed = await runAndKill(path, historySeed, delayFor(trial, windowMs));

        const ledger = await openLedger({ url: `sqlite:${path}`, deferAccounts: CRASH_DEFER_ACCOUNTS });
        const at = await ledger.lastAppliedTick();
        outcomes.push(at);
        // Every tick the child reported as applied is there; nothing past a whole tick is.
        expect(at, where).toBeGreaterThanOrEqual(killed.reported);
        const pools = await ledger.db.all<{ pool: string; last_tick: number }>('SELECT pool, last_tick FROM pools');
        for (const p of pools) expect(Number(p.last_tick), `${where}: pool ${p.pool}`).toBe(at);
        const [beyond] = await ledger.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM weight_changes WHERE tick > ?', [at]);
        expect(Number(beyond!.n), where).toBe(0);
        if (at > 0) expect((await ledger.tick(at))!.hash, where).toBe(ref.hashes[at - 1]);
        const c = await ledger.conservation();
        expect(c.problems, where).toEqual([]);
        // The account_state rewrites the child deferred replay from the change log to the audit's own replay.
        const audit = await verifyLedger(ledger.db);
        expect(audit.divergences, where).toEqual([]);

        const final = await runCrashHistory(ledger, historySeed);
        expect(final, where).toBe(ref.hashes[CRASH_TICKS - 1]);
        const after = await ledger.conservation();
        expect(after.ok, where).toBe(true);
        expect(after.credited, where).toBe(ref.credited);
        const batches = await ledger.outbox.pending(100_000);
        expect(batches.reduce((s, b) => s + b.total, 0n), where).toBe(ref.credited);
        expect(new Set(batches.map((b) => b.batchId)).size, where).toBe(batches.length);
        await ledger.close();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // The kills must actually land mid-history, not all before or after it.
    expect(outcomes.length).toBe(TRIALS);
    expect(outcomes.filter((t) => t > 0 && t < CRASH_TICKS).length, `CRASH_SEED=${SEED}: ticks reached ${outcomes.join(',')}`).toBeGreaterThan(TRIALS / 4);
  }, 300_000);
});
