#!/usr/bin/env -S node --max-semi-space-size=64
// --max-semi-space-size=64 (MiB): a young generation large enough that a tick's short-lived
// objects die there; with the default the 1 M-account ledger's tick p99 was 221–282 ms, with it
// 201 ms (BENCHMARKS.md, ledger). `node bin/ao-emission.js` without the flag works the same, slower.
// Runs the CLI from dist/ (JavaScript built at install by bin/build.mjs) while that build is newer
// than every TypeScript source, so a command starts without transpiling; otherwise (a checkout
// being edited, or no build) it runs the sources directly through tsx. The devnet commands (demo,
// ao node: devnet/cli.ts) are added when the checkout has devnet/; their heavy packages are
// devDependencies, loaded only when one of them runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const SOURCES = ['src', 'devnet', 'ao', 'simulations'].filter((top) => existsSync(join(root, top)));

/** What the build reads: TypeScript and the assets bin/build.mjs copies. */
const BUILT = /\.(ts|sol|lua|json|yaml)$/;

/** Newest modification time of the built files under the source folders (a few hundred stats). */
function newestSourceMs() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (BUILT.test(e.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const top of SOURCES) walk(join(root, top));
  return newest;
}

function builtMs() {
  try {
    return statSync(join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return -1;
  }
}

const withDevnet = existsSync(join(root, 'devnet', 'cli.ts'));
let cli;
let devnet;
if (process.env['AO_EMISSION_FROM_SOURCE'] !== '1' && builtMs() >= newestSourceMs()) {
  cli = await import('../dist/src/service/cli.js');
  if (withDevnet) devnet = await import('../dist/devnet/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/service/cli.ts');
  if (withDevnet) devnet = await import('../devnet/cli.ts');
}
process.exitCode = await cli.runCli(process.argv.slice(2), devnet?.DEVNET_GROUPS ?? []);
