// `npm run bench [-- NAME…]`: runs every bench/*.bench.ts (or those whose name contains NAME) in its
// own process, so each part's peak RSS is its own. Each prints its figures beside a naive baseline.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

const filters = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((n) => f.includes(n)))
  .sort();
console.log(`# ao-emission benchmarks — ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  // The V8 setting the CLI runs with (bin/ao-emission.js), so the figures are the service's.
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--expose-gc', '--max-semi-space-size=64', new URL(file, import.meta.url).pathname], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${file} failed with exit ${r.status})`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
