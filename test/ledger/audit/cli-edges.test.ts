import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArweaveAddress } from '../../../src/address.ts';
import { ManualClock } from '../../../src/clock.ts';
import { AO_MAINNET, flatPolicy } from '../../../src/emission/policy.ts';
import { DEFAULT_GENESIS_MS } from '../../../src/emission/ticks.ts';
import { openLedger } from '../../../src/ledger/index.ts';
import type { TickInput } from '../../../src/ledger/index.ts';
import { cliCaptured as cli } from '../../support/cli.ts';
import { formatAo, wei, winston } from '../../../src/units.ts';


// An Arweave address beginning with '-' (1 in 64 of them; the demo had one).
const DASH = '-CcZZ_k3vQJ9bWq2Xr8YtP0uLmNoA1sD4fG6hJ7kLzx' as ArweaveAddress;
const OTHER = 'QcZZ_k3vQJ9bWq2Xr8YtP0uLmNoA1sD4fG6hJ7kLzxy' as ArweaveAddress;

let dir: string;
let url: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ao-audit-edges-'));
  url = `sqlite:${join(dir, 'ledger.db')}`;
  const ledger = await openLedger({ url, clock: new ManualClock(DEFAULT_GENESIS_MS) });
  await ledger.migrate();
  const pin = { chain: 'arweave' as const, height: '1', hash: 'h1', timeMs: DEFAULT_GENESIS_MS };
  const tick = (k: number): TickInput => ({
    tick: k,
    genesisMs: DEFAULT_GENESIS_MS,
    policy: AO_MAINNET,
    snapshots: k === 1 ? [{ pool: 'ar', pin, complete: false, cursor: '{}', notes: [], updates: [{ account: DASH, recipient: DASH, weight: winston(3n) }, { account: OTHER, recipient: OTHER, weight: winston(1n) }] }] : [],
  });
  await ledger.applyTick(tick(1));
  await ledger.applyTick(tick(2));
  await ledger.settle('ar', 2);
  await ledger.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('addresses that begin with "-"', () => {
  it('audit statement takes one as its address, before or after the options', async () => {
    for (const argv of [['audit', 'statement', DASH, '--database', url, '--json'], ['audit', 'statement', '--database', url, '--json', DASH], ['audit', 'statement', '--database', url, '--json', '--', DASH]]) {
      const r = await cli(...argv);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const s = JSON.parse(r.out) as { address: string; credited: string };
      expect(s.address).toBe(DASH);
      // 3/4 of ticks 1–2's AR mint, rounded down (settle.ts): positive, and more than OTHER's 1/4.
      expect(BigInt(s.credited)).toBeGreaterThan(0n);
    }
  });

  it('audit proof takes one as its address', async () => {
    const r = await cli('audit', 'proof', DASH, '--settlement', 'ar:1-2', '--database', url);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { leaf: [string, string] }).leaf[0]).toBe(DASH);
  });

  it('an unknown option is still refused with exit 2', async () => {
    expect((await cli('audit', 'statement', DASH, '--databse', url)).code).toBe(2);
  });
});

describe('read-only commands on a path with no ledger', () => {
  it('exit 2 with one line naming the path, and create no file or folder', async () => {
    const missing = join(dir, 'missing', 'dir', 'x.sqlite');
    for (const argv of [['audit', 'verify'], ['audit', 'statement', OTHER], ['audit', 'proof', OTHER, '--settlement', 'ar:1-2'], ['audit', 'export', join(dir, 'out')]]) {
      const r = await cli(...argv, '--database', `sqlite:${missing}`);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`ao-emission: database: no ledger at ${missing} (no such file)\n`);
      expect(existsSync(join(dir, 'missing'))).toBe(false);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    }
  });

  it('an existing file that holds no ledger is exit 2, and stays as it was', async () => {
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    const r = await cli('audit', 'verify', '--database', `sqlite:${empty}`);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`ao-emission: database: no ledger in ${empty} (no ticks table; is this the right file?)\n`);
    expect(existsSync(`${empty}-wal`)).toBe(false);
  });
});

describe('messages', () => {
  it('the first divergence of a deleted weight change names its tick, pool and the accounts it changed', async () => {
    const copy = join(dir, 'tampered.db');
    copyFileSync(join(dir, 'ledger.db'), copy);
    const tampered = await openLedger({ url: `sqlite:${copy}` });
    await tampered.db.run("DELETE FROM weight_changes WHERE tick = 1 AND pool = 'ar'");
    await tampered.close();
    const r = await cli('audit', 'verify', '--database', `sqlite:${copy}`);
    expect(r.code).toBe(1);
    // Tick 1 logged the two joins (beforeAll); with the row gone the replay finds none. The stored
    // rows say both joined at tick 1: the first (in key order) is named, the other counted.
    expect(r.err).toContain(`ao-emission: audit: first divergence: tick 1, pool ar, account ${DASH} (+1 more): tick.change_count expected 0, found 2\n`);
  });

  it('proof for an address absent from the settlement says so plainly', async () => {
    const absent = 'Zz'.padEnd(43, 'Q');
    const r = await cli('audit', 'proof', absent, '--settlement', 'ar:1-2', '--database', url);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`ao-emission: settlement ar:1-2 has no credit to ${absent}\n`);
  });
});

describe('address operands are validated', () => {
  it('"not an address" is exit 2 with one line naming the argument, for statement and proof', async () => {
    for (const argv of [['audit', 'statement', 'not an address'], ['audit', 'proof', 'not an address', '--settlement', 'ar:1-2']]) {
      const r = await cli(...argv, '--database', url);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toBe('ao-emission: address: "not an address" is not an address; expected an Arweave address (43 base64url characters), a 0x EVM address or a base58 Solana address\n');
    }
  });

  it('a 0x address with a wrong EIP-55 checksum is a bad checksum, a short one is not an EVM address', async () => {
    // EIP-55's own example 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed with its first letter's case flipped.
    const r = await cli('audit', 'statement', '0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '--database', url);
    expect(r.code).toBe(2);
    expect(r.err).toBe('ao-emission: address: "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed" has a bad EIP-55 checksum; expected 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n');
    expect((await cli('audit', 'statement', '0x1234', '--database', url)).err).toBe('ao-emission: address: "0x1234" is not an EVM address; expected 0x and 40 hex digits\n');
  });

  it('a base58 Solana address is accepted (an empty statement, exit 0)', async () => {
    const r = await cli('audit', 'statement', '11111111111111111111111111111111', '--database', url, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as { lines: unknown[] }).lines).toEqual([]);
  });
});

describe('audit statement, human output', () => {
  // A stETH depositor (the Ethereum source stores its key in lower case) credited to OTHER.
  const DEPOSITOR = '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed';
  // The bridge pools' share follows the AO yield of their deposits (as in fixture.ts's quotes).
  const STETH_QUOTE = { asset: 'stETH', decimals: 18, priceUsd: '3000', apr: '0.03', priceSource: 'config', aprSource: 'config' } as const;
  let depositUrl: string;
  beforeAll(async () => {
    depositUrl = `sqlite:${join(dir, 'deposit.db')}`;
    const ledger = await openLedger({ url: depositUrl, clock: new ManualClock(DEFAULT_GENESIS_MS) });
    await ledger.migrate();
    const pin = { chain: 'ethereum' as const, height: '1', hash: 'h1', timeMs: DEFAULT_GENESIS_MS };
    const tick = (k: number): TickInput => ({
      tick: k,
      genesisMs: DEFAULT_GENESIS_MS,
      // flat:1/2: bridges get two thirds from tick 1 (the deployed law gives AR all of 2024's first months).
      policy: flatPolicy(1n, 2n),
      snapshots: [{ pool: 'steth', pin, complete: false, cursor: '{}', notes: [], updates: k === 1 ? [{ account: DEPOSITOR, recipient: OTHER, weight: wei(10n ** 18n) }] : [], yield: STETH_QUOTE }],
    });
    await ledger.applyTick(tick(1));
    await ledger.applyTick(tick(2));
    await ledger.settle('steth', 2);
    await ledger.close();
  });

  it('prints AO with 12 decimals (no 10^36-scaled numbers) and names the Arweave recipient of a 0x depositor, checksummed input accepted', async () => {
    const json = JSON.parse((await cli('audit', 'statement', DEPOSITOR, '--database', depositUrl, '--json')).out) as { credited: string; lines: { kind: string; amount: string }[] };
    expect(BigInt(json.credited)).toBeGreaterThan(0n);
    const r = await cli('audit', 'statement', '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '--database', depositUrl);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // The credit row's amount is the JSON's base units written with 12 decimals.
    const credit = BigInt(json.lines.find((l) => l.kind === 'credit')!.amount);
    expect(r.out).toContain(`${credit / 10n ** 12n}.${(credit % 10n ** 12n).toString().padStart(12, '0')}`);
    expect(r.out).toContain(`credited ${formatAo(BigInt(json.credited))}`);
    expect(r.out).toContain(`${DEPOSITOR} is a depositor; its credits went to ${OTHER}`);
    // No scaled span amount (≥ 10^36 has 37+ digits) and no raw base-unit column is printed.
    expect(r.out).not.toMatch(/[0-9]{25}/);
    const span = BigInt(json.lines.find((l) => l.kind === 'span')!.amount);
    expect(r.out).not.toContain(span.toString());
    const table = r.out.split('\n').filter((l) => /^(kind|span|credit|message) /.test(l));
    expect(table).toHaveLength(4);
    expect(Math.max(...table.map((l) => l.length))).toBeLessThan(160);
  });
});

describe('audit verify wording', () => {
  it('an empty ledger says it is empty, not "ticks 1..0 of 0"', async () => {
    const emptyUrl = `sqlite:${join(dir, 'empty-ledger.db')}`;
    const ledger = await openLedger({ url: emptyUrl, clock: new ManualClock(DEFAULT_GENESIS_MS) });
    await ledger.migrate();
    await ledger.close();
    const r = await cli('audit', 'verify', '--database', emptyUrl);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: the ledger is empty \(no tick applied yet\), nothing to verify; journal hash \S+\n$/);
  });

  it('one settlement, one credit and one batch are singular', async () => {
    // beforeAll: ticks 1–2, two joins, one AR settlement crediting DASH and OTHER in one batch.
    const r = await cli('audit', 'verify', '--database', url);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok: ticks 1\.\.2 of 2 verified — 2 weight changes, 1 settlement, 2 credits; .* delivered 0\/1 batch /);
    const one = await cli('audit', 'verify', '--database', url, '--from', '2', '--to', '2');
    expect(one.out).toMatch(/^ok: tick 2 of 2 verified/);
  });
});

describe('audit export onto existing files (was internal error: EEXIST)', () => {
  it('a file at <dir> is exit 2 naming it; a second export into the same folder needs --force', async () => {
    const file = join(dir, 'export.txt');
    writeFileSync(file, 'keep me');
    const onFile = await cli('audit', 'export', file, '--database', url);
    expect(onFile.code).toBe(2);
    expect(onFile.err).toBe(`ao-emission: export: ${file} is an existing file, not a folder; give a folder (created if missing)\n`);
    const out = join(dir, 'export-twice');
    expect((await cli('audit', 'export', out, '--database', url)).code).toBe(0);
    const again = await cli('audit', 'export', out, '--database', url);
    expect(again.code).toBe(2);
    expect(again.err).toBe(`ao-emission: export: ${join(out, 'ticks.csv')} already exists (and 9 more); pass --force to overwrite\n`);
    expect((await cli('audit', 'export', out, '--database', url, '--force')).code).toBe(0);
  });
});

describe('the audit reads only', () => {
  it('audit verify and statement leave the SQLite ledger file byte for byte as they found it', async () => {
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const copy = join(dir, 'untouched.db');
    copyFileSync(join(dir, 'ledger.db'), copy);
    // As a ledger arrives for an audit (a backup, a copy): in rollback-journal mode. A writer's
    // connection would switch it to WAL, rewriting the header.
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(copy);
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const digest = () => createHash('sha256').update(readFileSync(copy)).digest('hex');
    const before = digest();
    const copyUrl = `sqlite:${copy}`;
    expect((await cli('audit', 'verify', '--database', copyUrl)).code).toBe(0);
    expect((await cli('audit', 'statement', OTHER, '--database', copyUrl, '--json')).code).toBe(0);
    expect(digest()).toBe(before);
  });
});
