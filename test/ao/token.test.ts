import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ProcessVm } from '../../devnet/ao-node/vm.ts';
import type { AoEnvelope, AoOutMessage, AoResult, ProcessEnv } from '../../devnet/ao-node/vm.ts';
import { AO_ANNOUNCED, AO_MAINNET, gateTick, isTransferable, supplyAt } from '../../src/emission/index.ts';
import type { Policy } from '../../src/emission/index.ts';
import { transferGateOf } from '../../src/ledger/delivery/ao/index.ts';
import { Lua53Vm, lua53Missing } from './lua53.ts';

/**
 * ao/token.lua under the node's aos slice (devnet/ao-node/aos.lua), message by message — no HTTP, no
 * signatures (those are test/ao/node.test.ts). Every case runs twice: in wasmoon (Lua 5.4, what
 * the local node uses) and in Debian's lua5.3 interpreter (the Lua aos runs). Expected numbers are
 * exact BigInt sums; the gate tick 100,000 is the deployed law's (DESIGN.md §2: the AO
 * process refuses transfers while MintCount < 100000).
 */
const TOKEN = readFileSync(new URL('../../ao/token.lua', import.meta.url), 'utf8');
const MINTER = 'M'.padEnd(43, 'm');
const STRANGER = 'S'.padEnd(43, 's');
const PID = 'P'.padEnd(43, 'p');
const LOGO = 'L'.padEnd(43, 'l');
const MAX = 21n * 10n ** 18n; // DESIGN.md §2: 21,000,000 AO × 10^12
/** ANS-104: a tag value is at most 3,072 bytes and must not be empty. */
const TAG_VALUE_MAX = 3072;
const DEPLOYED_GATE_TICK = 100_000;
const addr = (i: number): string => {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(i, 28);
  return b.toString('base64url');
};

interface Vm {
  readonly loaded: AoResult;
  apply(envelope: AoEnvelope, data: string): AoResult | Promise<AoResult>;
  dryRun(envelope: AoEnvelope, data: string): AoResult | Promise<AoResult>;
  close(): void;
}
interface Backend {
  readonly name: string;
  readonly skip: string | null;
  create(env: ProcessEnv, source: string): Promise<Vm>;
}
const lua53Skip = lua53Missing();
// One loud line when the Lua 5.3 half cannot run (README: Tests).
if (lua53Skip !== null) console.warn(`\n*** ${lua53Skip} ***\n`);
const BACKENDS: Backend[] = [
  { name: 'wasmoon (Lua 5.4)', skip: null, create: (env, src) => ProcessVm.create(env, src) },
  { name: 'lua5.3', skip: lua53Skip, create: (env, src) => Lua53Vm.create(env, src) },
];

const tagsOf = (m: AoOutMessage): Record<string, string> => Object.fromEntries(m.Tags.map((t) => [t.name, t.value]));
const isPatch = (m: AoOutMessage): boolean => tagsOf(m)['device'] === 'patch@1.0';
const answers = (r: AoResult): AoOutMessage[] => r.Messages.filter((m) => !isPatch(m));
const patches = (r: AoResult): AoOutMessage[] => r.Messages.filter(isPatch);

interface Spawn {
  maxSupply?: bigint;
  gate?: string;
  logo?: string | null;
  extra?: Record<string, string>;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== null)(`token.lua on ${backend.name}`, () => {
    const vms: Vm[] = [];
    afterAll(() => {
      for (const vm of vms) vm.close();
    });

    class Harness {
      seq = 0;
      constructor(readonly vm: Vm) {}
      static async create(spawn: Spawn = {}, source = TOKEN): Promise<Harness> {
        const tags: Record<string, string> = { Minter: MINTER, 'Max-Supply': (spawn.maxSupply ?? MAX).toString(), 'Transfer-Gate': spawn.gate ?? 'mintCount:100000', ...spawn.extra };
        if (spawn.logo !== null) tags['Logo'] = spawn.logo ?? LOGO;
        const vm = await backend.create({ Process: { Id: PID, Owner: MINTER, Tags: tags } }, source);
        vms.push(vm);
        return new Harness(vm);
      }
      envelope(tags: Record<string, string>, from: string): AoEnvelope {
        this.seq++;
        return { Id: `msg-${this.seq}`, From: from, Owner: from, Target: PID, Timestamp: this.seq, 'Block-Height': this.seq, Tags: Object.entries(tags).map(([name, value]) => ({ name, value })) };
      }
      async send(tags: Record<string, string>, from = MINTER, data = ''): Promise<AoResult> {
        return this.vm.apply(this.envelope(tags, from), data);
      }
      async answer(tags: Record<string, string>, from = MINTER, data = ''): Promise<Record<string, string>> {
        const r = await this.send(tags, from, data);
        expect(r.Error).toBeUndefined();
        return tagsOf(answers(r)[0]!);
      }
      async dry(tags: Record<string, string>, from = MINTER, data = ''): Promise<AoResult> {
        return this.vm.dryRun(this.envelope(tags, from), data);
      }
      mintTags(batchId: string, entries: [string, bigint][], over: Record<string, string> = {}): Record<string, string> {
        const total = entries.reduce((s, [, q]) => s + q, 0n);
        return { Action: 'Mint-Batch', 'Batch-Id': batchId, 'Settlement-Id': 'ar:1-2', 'From-Tick': '1', 'To-Tick': '2', Count: String(entries.length), Total: total.toString(), ...over };
      }
      async mintResult(batchId: string, entries: [string, bigint][], over: Record<string, string> = {}, from = MINTER, data?: string): Promise<AoResult> {
        return this.send(this.mintTags(batchId, entries, over), from, data ?? JSON.stringify(entries.map(([r, q]) => [r, q.toString()])));
      }
      async mint(batchId: string, entries: [string, bigint][], over: Record<string, string> = {}, from = MINTER, data?: string): Promise<Record<string, string>> {
        const r = await this.mintResult(batchId, entries, over, from, data);
        expect(r.Error).toBeUndefined();
        expect(answers(r)).toHaveLength(1);
        return tagsOf(answers(r)[0]!);
      }
      async balances(): Promise<Record<string, string>> {
        return JSON.parse(answers(await this.dry({ Action: 'Balances' }))[0]!.Data) as Record<string, string>;
      }
      async supply(): Promise<bigint> {
        return BigInt(answers(await this.dry({ Action: 'Total-Supply' }))[0]!.Data);
      }
      /** Everything a refusal must leave unchanged. */
      async state(): Promise<unknown> {
        const info = tagsOf(answers(await this.dry({ Action: 'Info' }, STRANGER))[0]!);
        return { balances: await this.balances(), supply: info['Total-Supply'], mintCount: info['MintCount'], transferable: info['Transferable'] };
      }
    }

    /** Every answer's tags are non-empty and fit ANS-104 (patch messages never become data items). */
    function expectValidTags(r: AoResult): void {
      for (const m of answers(r)) {
        for (const t of m.Tags) {
          expect(t.value, `tag ${t.name}`).not.toBe('');
          expect(Buffer.byteLength(t.value), `tag ${t.name}`).toBeLessThanOrEqual(TAG_VALUE_MAX);
        }
      }
    }

    describe('what aos does before and around the module (the slice reproduces it)', () => {
      const probe = `Handlers.add('p', 'Probe', function(msg) msg.reply({ Name = Name, Kind = type(msg.Data), Empty = require('json').encode({}) }) end)`;

      it('sets the global Name to "aos" (no Name spawn tag) before the module loads, as aos does', async () => {
        const p = await Harness.create({}, probe);
        expect(await p.answer({ Action: 'Probe' })).toMatchObject({ Name: 'aos' });
      });

      it('decodes a Content-Type: application/json Data into a table before the handlers run, and encodes {} as []', async () => {
        const p = await Harness.create({}, probe);
        expect(await p.answer({ Action: 'Probe', 'Content-Type': 'application/json' }, MINTER, '[1]')).toMatchObject({ Kind: 'table', Empty: '[]' });
        expect(await p.answer({ Action: 'Probe' }, MINTER, '[1]')).toMatchObject({ Kind: 'string' });
        // A Data that does not decode fails the whole message, before any handler.
        const bad = await p.send({ Action: 'Probe', 'Content-Type': 'application/json' }, MINTER, '[1');
        expect(bad.Error).toBeDefined();
        expect(bad.Messages).toHaveLength(0);
      });

      it('msg.reply carries X-Reference from the request (X-Reference, else Reference)', async () => {
        const h = await Harness.create();
        expect(await h.answer({ Action: 'Info', Reference: '41' }, STRANGER)).toMatchObject({ 'X-Reference': '41', 'Message-Id': `msg-${h.seq}` });
        expect(await h.answer({ Action: 'Info', Reference: '41', 'X-Reference': '7' }, STRANGER)).toMatchObject({ 'X-Reference': '7' });
        // A reference no tag could carry (only a dry-run can send one) is not echoed.
        const huge = await h.dry({ Action: 'Info', Reference: 'r'.repeat(5_000) }, STRANGER);
        expectValidTags(huge);
        expect(tagsOf(answers(huge)[0]!)['X-Reference']).toBeUndefined();
      });
    });

    describe('standard token handlers', () => {
      let h: Harness;
      beforeEach(async () => {
        h = await Harness.create();
      });

      it('Info answers Name AO (not aos\'s "aos"), Ticker, Logo, Denomination 12, Transferable, MintCount, Minted-Supply, and a lower-case JSON Data', async () => {
        const r = await h.send({ Action: 'Info' }, STRANGER);
        expectValidTags(r);
        const m = answers(r)[0]!;
        expect(m.Target).toBe(STRANGER);
        expect(tagsOf(m)).toMatchObject({
          Name: 'AO', Ticker: 'AO', Logo: LOGO, Denomination: '12', Transferable: 'false', MintCount: '0', 'Minted-Supply': '0',
          'Total-Supply': '0', 'Max-Supply': MAX.toString(), Minter: MINTER, 'Transfer-Gate': 'mintCount:100000', 'Message-Id': `msg-${h.seq}`,
        });
        expect(JSON.parse(m.Data)).toMatchObject({ name: 'AO', ticker: 'AO', logo: LOGO, denomination: '12', supply: '0', transferable: false });
      });

      it('takes its name from Token-Name (aos\'s Name spawn tag is the process name)', async () => {
        const named = await Harness.create({ extra: { Name: 'my-aos-process', 'Token-Name': 'Arweave AO' } });
        expect(await named.answer({ Action: 'Info' })).toMatchObject({ Name: 'Arweave AO' });
      });

      it('without a configured Logo answers no Logo tag rather than an empty one', async () => {
        const bare = await Harness.create({ logo: null });
        const r = await bare.send({ Action: 'Info' });
        expectValidTags(r);
        expect(tagsOf(answers(r)[0]!)['Logo']).toBeUndefined();
      });

      it('Balance reads Recipient, else Target, else the sender (a dry run\'s Owner); answers Balance, Ticker, Account and the amount as Data', async () => {
        await h.mint('b', [[addr(1), 7n]]);
        const byRecipient = answers(await h.send({ Action: 'Balance', Recipient: addr(1) }, STRANGER))[0]!;
        expect(tagsOf(byRecipient)).toMatchObject({ Balance: '7', Account: addr(1), Ticker: 'AO' });
        expect(byRecipient.Data).toBe('7');
        expect((await h.answer({ Action: 'Balance', Target: addr(1) }, STRANGER))['Balance']).toBe('7');
        expect(answers(await h.dry({ Action: 'Balance' }, addr(1)))[0]!.Data).toBe('7');
        expect(await h.answer({ Action: 'Balance' }, STRANGER)).toMatchObject({ Balance: '0', Account: STRANGER });
      });

      it('Balances is a JSON object of decimal strings: {} with no holders, though aos encodes an empty table as []', async () => {
        expect(answers(await h.dry({ Action: 'Balances' }))[0]!.Data).toBe('{}');
        await h.mint('b', [[addr(1), 5n], [addr(2), 6n]]);
        expect(await h.balances()).toEqual({ [addr(1)]: '5', [addr(2)]: '6' });
      });

      it('Total-Supply and Minted-Supply answer the minted supply as Data and tags', async () => {
        await h.mint('b', [[addr(1), 5n]], { 'To-Tick': '9' });
        expect(answers(await h.send({ Action: 'Total-Supply' }))[0]!).toMatchObject({ Data: '5' });
        expect(await h.answer({ Action: 'Total-Supply' })).toMatchObject({ Action: 'Total-Supply', 'Total-Supply': '5', Ticker: 'AO', 'Max-Supply': MAX.toString() });
        expect(await h.answer({ Action: 'Minted-Supply' })).toMatchObject({ Action: 'Minted-Supply', 'Minted-Supply': '5', MintCount: '9', Ticker: 'AO' });
      });

      it('a dry-run changes nothing, even one that would mint', async () => {
        const dry = await h.vm.dryRun(h.envelope(h.mintTags('x', [[addr(1), 9n]]), MINTER), `[["${addr(1)}","9"]]`);
        expect(tagsOf(answers(dry)[0]!).Action).toBe('Mint-Batch-Notice');
        expect(await h.supply()).toBe(0n);
        expect(await h.balances()).toEqual({});
        expect((await h.mint('x', [[addr(1), 9n]])).Action).toBe('Mint-Batch-Notice');
      });

      it('the module sends its token-info patch when it loads', () => {
        expect(h.vm.loaded.Messages.map(tagsOf)).toEqual([expect.objectContaining({ device: 'patch@1.0' })]);
        expect(JSON.parse(tagsOf(h.vm.loaded.Messages[0]!)['token-info']!)).toEqual({ name: 'AO', ticker: 'AO', logo: LOGO, denomination: '12', supply: '0' });
      });
    });

    describe('Mint-Batch', () => {
      let h: Harness;
      beforeEach(async () => {
        h = await Harness.create();
      });

      it('mints a batch of 10,000 credits exactly: every balance and the supply are the BigInt sums', async () => {
        // 2,000 AO each: the running total passes 2^63 ≈ 9.2·10^18 at about credit 4,612 and ends at
        // ≈ 2.00005·10^19 (under the 2.1·10^19 cap), so Lua integers could not hold it.
        const entries: [string, bigint][] = Array.from({ length: 10_000 }, (_, i) => [addr(i), 2n * 10n ** 15n + BigInt(i) * 1_000_003n]);
        const total = entries.reduce((s, [, q]) => s + q, 0n);
        expect(total > 2n ** 63n).toBe(true);
        const notice = await h.mint('batch-1', entries);
        expect(notice).toMatchObject({ Action: 'Mint-Batch-Notice', 'Batch-Id': 'batch-1', Count: '10000', Total: total.toString(), 'Total-Supply': total.toString() });
        const balances = await h.balances();
        expect(Object.keys(balances)).toHaveLength(10_000);
        for (const [r, q] of entries) expect(balances[r]).toBe(q.toString());
        expect(await h.supply()).toBe(total);
      });

      it('sends a patch@1.0 after a mint with exactly the changed balances and the new supply', async () => {
        await h.mint('a', [[addr(1), 5n]]);
        const r = await h.mintResult('b', [[addr(1), 2n], [addr(2), 3n]]);
        const [p] = patches(r);
        expect(patches(r)).toHaveLength(1);
        expect(p!.Target).toBeUndefined();
        expect(JSON.parse(tagsOf(p!)['balances']!)).toEqual({ [addr(1)]: '7', [addr(2)]: '3' });
        expect(JSON.parse(tagsOf(p!)['token-info']!)).toMatchObject({ name: 'AO', ticker: 'AO', logo: LOGO, denomination: '12', supply: '10' });
      });

      it('accepts the batch as Content-Type: application/json (aos hands the handler a decoded table)', async () => {
        const r = await h.mintResult('j', [[addr(1), 4n], [addr(2), 6n]], { 'Content-Type': 'application/json' });
        expect(tagsOf(answers(r)[0]!)).toMatchObject({ Action: 'Mint-Batch-Notice', Total: '10' });
        expect(await h.balances()).toEqual({ [addr(1)]: '4', [addr(2)]: '6' });
      });

      it('a Batch-Id applied once is answered as a duplicate and not applied again', async () => {
        await h.mint('b1', [[addr(1), 10n]]);
        const dup = await h.mintResult('b1', [[addr(1), 10n]]);
        expect(tagsOf(answers(dup)[0]!)).toMatchObject({ Action: 'Mint-Batch-Duplicate', 'Batch-Id': 'b1', Total: '10', Count: '1', 'Applied-Seq': '1' });
        expect(patches(dup)).toHaveLength(0);
        expect(await h.mint('b1', [[addr(2), 99n]])).toMatchObject({ Action: 'Mint-Batch-Duplicate', Total: '10' });
        expect(await h.balances()).toEqual({ [addr(1)]: '10' });
      });

      it('a batch from anyone but the minter is a Mint-Error and changes nothing', async () => {
        const err = await h.mint('b1', [[addr(1), 10n]], {}, STRANGER);
        expect(err).toMatchObject({ Action: 'Mint-Error', 'Batch-Id': 'b1', Error: `Sender "${STRANGER}" is not the minter` });
        expect(await h.supply()).toBe(0n);
        expect((await h.mint('b1', [[addr(1), 10n]])).Action).toBe('Mint-Batch-Notice');
      });

      it('refuses a batch beyond the max supply and accepts one that reaches it exactly', async () => {
        h = await Harness.create({ maxSupply: 1_000n });
        await h.mint('a', [[addr(1), 600n]]);
        expect((await h.mint('b', [[addr(2), 300n], [addr(3), 101n]]))['Error']).toBe('Total-Supply would be 1001, beyond Max-Supply 1000');
        expect(await h.balances()).toEqual({ [addr(1)]: '600' });
        expect((await h.mint('c', [[addr(2), 400n]])).Action).toBe('Mint-Batch-Notice');
        expect(await h.supply()).toBe(1_000n);
        expect((await h.mint('d', [[addr(2), 1n]]))['Error']).toBe('Total-Supply would be 1001, beyond Max-Supply 1000');
      });

      it('names what is wrong with a malformed Data precisely', async () => {
        const one: [string, bigint][] = [[addr(1), 5n]];
        const a = addr(1);
        const cases: [string, string][] = [
          [`[["${a}","5"]`, 'Data: Data ends after entry 1 without the closing ]'],
          [`[["${a}","5"]]]`, 'Data: the array closes after entry 1 but more follows at byte 54'],
          [`[["${a}","5"];`, 'Data: after entry 1 comes ";" at byte 53; expected , before the next entry or ] to close the array'],
          [`[["${a}",5]]`, 'Data: entry 1 (at byte 2) is not ["<recipient>","<quantity>"] with two plain strings'],
          ['nonsense', 'Data: Data is not a JSON array (it does not start with [)'],
        ];
        for (const [data, reason] of cases) expect((await h.mint(`bad-${data}`, one, {}, MINTER, data))['Error'], data).toBe(reason);
      });

      it('sums any batch exactly (property: random quantities up to 2^80, Total off by one is refused)', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.bigInt({ min: 1n, max: 2n ** 80n }), { minLength: 1, maxLength: 40 }), fc.boolean(), async (qs, offByOne) => {
            const entries: [string, bigint][] = qs.map((q, i) => [addr(i), q]);
            const total = qs.reduce((s, q) => s + q, 0n);
            const before = await h.supply();
            const id = `p-${h.seq}`;
            if (offByOne) {
              expect((await h.mint(id, entries, { Total: (total + 1n).toString() }))['Action']).toBe('Mint-Error');
              expect(await h.supply()).toBe(before);
            } else if (before + total <= MAX) {
              expect(await h.mint(id, entries)).toMatchObject({ Action: 'Mint-Batch-Notice', Total: total.toString(), 'Total-Supply': (before + total).toString() });
            }
          }),
          { numRuns: 40, seed: 7 },
        );
        const sum = Object.values(await h.balances()).reduce((s, v) => s + BigInt(v), 0n);
        expect(sum).toBe(await h.supply());
      });
    });

    describe('bad input to every handler: a bounded error tag, nothing changed', () => {
      const big = 'x'.repeat(5_000);
      const digits79 = '1'.repeat(79);

      it('Mint-Batch: non-strings, negatives, leading zeros, 79 digits, 5 kB values, a JSON Data that is not the shape', async () => {
        const h = await Harness.create();
        await h.mint('seed', [[addr(1), 5n]], { 'To-Tick': '3' });
        const before = await h.state();
        const one: [string, bigint][] = [[addr(2), 5n]];
        const a = addr(2);
        const cases: [Record<string, string>, string | undefined, string][] = [
          [{ 'Batch-Id': big }, undefined, 'Batch-Id "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (5000 bytes) is missing or longer than 128 characters'],
          [{ 'Settlement-Id': big }, undefined, 'Settlement-Id "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (5000 bytes) is missing or longer than 128 characters'],
          [{ 'From-Tick': '-1' }, undefined, 'From-Tick "-1" is not a tick number (at most 15 digits, no leading zeros)'],
          [{ 'To-Tick': '007' }, undefined, 'To-Tick "007" is not a tick number (at most 15 digits, no leading zeros)'],
          [{ 'From-Tick': '9', 'To-Tick': '8' }, undefined, 'From-Tick 9 is after To-Tick 8'],
          [{ Count: '-1' }, undefined, 'Count "-1" is not a positive integer'],
          [{ Total: '05' }, undefined, 'Total "05" is not a decimal string of base units (no sign, no leading zeros, at most 78 digits)'],
          [{ Total: digits79 }, undefined, `Total "${'1'.repeat(48)}…" (79 bytes) is not a decimal string of base units (no sign, no leading zeros, at most 78 digits)`],
          [{}, `[["${big}","5"]]`, 'entry 1: recipient "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (5000 bytes) is not an address'],
          [{}, `[["${a}","-5"]]`, 'entry 1: quantity "-5" is not a positive decimal string'],
          [{}, `[["${a}","05"]]`, 'entry 1: quantity "05" is not a positive decimal string'],
          [{ Total: digits79 }, `[["${a}","${digits79}"]]`, `Total "${'1'.repeat(48)}…" (79 bytes)`],
          [{ 'Content-Type': 'application/json' }, `[["${a}",5]]`, 'Data: entry 1 is not ["<recipient>","<quantity>"] with two strings'],
          [{ 'Content-Type': 'application/json' }, `{"${a}":"5"}`, 'Data: Data (decoded JSON) is not an array of entries'],
          [{ 'Content-Type': 'application/json' }, '"5"', 'Data: Data is not a JSON array (it does not start with [)'],
          [{ 'Content-Type': 'application/json' }, '[5]', 'Data: entry 1 is a number, not ["<recipient>","<quantity>"]'],
        ];
        for (const [over, data, reason] of cases) {
          const r = await h.mintResult(`bad-${h.seq}`, one, over, MINTER, data);
          expectValidTags(r);
          expect(patches(r)).toHaveLength(0);
          const t = tagsOf(answers(r)[0]!);
          expect(t['Action'], reason).toBe('Mint-Error');
          expect(t['Error'], JSON.stringify(over)).toContain(reason);
        }
        expect(await h.state()).toEqual(before);
      });

      it('Transfer and Balance: non-addresses, negatives, leading zeros, 79 digits, 5 kB values', async () => {
        const h = await Harness.create({ gate: 'mintCount:1' });
        await h.mint('seed', [[addr(1), 500n]]);
        const before = await h.state();
        const transfer: [Record<string, string>, string][] = [
          [{ Recipient: big, Quantity: '1' }, 'Recipient "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…" (5000 bytes) is not an address; expected 43 base64url characters or 0x and 40 hex digits'],
          [{ Quantity: '1' }, 'Recipient missing is not an address'],
          [{ Recipient: addr(2), Quantity: '-1' }, 'Quantity "-1" is not a positive decimal string of base units'],
          [{ Recipient: addr(2), Quantity: '01' }, 'Quantity "01" is not a positive decimal string'],
          [{ Recipient: addr(2), Quantity: '1.5' }, 'Quantity "1.5" is not a positive decimal string'],
          [{ Recipient: addr(2), Quantity: '0' }, 'Quantity "0" is not a positive decimal string'],
          [{ Recipient: addr(2), Quantity: digits79 }, `Quantity "${'1'.repeat(48)}…" (79 bytes)`],
          [{ Recipient: addr(2), Quantity: big }, '(5000 bytes) is not a positive decimal string'],
          [{ Recipient: addr(2), Quantity: '1', 'X-Memo': 'y'.repeat(3_100) }, 'Tag "X-Memo" is 3100 bytes; a forwarded tag must fit 3072'],
          [{ Recipient: addr(2), Quantity: '501' }, 'Insufficient Balance: 500 < 501'],
        ];
        for (const [tags, reason] of transfer) {
          const r = await h.send({ Action: 'Transfer', ...tags }, addr(1));
          expectValidTags(r);
          expect(patches(r)).toHaveLength(0);
          expect(tagsOf(answers(r)[0]!)).toMatchObject({ Action: 'Transfer-Error', 'Message-Id': `msg-${h.seq}` });
          expect(tagsOf(answers(r)[0]!)['Error']).toContain(reason);
        }
        for (const account of [big, '-1', 'short']) {
          const r = await h.send({ Action: 'Balance', Recipient: account }, STRANGER);
          expectValidTags(r);
          expect(tagsOf(answers(r)[0]!)).toMatchObject({ Action: 'Balance-Error' });
        }
        // JSON Data given to a read-only handler is decoded by aos and ignored by the handler.
        expect(await h.answer({ Action: 'Balances', 'Content-Type': 'application/json' }, STRANGER, '{"a":1}')).toBeDefined();
        expect(await h.state()).toEqual(before);
      });

      it('a module refuses to load with a bad Transfer-Gate or no Minter', async () => {
        await expect(Harness.create({ gate: 'supplyShare:16/15' })).rejects.toThrow('Transfer-Gate is not mintCount:N or supplyShare:P/Q');
        await expect(Harness.create({ extra: { Minter: '' } })).rejects.toThrow('Minter is not configured');
      });
    });

    describe('Transfer and the gate', () => {
      it(`mintCount:100000 (deployed): refused while the minter has reached tick ${DEPLOYED_GATE_TICK - 1}, open once a batch reaches tick ${DEPLOYED_GATE_TICK}`, async () => {
        const h = await Harness.create();
        await h.mint('a', [[addr(1), 149n]], { 'From-Tick': '99990', 'To-Tick': String(DEPLOYED_GATE_TICK - 1) });
        const refused = await h.answer({ Action: 'Transfer', Recipient: addr(2), Quantity: '10' }, addr(1));
        expect(refused).toMatchObject({ Action: 'Transfer-Error', Error: 'AO is not transferable yet: the minter has reached tick 99999, transfers open at tick 100000' });
        expect((await h.answer({ Action: 'Info' }))['Transferable']).toBe('false');
        // A batch of an earlier tick range (delivered late) does not lower the tick reached.
        await h.mint('late', [[addr(3), 1n]], { 'From-Tick': '5', 'To-Tick': '6' });
        await h.mint('b', [[addr(3), 1n]], { 'From-Tick': String(DEPLOYED_GATE_TICK), 'To-Tick': String(DEPLOYED_GATE_TICK) });
        expect(await h.answer({ Action: 'Info' })).toMatchObject({ Transferable: 'true', MintCount: '100000' });
        const r = await h.send({ Action: 'Transfer', Recipient: addr(2), Quantity: '10', 'X-Memo': 'rent', 'Y-Other': 'no' }, addr(1));
        const [debit, credit] = answers(r).map(tagsOf);
        expect(answers(r)[0]!.Target).toBe(addr(1));
        expect(debit).toMatchObject({ Action: 'Debit-Notice', Recipient: addr(2), Quantity: '10', 'X-Memo': 'rent' });
        expect(answers(r)[1]!.Target).toBe(addr(2));
        expect(credit).toMatchObject({ Action: 'Credit-Notice', Sender: addr(1), Quantity: '10', 'X-Memo': 'rent' });
        expect(credit!['Y-Other']).toBeUndefined();
        expect(await h.balances()).toEqual({ [addr(1)]: '139', [addr(2)]: '10', [addr(3)]: '2' });
      });

      it('supplyShare:15/100 (announced): refused below 15 % of the max supply, allowed from exactly 15 %', async () => {
        const h = await Harness.create({ maxSupply: 1_000n, gate: 'supplyShare:15/100' });
        await h.mint('a', [[addr(1), 149n]], { 'To-Tick': '200000' });
        expect((await h.answer({ Action: 'Transfer', Recipient: addr(2), Quantity: '10' }, addr(1)))['Error']).toBe('AO is not transferable yet: Total-Supply 149 is below 15/100 of Max-Supply 1000');
        await h.mint('b', [[addr(3), 1n]]);
        expect((await h.answer({ Action: 'Transfer', Recipient: addr(2), Quantity: '10' }, addr(1)))['Action']).toBe('Debit-Notice');
        expect((await h.answer({ Action: 'Info' }))['Transfer-Gate']).toBe('supplyShare:15/100');
      });

      it('sends a patch@1.0 after a transfer with exactly the two changed balances (also with Cast)', async () => {
        const h = await Harness.create({ gate: 'mintCount:1' });
        await h.mint('a', [[addr(1), 100n], [addr(3), 1n]]);
        for (const cast of [false, true]) {
          const r = await h.send({ Action: 'Transfer', Recipient: addr(2), Quantity: '10', ...(cast && { Cast: 'true' }) }, addr(1));
          expect(patches(r)).toHaveLength(1);
          expect(answers(r)).toHaveLength(cast ? 0 : 2);
          expect(JSON.parse(tagsOf(patches(r)[0]!)['balances']!)).toEqual(cast ? { [addr(1)]: '80', [addr(2)]: '20' } : { [addr(1)]: '90', [addr(2)]: '10' });
        }
      });

      // The process and the engine agree on the gate: the Transfer-Gate tag made from the law opens
      // the process exactly at the engine's gateTick (100,000 for ao-mainnet; for ao-announced the
      // first tick whose supply reaches 15 %, with every mint up to it delivered).
      const agreement: [Policy, number][] = [
        [AO_MAINNET, DEPLOYED_GATE_TICK],
        [AO_ANNOUNCED, gateTick(AO_ANNOUNCED)!],
      ];
      for (const [policy, expectedGate] of agreement) {
        it(`opens where the engine's gate opens for ${policy.id} (ticks ${expectedGate - 1} and ${expectedGate})`, async () => {
          expect(gateTick(policy)).toBe(expectedGate);
          const h = await Harness.create({ gate: transferGateOf(policy) });
          let minted = 0n;
          for (const tick of [expectedGate - 1, expectedGate]) {
            const supply = supplyAt(policy.curve, tick);
            await h.mint(`to-${tick}`, [[addr(tick), supply - minted]], { 'From-Tick': String(tick), 'To-Tick': String(tick) });
            minted = supply;
            const info = await h.answer({ Action: 'Info' });
            expect(info['Transferable'], `tick ${tick}`).toBe(String(isTransferable(policy, tick)));
            expect(info['Transferable']).toBe(String(tick >= expectedGate));
          }
        });
      }

      it('moves quantities beyond 2^63 exactly, with borrows across limbs', async () => {
        const h = await Harness.create({ gate: 'mintCount:1' });
        const big = 10n ** 19n + 7n;
        await h.mint('a', [[addr(1), big]]);
        await h.send({ Action: 'Transfer', Recipient: addr(2), Quantity: '1000000000000000001' }, addr(1));
        expect(await h.balances()).toEqual({ [addr(1)]: (big - 1_000_000_000_000_000_001n).toString(), [addr(2)]: '1000000000000000001' });
      });
    });
  });
}
