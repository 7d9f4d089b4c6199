import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { AO_ANNOUNCED, AO_MAINNET, AO_MAINNET_V1, MAX_SUPPLY, mintStep } from '../../src/emission/index.ts';
import { verifyLedger } from '../../src/ledger/audit/verify.ts';
import { openLedger, type Ledger } from '../../src/ledger/index.ts';
import { policyContinuity } from '../../src/service/policy-continuity.ts';

/**
 * test/fixtures/ledger-ao-mainnet-v1.sqlite was written by the first wave's code (commit d402f58,
 * its test/ledger/audit/fixture.ts: 40 ticks, 3 pools, 10 settlements, genesis 20 ticks before the
 * bridge start) when `ao-mainnet@1` meant the announced law. It must keep verifying under the law it
 * was written with, and the service must not continue it under another law unless told to.
 */
const FIXTURE = join(import.meta.dirname, '../fixtures/ledger-ao-mainnet-v1.sqlite');
const GENESIS_MS = Date.parse('2024-06-18T15:00:00Z') - 20 * 300_000;
const dir = mkdtempSync(join(tmpdir(), 'ao-emission-old-law-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let copies = 0;
async function openCopy(): Promise<Ledger> {
  const path = join(dir, `copy-${++copies}.sqlite`);
  copyFileSync(FIXTURE, path);
  const ledger = await openLedger({ url: `sqlite:${path}`, clock: new ManualClock(GENESIS_MS + 41 * 300_000) });
  await ledger.migrate();
  return ledger;
}

const pin = (tick: number) => ({ chain: 'arweave' as const, height: String(tick), hash: `h${tick}`, timeMs: GENESIS_MS + tick * 300_000 });

describe('a ledger written under the old ao-mainnet@1', () => {
  it('still passes audit verify, replayed under the announced law its ticks record (tick 1 minted 34,137,577,002,053)', async () => {
    const ledger = await openCopy();
    expect((await ledger.tick(1))?.mint).toBe(34_137_577_002_053n);
    expect((await ledger.tick(40))?.policyLabel).toBe('ao-mainnet@1');
    const report = await verifyLedger(ledger.db);
    expect(report.divergences).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.ticks).toBe(40);
    await ledger.close();
  });

  it('is refused under ao-mainnet@2 with one line naming both laws', async () => {
    const ledger = await openCopy();
    await expect(policyContinuity(ledger, AO_MAINNET, undefined)).rejects.toThrow(
      /^policy: the ledger's last tick 40 was applied under ao-mainnet@1 but the config says ao-mainnet@2; set policy to ao-mainnet@1 to continue under it, or policyChange: ao-mainnet@1 to switch/,
    );
    await expect(policyContinuity(ledger, AO_ANNOUNCED, undefined)).rejects.toThrow(/config says ao-announced@1/);
    await expect(policyContinuity(ledger, AO_MAINNET, 'ao-announced@1')).rejects.toThrow(/applied under ao-mainnet@1/);
    await ledger.close();
  });

  it('continues under ao-mainnet@1 with the announced mint, and verify still passes', async () => {
    const ledger = await openCopy();
    expect(await policyContinuity(ledger, AO_MAINNET_V1, undefined)).toBeNull();
    const supply = (await ledger.poolTotals()).reduce((s, p) => s + p.minted, 0n) + ((await ledger.tick(40))?.bridgeCarryOut ?? 0n);
    const applied = await ledger.applyTick({ tick: 41, genesisMs: GENESIS_MS, policy: AO_MAINNET_V1, snapshots: [{ pool: 'ar', pin: pin(41), complete: false, updates: [], cursor: 'ar@41', notes: [] }] });
    expect(applied.mint).toBe((((MAX_SUPPLY - supply) * 1425n) / 876_600_000n) as bigint); // floor(remaining · 1425 / 876,600,000)
    expect((await verifyLedger(ledger.db)).ok).toBe(true);
    await ledger.close();
  });

  it('switches to ao-mainnet@2 when the config names the old label: the deployed law steps on from the ledger\'s own supply, the journal records the change, verify passes', async () => {
    const ledger = await openCopy();
    const note = await policyContinuity(ledger, AO_MAINNET, 'ao-mainnet@1');
    expect(note).toBe('policy changed from ao-mainnet@1 to ao-mainnet@2 at this tick (config policyChange: ao-mainnet@1)');
    const supply = (await ledger.poolTotals()).reduce((s, p) => s + p.minted, 0n) + ((await ledger.tick(40))?.bridgeCarryOut ?? 0n);
    const applied = await ledger.applyTick({ tick: 41, genesisMs: GENESIS_MS, policy: AO_MAINNET, notes: [note!], snapshots: [{ pool: 'ar', pin: pin(41), complete: false, updates: [], cursor: 'ar@41', notes: [] }] });
    expect(applied.mint).toBe(mintStep(AO_MAINNET.curve)(MAX_SUPPLY - supply));
    const record = await ledger.tick(41);
    expect(record?.policyLabel).toBe('ao-mainnet@2');
    expect(record?.notes).toContain(note);
    expect(await policyContinuity(ledger, AO_MAINNET, undefined)).toBeNull(); // from now on the ledger is under the new law
    const report = await verifyLedger(ledger.db);
    expect(report.divergences).toEqual([]);
    await ledger.close();
  });
});
