import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openLedger } from '../../src/ledger/index.ts';
import { runCli } from '../../src/service/cli.ts';
import { runDemo } from '../../devnet/demo.ts';
import { tempDir } from './support/harness.ts';

/**
 * What a new user sees at the end of `npm start`: the holders the demo announces earn,
 * the summary's figures add up to the base unit, and the audit command it prints works as printed.
 */
describe('demo summary and new holders', () => {
  it('new AR holders reach the ledger, minted = credited + accrued + the stated rest, and the printed audit command verifies', async () => {
    const dataDir = tempDir('demo-holders');
    const lines: string[] = [];
    // seed 3, 48 ticks: activity every 3rd tick, a new AR holder on a roll < 0.2 (demo.ts).
    const summary = await runDemo({ speed: 20, ticks: 48, dataDir, port: 0, seed: 3, out: (line) => lines.push(line) });
    expect(summary).toMatchObject({ conservationOk: true, reconciled: true });
    const announced = lines.flatMap((l) => [...l.matchAll(/new AR holder (\S{8})…/g)].map((m) => m[1]!));
    expect(announced.length).toBeGreaterThan(0);
    const ledger = await openLedger({ url: `sqlite:${join(dataDir, 'demo.sqlite')}` });
    try {
      const keys = (await ledger.db.all<{ account: string }>("SELECT account FROM accounts WHERE pool = 'ar'")).map((r) => r.account);
      // Announced before the last AR snapshot (hourly, every 12 ticks) → in the ledger.
      for (const prefix of announced.slice(0, -1)) expect(keys.some((k) => k.startsWith(prefix))).toBe(true);
    } finally {
      await ledger.close();
    }
    const AO = (s: string): bigint => BigInt(s.replace(/[.,]/g, ''));
    for (const line of lines.filter((l) => / minted .* accrued /.test(l) && l.startsWith('  '))) {
      const m = /minted ([\d,]+\.\d{12}) +credited ([\d,]+\.\d{12}) +accrued ([\d,]+\.\d{12}) \(rounded down\) +\+ fractions and residue (\d+) base units/.exec(line);
      expect(m, line).not.toBeNull();
      expect(AO(m![1]!)).toBe(AO(m![2]!) + AO(m![3]!) + BigInt(m![4]!));
    }
    const command = lines.find((l) => l.startsWith('audit it with: npx ao-emission '));
    expect(command).toBeDefined();
    const argv = command!.replace('audit it with: npx ao-emission ', '').split(' ');
    expect(await runCli(argv)).toBe(0);
  });
});
