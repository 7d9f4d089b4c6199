import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalAoNode } from '../../devnet/ao-node/server.ts';
import type { LocalAoNode } from '../../devnet/ao-node/server.ts';
import type { Snapshot } from '../../src/bridges/types.ts';
import { createDelegationSource } from '../../src/bridges/ao/delegation-source.ts';
import { ManualClock } from '../../src/clock.ts';
import { AO_MAINNET } from '../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../src/emission/ticks.ts';
import { openLedger } from '../../src/ledger/index.ts';
import type { Ledger } from '../../src/ledger/index.ts';
import { createAoClient, createAoWriter } from '../../src/ledger/delivery/ao/index.ts';
import type { AoClient, ArweaveJwk } from '../../src/ledger/delivery/ao/index.ts';
import { createReportWriter } from '../../src/ledger/delivery/ao/report-writer.ts';
import { tempDir, wallet } from '../ledger/delivery/ao/fixture.ts';
import { winston } from '../../src/units.ts';

/**
 * Yield delegation end to end on the local AO node: holders set their preferences in
 * the delegation process with signed messages; the engine's delegation source reads them into the
 * ledger's ticks; settlement splits the credits; the Mint-Batch credits the projects and each
 * project's Report.Mint follows. Each FLP's per-user totals then equal the ledger's delegated
 * credits, and a re-sent report changes nothing.
 */
type W = { jwk: ArweaveJwk; address: string };
let minter: W;
let alice: W;
let bob: W;
let carol: W;
let node: LocalAoNode;
let ledger: Ledger;
const client = (jwk?: ArweaveJwk): AoClient => createAoClient({ muUrl: node.url, cuUrl: node.url }, jwk);
const tagsOf = (m: { Tags?: readonly { name: string; value: string }[] } | undefined): Record<string, string> => Object.fromEntries((m?.Tags ?? []).map((t) => [t.name, t.value]));

async function setDelegation(w: W, walletTo: string, factor: number): Promise<Record<string, string>> {
  const c = client(w.jwk);
  const id = await c.message({ process: node.delegationProcessId!, tags: [{ name: 'Action', value: 'Set-Delegation' }], data: JSON.stringify({ walletFrom: w.address, walletTo, factor }) });
  return tagsOf((await c.result({ message: id, process: node.delegationProcessId! })).Messages?.[0]);
}
const yieldOf = async (project: string, user: string): Promise<bigint> =>
  BigInt(tagsOf((await client().dryrun({ process: project, tags: [{ name: 'Action', value: 'Get-Yield' }, { name: 'User', value: user }] })).Messages?.[0])['Yield'] ?? 'NaN');
const balanceOf = async (address: string): Promise<bigint> => BigInt((await client().dryrun({ process: node.processId, tags: [{ name: 'Action', value: 'Balance' }, { name: 'Recipient', value: address }] })).Messages?.[0]?.Data ?? 'NaN');

beforeAll(async () => {
  [minter, alice, bob, carol] = await Promise.all([wallet('minter'), wallet('stranger'), wallet('holder-b'), wallet('holder-c')]);
  node = await startLocalAoNode({ dataDir: tempDir(), minter: minter.address, delegation: { flps: ['APUS (demo)', 'Botega (demo)'] } });
  ledger = await openLedger({ url: 'sqlite::memory:', clock: new ManualClock(1_700_000_000_000) });
  await ledger.migrate();
}, 120_000);
afterAll(async () => {
  await ledger?.close();
  await node?.stop();
});

describe('yield delegation on the local AO node', () => {
  it('spawns the delegation process beside the token, with PI and the FLPs as its projects', () => {
    expect(node.delegationProcessId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(node.projects.map((p) => p.name)).toEqual(['PI', 'APUS (demo)', 'Botega (demo)']);
    expect(new Set([node.processId, node.delegationProcessId, ...node.projects.map((p) => p.processId)]).size).toBe(5);
  });

  it('after settlement each FLP holds and has recorded per user exactly the ledger’s delegated credits; a re-sent report changes nothing', async () => {
    const [pi, apus, botega] = node.projects.map((p) => p.processId) as [string, string, string];
    expect(await setDelegation(alice, pi, 2500)).toMatchObject({ Action: 'Set-Delegation-Notice' });
    expect(await setDelegation(alice, apus, 5000)).toMatchObject({ Action: 'Set-Delegation-Notice' });
    expect(await setDelegation(bob, botega, 10_000)).toMatchObject({ Action: 'Set-Delegation-Notice' });
    // Refused by the process: Carol setting Bob's preference. Carol keeps everything.
    const c = client(carol.jwk);
    const id = await c.message({ process: node.delegationProcessId!, tags: [{ name: 'Action', value: 'Set-Delegation' }], data: JSON.stringify({ walletFrom: bob.address, walletTo: pi, factor: 500 }) });
    expect(tagsOf((await c.result({ message: id, process: node.delegationProcessId! })).Messages?.[0])).toMatchObject({ 'Error-Code': 'Unauthorized' });

    const source = createDelegationSource({ cuUrl: node.url, processId: node.delegationProcessId! });
    const pin = { chain: 'arweave' as const, height: '1', hash: 'h', timeMs: DEFAULT_GENESIS_MS };
    const ar: Snapshot = { pool: 'ar', pin, complete: true, cursor: 'c', notes: [], updates: [alice, bob, carol].map((w, i) => ({ account: w.address, recipient: w.address as never, weight: winston(BigInt(1_000 * (i + 1))) })) };
    const tick = async (k: number, snapshots: Snapshot[]) => ledger.applyTick({ tick: k, genesisMs: DEFAULT_GENESIS_MS, policy: AO_MAINNET, snapshots, delegations: await source.snapshot(await ledger.delegationCursor()) });
    await tick(1, [ar]);
    // Mid-period: Alice takes APUS off at tick 2 (read by tick 2's snapshot).
    expect(await setDelegation(alice, apus, 0)).toMatchObject({ Action: 'Set-Delegation-Notice' });
    await tick(2, []);
    await tick(3, []);
    const s = (await ledger.settle('ar', 3))!;
    expect(s.projects.map((p) => p.project).sort()).toEqual([pi, apus, botega].sort());

    const writer = createAoWriter({ outbox: ledger.outbox, processId: node.processId, client: client(minter.jwk) });
    const reports = createReportWriter({ reports: ledger.reports, client: client(minter.jwk) });
    // Reports wait for the Mint-Batch that credits the projects.
    expect(await reports.deliverPending()).toMatchObject({ delivered: 0 });
    expect(await writer.deliverPending()).toMatchObject({ delivered: s.batchIds.length, failed: 0 });
    expect(await reports.deliverPending()).toMatchObject({ delivered: 3, failed: 0, duplicates: 0 });

    const delegated = await ledger.db.all<{ target: string; account: string; amount: string }>(
      'SELECT d.target, a.account, d.amount FROM delegated_credits d JOIN accounts a ON a.id = d.account_id WHERE d.settlement_id = ?',
      [s.id],
    );
    expect(delegated.length).toBe(3); // Alice → PI and APUS (tick 1 only), Bob → Botega; the remainders stay with the wallets
    const totals = new Map<string, bigint>();
    for (const d of delegated) {
      expect(await yieldOf(d.target, d.account)).toBe(BigInt(d.amount));
      totals.set(d.target, (totals.get(d.target) ?? 0n) + BigInt(d.amount));
    }
    for (const [project, total] of totals) expect(await balanceOf(project)).toBe(total);
    expect(await yieldOf(pi, carol.address)).toBe(0n);

    // Re-sent: the project answers Report-Duplicate and nothing changes.
    await ledger.db.run(`UPDATE reports SET status = 'pending', message_id = NULL`);
    expect(await reports.deliverPending()).toMatchObject({ delivered: 3, duplicates: 3 });
    for (const d of delegated) expect(await yieldOf(d.target, d.account)).toBe(BigInt(d.amount));
  }, 120_000);
});
