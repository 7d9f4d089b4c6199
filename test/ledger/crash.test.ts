import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { verifyLedger } from '../../src/ledger/audit/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { Ledger } from '../../src/ledger/index.ts';
import { freshPostgresDatabase } from '../support/postgres.ts';
import { CRASH_AT_ENV, killPoint } from './crash-at-statement.ts';
import { CRASH_DEFER_ACCOUNTS, CRASH_TICKS, runCrashHistory } from './crash-history.ts';

/**
 * Crash safety (DESIGN.md §5: a restart must neither lose nor double a tick or a credit), on
 * SQLite and on Postgres. A child process applies ticks and settlements and SIGKILLs itself just
 * before its N-th database statement (crash-at-statement.ts: a count, not a timer, so a seed fixes
 * every kill); a restarted child is killed again at another statement. After each kill the
 * database must hold a whole tick (chain, pools and change log end at the same tick, whose hash is
 * the uninterrupted run's hash for that tick), conserve, and pass audit verify; continuing from
 * there must reach the uninterrupted run's final hash, credits and outbox.
 * The seed is fixed and printed; reproduce a failure with CRASH_SEED=<seed>.
 */
const SEED = Number(process.env['CRASH_SEED'] ?? 20_261_202);
const HISTORIES = 2;
const KILLS_PER_TRIAL = 2;
const CONCURRENCY = 2;

const dir = mkdtempSync(join(tmpdir(), 'ao-emission-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

interface ChildRun {
  reported: number;
  killed: boolean;
  statements: number | null;
}

/** Runs the child to its end or to its SIGKILL at statement killAt (null: no kill). */
function runChild(url: string, historySeed: number, killAt: number | null): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, [CRASH_AT_ENV]: killAt === null ? '' : String(killAt) };
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, String(historySeed)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) return reject(new Error(`child exited ${code ?? signal}: ${err}`));
      const ticks = [...out.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
      const statements = /statements (\d+)/.exec(out);
      resolve({ reported: ticks.length === 0 ? 0 : ticks[ticks.length - 1]!, killed: signal === 'SIGKILL', statements: statements ? Number(statements[1]) : null });
    });
  });
}

interface Reference {
  hashes: string[];
  credited: bigint;
}

async function reference(url: string, historySeed: number): Promise<Reference> {
  const ledger = await openLedger({ url, deferAccounts: CRASH_DEFER_ACCOUNTS });
  await ledger.migrate();
  await runCrashHistory(ledger, historySeed);
  const hashes: string[] = [];
  for (let k = 1; k <= CRASH_TICKS; k++) hashes.push((await ledger.tick(k))!.hash);
  const credited = (await ledger.conservation()).credited;
  await ledger.close();
  return { hashes, credited };
}

/** The state a restart finds: a whole tick, the reference's hash for it, conservation, a clean audit. */
async function expectWholeTick(ledger: Ledger, ref: Reference, reported: number, where: string): Promise<number> {
  const at = await ledger.lastAppliedTick();
  expect(at, `${where}: every tick the child reported is there`).toBeGreaterThanOrEqual(reported);
  const pools = await ledger.db.all<{ pool: string; last_tick: number | string }>('SELECT pool, last_tick FROM pools');
  for (const p of pools) expect(Number(p.last_tick), `${where}: pool ${p.pool}`).toBe(at);
  const [beyond] = await ledger.db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM weight_changes WHERE tick > ?', [at]);
  expect(Number(beyond!.n), where).toBe(0);
  if (at > 0) expect((await ledger.tick(at))!.hash, where).toBe(ref.hashes[at - 1]);
  expect((await ledger.conservation()).problems, where).toEqual([]);
  expect((await verifyLedger(ledger.db)).divergences, where).toEqual([]);
  return at;
}

function crashSuite(dialect: 'sqlite' | 'postgres', trials: number, freshUrl: (label: string) => Promise<string>): void {
  describe(`crash safety on ${dialect}`, () => {
    it(`after SIGKILLs at ${trials * KILLS_PER_TRIAL} seeded statements the ledger is at a whole tick, conserves, verifies, and continues to the same final hash`, async () => {
      process.stdout.write(`crash.test ${dialect}: CRASH_SEED=${SEED}\n`);
      const refs = new Map<number, Reference>();
      for (let h = 0; h < HISTORIES; h++) refs.set(SEED + h, await reference(await freshUrl(`ref_${h}`), SEED + h));
      // The uninterrupted child's statement count: kill points are spread over it.
      const counted = await runChild(await freshUrl('count'), SEED, null);
      const statements = counted.statements!;
      expect(statements).toBeGreaterThan(100);

      const kills: { trial: number; at: number; tick: number }[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let trial = next++; trial < trials; trial = next++) {
          const historySeed = SEED + (trial % HISTORIES);
          const ref = refs.get(historySeed)!;
          const url = await freshUrl(`trial_${trial}`);
          for (let restart = 0; restart < KILLS_PER_TRIAL; restart++) {
            const at = killPoint(SEED, trial, restart, statements);
            const where = `CRASH_SEED=${SEED} ${dialect} trial ${trial} kill ${restart} at statement ${at}`;
            const run = await runChild(url, historySeed, at);
            const ledger = await openLedger({ url, deferAccounts: CRASH_DEFER_ACCOUNTS });
            const tick = await expectWholeTick(ledger, ref, run.reported, where);
            await ledger.close();
            if (run.killed) kills.push({ trial, at, tick });
          }
          const where = `CRASH_SEED=${SEED} ${dialect} trial ${trial}`;
          const ledger = await openLedger({ url, deferAccounts: CRASH_DEFER_ACCOUNTS });
          expect(await runCrashHistory(ledger, historySeed), where).toBe(ref.hashes[CRASH_TICKS - 1]);
          const after = await ledger.conservation();
          expect(after.ok, where).toBe(true);
          expect(after.credited, where).toBe(ref.credited);
          const batches = await ledger.outbox.pending(100_000);
          expect(batches.reduce((s, b) => s + b.total, 0n), where).toBe(ref.credited);
          expect(new Set(batches.map((b) => b.batchId)).size, where).toBe(batches.length);
          expect((await verifyLedger(ledger.db)).divergences, where).toEqual([]);
          await ledger.close();
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      // The kills must land mid-history: most kill points are inside the run, at varied ticks.
      expect(kills.length, `CRASH_SEED=${SEED}: kills ${JSON.stringify(kills)}`).toBeGreaterThan(trials);
      expect(new Set(kills.map((k) => k.tick)).size, `CRASH_SEED=${SEED}: ticks reached ${kills.map((k) => k.tick).join(',')}`).toBeGreaterThan(3);
    }, 240_000);
  });
}

crashSuite('sqlite', 8, async (label) => `sqlite:${join(dir, `${label}.db`)}`);
crashSuite('postgres', 6, (label) => freshPostgresDatabase(inject('postgresUrl'), `crash_${label}`));
