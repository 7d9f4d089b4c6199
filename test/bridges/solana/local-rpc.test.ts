import { Connection, Keypair, PublicKey, StakeProgram } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSolana, type LocalSolana } from '../../../devnet/solana/local-cluster.ts';
import { VOTER_OFFSET } from '../../../src/bridges/solana/stake-account.ts';

/**
 * The adapter answers like a Solana RPC node. Expected shapes are those of the RPC docs
 * (https://solana.com/docs/rpc/http/<method>): e.g. getAccountInfo → { context: { slot,
 * apiVersion }, value: { data: [base64, "base64"], executable, lamports, owner, rentEpoch, space } | null }.
 * Raw JSON is checked here; web3.js's own response schemas check it again in the Connection tests.
 */
let c: LocalSolana;
let registration: string;
let depositor: Keypair;
let stake: PublicKey;

async function rpc(method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const res = await fetch(c.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { jsonrpc: string; id: number; result?: unknown; error?: { code: number; message: string } };
  expect(body).toMatchObject({ jsonrpc: '2.0', id: 7 });
  return body;
}

beforeAll(async () => {
  c = await startLocalSolana();
  const made = c.createStake({ lamports: 4_000_000_000n });
  depositor = made.authority;
  stake = made.stake;
  c.advanceSlots(3);
  registration = c.register(depositor, `ao:${Buffer.alloc(32, 1).toString('base64url')}`);
  c.warpToEpoch(2);
});
afterAll(async () => {
  await c.stop();
});

describe('LiteSvmRpc raw JSON-RPC shapes', () => {
  it('getAccountInfo: context + base64 account, null for a missing account', async () => {
    const { result } = await rpc('getAccountInfo', [stake.toBase58(), { encoding: 'base64', commitment: 'finalized' }]);
    expect(result).toEqual({
      context: { slot: c.slot, apiVersion: expect.any(String) },
      value: { data: [expect.any(String), 'base64'], executable: false, lamports: 4_000_000_000, owner: StakeProgram.programId.toBase58(), rentEpoch: 2 ** 64, space: 200 },
    });
    const data = Buffer.from(((result as { value: { data: [string] } }).value.data[0]), 'base64');
    expect(data.length).toBe(200);
    expect(new PublicKey(data.subarray(VOTER_OFFSET, VOTER_OFFSET + 32)).equals(c.bridgeVote)).toBe(true);
    expect((await rpc('getAccountInfo', [Keypair.generate().publicKey.toBase58()])).result).toEqual({ context: { slot: c.slot, apiVersion: expect.any(String) }, value: null });
  });

  it('getProgramAccounts: dataSize + memcmp filters, plain list or { context, value } with withContext', async () => {
    const filters = [{ dataSize: 200 }, { memcmp: { offset: VOTER_OFFSET, bytes: c.bridgeVote.toBase58() } }];
    const plain = (await rpc('getProgramAccounts', [StakeProgram.programId.toBase58(), { encoding: 'base64', filters }])).result as { pubkey: string }[];
    expect(plain.map((a) => a.pubkey)).toEqual([stake.toBase58()]);
    expect(plain[0]).toEqual({ pubkey: stake.toBase58(), account: expect.objectContaining({ data: [expect.any(String), 'base64'], owner: StakeProgram.programId.toBase58() }) });
    const withContext = (await rpc('getProgramAccounts', [StakeProgram.programId.toBase58(), { encoding: 'base64', filters, withContext: true }])).result;
    expect(withContext).toEqual({ context: { slot: c.slot, apiVersion: expect.any(String) }, value: plain });
    const other = (await rpc('getProgramAccounts', [StakeProgram.programId.toBase58(), { filters: [{ memcmp: { offset: VOTER_OFFSET, bytes: Keypair.generate().publicKey.toBase58() } }] }])).result;
    expect(other).toEqual([]);
  });

  it('getSignaturesForAddress: newest first, with slot, err, memo "[len] text", blockTime; honours limit/before/until', async () => {
    const second = c.register(depositor, `ao:${Buffer.alloc(32, 2).toString('base64url')}`);
    const { result } = await rpc('getSignaturesForAddress', [c.registry.toBase58(), { limit: 10 }]);
    const memo = `ao:${Buffer.alloc(32, 2).toString('base64url')}`;
    expect(result).toEqual([
      { signature: second, slot: c.slot, err: null, memo: `[${memo.length}] ${memo}`, blockTime: expect.any(Number), confirmationStatus: 'finalized' },
      expect.objectContaining({ signature: registration, slot: 4 }),
    ]);
    expect(((await rpc('getSignaturesForAddress', [c.registry.toBase58(), { limit: 1 }])).result as unknown[]).length).toBe(1);
    expect(((await rpc('getSignaturesForAddress', [c.registry.toBase58(), { before: second }])).result as { signature: string }[]).map((s) => s.signature)).toEqual([registration]);
    expect(((await rpc('getSignaturesForAddress', [c.registry.toBase58(), { until: registration }])).result as { signature: string }[]).map((s) => s.signature)).toEqual([second]);
  });

  it('getTransaction (json): slot, blockTime, transaction.message with base58 instruction data, meta with balances and logs', async () => {
    const { result } = await rpc('getTransaction', [registration, { encoding: 'json', maxSupportedTransactionVersion: 0 }]);
    const tx = result as { slot: number; version: string; transaction: { signatures: string[]; message: { accountKeys: string[]; header: Record<string, number>; instructions: { programIdIndex: number; accounts: number[]; data: string }[] } }; meta: Record<string, unknown> };
    expect(tx).toMatchObject({ slot: 4, blockTime: expect.any(Number), version: 'legacy' });
    expect(tx.transaction.signatures[0]).toBe(registration);
    expect(tx.transaction.message.header).toEqual({ numRequiredSignatures: 2, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 3 });
    const keys = tx.transaction.message.accountKeys;
    expect(keys).toContain(c.registry.toBase58());
    const memoIx = tx.transaction.message.instructions.find((ix) => keys[ix.programIdIndex] === 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr')!;
    expect(memoIx.accounts.map((i) => keys[i])).toEqual([depositor.publicKey.toBase58()]);
    expect(tx.meta).toMatchObject({ err: null, fee: 10_000, logMessages: expect.arrayContaining([expect.stringContaining('Program log: Memo (len 46)')]) });
    expect((tx.meta.preBalances as number[]).length).toBe(keys.length);
    expect((await rpc('getTransaction', ['1111111111111111111111111111111111111111111111111111111111111111'])).result).toBeNull();
  });

  it('getBlock (transactionDetails none), getEpochSchedule, getEpochInfo, getSlot, getInflationRate, getInflationReward', async () => {
    expect((await rpc('getBlock', [c.slot, { transactionDetails: 'none', rewards: false }])).result).toEqual({
      blockhash: expect.any(String),
      previousBlockhash: expect.any(String),
      parentSlot: 4,
      blockTime: expect.any(Number),
      blockHeight: expect.any(Number),
    });
    expect((await rpc('getEpochSchedule')).result).toEqual({ slotsPerEpoch: 32, leaderScheduleSlotOffset: 32, warmup: false, firstNormalEpoch: 0, firstNormalSlot: 0 });
    expect((await rpc('getEpochInfo')).result).toEqual({ absoluteSlot: 64, blockHeight: expect.any(Number), epoch: 2, slotIndex: 0, slotsInEpoch: 32, transactionCount: expect.any(Number) });
    expect((await rpc('getSlot', [{ commitment: 'finalized' }])).result).toBe(64);
    expect((await rpc('getInflationRate')).result).toEqual({ total: expect.any(Number), validator: expect.any(Number), foundation: expect.any(Number), epoch: 2 });
    expect((await rpc('getInflationReward', [[stake.toBase58()], { epoch: 1 }])).result).toEqual([null]);
  });

  it('answers errors with the RPC’s codes', async () => {
    expect((await rpc('requestAirdrop', [])).error).toEqual({ code: -32601, message: 'Method not found' });
    expect((await rpc('getAccountInfo', ['not-a-key'])).error?.code).toBe(-32602);
    expect((await rpc('getAccountInfo', [stake.toBase58(), { minContextSlot: 10_000 }])).error).toEqual({ code: -32016, message: 'Minimum context slot has not been reached' });
    expect((await rpc('getBlock', [5, { transactionDetails: 'none' }])).error?.code).toBe(-32007); // slot 5 was never produced
    expect((await rpc('getSignaturesForAddress', [c.registry.toBase58(), { limit: 1001 }])).error?.code).toBe(-32602);
    expect((await rpc('getInflationReward', [[stake.toBase58()], { epoch: 2 }])).error?.code).toBe(-32602); // epoch 2 has not ended
    const bad = await fetch(c.url, { method: 'POST', body: '{' });
    expect(await bad.json()).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
  });

  it('answers a batch as an array in request order', async () => {
    const res = await fetch(c.url, { method: 'POST', body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'getSlot' }, { jsonrpc: '2.0', id: 2, method: 'nope' }]) });
    expect(await res.json()).toEqual([{ jsonrpc: '2.0', id: 1, result: c.slot }, { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'Method not found' } }]);
  });
});

describe('LiteSvmRpc through web3.js Connection (its response schemas validate every answer)', () => {
  it('serves the calls the SOL source makes', async () => {
    const conn = new Connection(c.url, 'finalized');
    const schedule = await conn.getEpochSchedule();
    expect(schedule.getEpoch(c.slot)).toBe(2);
    const listed = await conn.getProgramAccounts(StakeProgram.programId, { withContext: true, filters: [{ dataSize: 200 }, { memcmp: { offset: VOTER_OFFSET, bytes: c.bridgeVote.toBase58() } }] });
    expect(listed.context.slot).toBe(c.slot);
    expect(listed.value[0]!.account.data.length).toBe(200);
    const history = await conn.getAccountInfoAndContext(new PublicKey('SysvarStakeHistory1111111111111111111111111'));
    expect(history.value?.data.readBigUInt64LE(0)).toBe(0n); // litesvm keeps the StakeHistory sysvar empty
    const block = await conn.getBlock(c.slot, { transactionDetails: 'none', rewards: false, maxSupportedTransactionVersion: 0 });
    expect(block?.blockhash).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/);
    const signatures = await conn.getSignaturesForAddress(c.registry);
    const txs = await conn.getTransactions(signatures.map((s) => s.signature), { maxSupportedTransactionVersion: 0 });
    expect(txs.map((t) => t?.transaction.signatures[0])).toEqual(signatures.map((s) => s.signature));
    expect((await conn.getInflationRate()).epoch).toBe(2);
    expect(await conn.getInflationReward([stake], 1)).toEqual([null]);
  });
});
