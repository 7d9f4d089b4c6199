import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessVm } from '../../devnet/ao-node/vm.ts';
import type { AoEnvelope, AoOutMessage, AoResult, ProcessEnv } from '../../devnet/ao-node/vm.ts';
import { Lua53Vm, lua53Missing } from './lua53.ts';

/**
 * ao/delegation.lua and ao/flp.lua under the node's aos slice, message by message, in
 * wasmoon (Lua 5.4) and in Debian's lua5.3. Each refusal is checked with its Error-Code and message,
 * and against the state before it: a refusal changes nothing.
 */
const DELEGATION = readFileSync(new URL('../../ao/delegation.lua', import.meta.url), 'utf8');
const FLP = readFileSync(new URL('../../ao/flp.lua', import.meta.url), 'utf8');
const id = (c: string): string => c.padEnd(43, c.toLowerCase());
const OWNER = id('O');
const PI = id('P');
const FLP_A = id('A');
const FLP_B = id('B');
const FLP_LATE = id('L');
const ALICE = id('W');
const BOB = id('X');
const MINTER = id('M');
const DELEGATION_PID = id('D');

interface Vm {
  readonly loaded: AoResult;
  apply(envelope: AoEnvelope, data: string): AoResult | Promise<AoResult>;
  dryRun(envelope: AoEnvelope, data: string): AoResult | Promise<AoResult>;
  close(): void;
}
const lua53Skip = lua53Missing();
if (lua53Skip !== null) console.warn(`\n*** ${lua53Skip} ***\n`);
const BACKENDS = [
  { name: 'wasmoon (Lua 5.4)', skip: null as string | null, create: (env: ProcessEnv, src: string): Promise<Vm> => ProcessVm.create(env, src) },
  { name: 'lua5.3', skip: lua53Skip, create: (env: ProcessEnv, src: string): Promise<Vm> => Lua53Vm.create(env, src) },
];
const tagsOf = (m: AoOutMessage): Record<string, string> => Object.fromEntries(m.Tags.map((t) => [t.name, t.value]));

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip !== null)(`delegation.lua and flp.lua on ${backend.name}`, () => {
    const vms: Vm[] = [];
    afterAll(() => vms.forEach((vm) => vm.close()));

    class Harness {
      seq = 0;
      constructor(
        readonly vm: Vm,
        readonly pid: string,
      ) {}
      static async create(pid: string, source: string, tags: Record<string, string>): Promise<Harness> {
        const vm = await backend.create({ Process: { Id: pid, Owner: OWNER, Tags: tags } }, source);
        vms.push(vm);
        return new Harness(vm, pid);
      }
      envelope(tags: Record<string, string>, from: string): AoEnvelope {
        this.seq++;
        return { Id: `msg-${this.seq}`, From: from, Owner: from, Target: this.pid, Timestamp: 1_741_900_000_000 + this.seq, 'Block-Height': this.seq, Tags: Object.entries(tags).map(([name, value]) => ({ name, value })) };
      }
      async answer(tags: Record<string, string>, from: string, data = ''): Promise<{ tags: Record<string, string>; data: string }> {
        const r = await this.vm.apply(this.envelope(tags, from), data);
        expect(r.Error).toBeUndefined();
        expect(r.Messages).toHaveLength(1);
        return { tags: tagsOf(r.Messages[0]!), data: r.Messages[0]!.Data };
      }
      async dry(tags: Record<string, string>, from: string): Promise<{ tags: Record<string, string>; data: string }> {
        const r = await this.vm.dryRun(this.envelope(tags, from), '');
        expect(r.Error).toBeUndefined();
        return { tags: tagsOf(r.Messages[0]!), data: r.Messages[0]!.Data };
      }
    }

    const delegation = (): Promise<Harness> => Harness.create(DELEGATION_PID, DELEGATION, { PI, FLPs: `${FLP_A},${FLP_B}`, 'Max-Targets': '3' });
    const set = (h: Harness, from: string, walletTo: string, factor: unknown, walletFrom = from) => h.answer({ Action: 'Set-Delegation' }, from, JSON.stringify({ walletFrom, walletTo, factor }));
    const prefsOf = async (h: Harness, wallet: string) => JSON.parse((await h.dry({ Action: 'Get-Delegations', Wallet: wallet }, wallet)).data) as { delegationPrefs: { walletTo: string; factor: number }[] };

    it('answers Get-Delegations in AO format: wallet, totalFactor "10000", prefs by walletTo with the undelegated rest as the wallet’s own entry, lastUpdate', async () => {
      const h = await delegation();
      // Nothing set: everything stays with the wallet, lastUpdate null.
      expect((await h.dry({ Action: 'Get-Delegations', Wallet: ALICE }, BOB)).data).toBe(`{"wallet":"${ALICE}","totalFactor":"10000","delegationPrefs":[{"walletTo":"${ALICE}","factor":10000}],"lastUpdate":null}`);
      const notice = await set(h, ALICE, PI, 2500);
      expect(notice.tags).toMatchObject({ Action: 'Set-Delegation-Notice', Wallet: ALICE, 'Wallet-To': PI, Factor: '2500', Seq: '1' });
      await set(h, ALICE, FLP_A, 5000); // message 3 (the dry run was 1), Timestamp 1741900000003
      // 10000 − 2500 − 5000 = 2500 stays with Alice; targets sorted by walletTo (A… < P… < W…).
      const answer = await h.dry({ Action: 'Get-Delegations', Wallet: ALICE }, BOB);
      expect(answer.tags['Wallet']).toBe(ALICE);
      expect(answer.data).toBe(
        `{"wallet":"${ALICE}","totalFactor":"10000","delegationPrefs":[{"walletTo":"${FLP_A}","factor":5000},{"walletTo":"${PI}","factor":2500},{"walletTo":"${ALICE}","factor":2500}],"lastUpdate":1741900000003}`,
      );
      // Without a Wallet tag: the sender's.
      expect(JSON.parse((await h.dry({ Action: 'Get-Delegations' }, ALICE)).data).wallet).toBe(ALICE);
    });

    it('factor 0 removes a target; a self entry counts towards the total; 100 % to one project leaves the wallet nothing', async () => {
      const h = await delegation();
      await set(h, ALICE, PI, 2500);
      await set(h, ALICE, PI, 0);
      expect((await prefsOf(h, ALICE)).delegationPrefs).toEqual([{ walletTo: ALICE, factor: 10000 }]);
      await set(h, ALICE, ALICE, 6000);
      const refused = await set(h, ALICE, PI, 5000);
      expect(refused.tags['Error-Code']).toBe('Total-Exceeded');
      await set(h, BOB, FLP_B, 10000);
      expect((await prefsOf(h, BOB)).delegationPrefs).toEqual([{ walletTo: FLP_B, factor: 10000 }]);
    });

    it('refuses bad input with a bounded Error-Code and message, and changes nothing', async () => {
      const h = await delegation();
      await set(h, ALICE, PI, 5000);
      const before = await h.dry({ Action: 'Get-Delegations-Since', Since: '0' }, BOB);
      const cases: [string, () => Promise<{ tags: Record<string, string> }>, string, RegExp][] = [
        ['a factor over 10000', () => set(h, ALICE, FLP_A, 10001), 'Invalid-Factor', /^factor 10001 is not in 0\.\.10000 \(basis points\)$/],
        ['a total over 100 %', () => set(h, ALICE, FLP_A, 6000), 'Total-Exceeded', new RegExp(`^factors of "${ALICE}" would add up to 11000, above 10000 \\(100 %\\)$`)],
        ['a factor under 5 %', () => set(h, ALICE, FLP_A, 499), 'Factor-Too-Small', /^factor 499 is below 500 \(5 %\); use 0 to remove a target$/],
        ['an unknown target', () => set(h, ALICE, BOB, 1000), 'Unknown-Target', new RegExp(`^walletTo "${BOB}" is not PI, a registered FLP or the wallet itself$`)],
        ['a wallet setting another’s preference', () => set(h, BOB, FLP_A, 1000, ALICE), 'Unauthorized', new RegExp(`^sender "${BOB}" may set only its own delegations, not those of "${ALICE}"$`)],
        ['a fractional factor', () => set(h, ALICE, FLP_A, 1000.5), 'Invalid-Factor', /^factor "1000\.5" is not an integer in 0\.\.10000$/],
        ['a factor as a string', () => set(h, ALICE, FLP_A, '1000'), 'Invalid-Factor', /^factor "1000" is not an integer/],
        ['a project delegating', () => set(h, FLP_A, PI, 1000), 'Project-Cannot-Delegate', new RegExp(`^walletFrom "${FLP_A}" is a project`)],
        ['a walletFrom that is no address', () => set(h, ALICE, PI, 1000, 'x'.repeat(5000)), 'Invalid-Wallet', /^walletFrom "x{48}…" \(5000 bytes\) is not an address$/],
        ['Data that is not JSON', () => h.answer({ Action: 'Set-Delegation' }, ALICE, '{oops'), 'Invalid-Data', /^Data is not JSON/],
        ['a fourth target (Max-Targets 3)', async () => {
          await set(h, ALICE, FLP_A, 1000);
          await set(h, ALICE, FLP_B, 1000);
          return set(h, ALICE, ALICE, 1000);
        }, 'Too-Many-Targets', /would have 4 targets; at most 3$/],
      ];
      for (const [what, run, code, message] of cases) {
        const r = await run();
        expect(r.tags['Action'], what).toBe('Delegation-Error');
        expect(r.tags['Error-Code'], what).toBe(code);
        expect(r.tags['Error'], what).toMatch(message);
        expect(r.tags['Error']!.length, what).toBeLessThanOrEqual(512);
      }
      // Only the two accepted messages of the last case changed anything: seq 1 → 3.
      const after = JSON.parse((await h.dry({ Action: 'Get-Delegations-Since', Since: '0' }, BOB)).data) as { until: number };
      expect(JSON.parse(before.data).until).toBe(1);
      expect(after.until).toBe(3);
      expect((await prefsOf(h, ALICE)).delegationPrefs).toEqual([
        { walletTo: FLP_A, factor: 1000 },
        { walletTo: FLP_B, factor: 1000 },
        { walletTo: PI, factor: 5000 },
        { walletTo: ALICE, factor: 3000 },
      ]);
    });

    it('Get-Delegations-Since lists the wallets changed after a sequence number, in change order, Limit at a time', async () => {
      const h = await delegation();
      await set(h, ALICE, PI, 1000); // seq 1
      await set(h, BOB, FLP_A, 2000); // seq 2
      await set(h, ALICE, PI, 3000); // seq 3: Alice's latest
      const all = JSON.parse((await h.dry({ Action: 'Get-Delegations-Since', Since: '0' }, BOB)).data);
      expect(all).toEqual({
        since: 0,
        until: 3,
        more: false,
        changes: [
          { wallet: BOB, seq: 2, lastUpdate: 1741900000002, delegationPrefs: [{ walletTo: FLP_A, factor: 2000 }, { walletTo: BOB, factor: 8000 }] },
          { wallet: ALICE, seq: 3, lastUpdate: 1741900000003, delegationPrefs: [{ walletTo: PI, factor: 3000 }, { walletTo: ALICE, factor: 7000 }] },
        ],
      });
      const first = JSON.parse((await h.dry({ Action: 'Get-Delegations-Since', Since: '0', Limit: '1' }, BOB)).data);
      expect(first).toMatchObject({ until: 2, more: true, changes: [{ wallet: BOB }] });
      const rest = JSON.parse((await h.dry({ Action: 'Get-Delegations-Since', Since: '2' }, BOB)).data);
      expect(rest).toMatchObject({ since: 2, until: 3, more: false, changes: [{ wallet: ALICE, seq: 3 }] });
      expect(JSON.parse((await h.dry({ Action: 'Get-Delegations-Since', Since: '3' }, BOB)).data)).toEqual({ since: 3, until: 3, more: false, changes: [] });
      expect((await h.dry({ Action: 'Get-Delegations-Since', Limit: '1001' }, BOB)).tags['Error-Code']).toBe('Invalid-Limit');
    });

    it('only the owner registers an FLP; a registered FLP is a valid target from then on', async () => {
      const h = await delegation();
      expect((await set(h, ALICE, FLP_LATE, 1000)).tags['Error-Code']).toBe('Unknown-Target');
      expect((await h.answer({ Action: 'Register-FLP', Process: FLP_LATE }, ALICE)).tags['Error-Code']).toBe('Unauthorized');
      expect((await h.answer({ Action: 'Register-FLP', Process: FLP_LATE }, OWNER)).tags['Action']).toBe('Register-FLP-Notice');
      expect((await set(h, ALICE, FLP_LATE, 1000)).tags['Action']).toBe('Set-Delegation-Notice');
      // A wallet with delegations cannot become a project (no cycles).
      expect((await h.answer({ Action: 'Register-FLP', Process: ALICE }, OWNER)).tags['Error-Code']).toBe('Project-Cannot-Delegate');
      expect(JSON.parse((await h.dry({ Action: 'Get-FLPs' }, BOB)).data)).toEqual([FLP_A, FLP_B, FLP_LATE]);
    });

    describe('flp.lua', () => {
      const flp = (): Promise<Harness> => Harness.create(FLP_A, FLP, { Minter: MINTER });
      const row = (mint: bigint, user: string, reportTo = FLP_A) => ({ Mint: mint.toString(), Yield: mint.toString(), User: user, Recipient: ALICE, Amount: '1000', ReportTo: reportTo, Token: 'AR' });
      const report = (h: Harness, reportId: string, rows: unknown, from = MINTER) => h.answer({ Action: 'Report.Mint', 'Report-Id': reportId }, from, JSON.stringify(rows));
      const yieldOf = async (h: Harness, user: string) => (await h.dry({ Action: 'Get-Yield', User: user }, BOB)).tags['Yield'];

      it('accumulates the Mint of the rows that name it, per user; a report id sent again changes nothing', async () => {
        const h = await flp();
        // 10^30 + 1 exceeds 2^63: exact decimal addition (10^30 + 1 + 5 = 10^30 + 6).
        const big = 10n ** 30n + 1n;
        const r = await report(h, 'rep-1', [row(big, ALICE), row(5n, ALICE), row(7n, BOB), row(100n, BOB, FLP_B)]);
        expect(r.tags).toMatchObject({ Action: 'Report-Notice', 'Report-Id': 'rep-1', Count: '3', Total: (big + 12n).toString() });
        expect(await yieldOf(h, ALICE)).toBe((big + 5n).toString());
        expect(await yieldOf(h, BOB)).toBe('7'); // the FLP_B row is not ours
        const again = await report(h, 'rep-1', [row(big, ALICE)]);
        expect(again.tags).toMatchObject({ Action: 'Report-Duplicate', 'Report-Id': 'rep-1', Count: '3', Total: (big + 12n).toString() });
        expect(await yieldOf(h, ALICE)).toBe((big + 5n).toString());
        const all = await h.dry({ Action: 'Get-Yield' }, BOB);
        expect(JSON.parse(all.data)).toEqual({ [ALICE]: (big + 5n).toString(), [BOB]: '7' });
        expect(all.tags['Total-Yield']).toBe((big + 12n).toString());
      });

      it('accepts Report.Mint only from the minter and refuses a malformed report whole', async () => {
        const h = await flp();
        const stranger = await report(h, 'rep-1', [row(5n, ALICE)], BOB);
        expect(stranger.tags['Action']).toBe('Report-Error');
        expect(stranger.tags['Error']).toBe(`sender "${BOB}" is not the minter; Report.Mint is accepted only from it`);
        const unequal = await report(h, 'rep-2', [row(5n, ALICE), { ...row(6n, BOB), Yield: '7' }]);
        expect(unequal.tags['Error']).toBe('row 2: Yield "7" differs from Mint "6"');
        const badMint = await report(h, 'rep-3', [row(5n, ALICE), { ...row(6n, BOB), Mint: '-6', Yield: '-6' }]);
        expect(badMint.tags['Error']).toBe('row 2: Mint "-6" is not a canonical decimal');
        expect((await h.answer({ Action: 'Report.Mint' }, MINTER, '[]')).tags['Error']).toMatch(/^Report-Id missing/);
        expect(await yieldOf(h, ALICE)).toBe('0');
        // A refused id is not remembered: the corrected report applies.
        expect((await report(h, 'rep-2', [row(5n, ALICE)])).tags['Action']).toBe('Report-Notice');
        expect(await yieldOf(h, ALICE)).toBe('5');
      });
    });
  });
}
