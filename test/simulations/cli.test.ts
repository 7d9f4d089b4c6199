import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario, simulate, summarise } from '../../simulations/index.ts';
import { walkDeployed } from '../emission/support/reference-law.ts';
import { formatAo } from '../../src/units.ts';
import { runBin } from '../support/child.ts';

const JUNE = fileURLToPath(new URL('../../simulations/scenarios/june-2024.json', import.meta.url));
const MULTI = fileURLToPath(new URL('../../simulations/scenarios/multi-asset.yaml', import.meta.url));

/** The real CLI in a child process, as an analyst or a script runs it, in `cwd`. */
const cli = (cwd: string, ...args: string[]) => runBin(args, { cwd });

describe('ao-emission simulate', () => {
  it('prints one JSON object equal to the in-process simulation, and writes the report files to ./out/<name>/ by default; a bad scenario exits 2 naming the field', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'simulate-'));
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ start: '2024-06-18T15:00:00Z', months: 12, ar: { supply: '65000000', priceUsd: 'thirty' }, bridges: [{ asset: 'stETH', tvlUsd: 3.2e8, apr: 0.03 }], ao: { fdvUsd: 1e9 } }));
    const [json, human, bad] = await Promise.all([cli(cwd, 'simulate', JUNE, '--json'), cli(cwd, 'simulate', MULTI, '--out', 'multi'), cli(cwd, 'simulate', 'bad.json', '--json')]);

    expect(json.code).toBe(0);
    expect(json.stderr).toBe('');
    const out = JSON.parse(json.stdout);
    const expected = summarise(simulate(loadScenario(JUNE)));
    expect(out).toEqual({ ...JSON.parse(JSON.stringify(expected)), outDir: join('out', 'june-2024'), files: expect.any(Array) });
    expect(typeof out.arPool).toBe('string');
    // The deployed law's year after bridging starts, by the independent reference walk.
    let ar = 0n;
    let minted = 0n;
    walkDeployed(32_220 + 105_192, (k, mint) => {
      if (k <= 32_220) return;
      minted += mint;
      ar += BigInt(Math.round(Number(mint) / 3));
    });
    expect(out.policy).toBe('ao-mainnet@2');
    expect(out.arPool).toBe(ar.toString());
    expect(out.bridgePool).toBe((minted - ar).toString());
    expect(out.aoPerBridgeUsd.stETH).toBeCloseTo(Number((minted - ar) / 10n ** 6n) / 1e6 / 320e6, 8);
    expect(out.rows.map((r: { fdvUsd: number }) => r.fdvUsd)).toEqual([1e9, 2e9, 5e9, 10e9, 15e9, 20e9]);
    expect(out.rows[3].arApy).toBeCloseTo(0.2579, 3);
    for (const f of ['report.html', 'results.json', 'days.csv', 'curve.csv', 'rows.csv', 'sweep.csv']) expect(existsSync(join(cwd, 'out', 'june-2024', f))).toBe(true);
    const results = JSON.parse(readFileSync(join(cwd, 'out', 'june-2024', 'results.json'), 'utf8'));
    expect(results.arPool).toBe(out.arPool);
    expect(results.days).toHaveLength(366);

    expect(human.code).toBe(0);
    // The multi-asset horizon: ticks ending after 2025-01-01T00:00Z and at or before 6 × 365.25/12 days later,
    // AR = nearest(mint/3) each tick, by the reference walk.
    const genesis = Date.parse('2024-02-27T18:00:00Z');
    const start = Date.parse('2025-01-01T00:00:00Z');
    const [first, last] = [Math.floor((start - genesis) / 300_000) + 1, Math.floor((start + 6 * (365.25 / 12) * 86_400_000 - genesis) / 300_000)];
    let multiAr = 0n;
    walkDeployed(last, (k, mint) => void (k >= first && (multiAr += BigInt(Math.round(Number(mint) / 3)))));
    expect(human.stdout).toMatch(new RegExp(`^AR pool\\s+${formatAo(multiAr).replace(' AO', '').replace(/\./g, '\\.')} AO$`, 'm'));
    expect(human.stdout).toMatch(/^FDV\s+AO price\s+AR APY\s+stETH APY\s+stETH APR\s+stETH net\s+SOL APY/m);
    expect(human.stdout).toContain(`report: ${join('multi', 'report.html')}`);
    expect(existsSync(join(cwd, 'multi', 'report.html'))).toBe(true);

    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('ao-emission: ar.priceUsd: expected a number, got "thirty"\n');
  });
});
