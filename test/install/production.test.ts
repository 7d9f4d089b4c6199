import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../support/child.ts';

/**
 * What `npm install --omit=dev` leaves, built without the network: the checkout's files and, in
 * node_modules, exactly the packages `npm ls --omit=dev` lists (hard links where the file system
 * allows, copies otherwise), in a folder outside the repository so that Node's resolution cannot
 * climb to the full node_modules. Every production command must run there; the devnet commands
 * must say in one line that they need the development dependencies (docs/DESIGN.md §6).
 */
let prod: string;

function copyTree(from: string, to: string): void {
  if (existsSync(to)) return;
  mkdirSync(dirname(to), { recursive: true });
  try {
    execFileSync('cp', ['-al', from, to], { stdio: 'ignore' });
  } catch {
    rmSync(to, { recursive: true, force: true });
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
  }
}

beforeAll(() => {
  prod = mkdtempSync(join(tmpdir(), 'ao-emission-prod-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
  for (const file of files) copyTree(join(ROOT, file), join(prod, file));
  const packages = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter((p) => p !== '' && p !== ROOT);
  // A package is copied with its nested node_modules (only ever dependencies of that package), so a
  // nested package listed later is already there.
  for (const path of packages) copyTree(path, join(prod, relative(ROOT, path)));
}, 240_000);

afterAll(() => rmSync(prod, { recursive: true, force: true }));

const bin = (...args: string[]) => runBin(args, { env: { AO_EMISSION_FROM_SOURCE: '1' }, root: prod });

describe('a production install (npm install --omit=dev)', () => {
  it('has none of the devnet packages', () => {
    for (const dev of ['hardhat', 'solc', 'arlocal', 'litesvm', 'wasmoon']) {
      expect(() => execFileSync(process.execPath, ['-e', `require.resolve(${JSON.stringify(dev)})`], { cwd: prod, stdio: 'pipe' })).toThrow();
    }
  });

  it('runs serve --help, tick 1, simulate and audit verify', async () => {
    const help = await bin('serve', '--help');
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: ao-emission serve/);
    const tick = await bin('tick', '1', '--json');
    expect(tick.code).toBe(0);
    // ao-mainnet@2's tick 1 (docs/DESIGN.md §2): 34,593,759,375,000 base units.
    expect(JSON.parse(tick.stdout)).toMatchObject({ tick: 1, mint: '34593759375000' });
    const sim = await bin('simulate', 'simulations/scenarios/june-2024.json', '--json', '--out', join(prod, 'out'));
    expect(sim.code, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout)).toHaveProperty('scenario');
    // A real copy (the tree is hard-linked): the first wave's ledger, migrated, then verified.
    const ledger = join(prod, 'ledger.sqlite');
    cpSync(join(ROOT, 'test/fixtures/ledger-ao-mainnet-v1.sqlite'), ledger);
    const migrate = await bin('db', 'migrate', '--database', `sqlite:${ledger}`);
    expect(migrate.code, migrate.stderr).toBe(0);
    const verify = await bin('audit', 'verify', '--database', `sqlite:${ledger}`);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/ok/i);
  }, 240_000);

  it('refuses demo in one line naming the missing package, exit 2', async () => {
    const demo = await bin('demo', '--ticks', '1', '--data', join(prod, 'data'));
    expect(demo.code).toBe(2);
    expect(demo.stderr).toMatch(/^ao-emission: demo: needs the development dependencies \([^)]+ is not installed\); run npm install without --omit=dev\n$/);
  }, 120_000);
});
