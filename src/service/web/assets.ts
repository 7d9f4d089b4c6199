import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The dashboard's static files, served from memory: its own stylesheet and script (plain CSS and
 * JavaScript in ./assets, no build step), ECharts (the project's chart library) and ethers' browser
 * build (keccak256 and the ABI coder for the in-browser proof check), both from node_modules — the
 * page never loads anything from another origin.
 */
const require = createRequire(import.meta.url);
const own = (name: string): string => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

const FILES: Readonly<Record<string, { path: () => string; type: string }>> = {
  'dashboard.css': { path: () => own('dashboard.css'), type: 'text/css; charset=utf-8' },
  'dashboard.js': { path: () => own('dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'echarts.min.js': { path: () => require.resolve('echarts/dist/echarts.min.js'), type: 'text/javascript; charset=utf-8' },
  // ethers' exports map does not list dist/: resolve its CommonJS entry (lib.commonjs/index.js) and step to the package's dist.
  'ethers.umd.min.js': { path: () => join(dirname(require.resolve('ethers')), '..', 'dist', 'ethers.umd.min.js'), type: 'text/javascript; charset=utf-8' },
};

const cache = new Map<string, { body: Buffer; type: string; version: string }>();

/** The asset named, or null when there is none of that name. */
export function asset(name: string): { body: Buffer; type: string; version: string } | null {
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (file === undefined) return null;
  let entry = cache.get(name);
  if (entry === undefined) {
    const body = readFileSync(file.path());
    entry = { body, type: file.type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
    cache.set(name, entry);
  }
  return entry;
}

/**
 * The asset's URL with its content hash (`?v=`): pages link to it, and the browser may keep it for a
 * year (ECharts is 1 MB; re-fetching and re-compiling it on every page was most of a page load).
 */
export const assetUrl = (name: string): string => `/assets/${name}?v=${asset(name)!.version}`;
