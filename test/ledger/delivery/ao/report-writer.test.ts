import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAoNode } from '../../../../devnet/ao-node/server.ts';
import type { LocalAoNode } from '../../../../devnet/ao-node/server.ts';
import { ManualClock } from '../../../../src/clock.ts';
import { AO_MAINNET } from '../../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../../src/emission/ticks.ts';
import { openLedger } from '../../../../src/ledger/index.ts';
import type { Ledger, SettlementResult } from '../../../../src/ledger/index.ts';
import { createAoClient } from '../../../../src/ledger/delivery/ao/index.ts';
import type { ArweaveJwk } from '../../../../src/ledger/delivery/ao/index.ts';
import { createReportWriter } from '../../../../src/ledger/delivery/ao/report-writer.ts';
import { tempDir, wallet } from './fixture.ts';
import { winston } from '../../../../src/units.ts';

/**
 * The report writer against the local node's project processes: a refusal marks the
 * report failed with the project's reason and is never retried; an unreachable node leaves it
 * pending with the attempts counted; a report waits for its settlement's Mint-Batches.
 */
let minter: { jwk: ArweaveJwk; address: string };
let stranger: { jwk: ArweaveJwk; address: string };
let node: LocalAoNode;
const ledgers: Ledger[] = [];

async function settledLedger(): Promise<{ ledger: Ledger; s: SettlementResult }> {
  const ledger = await openLedger({ url: 'sqlite::memory:', clock: new ManualClock(1_700_000_000_000) });
  await ledger.migrate();
  ledgers.push(ledger);
  const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };
  await ledger.applyTick({
    tick: 1,
    genesisMs: DEFAULT_GENESIS_MS,
    policy: AO_MAINNET,
    snapshots: [{ pool: 'ar', pin, complete: false, cursor: 'c', notes: [], updates: [{ account: stranger.address, recipient: stranger.address as never, weight: winston(1n) }] }],
    delegations: { pin: { chain: 'ao', process: node.delegationProcessId!, seq: 1 }, cursor: '{"seq":1}', notes: [], changes: [{ wallet: stranger.address, prefs: [{ target: node.projects[0]!.processId, factor: 5000 }] }] },
  });
  const s = (await ledger.settle('ar', 1))!;
  return { ledger, s };
}

beforeAll(async () => {
  [minter, stranger] = await Promise.all([wallet('minter'), wallet('stranger')]);
  node = await startLocalAoNode({ dataDir: tempDir(), minter: minter.address, delegation: { flps: [] } });
}, 120_000);
afterAll(async () => {
  for (const l of ledgers) await l.close();
  await node.stop();
});

describe('report writer', () => {
  it('marks a report the project refuses as failed with its reason, once, and sends nothing again', async () => {
    const { ledger, s } = await settledLedger();
    for (const id of s.batchIds) await ledger.outbox.markDelivered(id);
    // Signed by a wallet that is not the project's minter: flp.lua answers Report-Error.
    const writer = createReportWriter({ reports: ledger.reports, client: createAoClient({ muUrl: node.url, cuUrl: node.url }, stranger.jwk) });
    expect(await writer.deliverPending()).toMatchObject({ delivered: 0, failed: 1, unavailable: null });
    const [r] = await ledger.reports.all();
    expect(r).toMatchObject({ status: 'failed', attempts: 1 });
    expect(r!.lastError).toBe(`Report-Error: sender "${stranger.address}" is not the minter; Report.Mint is accepted only from it`);
    expect(await writer.deliverPending()).toMatchObject({ delivered: 0, failed: 0 });
  });

  it('leaves a report pending, attempts counted, while the node is unreachable; then delivers it', async () => {
    const { ledger, s } = await settledLedger();
    for (const id of s.batchIds) await ledger.outbox.markDelivered(id);
    const down = createReportWriter({ reports: ledger.reports, client: createAoClient({ muUrl: 'http://127.0.0.1:9', cuUrl: 'http://127.0.0.1:9' }, minter.jwk), attemptsMax: 2, backoffMsBase: 1 });
    const report = await down.deliverPending();
    expect(report.delivered).toBe(0);
    expect(report.unavailable).toMatch(/^MU: /);
    expect((await ledger.reports.all())[0]).toMatchObject({ status: 'pending', attempts: 2 });
    const up = createReportWriter({ reports: ledger.reports, client: createAoClient({ muUrl: node.url, cuUrl: node.url }, minter.jwk) });
    expect(await up.deliverPending()).toMatchObject({ delivered: 1, duplicates: 0 });
    expect((await ledger.reports.all())[0]).toMatchObject({ status: 'delivered', attempts: 3 });
  });
});
