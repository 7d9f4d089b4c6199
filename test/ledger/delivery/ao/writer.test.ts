import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAoNode } from '../../../../devnet/ao-node/server.ts';
import type { LocalAoNode } from '../../../../devnet/ao-node/server.ts';
import { mintAt } from '../../../../src/emission/curve.ts';
import { AO_MAINNET } from '../../../../src/emission/policy.ts';
import { batchIdOf, encodePayload, settlementIdOf } from '../../../../src/ledger/index.ts';
import type { Ledger } from '../../../../src/ledger/index.ts';
import { createAoClient, createAoWriter, readProcessBalances, reconcile } from '../../../../src/ledger/delivery/ao/index.ts';
import type { ArweaveJwk } from '../../../../src/ledger/delivery/ao/index.ts';
import { statement } from '../../../../src/ledger/audit/statement.ts';
import { freshLedger, settleTick, tempDir, wallet } from './fixture.ts';

/**
 * The writer end to end: a real SQLite ledger settles real credits into its outbox, the writer
 * signs Mint-Batch messages with a real Arweave key through aoconnect, the local AO node verifies,
 * schedules and evaluates ao/token.lua, and the writer marks batches by the process's answers.
 */
let minter: { jwk: ArweaveJwk; address: string };
let stranger: { jwk: ArweaveJwk; address: string };
const toClose: { stop?: () => Promise<void>; close?: () => Promise<void> }[] = [];

beforeAll(async () => {
  [minter, stranger] = await Promise.all([wallet('minter'), wallet('stranger')]);
});
afterAll(async () => {
  for (const c of toClose.reverse()) await (c.stop ?? c.close)!.call(c);
});

async function setUp(maxSupply?: string): Promise<{ ledger: Ledger; node: LocalAoNode }> {
  const dir = tempDir();
  const ledger = await freshLedger(dir);
  const node = await startLocalAoNode({ dbPath: `${dir}/node.db`, minter: minter.address, ...(maxSupply !== undefined && { maxSupply }) });
  toClose.push(ledger, node);
  return { ledger, node };
}

const writerFor = (ledger: Ledger, node: LocalAoNode, jwk = minter.jwk, extra = {}) =>
  createAoWriter({ outbox: ledger.outbox, processId: node.processId, jwk, endpoints: { muUrl: node.url, cuUrl: node.url }, backoffMsBase: 5, ...extra });

describe('AO writer → local AO node', () => {
  it('delivers batches of 10,000 credits, marks them delivered, and the process matches the ledger', async () => {
    const { ledger, node } = await setUp();
    const settlement = await settleTick(ledger, 20_000, 10_000);
    expect(settlement.batchIds).toHaveLength(2);
    const writer = writerFor(ledger, node);
    const report = await writer.deliverPending();
    expect(report).toMatchObject({ delivered: 2, duplicates: 0, failed: 0, credits: 20_000, retries: 0, unavailable: null });
    expect(await ledger.outbox.counts()).toEqual({ pending: 0, sent: 0, delivered: 2, failed: 0 });
    const client = createAoClient({ muUrl: node.url, cuUrl: node.url });
    const { totalSupply, balances } = await readProcessBalances(client, node.processId);
    expect(totalSupply).toBe(settlement.total);
    expect(balances.size).toBe(20_000);
    const r = await reconcile({ db: ledger.db, client, processId: node.processId });
    expect(r).toMatchObject({ equal: true, via: 'dryrun', differences: [], recipients: 20_000, ledgerTotal: settlement.total, processTotal: settlement.total });
    // Each delivered batch records the node's assignment slot next to its message id (slots 1 and 2: the only messages).
    const rows = await ledger.db.all<{ message_id: string; assignment_slot: number }>('SELECT message_id, assignment_slot FROM outbox_batches ORDER BY assignment_slot');
    expect(rows.map((row) => Number(row.assignment_slot))).toEqual([1, 2]);
    for (const row of rows) expect(row.message_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Both went through on the first try (retries: 0 above): one attempt each, not 0.
    expect((await ledger.db.all<{ attempts: number }>('SELECT attempts FROM outbox_batches')).map((row) => Number(row.attempts))).toEqual([1, 1]);
    // …and audit statement shows it on the recipient's message line.
    const [first] = await ledger.db.all<{ payload: string; assignment_slot: number }>('SELECT payload, assignment_slot FROM outbox_batches ORDER BY assignment_slot LIMIT 1');
    const recipient = (JSON.parse(first!.payload) as [string, string][])[0]![0];
    const lines = (await statement(ledger.db, recipient)).lines.filter((l) => l.kind === 'message');
    expect(lines.map((l) => l.assignmentSlot)).toEqual([Number(first!.assignment_slot)]);
    // Nothing left: a second pass sends nothing.
    expect((await writer.deliverPending()).delivered).toBe(0);
  });

  it('reconcile --via hyperbeam reports every differing recipient (a batch not delivered: each of its recipients reads 404 = zero)', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 30, 10);
    await ledger.db.run("UPDATE outbox_batches SET status = 'failed' WHERE batch_id = ?", [s.batchIds[2]!]);
    await writerFor(ledger, node).deliverPending();
    // The delivered part is equal through the process's patch@1.0 state (one read per recipient)…
    expect(await reconcile({ db: ledger.db, hyperbeam: { url: node.url, concurrency: 4 }, processId: node.processId, basis: 'delivered' })).toMatchObject({ equal: true, via: 'hyperbeam', recipients: 20 });
    // …and against every settled credit, the undelivered batch's recipients differ.
    const r = await reconcile({ db: ledger.db, hyperbeam: { url: node.url, concurrency: 4 }, processId: node.processId });
    const missing = await ledger.db.all<{ payload: string }>('SELECT payload FROM outbox_batches WHERE batch_id = ?', [s.batchIds[2]!]);
    const expected = (JSON.parse(missing[0]!.payload) as [string, string][]).map(([recipient, q]) => ({ recipient, ledger: BigInt(q), process: 0n, difference: -BigInt(q) }));
    expect(r.equal).toBe(false);
    expect([...r.differences].sort((a, b) => (a.recipient < b.recipient ? -1 : 1))).toEqual(expected);
  });

  it('re-sending a batch the process already applied is confirmed as a duplicate and changes no balance', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 300, 100);
    const writer = writerFor(ledger, node);
    await writer.deliverPending();
    // A crash after the process applied batch 0 but before the outbox recorded it: the row is still pending.
    await ledger.db.run("UPDATE outbox_batches SET status = 'pending', message_id = NULL WHERE batch_id = ?", [s.batchIds[0]!]);
    const again = await writer.deliverPending();
    expect(again).toMatchObject({ delivered: 1, duplicates: 1, failed: 0 });
    const client = createAoClient({ muUrl: node.url, cuUrl: node.url });
    expect((await readProcessBalances(client, node.processId)).totalSupply).toBe(s.total);
    expect((await reconcile({ db: ledger.db, client, processId: node.processId })).equal).toBe(true);
  });

  it('a batch left "sent" by a crash is confirmed from its message result without sending again; an unknown message id is re-sent', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 20, 10);
    const writer = writerFor(ledger, node);
    await writer.deliverPending();
    const messages = async () => ((await (await fetch(node.url)).json()) as { processes: { messages: number }[] }).processes[0]!.messages;
    const sentBefore = await messages();
    // Crash after markSent, before the verdict was recorded: the row is "sent" with its message id.
    await ledger.db.run("UPDATE outbox_batches SET status = 'sent' WHERE batch_id = ?", [s.batchIds[0]!]);
    expect(await writer.deliverPending()).toMatchObject({ delivered: 1, duplicates: 0 });
    expect(await messages()).toBe(sentBefore);
    // A message id the node never scheduled (lost before it reached the MU): sent again, answered as a duplicate.
    await ledger.db.run("UPDATE outbox_batches SET status = 'sent', message_id = ? WHERE batch_id = ?", ['L'.repeat(43), s.batchIds[1]!]);
    expect(await writer.deliverPending()).toMatchObject({ delivered: 1, duplicates: 1 });
    expect(await messages()).toBe(sentBefore + 1);
    expect(await ledger.outbox.counts()).toEqual({ pending: 0, sent: 0, delivered: 2, failed: 0 });
  });

  it('a batch signed by a stranger is refused (Mint-Error), marked failed with the reason, and not retried', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 50, 100);
    const rogue = writerFor(ledger, node, stranger.jwk);
    const report = await rogue.deliverPending();
    expect(report).toMatchObject({ delivered: 0, failed: 1, unavailable: null });
    const row = (await ledger.outbox.get(s.batchIds[0]!))!;
    expect(row.status).toBe('failed');
    expect(row.lastError).toBe(`Mint-Error: Sender "${stranger.address}" is not the minter`);
    expect(rogue.stats()).toMatchObject({ failed: 1, lastError: row.lastError });
    // Failed is final for the writer: the honest writer does not pick it up again either.
    expect((await writerFor(ledger, node).deliverPending()).delivered).toBe(0);
    expect(await ledger.outbox.counts()).toMatchObject({ failed: 1, pending: 0 });
    const client = createAoClient({ muUrl: node.url, cuUrl: node.url });
    const r = await reconcile({ db: ledger.db, client, processId: node.processId });
    expect(r.equal).toBe(false);
    expect(r.differences).toHaveLength(50);
    expect(r.processTotal).toBe(0n);
    expect((await reconcile({ db: ledger.db, client, processId: node.processId, basis: 'delivered' })).equal).toBe(true);
  });

  it('a batch beyond the max supply is refused and failed; the batches before it stay delivered', async () => {
    // Tick 1 mints mint_1 of the deployed law (≈ 34.6 AO: under the 40 AO cap, two ticks over it), all to AR holders under ao-mainnet.
    const { ledger, node } = await setUp('40000000000000');
    const s = await settleTick(ledger, 100, 60);
    expect(s.total).toBeLessThanOrEqual(mintAt(AO_MAINNET.curve, 1));
    const s2 = await settleTick(ledger, 100, 1_000);
    const report = await writerFor(ledger, node).deliverPending();
    expect(report).toMatchObject({ delivered: 2, failed: 1 });
    const failed = (await ledger.outbox.get(s2.batchIds[0]!))!;
    expect(failed.status).toBe('failed');
    expect(failed.lastError).toBe(`Mint-Error: Total-Supply would be ${s.total + s2.total}, beyond Max-Supply 40000000000000`);
  });

  it('an outbox row whose Total disagrees with its payload is refused before sending and failed, and the process holds nothing', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 10, 100);
    const row = (await ledger.outbox.get(s.batchIds[0]!))!;
    await ledger.db.run('UPDATE outbox_batches SET total = ? WHERE batch_id = ?', [(row.total + 1n).toString(), row.batchId]);
    const report = await writerFor(ledger, node).deliverPending();
    expect(report).toMatchObject({ delivered: 0, failed: 1 });
    const after = (await ledger.outbox.get(row.batchId))!;
    expect(after).toMatchObject({ status: 'failed', messageId: null, attempts: 0 });
    expect(after.lastError).toBe(`refused: payload holds 10 entries totalling ${row.total}; the batch says 10 totalling ${row.total + 1n}`);
    expect((await readProcessBalances(createAoClient({ muUrl: node.url, cuUrl: node.url }), node.processId)).totalSupply).toBe(0n);
  });

  // Issue 17, finding 1: a settlement `ar:289-289` crediting a stranger, inserted after the last
  // tick with a pending batch, was sent by the delivery pass like any other.
  it('a forged settlement after the last tick, with a pending batch under the deterministic id, is refused and never sent; the real batch is delivered', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 3, 100);
    const last = await ledger.lastAppliedTick();
    const forgedId = settlementIdOf('ar', last + 1, last + 1);
    const payload = encodePayload([[stranger.address, 10n ** 15n]]);
    await ledger.db.run("INSERT INTO settlements (id, pool, from_tick, to_tick, index_value, credit_count, recipient_count, batch_count, total, created_at_ms) VALUES (?, 'ar', ?, ?, '0', 1, 1, 1, ?, 0)", [forgedId, last + 1, last + 1, (10n ** 15n).toString()]);
    await ledger.db.run(
      "INSERT INTO outbox_batches (batch_id, settlement_id, batch_index, pool, from_tick, to_tick, credit_count, total, payload, status, attempts, message_id, last_error, created_at_ms, updated_at_ms) VALUES (?, ?, 0, 'ar', ?, ?, 1, ?, ?, 'pending', 0, NULL, NULL, 0, 0)",
      [batchIdOf(forgedId, 0), forgedId, last + 1, last + 1, (10n ** 15n).toString(), payload],
    );
    const report = await writerFor(ledger, node).deliverPending();
    expect(report).toMatchObject({ delivered: 1, failed: 1 });
    const forged = (await ledger.outbox.get(batchIdOf(forgedId, 0)))!;
    expect(forged).toMatchObject({ status: 'failed', messageId: null });
    expect(forged.lastError).toBe(`refused: settlement ${forgedId} ends after the last applied tick ${last}`);
    const { totalSupply, balances } = await readProcessBalances(createAoClient({ muUrl: node.url, cuUrl: node.url }), node.processId);
    expect(totalSupply).toBe(s.total);
    expect(balances.has(stranger.address)).toBe(false);
  });

  it('a batch whose id is not sha256(settlement:index) is refused and never sent', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 3, 100);
    const forgedBatch = 'f'.repeat(64);
    await ledger.db.run('UPDATE outbox_batches SET batch_id = ? WHERE batch_id = ?', [forgedBatch, s.batchIds[0]!]);
    expect(await writerFor(ledger, node).deliverPending()).toMatchObject({ delivered: 0, failed: 1 });
    expect((await ledger.outbox.get(forgedBatch))!.lastError).toBe(`refused: batch id ${forgedBatch} is not sha256("${s.id}:0")`);
    expect((await readProcessBalances(createAoClient({ muUrl: node.url, cuUrl: node.url }), node.processId)).totalSupply).toBe(0n);
  });

  it('while the node is unreachable: bounded retries with backoff, then the pass stops and the batch stays pending', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 10, 100);
    const url = node.url;
    await node.stop();
    const delays: number[] = [];
    const writer = createAoWriter({
      outbox: ledger.outbox,
      processId: node.processId,
      jwk: minter.jwk,
      endpoints: { muUrl: url, cuUrl: url },
      attemptsMax: 4,
      backoffMsBase: 100,
      backoffMsMax: 250,
      sleep: async (ms) => void delays.push(ms),
    });
    const report = await writer.deliverPending();
    expect(report.delivered + report.failed).toBe(0);
    expect(report.retries).toBe(3);
    expect(report.unavailable).toMatch(/^MU: /);
    expect(delays).toEqual([100, 200, 250]); // doubled, capped at backoffMsMax
    const row = (await ledger.outbox.get(s.batchIds[0]!))!;
    expect(row).toMatchObject({ status: 'pending', attempts: 4 });
    expect(row.lastError).toMatch(/^MU: /);
  });

  it('with 3 batches in flight, delivers every batch once and the process matches the ledger', async () => {
    const { ledger, node } = await setUp();
    const s = await settleTick(ledger, 100, 10);
    const report = await writerFor(ledger, node, minter.jwk, { concurrency: 3 }).deliverPending();
    expect(report).toMatchObject({ delivered: 10, duplicates: 0, failed: 0, credits: 100 });
    const client = createAoClient({ muUrl: node.url, cuUrl: node.url });
    expect((await readProcessBalances(client, node.processId)).totalSupply).toBe(s.total);
    expect((await reconcile({ db: ledger.db, client, processId: node.processId })).equal).toBe(true);
  });

  it('start() delivers what settlement writes, until stop()', async () => {
    const { ledger, node } = await setUp();
    const writer = writerFor(ledger, node, minter.jwk, { idleMs: 20 });
    writer.start();
    const s = await settleTick(ledger, 40, 10);
    for (let i = 0; i < 500 && (await ledger.outbox.counts()).delivered < s.batchIds.length; i++) await new Promise((r) => setTimeout(r, 20));
    await writer.stop();
    expect(await ledger.outbox.counts()).toEqual({ pending: 0, sent: 0, delivered: 4, failed: 0 });
    expect(writer.stats().credits).toBe(40);
  });
});
