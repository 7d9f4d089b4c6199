import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../devnet/demo.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { verifyLedger } from '../../src/ledger/audit/index.ts';
import { tempDir } from './support/harness.ts';

/**
 * End to end on the real local components: arlocal (Arweave), Hardhat (stETH pre-bridge),
 * litesvm behind JSON-RPC (SOL bridge) and the local AO node running the Lua token process —
 * what `npm start` runs, shortened to 24 ticks at 20 ticks per second.
 */
describe('demo (npm start) on the local network', () => {
  it('mints 24 ticks from all five sources (AR, stETH, DAI, USDS, SOL), settles AR hourly, delivers to the AO process and reconciles to the base unit', async () => {
    const dataDir = tempDir('demo');
    const lines: string[] = [];
    const summary = await runDemo({ speed: 20, ticks: 24, dataDir, port: 0, seed: 7, out: (line) => lines.push(line) });
    expect(summary).toMatchObject({ lastTick: 24, conservationOk: true, reconciled: true, exitCode: 0 });
    // Settlements at ticks 12 and 24 (AR hourly), each one batch per ≤100 recipients, all delivered.
    expect(summary.delivered).toBeGreaterThanOrEqual(2);
    const tickLines = lines.filter((l) => l.startsWith('tick '));
    expect(tickLines).toHaveLength(24);
    // Tick 1 mints 21·10^18 × 1.647321875·10^-6 = 34.593759375 AO (docs/DESIGN.md §2); the demo's genesis is
    // after the bridge start, so AR gets nearest(mint/3) = 11.531253125 AO.
    expect(tickLines[0]).toMatch(/^tick {4}1 .* mint 34\.593759 AO {2}split AR 11\.531253 \| stETH \d+\.\d{6} DAI \d+\.\d{6} USDS \d+\.\d{6} SOL \d+\.\d{6} {2}gate locked until tick \d+ {2}outbox pending \d+ delivered \d+ failed 0$/);
    expect(tickLines[11]).toMatch(/settled ar \d+\.\d{6}$/);
    // Every pool had holders past their deposit delay: the bridge part went to all four bridge pools.
    expect(tickLines[0]).not.toMatch(/stETH 0\.000000|DAI 0\.000000|USDS 0\.000000|SOL 0\.000000/);
    // Their yields, read on chain (TokenRebased, dsr(), ssr(), the feeds) or configured (SOL's price).
    const yields = lines.filter((l) => l.trim().startsWith('yield '));
    expect(yields.map((l) => l.trim().split(/ +/)[1])).toEqual(['steth', 'dai', 'usds', 'sol']);
    expect(yields[1]).toMatch(/DAI \$1\.0001 .* APR 5\.0000 % \(maker:Pot\.dsr=/);
    expect(yields[2]).toMatch(/USDS \$0\.9999 .* APR 6\.5000 % \(sky:sUSDS\.ssr=/);
    // Deposits made during the run wait out AO's 24-hour delay.
    expect(lines.some((l) => /^ +(steth|dai|usds): 1 depositor\(s\) with \d+ base units in the deposit delay/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('chain: '))).toBe(true);
    expect(lines.some((l) => /^conservation ok$/.test(l))).toBe(true);
    expect(existsSync(join(dataDir, 'demo.sqlite'))).toBe(true);
    // Yield delegation: the AR settlements send parts to PI and both demo FLPs, and each
    // project's per-user totals (Get-Yield) equal the ledger's delegated credits.
    expect(summary.delegationReconciled).toBe(true);
    expect(summary.delegated).toBeGreaterThan(0n);
    expect(lines.filter((l) => /^ {11}delegated ar \d+\.\d{6} AO: PI \d+\.\d{6} \(\d users?\), APUS \(demo\) \d+\.\d{6} \(1 user\), Botega \(demo\) \d+\.\d{6} \(2 users\)$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^ {2}(PI|APUS \(demo\)|Botega \(demo\)) +\S{43}: \d users?, [\d.]+ AO reported; ledger delegated [\d.]+ AO — equal$/.test(l))).toHaveLength(3);
    // The demo's ledger verifies, delegation splits and reports included.
    const ledger = await openLedger({ url: `sqlite:${join(dataDir, 'demo.sqlite')}` });
    try {
      const report = await verifyLedger(ledger.db);
      expect(report.divergences).toEqual([]);
    } finally {
      await ledger.close();
    }
  });
});
