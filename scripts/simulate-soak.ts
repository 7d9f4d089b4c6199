/**
 * Soak run of the seeded pipeline simulator (test/sim/pipeline.ts): seeds from..from+count−1, each
 * faulted run against its fault-free run (test/sim/run-seeds.ts), stopping at the count or after
 * --seconds, whichever comes first. Failures print their `reproduce with seed=N` line; exit 1 if
 * any. CI runs this twice in parallel (test/sim/pipeline.test.ts).
 *
 * usage: npm run simulate:soak -- [--from N] [--count N] [--seconds S] [--json]
 * reproduce one seed: npm run simulate:soak -- --from N --count 1
 */
import { parseArgs } from 'node:util';
import { wallet } from '../test/ledger/delivery/ao/fixture.ts';
import type { FaultKind } from '../test/sim/faults.ts';
import { firedTotals, runSeed } from '../test/sim/run-seeds.ts';
import type { SeedOutcome } from '../test/sim/run-seeds.ts';

const COUNT_MAX = 1_000_000;

function whole(name: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > COUNT_MAX * 1_000) {
    process.stderr.write(`simulate:soak: --${name} ${JSON.stringify(text)} is not an integer ≥ ${min}\n`);
    process.exit(2);
  }
  return n;
}

let values;
try {
  ({ values } = parseArgs({ options: { from: { type: 'string', default: '1' }, count: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '600' }, json: { type: 'boolean', default: false } } }));
} catch (error) {
  process.stderr.write(`simulate:soak: ${(error as Error).message}\n`);
  process.exit(2);
}
const from = whole('from', values.from, 0);
const count = Math.min(whole('count', values.count, 1), COUNT_MAX);
const deadline = performance.now() + whole('seconds', values.seconds, 1) * 1_000;

const minter = await wallet('minter');
const outcomes: SeedOutcome[] = [];
const failures: { seed: number; message: string }[] = [];
const started = performance.now();
for (let seed = from; seed < from + count && performance.now() < deadline; seed++) {
  try {
    outcomes.push(await runSeed(seed, minter));
  } catch (error) {
    const message = (error as Error).message;
    failures.push({ seed, message });
    process.stderr.write(`${message}\n`);
  }
}
const fired: Record<FaultKind, number> = firedTotals(outcomes);
const summary = {
  from,
  seeds: outcomes.length + failures.length,
  passed: outcomes.length,
  failed: failures.map((f) => f.seed),
  seconds: Math.round((performance.now() - started) / 100) / 10,
  restarts: outcomes.reduce((s, o) => s + o.faulted.restarts, 0),
  fired,
  sameHash: outcomes.every((o) => o.faulted.hash === o.faultFree.hash),
};
if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
else {
  process.stdout.write(`simulated seeds ${from}..${from + summary.seeds - 1}: ${summary.passed} passed, ${failures.length} failed in ${summary.seconds} s; ${summary.restarts} crash restarts\n`);
  process.stdout.write(`faults injected: ${Object.entries(fired).map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
  for (const f of failures) process.stdout.write(`seed ${f.seed} failed — reproduce with seed=${f.seed}: npm run simulate:soak -- --from ${f.seed} --count 1\n`);
}
process.exitCode = failures.length > 0 ? 1 : 0;
