import { createData, ArweaveSigner } from '@dha-team/arbundles';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIdOf, startLocalAoNode } from '../../devnet/ao-node/server.ts';
import type { LocalAoNode } from '../../devnet/ao-node/server.ts';
import { createAoClient } from '../../src/ledger/delivery/ao/index.ts';
import type { AoClient, AoResultIn, ArweaveJwk } from '../../src/ledger/delivery/ao/index.ts';
import { tempDir, wallet } from '../ledger/delivery/ao/fixture.ts';

/**
 * The local AO node over loopback HTTP, driven by aoconnect with real RSA-PSS signatures:
 * what it accepts, what it refuses, what it persists, and the token rules through it.
 */
let minter: { jwk: ArweaveJwk; address: string };
let holder: { jwk: ArweaveJwk; address: string };
let dir: string;
let node: LocalAoNode;
const MAX = '1000'; // small max supply: the 15 % gate (supplyShare:15/100) is at 150 base units
const GATE = 'supplyShare:15/100';

const tags = (m: AoResultIn, i = 0): Record<string, string> => Object.fromEntries((m.Messages?.[i]?.Tags ?? []).map((t) => [t.name, t.value]));
const clientAs = (jwk?: ArweaveJwk): AoClient => createAoClient({ muUrl: node.url, cuUrl: node.url }, jwk);

async function send(jwk: ArweaveJwk, t: Record<string, string>, data = ''): Promise<AoResultIn> {
  const c = clientAs(jwk);
  const id = await c.message({ process: node.processId, tags: Object.entries(t).map(([name, value]) => ({ name, value })), data });
  return c.result({ message: id, process: node.processId });
}
const mint = (batchId: string, recipient: string, quantity: string) =>
  send(minter.jwk, { Action: 'Mint-Batch', 'Batch-Id': batchId, 'Settlement-Id': 's', 'From-Tick': '1', 'To-Tick': '1', Count: '1', Total: quantity }, JSON.stringify([[recipient, quantity]]));

async function signedItem(jwk: ArweaveJwk, target: string): Promise<Buffer> {
  const item = createData('', new ArweaveSigner(jwk as never), { target, tags: [{ name: 'Action', value: 'Info' }] });
  await item.sign(new ArweaveSigner(jwk as never));
  return Buffer.from(item.getRaw());
}
const post = (raw: Buffer) => fetch(`${node.url}/`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(raw) });

beforeAll(async () => {
  [minter, holder] = await Promise.all([wallet('minter'), wallet('stranger')]);
  dir = tempDir();
  node = await startLocalAoNode({ dataDir: dir, minter: minter.address, maxSupply: MAX, gate: GATE });
});
afterAll(async () => {
  await node.stop();
});

describe('local AO node', () => {
  it('derives the process id from the configuration and the module, the same on every start', () => {
    expect(node.processId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(processIdOf({ minter: minter.address, maxSupply: MAX, gate: GATE })).toBe(node.processId);
    expect(processIdOf({ minter: minter.address, maxSupply: MAX })).not.toBe(node.processId);
    expect(processIdOf({ minter: minter.address, maxSupply: '1001' })).not.toBe(node.processId);
    expect(processIdOf({ minter: holder.address, maxSupply: MAX })).not.toBe(node.processId);
  });

  it('answers aoconnect message → result with the process reply, addressed to the signer', async () => {
    const r = await send(holder.jwk, { Action: 'Info' });
    expect(r.Error).toBeUndefined();
    expect(r.Messages?.[0]?.Target).toBe(holder.address);
    expect(tags(r)).toMatchObject({ Name: 'AO', Ticker: 'AO', Denomination: '12', Minter: minter.address, 'Max-Supply': MAX });
  });

  it('refuses a data item whose signature does not verify (one flipped byte), and schedules nothing', async () => {
    const before = ((await (await fetch(node.url)).json()) as { processes: { messages: number }[] }).processes[0]!.messages;
    const raw = await signedItem(holder.jwk, node.processId);
    const res0 = await post(raw);
    expect(res0.status).toBe(202);
    const bad = Buffer.from(await signedItem(holder.jwk, node.processId));
    bad[100] = bad[100]! ^ 0x01; // inside the 512-byte RSA signature
    const res = await post(bad);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toContain('signature does not verify');
    // The same signed item twice is scheduled once.
    const again = await post(raw);
    expect(((await again.json()) as { message: string }).message).toBe('already scheduled');
    const after = ((await (await fetch(node.url)).json()) as { processes: { messages: number }[] }).processes[0]!.messages;
    expect(after).toBe(before + 1);
  });

  it('answers 404 for a message to an unknown process and for an unknown result', async () => {
    const res = await post(await signedItem(holder.jwk, 'Z'.repeat(43)));
    expect(res.status).toBe(404);
    const r = await fetch(`${node.url}/result/${'Q'.repeat(43)}?process-id=${node.processId}`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: string }).error).toContain('is not scheduled');
  });

  it('enforces the minter and the gate through signed messages: transfers refused below 15 %, allowed from 15 %', async () => {
    const stranger = await send(holder.jwk, { Action: 'Mint-Batch', 'Batch-Id': 'm0', 'Settlement-Id': 's', 'From-Tick': '1', 'To-Tick': '1', Count: '1', Total: '10' }, JSON.stringify([[holder.address, '10']]));
    expect(tags(stranger)).toMatchObject({ Action: 'Mint-Error', Error: `Sender "${holder.address}" is not the minter` });
    expect(tags(await mint('m1', holder.address, '149'))).toMatchObject({ Action: 'Mint-Batch-Notice', 'Total-Supply': '149' });
    const refused = await send(holder.jwk, { Action: 'Transfer', Recipient: minter.address, Quantity: '5' });
    expect(tags(refused)).toMatchObject({ Action: 'Transfer-Error', Error: 'AO is not transferable yet: Total-Supply 149 is below 15/100 of Max-Supply 1000' });
    expect(tags(await mint('m2', minter.address, '1'))).toMatchObject({ 'Total-Supply': '150' });
    const ok = await send(holder.jwk, { Action: 'Transfer', Recipient: minter.address, Quantity: '5', 'X-Ref': 'r1' });
    expect(tags(ok, 0)).toMatchObject({ Action: 'Debit-Notice', Quantity: '5', 'X-Ref': 'r1' });
    expect(tags(ok, 1)).toMatchObject({ Action: 'Credit-Notice', Sender: holder.address, Quantity: '5', 'X-Ref': 'r1' });
  });

  it('serves the patched state as HyperBEAM does: compute/balances/<addr> and token-info/supply equal the dry-run Balances and Total-Supply; 404 for a balance never patched', async () => {
    const hb = (path: string) => fetch(`${node.url}/${node.processId}~process@1.0/${path}`);
    const dry = async (action: string) => (await clientAs().dryrun({ process: node.processId, tags: [{ name: 'Action', value: action }] })).Messages?.[0]?.Data;
    const balances = JSON.parse((await dry('Balances'))!) as Record<string, string>;
    expect(Object.keys(balances).length).toBeGreaterThan(0);
    for (const [address, quantity] of Object.entries(balances)) {
      const res = await hb(`compute/balances/${address}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(quantity);
    }
    expect(await (await hb('now/token-info/supply')).text()).toBe(await dry('Total-Supply'));
    expect((await hb(`compute/balances/${'N'.repeat(43)}`)).status).toBe(404);
    expect((await hb('compute/nothing/here')).status).toBe(404);
    const slot = Number(await (await hb('slot/current')).text());
    const { processes } = (await (await fetch(node.url)).json()) as { processes: { messages: number }[] };
    expect(slot).toBe(processes[0]!.messages);
  });

  it('a dry-run Balance with only an Owner (as aoconnect sends it) answers that owner\'s balance', async () => {
    const res = await fetch(`${node.url}/dry-run?process-id=${node.processId}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ Owner: holder.address, Tags: [{ name: 'Action', value: 'Balance' }] }) });
    const answer = ((await res.json()) as AoResultIn).Messages![0]!;
    expect(Object.fromEntries(answer.Tags!.map((t) => [t.name, t.value]))).toMatchObject({ Account: holder.address, Balance: answer.Data });
    expect(BigInt(answer.Data!)).toBeGreaterThan(0n);
  });

  it("answers the SU's assignment of a message (its slot as Nonce), as aoconnect's returnAssignmentSlot reads it", async () => {
    const c = clientAs(holder.jwk);
    const id = await c.message({ process: node.processId, tags: [{ name: 'Action', value: 'Info' }], data: '' });
    const slot = await c.assignmentSlot!({ message: id, process: node.processId });
    expect(slot).toBe(Number(await (await fetch(`${node.url}/${node.processId}~process@1.0/slot/current`)).text()));
    expect(await c.assignmentSlot!({ message: 'Q'.repeat(43), process: node.processId })).toBeNull();
  });

  it('dry-runs change nothing, and a restart rebuilds the same state from the persisted schedule', async () => {
    // A client per call: the restarted node listens on a new port.
    const balances = async () => (await clientAs().dryrun({ process: node.processId, tags: [{ name: 'Action', value: 'Balances' }] })).Messages?.[0]?.Data;
    const before = await balances();
    expect(JSON.parse(before!)).toEqual({ [holder.address]: '144', [minter.address]: '6' });
    const dry = await clientAs().dryrun({ process: node.processId, tags: [{ name: 'Action', value: 'Transfer' }, { name: 'Recipient', value: minter.address }, { name: 'Quantity', value: '100' }] });
    expect(tags(dry)['Action']).toBe('Transfer-Error'); // dry-run sender is nobody: no balance
    expect(await balances()).toBe(before);
    const { processId } = node;
    await node.stop();
    node = await startLocalAoNode({ dataDir: dir, minter: minter.address, maxSupply: MAX, gate: GATE });
    expect(node.processId).toBe(processId);
    expect(node.replayed).toBeGreaterThanOrEqual(7);
    expect(JSON.parse((await balances())!)).toEqual(JSON.parse(before!));
    // The patched state is rebuilt by the replay too.
    expect(await (await fetch(`${node.url}/${node.processId}~process@1.0/compute/balances/${holder.address}`)).text()).toBe(JSON.parse(before!)[holder.address]);
    // The applied Batch-Ids survived too: m1 is a duplicate now.
    expect(tags(await mint('m1', holder.address, '149'))['Action']).toBe('Mint-Batch-Duplicate');
  });
});
