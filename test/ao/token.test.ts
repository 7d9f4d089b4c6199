import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { ProcessVm } from '../../ao/node/vm.ts';
import type { AoEnvelope, AoOutMessage, AoResult } from '../../ao/node/vm.ts';

/**
 * ao/token.lua in a real Lua VM (wasmoon) under the node's aos runtime, message by message —
 * no HTTP, no signatures (those are test/ao/node.test.ts). Expected numbers are exact BigInt sums.
 */
const TOKEN = readFileSync(new URL('../../ao/token.lua', import.meta.url), 'utf8');
const MINTER = 'M'.padEnd(43, 'm');
const STRANGER = 'S'.padEnd(43, 's');
const PID = 'P'.padEnd(43, 'p');
const MAX = 21n * 10n ** 18n; // DESIGN.md §2: 21,000,000 AO × 10^12
const addr = (i: number): string => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(i, 28);
  return b.toString('base64url');
};

const tagsOf = (m: AoOutMessage): Record<string, string> => Object.fromEntries(m.Tags.map((t) => [t.name, t.value]));

class Harness {
  seq = 0;
  constructor(readonly vm: ProcessVm) {}
  static async create(maxSupply = MAX): Promise<Harness> {
    return new Harness(await ProcessVm.create({ Process: { Id: PID, Owner: MINTER, Tags: { Minter: MINTER, 'Max-Supply': maxSupply.toString() } } }, TOKEN));
  }
  envelope(tags: Record<string, string>, from: string): AoEnvelope {
    this.seq++;
    return { Id: `msg-${this.seq}`, From: from, Owner: from, Target: PID, Timestamp: this.seq, 'Block-Height': this.seq, Tags: Object.entries(tags).map(([name, value]) => ({ name, value })) };
  }
  send(tags: Record<string, string>, from = MINTER, data = ''): AoResult {
    return this.vm.apply(this.envelope(tags, from), data);
  }
  dry(tags: Record<string, string>, from = MINTER): AoResult {
    return this.vm.dryRun(this.envelope(tags, from), '');
  }
  mint(batchId: string, entries: [string, bigint][], over: Record<string, string> = {}, from = MINTER): Record<string, string> {
    const total = entries.reduce((s, [, q]) => s + q, 0n);
    const data = JSON.stringify(entries.map(([r, q]) => [r, q.toString()]));
    const tags = { Action: 'Mint-Batch', 'Batch-Id': batchId, 'Settlement-Id': 'ar:1-2', 'From-Tick': '1', 'To-Tick': '2', Count: String(entries.length), Total: total.toString(), ...over };
    const r = this.send(tags, from, over['__data'] ?? data);
    expect(r.Error).toBeUndefined();
    expect(r.Messages).toHaveLength(1);
    return tagsOf(r.Messages[0]!);
  }
  balances(): Record<string, string> {
    return JSON.parse(this.dry({ Action: 'Balances' }).Messages[0]!.Data) as Record<string, string>;
  }
  supply(): bigint {
    return BigInt(this.dry({ Action: 'Total-Supply' }).Messages[0]!.Data);
  }
}

describe('token.lua: standard token handlers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create();
  });

  it('Info answers Name, Ticker, Logo, Denomination 12 and the configured Minter', () => {
    const info = tagsOf(h.send({ Action: 'Info' }, STRANGER).Messages[0]!);
    expect(info).toMatchObject({ Name: 'AO', Ticker: 'AO', Logo: '', Denomination: '12', Minter: MINTER, 'Max-Supply': MAX.toString(), 'Total-Supply': '0', Transferable: 'false' });
    expect(h.send({ Action: 'Info' }, STRANGER).Messages[0]!.Target).toBe(STRANGER);
  });

  it('Balance reads Recipient, else Target, else the sender; unknown accounts hold "0"', () => {
    h.mint('b', [[addr(1), 7n]]);
    expect(tagsOf(h.send({ Action: 'Balance', Recipient: addr(1) }, STRANGER).Messages[0]!)).toMatchObject({ Balance: '7', Account: addr(1), Ticker: 'AO' });
    expect(tagsOf(h.send({ Action: 'Balance', Target: addr(1) }, STRANGER).Messages[0]!).Balance).toBe('7');
    expect(h.send({ Action: 'Balance' }, addr(1)).Messages[0]!.Data).toBe('7');
    expect(tagsOf(h.send({ Action: 'Balance' }, STRANGER).Messages[0]!).Balance).toBe('0');
  });

  it('Balances is a JSON object of decimal strings ({} when empty)', () => {
    expect(h.balances()).toEqual({});
    h.mint('b', [[addr(1), 5n], [addr(2), 6n]]);
    expect(h.balances()).toEqual({ [addr(1)]: '5', [addr(2)]: '6' });
  });

  it('a dry-run changes nothing, even one that would mint', () => {
    const before = h.supply();
    const dry = h.vm.dryRun(h.envelope({ Action: 'Mint-Batch', 'Batch-Id': 'x', 'Settlement-Id': 's', 'From-Tick': '1', 'To-Tick': '1', Count: '1', Total: '9' }, MINTER), `[["${addr(1)}","9"]]`);
    expect(tagsOf(dry.Messages[0]!).Action).toBe('Mint-Batch-Notice');
    expect(h.supply()).toBe(before);
    expect(h.balances()).toEqual({});
    // …and the batch id is still free for the real message.
    expect(h.mint('x', [[addr(1), 9n]]).Action).toBe('Mint-Batch-Notice');
  });
});

describe('token.lua: Mint-Batch', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.create();
  });

  it('mints a batch of 10,000 credits exactly: every balance and the supply are the BigInt sums', () => {
    // 2,000 AO each: the running total passes 2^63 ≈ 9.2·10^18 at about credit 4,612 and ends at
    // ≈ 2.00005·10^19 (under the 2.1·10^19 cap), so Lua integers could not hold it: exact decimal arithmetic.
    const entries: [string, bigint][] = Array.from({ length: 10_000 }, (_, i) => [addr(i), 2n * 10n ** 15n + BigInt(i) * 1_000_003n]);
    const total = entries.reduce((s, [, q]) => s + q, 0n);
    expect(total > 2n ** 63n).toBe(true);
    const notice = h.mint('batch-1', entries);
    expect(notice).toMatchObject({ Action: 'Mint-Batch-Notice', 'Batch-Id': 'batch-1', Count: '10000', Total: total.toString(), 'Total-Supply': total.toString() });
    const balances = h.balances();
    expect(Object.keys(balances)).toHaveLength(10_000);
    for (const [r, q] of entries) expect(balances[r]).toBe(q.toString());
    expect(h.supply()).toBe(total);
  });

  it('a Batch-Id applied once is answered as a duplicate and not applied again', () => {
    h.mint('b1', [[addr(1), 10n]]);
    const dup = h.mint('b1', [[addr(1), 10n]]);
    expect(dup).toMatchObject({ Action: 'Mint-Batch-Duplicate', 'Batch-Id': 'b1', Total: '10', Count: '1', 'Applied-Seq': '1' });
    // Different content under a used id is still a duplicate, answered with what was applied.
    expect(h.mint('b1', [[addr(2), 99n]])).toMatchObject({ Action: 'Mint-Batch-Duplicate', Total: '10' });
    expect(h.balances()).toEqual({ [addr(1)]: '10' });
    expect(h.supply()).toBe(10n);
  });

  it('a batch from anyone but the minter is a Mint-Error and changes nothing', () => {
    const err = h.mint('b1', [[addr(1), 10n]], {}, STRANGER);
    expect(err).toMatchObject({ Action: 'Mint-Error', 'Batch-Id': 'b1' });
    expect(err['Error']).toContain('is not the minter');
    expect(h.supply()).toBe(0n);
    // The id was not consumed by the refusal.
    expect(h.mint('b1', [[addr(1), 10n]]).Action).toBe('Mint-Batch-Notice');
  });

  it('refuses a batch that would take the supply beyond the max supply, and accepts one that reaches it exactly', async () => {
    h = await Harness.create(1_000n);
    h.mint('a', [[addr(1), 600n]]);
    const err = h.mint('b', [[addr(2), 300n], [addr(3), 101n]]);
    expect(err['Action']).toBe('Mint-Error');
    expect(err['Error']).toBe('Total-Supply would be 1001, beyond Max-Supply 1000');
    expect(h.balances()).toEqual({ [addr(1)]: '600' }); // nothing of the refused batch applied
    expect(h.mint('c', [[addr(2), 400n]]).Action).toBe('Mint-Batch-Notice');
    expect(h.supply()).toBe(1_000n);
  });

  it('refuses the 21 M cap plus one base unit on the real max supply', () => {
    expect(h.mint('all', [[addr(1), MAX]])).toMatchObject({ Action: 'Mint-Batch-Notice', 'Total-Supply': MAX.toString() });
    expect(h.mint('one', [[addr(2), 1n]])['Error']).toBe(`Total-Supply would be ${MAX + 1n}, beyond Max-Supply ${MAX}`);
  });

  it('refuses a Count or Total that does not match the Data, and malformed entries', () => {
    const one: [string, bigint][] = [[addr(1), 5n]];
    const cases: [Record<string, string>, string][] = [
      [{ Count: '2' }, 'Count 2 does not match the 1 entries in Data'],
      [{ Total: '6' }, 'Total 6 does not match the sum of Data 5'],
      [{ Total: '05' }, 'Total 05 is not a decimal string of base units'],
      [{ Count: '0' }, 'Count 0 is not a positive integer'],
      [{ 'From-Tick': 'x' }, 'From-Tick x is not a tick number'],
      [{ 'Settlement-Id': '' }, 'Settlement-Id is missing'],
      [{ __data: `[["${addr(1)}",5]]` }, 'Data: entry 1 is not ["<recipient>","<quantity>"]'],
      [{ __data: `[["${addr(1)}","5"]` }, 'Data: entry 1 is followed by'],
      [{ __data: `[["short","5"]]` }, 'entry 1: recipient short is not an address'],
      [{ __data: `[["${addr(1)}","-5"]]` }, 'entry 1: quantity -5 is not a positive decimal string'],
      [{ __data: `[["${addr(1)}","0"]]`, Total: '0' }, 'entry 1: quantity 0 is not a positive decimal string'],
      [{ __data: 'nonsense' }, 'Data: Data is not a JSON array'],
    ];
    for (const [over, reason] of cases) {
      const err = h.mint(`bad-${reason}`, one, over);
      expect(err['Action'], reason).toBe('Mint-Error');
      expect(err['Error'], JSON.stringify(over)).toContain(reason);
    }
    expect(h.supply()).toBe(0n);
    expect(h.balances()).toEqual({});
  });

  it('sums any batch exactly (property: random quantities up to 2^80, Total off by one is refused)', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 1n, max: 2n ** 80n }), { minLength: 1, maxLength: 40 }), fc.boolean(), (qs, offByOne) => {
        const entries: [string, bigint][] = qs.map((q, i) => [addr(i), q]);
        const total = qs.reduce((s, q) => s + q, 0n);
        const before = h.supply();
        const id = `p-${h.seq}`;
        if (offByOne) {
          expect(h.mint(id, entries, { Total: (total + 1n).toString() })['Action']).toBe('Mint-Error');
          expect(h.supply()).toBe(before);
        } else if (before + total <= MAX) {
          expect(h.mint(id, entries)).toMatchObject({ Action: 'Mint-Batch-Notice', Total: total.toString(), 'Total-Supply': (before + total).toString() });
        }
      }),
      { numRuns: 60, seed: 7 },
    );
    const sum = Object.values(h.balances()).reduce((s, v) => s + BigInt(v), 0n);
    expect(sum).toBe(h.supply());
  });
});

describe('token.lua: Transfer and the 15 % gate', () => {
  let h: Harness;
  // The gate (DESIGN.md §2): transferable once supply·100 ≥ 15·max; with max 1,000 that is 150.
  beforeEach(async () => {
    h = await Harness.create(1_000n);
  });

  it('refuses transfers below 15 % of the max supply and allows them from exactly 15 %', () => {
    h.mint('a', [[addr(1), 149n]]);
    const refused = tagsOf(h.send({ Action: 'Transfer', Recipient: addr(2), Quantity: '10' }, addr(1)).Messages[0]!);
    expect(refused).toMatchObject({ Action: 'Transfer-Error', Error: 'AO is not transferable yet: Total-Supply 149 is below 15% of Max-Supply 1000' });
    expect(h.balances()).toEqual({ [addr(1)]: '149' });
    h.mint('b', [[addr(3), 1n]]); // supply 150 = 15 % exactly
    const r = h.send({ Action: 'Transfer', Recipient: addr(2), Quantity: '10', 'X-Memo': 'rent', 'Y-Other': 'no' }, addr(1));
    const [debit, credit] = r.Messages.map(tagsOf);
    expect(r.Messages[0]!.Target).toBe(addr(1));
    expect(debit).toMatchObject({ Action: 'Debit-Notice', Recipient: addr(2), Quantity: '10', 'X-Memo': 'rent' });
    expect(r.Messages[1]!.Target).toBe(addr(2));
    expect(credit).toMatchObject({ Action: 'Credit-Notice', Sender: addr(1), Quantity: '10', 'X-Memo': 'rent' });
    expect(credit!['Y-Other']).toBeUndefined();
    expect(h.balances()).toEqual({ [addr(1)]: '139', [addr(2)]: '10', [addr(3)]: '1' });
    expect(h.supply()).toBe(150n);
  });

  it('refuses a transfer beyond the balance, a bad quantity or recipient, with Transfer-Error', () => {
    h.mint('a', [[addr(1), 500n]]);
    const err = (tags: Record<string, string>) => tagsOf(h.send({ Action: 'Transfer', ...tags }, addr(1)).Messages[0]!);
    expect(err({ Recipient: addr(2), Quantity: '501' })).toMatchObject({ Action: 'Transfer-Error', Error: 'Insufficient Balance: 500 < 501' });
    expect(err({ Recipient: addr(2), Quantity: '0' })['Action']).toBe('Transfer-Error');
    expect(err({ Recipient: addr(2), Quantity: '1.5' })['Action']).toBe('Transfer-Error');
    expect(err({ Recipient: 'nobody', Quantity: '1' })['Action']).toBe('Transfer-Error');
    expect(h.balances()).toEqual({ [addr(1)]: '500' });
  });

  it('moves quantities beyond 2^63 exactly, with borrows across limbs', async () => {
    h = await Harness.create();
    const big = 10n ** 19n + 7n; // 10 M AO: past the 3.15 M gate and > 2^63
    h.mint('a', [[addr(1), big]]);
    h.send({ Action: 'Transfer', Recipient: addr(2), Quantity: '1000000000000000001' }, addr(1));
    expect(h.balances()).toEqual({ [addr(1)]: (big - 1_000_000_000_000_000_001n).toString(), [addr(2)]: '1000000000000000001' });
  });
});
