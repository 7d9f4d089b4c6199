import Database from 'better-sqlite3';
import pg from 'pg';

/**
 * The SIGKILL tests' seam, installed in their child processes only (production code has none):
 * counts every database statement this process runs — better-sqlite3 statement executions and
 * exec() (BEGIN, COMMIT, …), and node-postgres Client.query — and, when armed with N, kills the
 * process with SIGKILL just before statement N runs. The kill lands at a chosen point of a
 * transaction, not at a moment in wall-clock time, so a seed gives the same kill on every run.
 *
 * AO_EMISSION_CRASH_AT=N arms it (unset: count only). Counting starts at arm(), after set-up
 * (migrations, node replay), so N numbers the statements of the work under test.
 */
export const CRASH_AT_ENV = 'AO_EMISSION_CRASH_AT';

let armed = false;
let killAt: number | null = null;
let executed = 0;

function before(): void {
  if (!armed) return;
  executed++;
  if (executed === killAt) process.kill(process.pid, 'SIGKILL');
}

function wrap<T extends object>(proto: T, names: readonly string[]): void {
  for (const name of names) {
    const original = (proto as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    (proto as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
      before();
      return original.apply(this, args);
    };
  }
}

const probe = new Database(':memory:');
wrap(Object.getPrototypeOf(probe.prepare('SELECT 1')) as object, ['run', 'get', 'all', 'iterate']);
probe.close();
wrap(Database.prototype, ['exec']);
wrap(pg.Client.prototype, ['query']);

/** Starts counting; kills at the statement named by AO_EMISSION_CRASH_AT, if set. */
export function armStatementKill(): void {
  const text = process.env[CRASH_AT_ENV];
  if (text !== undefined && text !== '') {
    killAt = Number(text);
    if (!Number.isSafeInteger(killAt) || killAt < 1) throw new Error(`${CRASH_AT_ENV}: ${text} is not a statement number; expected an integer ≥ 1`);
  }
  armed = true;
}

/** Statements run since arm(). */
export const statementsExecuted = (): number => executed;

/**
 * The kill points of a trial: a splitmix-style hash of (seed, trial, restart) mapped onto
 * 1..statements (the uninterrupted run's count), so a seed fixes every kill.
 */
export function killPoint(seed: number, trial: number, restart: number, statements: number): number {
  let x = (seed ^ Math.imul(trial + 1, 0x9e3779b1) ^ Math.imul(restart + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return 1 + (((x ^ (x >>> 16)) >>> 0) % Math.max(1, statements));
}
