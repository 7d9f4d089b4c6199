import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCALE } from '../../../src/ledger/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { cliCaptured as cli } from '../../support/cli.ts';
import { addressOf, fixtureLedger } from './fixture.ts';


describe('ao-emission audit', () => {
  let dir: string;
  let url: string;
  let ledger: Ledger;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ao-audit-cli-'));
    url = `sqlite:${join(dir, 'ledger.db')}`;
    ledger = await fixtureLedger(url, { ticks: 24, accounts: 12, changesPerTick: 3, arEvery: 4, bridgeEvery: 6, seed: 5 });
  });
  afterAll(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verify exits 0 and prints the figures of a clean ledger', async () => {
    const r = await cli('audit', 'verify', '--database', url);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: ticks 1\.\.24 of 24 verified/);
    expect(r.out).toContain(`journal hash ${await ledger.lastHash()}`);
    const json = JSON.parse((await cli('audit', 'verify', '--database', url, '--json')).out) as { ok: boolean; minted: string; divergences: unknown[] };
    expect(json.ok).toBe(true);
    expect(json.minted).toBe((await ledger.conservation()).minted.toString());
  });

  it('verify exits 1 with the first divergence (AUDIT_MISMATCH) on stderr, 2 on a bad tick', async () => {
    const row = (await ledger.db.all("SELECT amount FROM tick_pools WHERE tick = 7 AND pool = 'ar'"))[0]!;
    await ledger.db.run("UPDATE tick_pools SET amount = '1' WHERE tick = 7 AND pool = 'ar'");
    const r = await cli('audit', 'verify', '--database', url);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`ao-emission: audit: first divergence: tick 7, pool ar: pool.amount expected ${row['amount'] as string}, found 1`);
    await ledger.db.run("UPDATE tick_pools SET amount = ? WHERE tick = 7 AND pool = 'ar'", [row['amount'] as string]);
    expect((await cli('audit', 'verify', '--database', url, '--from', 'x')).code).toBe(2);
    expect((await cli('audit', 'verify', '--database', url, '--to', '25')).code).toBe(2);
    expect((await cli('audit', 'verify', '--database', url, '--from', '3', '--to', '10')).code).toBe(0);
  });

  it('proof prints a leaf and proof that check-proof accepts, and a one-unit change is refused', async () => {
    const s = (await ledger.db.all("SELECT id FROM settlements WHERE pool = 'ar' ORDER BY to_tick DESC LIMIT 1"))[0]!['id'] as string;
    const recipient = (await ledger.db.all('SELECT recipient FROM credits WHERE settlement_id = ? ORDER BY recipient LIMIT 1', [s]))[0]!['recipient'] as string;
    const r = await cli('audit', 'proof', recipient, '--settlement', s, '--database', url);
    expect(r.code).toBe(0);
    const proof = JSON.parse(r.out) as { root: string; leaf: [string, string]; proof: string[]; leafEncoding: string[] };
    // The leaf amount is the recipient's sum of credits in the settlement (the outbox quantity).
    const sum = (await ledger.db.all<{ amount: string }>('SELECT amount FROM credits WHERE settlement_id = ? AND recipient = ?', [s, recipient])).reduce((t, c) => t + BigInt(c.amount), 0n);
    expect(proof.leaf).toEqual([recipient, sum.toString()]);
    expect(proof.leafEncoding).toEqual(['string', 'uint256']);
    // Independent of our code: OpenZeppelin's own verifier accepts it.
    expect(StandardMerkleTree.verify(proof.root, ['string', 'uint256'], proof.leaf, proof.proof)).toBe(true);
    const file = join(dir, 'proof.json');
    writeFileSync(file, r.out);
    // The root to trust comes from the command line (or the ledger, or Arweave), never from the file.
    expect((await cli('audit', 'check-proof', file, '--root', proof.root)).code).toBe(0);
    writeFileSync(file, JSON.stringify({ ...proof, leaf: [recipient, (sum + 1n).toString()] }));
    const bad = await cli('audit', 'check-proof', file, '--root', proof.root);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('do not hash to root');
    expect((await cli('audit', 'check-proof', file, '--root', 'nope')).code).toBe(2);
    // Not an address at all is bad input (2); an address the settlement did not credit is 1.
    expect((await cli('audit', 'proof', 'nobody', '--settlement', s, '--database', url)).code).toBe(2);
    expect((await cli('audit', 'proof', 'nobody'.padEnd(43, 'Q'), '--settlement', s, '--database', url)).code).toBe(1);
  });

  it('statement lists spans, credits and messages with running totals that match the ledger', async () => {
    const address = addressOf(3);
    const r = await cli('audit', 'statement', address, '--database', url, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { lines: { kind: string; amount: string; creditedTotal: string; accruedScaledTotal: string; account: string | null; status: string | null }[]; credited: string; accrued: string };
    const credits = s.lines.filter((l) => l.kind === 'credit');
    expect(credits.length).toBeGreaterThan(0);
    expect(s.lines.some((l) => l.kind === 'span')).toBe(true);
    expect(s.lines.some((l) => l.kind === 'message')).toBe(true);
    // Credited total = Σ credit rows to the address in the database.
    const stored = (await ledger.db.all<{ amount: string }>('SELECT amount FROM credits WHERE recipient = ?', [address])).reduce((t, c) => t + BigInt(c.amount), 0n);
    expect(s.credited).toBe(stored.toString());
    expect(s.lines.at(-1)!.creditedTotal).toBe(stored.toString());
    // Accrued (Σ spans) ≥ credited: settlement pays floor(accrued) − settled, never more.
    expect(BigInt(s.accrued)).toBeGreaterThanOrEqual(stored);
    // For an account that always paid to this address, its spans add up to the ledger's own
    // cumulative accrual (unsettled + settled, scaled), computed by the ledger's query path.
    const always = await ledger.db.all<{ account: string; pool: string }>(
      "SELECT a.account, a.pool FROM accounts a JOIN account_state s ON s.id = a.id WHERE s.recipient = ? AND NOT EXISTS (SELECT 1 FROM credits c WHERE c.account_id = a.id AND c.recipient <> ?) ORDER BY a.id",
      [address, address],
    );
    expect(always.length).toBeGreaterThan(0);
    for (const a of always) {
      const view = (await ledger.account(a.pool as 'ar', a.account))!;
      const spans = s.lines.filter((l) => l.kind === 'span' && l.account === a.account).reduce((t, l) => t + BigInt(l.amount), 0n);
      expect(spans).toBe(view.unsettledScaled + view.settled * SCALE);
    }
    const csv = await cli('audit', 'statement', address, '--database', url, '--csv');
    expect(csv.out.split('\n')[0]).toBe('kind,tick,to_tick,pool,account,recipient,weight,amount,settlement_id,batch_id,status,message_id,assignment_slot,accrued_scaled_total,credited_total');
    expect(csv.out.trim().split('\n')).toHaveLength(s.lines.length + 1);
    expect((await cli('audit', 'statement', address, '--database', url, '--csv', '--json')).code).toBe(2);
  });

  it('export writes CSV files with headers whose rows and sums match the database', async () => {
    const out = join(dir, 'export');
    const r = await cli('audit', 'export', out, '--database', url, '--json');
    expect(r.code).toBe(0);
    const read = (f: string): string[][] => readFileSync(join(out, f), 'utf8').trim().split('\n').map((l) => l.split(','));
    const ticks = read('ticks.csv');
    expect(ticks[0]!.slice(0, 5)).toEqual(['tick', 'start_ms', 'end_ms', 'applied_at_ms', 'mint']);
    expect(ticks).toHaveLength(25);
    const credits = read('credits.csv');
    const creditSum = credits.slice(1).reduce((t, row) => t + BigInt(row[6]!), 0n);
    expect(creditSum).toBe((await ledger.conservation()).credited);
    const changes = read('weight_changes.csv');
    const changeCount = (await ledger.db.all<{ change_count: number }>('SELECT change_count FROM ticks')).reduce((t, x) => t + Number(x.change_count), 0);
    expect(changes).toHaveLength(changeCount + 1);
    const outbox = read('outbox.csv');
    expect(outbox[0]).toContain('message_id');
    expect(outbox).toHaveLength(Number((await ledger.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM outbox_batches'))[0]!.n) + 1);
    // Sorted by tick, then pool and batch index (it was by batch_id, a hash).
    const [h, ...body] = outbox;
    const col = (name: string): number => h!.indexOf(name);
    const keys = body.map((r) => [Number(r[col('to_tick')]), r[col('pool')]!, Number(r[col('batch_index')])] as const);
    const sorted = [...keys].sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || x[2] - y[2]);
    expect(keys).toEqual(sorted);
    expect(new Set(keys.map((k) => k[0])).size).toBeGreaterThan(1);
    // fixture.ts delivers about two thirds of the batches, each on its first try: attempts 1, not 0.
    const delivered = body.filter((r) => r[col('status')] === 'delivered');
    expect(delivered.length).toBeGreaterThan(0);
    expect(delivered.every((r) => r[col('attempts')] === '1')).toBe(true);
    expect(body.filter((r) => r[col('status')] === 'pending').every((r) => r[col('attempts')] === '0')).toBe(true);
    expect(read('settlements.csv')[0]).toContain('total');
  });
});
