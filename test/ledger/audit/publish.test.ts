import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalArweave } from '../../../devnet/arweave/local.ts';
import type { LocalArweave } from '../../../devnet/arweave/local.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { fetchPublished, publishSettlements, settlementRecord, settlementTree, verifyPublished } from '../../../src/ledger/audit/index.ts';
import { runCli } from '../../../src/service/cli.ts';
import { fixtureLedger } from './fixture.ts';

/**
 * Publishing settlement roots on a real local Arweave gateway (arlocal, started here on an
 * ephemeral 127.0.0.1 port) and checking them back with `verify --published`.
 */
describe('audit publish / verify --published on arlocal', () => {
  let node: LocalArweave;
  let ledger: Ledger;
  let dir: string;
  let url: string;
  let publisher: Awaited<ReturnType<LocalArweave['newWallet']>>;
  beforeAll(async () => {
    node = await startLocalArweave();
    dir = mkdtempSync(join(tmpdir(), 'ao-audit-pub-'));
    url = `sqlite:${join(dir, 'ledger.db')}`;
    ledger = await fixtureLedger(url, { ticks: 12, accounts: 8, changesPerTick: 3, arEvery: 4, bridgeEvery: 6, seed: 11 });
    publisher = await node.newWallet();
    await node.mint(publisher.address, 10n ** 15n);
  });
  afterAll(async () => {
    await ledger?.close();
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes one tagged record per settlement, idempotently, and the records verify against the ledger', async () => {
    const settlements = await ledger.db.all<{ id: string }>('SELECT id FROM settlements ORDER BY to_tick, pool');
    expect(settlements.length).toBeGreaterThan(2);
    const first = await publishSettlements(ledger.db, node.arweave, publisher.jwk);
    expect(first.published.map((p) => p.settlementId)).toEqual(settlements.map((s) => s.id));
    await node.mine();
    // A second run finds them (GraphQL by owner and tags) and posts nothing.
    const again = await publishSettlements(ledger.db, node.arweave, publisher.jwk);
    expect(again.published).toEqual([]);
    expect(again.alreadyPublished).toBe(settlements.length);

    const records = await fetchPublished(node.arweave, publisher.address, (await ledger.tick(1))!.hash);
    expect(records).toHaveLength(settlements.length);
    const r = records[0]!;
    const expected = await settlementRecord(ledger.db, r.settlementId!);
    expect(r.data).toEqual(expected);
    expect(r.data!.merkleRoot).toBe((await settlementTree(ledger.db, r.settlementId!)).root);
    expect(r.data!.journalHash).toBe((await ledger.tick(expected.toTick))!.hash);
    expect(r.tags).toMatchObject({ 'App-Name': 'ao-emission', Type: 'settlement-root', 'Settlement-Id': r.settlementId, 'Merkle-Root': expected.merkleRoot, Total: expected.total });
    expect(await verifyPublished(ledger.db, node.arweave, publisher.address)).toEqual([]);
  });

  it('a forged record with an edited root is reported at its settlement with the expected and found root', async () => {
    const target = (await ledger.db.all<{ id: string; pool: string; to_tick: number }>('SELECT id, pool, to_tick FROM settlements ORDER BY to_tick DESC LIMIT 1'))[0]!;
    const record = await settlementRecord(ledger.db, target.id);
    const forgedRoot = `0x${'ab'.repeat(32)}`;
    // "Editing" an immutable record = publishing a second one for the same settlement with the same key.
    const tx = await node.arweave.createTransaction({ data: JSON.stringify({ ...record, merkleRoot: forgedRoot }) }, publisher.jwk);
    for (const [name, value] of [
      ['App-Name', 'ao-emission'],
      ['Type', 'settlement-root'],
      ['Ledger-Id', record.ledgerId],
      ['Settlement-Id', target.id],
      ['Pool', record.pool],
      ['From-Tick', String(record.fromTick)],
      ['To-Tick', String(record.toTick)],
      ['Total', record.total],
      ['Merkle-Root', forgedRoot],
      ['Journal-Hash', record.journalHash],
    ] as const)
      tx.addTag(name, value);
    await node.arweave.transactions.sign(tx, publisher.jwk);
    expect((await node.arweave.transactions.post(tx)).status).toBe(200);
    await node.mine();
    const ds = await verifyPublished(ledger.db, node.arweave, publisher.address);
    expect(ds).toContainEqual({ check: 'published', tick: Number(target.to_tick), pool: target.pool, account: null, settlementId: target.id, field: `tx ${tx.id} merkleRoot`, expected: record.merkleRoot, found: forgedRoot });
    expect(ds).toContainEqual(expect.objectContaining({ settlementId: target.id, field: `tx ${tx.id} tag Merkle-Root`, found: forgedRoot }));
    expect(ds.some((d) => d.field === 'record' && d.settlementId === target.id && d.found.startsWith('2 records'))).toBe(true);

    // Through the CLI: exit 1, the forged root named; a record by someone else does not count.
    const wallet = join(dir, 'wallet.json');
    writeFileSync(wallet, JSON.stringify(publisher.jwk));
    let err = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => ((err += c), true)) as typeof process.stderr.write;
    try {
      expect(await runCli(['audit', 'verify', '--database', url, '--published', '--gateway', node.url, '--wallet', wallet])).toBe(1);
    } finally {
      process.stderr.write = write;
    }
    expect(err).toContain(forgedRoot);
    const stranger = 'S'.repeat(43);
    expect((await verifyPublished(ledger.db, node.arweave, stranger)).every((d) => d.field === 'record' && d.found === 'none')).toBe(true);
  });

  it('a local edit of a credit no longer matches the published root', async () => {
    const s = (await ledger.db.all<{ id: string }>('SELECT id FROM settlements ORDER BY to_tick LIMIT 1'))[0]!;
    const c = (await ledger.db.all('SELECT account_id, amount FROM credits WHERE settlement_id = ? LIMIT 1', [s.id]))[0]!;
    const published = (await settlementRecord(ledger.db, s.id)).merkleRoot;
    await ledger.db.run('UPDATE credits SET amount = ? WHERE settlement_id = ? AND account_id = ?', [(BigInt(c['amount'] as string) + 7n).toString(), s.id, Number(c['account_id'])]);
    const ds = await verifyPublished(ledger.db, node.arweave, publisher.address);
    const local = (await settlementTree(ledger.db, s.id)).root;
    expect(ds).toContainEqual(expect.objectContaining({ check: 'published', settlementId: s.id, field: expect.stringMatching(/merkleRoot$/), expected: local, found: published }));
    await ledger.db.run('UPDATE credits SET amount = ? WHERE settlement_id = ? AND account_id = ?', [c['amount'] as string, s.id, Number(c['account_id'])]);
  });
});
