#!/usr/bin/env node
// Builds the CLI into dist/ (run by `npm install` through the `prepare` script, and by `npm run build`):
// tsc emits JavaScript without type-checking (`npm run typecheck` does that), then the files the
// code reads beside itself (contracts, Lua, migrations, the Hardhat config) are linked in at the
// same relative places, and dist/.built marks the time. bin/ao-emission.js uses dist/ only while
// it is newer than every source; otherwise it runs the sources through tsx.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
// `--if-possible` (the prepare script): a failed build leaves no dist/ and exits 0, so `npm install`
// still succeeds and the CLI runs from the sources.
const ifPossible = process.argv.includes('--if-possible');
rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--noCheck'], { stdio: 'inherit' });
} catch (error) {
  rmSync(dist, { recursive: true, force: true });
  if (!ifPossible) throw error;
  process.stderr.write('ao-emission: the build to dist/ failed; the CLI will run from the TypeScript sources (slower start)\n');
  process.exit(0);
}

// Assets read through import.meta.url, copied beside their modules.
const ASSET = /\.(sol|lua|json|yaml)$/;
for (const top of ['src', 'devnet', 'ao', 'simulations']) {
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (ASSET.test(e.name)) {
        const target = join(dist, relative(root, path));
        mkdirSync(dirname(target), { recursive: true });
        cpSync(path, target);
      }
    }
  };
  walk(join(root, top));
}
// Read from the repository root by relative path: linked, so a migration added later is seen.
for (const name of ['drizzle', 'hardhat.config.cjs', 'package.json']) symlinkSync(join(root, name), join(dist, name));
writeFileSync(join(dist, '.built'), `${new Date().toISOString()}\n`);
