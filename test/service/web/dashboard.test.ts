import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../../src/clock.ts';
import { TICK_MS } from '../../../src/emission/index.ts';
import { LEAF_ENCODING, proofFor, settlementTree } from '../../../src/ledger/audit/index.ts';
import { cliCaptured as cli } from '../../support/cli.ts';
import type { ServiceHandle } from '../../../src/service/service.ts';
import type { DelegationChange, Source } from '../../../src/bridges/types.ts';
import type { DelegationSource } from '../../../src/bridges/ao/delegation-source.ts';
import { launchChromium } from '../../support/chromium.ts';
import { clockAtTickEnd, syntheticService, syntheticSources, tempDir } from '../support/harness.ts';

/**
 * The dashboard in Debian's Chromium (puppeteer-core, headless, no network but loopback) against a
 * service on a real SQLite ledger fed by the seeded synthetic chains: AR settles every tick, and
 * there is no AO writer, so every batch stays pending. Screenshots of each page, at desktop and
 * phone width, go to test-screenshots/web (git-ignored).
 */
const SHOTS = fileURLToPath(new URL('../../../test-screenshots/web/', import.meta.url));
const SEED = 22;
const TICKS = 6;


let browser: Browser;
let service: ServiceHandle;
let clock: ManualClock;
let base: string;
let dbUrl: string;
let recipient: string;
let settlementId: string;
/** Set by the stale-source test: the SOL source then fails every snapshot, as an unreachable RPC would. */
let solDown = false;
/**
 * The delegation process's changes the next tick reads (then cleared): a seeded input like the
 * synthetic chains; the delegation process itself is tested on the local AO node (test/ao).
 */
let delegationChanges: DelegationChange[] = [];
const DELEGATION_PROCESS = `D${'e'.repeat(42)}`;
const PROJECT = `P${'r'.repeat(42)}`;
let delegationSeq = 0;
const delegationSource: DelegationSource = {
  processId: DELEGATION_PROCESS,
  snapshot: async () => {
    const changes = delegationChanges;
    delegationChanges = [];
    if (changes.length > 0) delegationSeq++;
    return { pin: { chain: 'ao', process: DELEGATION_PROCESS, seq: delegationSeq }, cursor: JSON.stringify({ seq: delegationSeq }), changes, notes: [] };
  },
};


async function runTicks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const outcome = await service.runNow();
    expect(outcome.kind).toBe('applied');
    clock.advance(TICK_MS);
  }
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  clock = clockAtTickEnd(1);
  dbUrl = `sqlite:${join(tempDir('web'), 'ledger.db')}`;
  const population = { seed: SEED, accounts: { ar: 20, steth: 8, sol: 8 } };
  const sources = syntheticSources(population, clock).map(
    (s): Source => (s.pool !== 'sol' ? s : { pool: s.pool, snapshot: (cursor, signal) => (solDown ? Promise.reject(new Error('sol rpc: connection refused')) : s.snapshot(cursor, signal)) }),
  );
  service = await syntheticService({ databaseUrl: dbUrl, population, clock, http: true, settlementTicks: { ar: 1, steth: 288, sol: 288 }, extra: { sources, delegationSource } });
  base = service.http!.url;
  await runTicks(TICKS);
  const db = service.ledger.db;
  const [row] = await db.all<{ recipient: string; settlement_id: string }>("SELECT c.recipient, c.settlement_id FROM credits c JOIN settlements s ON s.id = c.settlement_id WHERE s.pool = 'ar' ORDER BY s.to_tick DESC, c.recipient LIMIT 1");
  recipient = row!.recipient;
  settlementId = row!.settlement_id;
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

interface Opened {
  readonly page: Page;
  readonly status: number;
  readonly errors: string[];
  readonly foreign: string[];
}

/** Opens a path, collecting page errors, console errors and any request that leaves the service. */
async function open(path: string, width = 1200): Promise<Opened> {
  const page = await browser.newPage();
  await page.setViewport({ width, height: 900 });
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) foreign.push(r.url());
  });
  const res = await page.goto(`${base}${path}`, { waitUntil: 'load' });
  return { page, status: res!.status(), errors, foreign };
}

const shotName = (path: string) => path.replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'overview';

describe('dashboard pages in Chromium', () => {
  it('every page loads without errors, draws its charts, stays within a phone-width viewport and is screenshotted', async () => {
    const pages: [path: string, charts: number][] = [
      ['/', 1],
      [`/address/${encodeURIComponent(recipient)}`, 1],
      ['/settlements', 0],
      [`/settlements/${encodeURIComponent(settlementId)}?recipient=${encodeURIComponent(recipient)}`, 0],
      ['/journal', 0],
      ['/journal/3', 0],
      ['/projections', 1],
      ['/address', 0],
    ];
    for (const [path, charts] of pages) {
      for (const width of [1200, 390]) {
        const { page, status, errors, foreign } = await open(path, width);
        expect(status, path).toBe(200);
        expect(errors, path).toEqual([]);
        expect(foreign, path).toEqual([]);
        expect(await page.evaluate(() => document.body.dataset['charts']), path).toBe(String(charts));
        // Every chart carries its key numbers as text: a role="img" label and a visible caption.
        for (const label of await page.$$eval('[data-chart]', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''))) expect(label, path).toMatch(/\d/);
        // Phone width: wide tables scroll inside their wrapper; the page itself does not scroll sideways.
        if (width === 390) expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
        await page.screenshot({ path: join(SHOTS, `${shotName(path.split('?')[0]!)}-${width}.png`), fullPage: true });
        await page.close();
      }
    }
  }, 120_000);

  it('the page is usable from the keyboard: the first Tab reaches the skip link, which moves focus to the content', async () => {
    const { page } = await open('/journal');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.close();
  });

  it('the overview follows the ledger as ticks apply (polling), with the exact supply and lag', async () => {
    const { page } = await open('/');
    const shown = () => page.$eval('[data-field="lastTick"]', (e) => e.textContent);
    expect(await shown()).toBe(String(TICKS));
    await runTicks(2);
    await page.waitForFunction((t: string) => document.querySelector('[data-field="lastTick"]')?.textContent === t, { timeout: 15_000 }, String(TICKS + 2));
    const status = (await (await fetch(`${base}/status`)).json()) as { supply: string; lagTicks: number; pools: { pool: string; minted: string }[] };
    expect(await page.$eval('[data-field="supply"]', (e) => e.getAttribute('data-units'))).toBe(status.supply);
    for (const p of status.pools) {
      await page.waitForFunction((sel: string, v: string) => document.querySelector(sel)?.getAttribute('data-units') === v, { timeout: 15_000 }, `[data-field="minted-${p.pool}"]`, p.minted);
    }
    expect(await page.$eval('[data-field="warnings"]', (e) => e.getAttribute('data-count'))).toBe('0');
    await page.close();
  }, 60_000);

  it('the overview warns of a stalled mint once the lag exceeds 2 ticks', async () => {
    // Three more ticks end with no run: the lag is 3 (the clock is already one tick past the last run).
    clock.advance(2 * TICK_MS);
    const { page, errors } = await open('/');
    expect(errors).toEqual([]);
    expect(await page.$eval('[data-field="lagTicks"]', (e) => e.textContent)).toBe('3 ticks');
    expect(await page.$eval('[data-section="warnings"]', (e) => e.textContent)).toMatch(/Mint stalled: the last applied tick \d+ is 3 ticks behind/);
    await page.close();
  });

  it("the address page's totals equal `audit statement --json` for that address", async () => {
    const r = await cli('audit', 'statement', recipient, '--database', dbUrl, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out) as { accrued: string; credited: string; lines: { kind: string }[] };
    const { page } = await open(`/address/${encodeURIComponent(recipient)}`);
    expect(await page.$eval('[data-field="accrued"]', (e) => e.getAttribute('data-units'))).toBe(s.accrued);
    expect(await page.$eval('[data-field="credited"]', (e) => e.getAttribute('data-units'))).toBe(s.credited);
    expect(await page.$eval('[data-field="credit-count"]', (e) => e.textContent)).toBe(String(s.lines.filter((l) => l.kind === 'credit').length));
    expect(await page.$eval('[data-field="message-count"]', (e) => e.textContent)).toBe(String(s.lines.filter((l) => l.kind === 'message').length));
    // The messages carry their status (pending: no AO writer in this test).
    expect(await page.$eval('#credits', (e) => e.textContent)).toContain('pending');
    await page.close();
    // The CSV download is the same rows as `audit statement --csv`.
    const csv = await (await fetch(`${base}/address/${encodeURIComponent(recipient)}/statement.csv`)).text();
    expect(csv).toBe((await cli('audit', 'statement', recipient, '--database', dbUrl, '--csv')).out);
  });

  it("the address page shows the address's delegation as the ledger recorded it, and what went to the project equals `audit statement --json`", async () => {
    // The AR holder with the largest balance: the synthetic chain moves weights, but seldom empties it.
    const [{ wallet } = { wallet: '' }] = await service.ledger.db.all<{ wallet: string }>(
      "SELECT s.recipient AS wallet FROM accounts a JOIN account_state s ON s.id = a.id WHERE a.pool = 'ar' AND s.recipient IS NOT NULL ORDER BY LENGTH(s.weight) DESC, s.weight DESC LIMIT 1",
    );
    const before = await open(`/address/${encodeURIComponent(wallet)}`);
    expect(await before.page.$eval('[data-field="delegation-none"]', (e) => e.textContent)).toMatch(/keeps all of its AO yield/);
    await before.page.close();
    delegationChanges = [{ wallet, prefs: [{ target: PROJECT, factor: 2500 }] }];
    await runTicks(2);
    const r = await cli('audit', 'statement', wallet, '--database', dbUrl, '--json');
    const s = JSON.parse(r.out) as { delegated: string; delegations: { tick: number }[] };
    expect(BigInt(s.delegated)).toBeGreaterThan(0n);
    const { page, errors } = await open(`/address/${encodeURIComponent(wallet)}`);
    expect(errors).toEqual([]);
    expect(await page.$eval('[data-field="delegated"]', (e) => e.getAttribute('data-units'))).toBe(s.delegated);
    const rows = await page.$$eval('#delegations tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent?.trim())));
    expect(rows).toEqual([
      [String(s.delegations[0]!.tick), PROJECT, '25 %'],
      [String(s.delegations[0]!.tick), 'kept by the address', '75 %'],
    ]);
    await page.close();
  });

  it('a correct proof verifies in the page, and the same proof with amount + 1 or a changed sibling does not', async () => {
    const proof = proofFor(await settlementTree(service.ledger.db, settlementId), recipient);
    // The control: OpenZeppelin's library accepts this proof, and rejects amount + 1.
    expect(StandardMerkleTree.verify(proof.root, [...LEAF_ENCODING], proof.leaf, [...proof.proof])).toBe(true);
    const plusOne = (BigInt(proof.leaf[1]) + 1n).toString();
    expect(StandardMerkleTree.verify(proof.root, [...LEAF_ENCODING], [proof.leaf[0], plusOne], [...proof.proof])).toBe(false);

    const { page, errors } = await open(`/settlements/${encodeURIComponent(settlementId)}?recipient=${encodeURIComponent(recipient)}`);
    expect(await page.$eval('[data-field="root"]', (e) => e.textContent)).toBe(proof.root);
    // The credits table: one row per credited account, summing to the settlement's total.
    const { total, n } = (await service.ledger.db.all<{ total: string; n: number }>('SELECT total, credit_count AS n FROM settlements WHERE id = ?', [settlementId]))[0]!;
    const shownCredits = await page.$$eval('#settlement-credits tbody .amount', (els) => els.map((e) => e.getAttribute('data-units') ?? '0'));
    expect(shownCredits.length).toBe(Number(n));
    expect(shownCredits.reduce((a, u) => a + BigInt(u), 0n).toString()).toBe(total);
    expect(await page.$eval('[data-field="total"]', (e) => e.getAttribute('data-units'))).toBe(total);
    const verify = async (): Promise<string | undefined> => {
      await page.click('#proof-form button[type="submit"]');
      await page.waitForFunction(() => document.getElementById('proof-result')?.dataset['verdict'] !== undefined);
      const v = await page.$eval('#proof-result', (e) => (e as HTMLElement).dataset['verdict']);
      await page.$eval('#proof-result', (e) => delete (e as HTMLElement).dataset['verdict']);
      return v;
    };
    const setField = (sel: string, value: string) => page.$eval(sel, (e, v) => ((e as HTMLInputElement).value = v), value);
    // Pre-filled from the server's proof for the recipient.
    expect(await page.$eval('#proof-amount', (e) => (e as HTMLInputElement).value)).toBe(proof.leaf[1]);
    expect(await verify()).toBe('valid');
    await setField('#proof-amount', plusOne);
    expect(await verify()).toBe('invalid');
    await setField('#proof-amount', proof.leaf[1]);
    if (proof.proof.length > 0) {
      const changed = [...proof.proof];
      changed[0] = `0x${(BigInt(changed[0]!) ^ 1n).toString(16).padStart(64, '0')}`;
      await setField('#proof-proof', JSON.stringify(changed));
      expect(await verify()).toBe('invalid');
    }
    await setField('#proof-proof', 'not json');
    expect(await verify()).toBe('error');
    // Typed the proof in by keyboard: the form submits with Enter from the amount field.
    await setField('#proof-proof', JSON.stringify(proof.proof));
    await page.focus('#proof-amount');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.getElementById('proof-result')?.dataset['verdict'] === 'valid');
    expect(errors).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'settlement-verified-1200.png'), fullPage: true });
    await page.close();
  });

  it('the journal chains every tick to the one before it and a tick shows its mint and hash', async () => {
    const { page } = await open('/journal');
    expect(await page.$eval('[data-field="chain"]', (e) => e.textContent)).toBe('Every tick on this page chains to the one before it.');
    await page.close();
    const tick = await service.ledger.tick(3);
    const detail = await open('/journal/3');
    expect(await detail.page.$eval('[data-field="hash"]', (e) => e.textContent)).toBe(tick!.hash);
    expect(await detail.page.$eval('[data-field="mint"]', (e) => e.getAttribute('data-units'))).toBe(tick!.mint.toString());
    await detail.page.close();
  });
});

describe('dashboard warnings and delivery', () => {
  it('a delivered message shows its status and slot on the address page; a failed batch and a stale source are warned of on the overview', async () => {
    // The AO writer's outbox calls: one batch to the recipient delivered at slot 4242, another batch failed.
    const batches = await service.ledger.outbox.pending(1000);
    const carrying = batches.find((b) => b.settlementId === settlementId)!;
    await service.ledger.outbox.markSent(carrying.batchId, 'm'.repeat(43));
    await service.ledger.outbox.markDelivered(carrying.batchId, 4242);
    const other = batches.find((b) => b.batchId !== carrying.batchId)!;
    await service.ledger.outbox.markFailed(other.batchId, 'AO process rejected the message');
    const address = await open(`/address/${encodeURIComponent(recipient)}`);
    const row = await address.page.$$eval('#credits tbody tr', (trs, id: string) => trs.map((tr) => tr.textContent ?? '').find((t) => t.includes(id) && t.includes('delivered')), settlementId);
    expect(row).toContain('4242');
    await address.page.close();

    // SOL fails from now on; past health.maxSourceFailure (15 min by default) the source is stale.
    solDown = true;
    await service.runNow();
    clock.advance(16 * 60_000);
    const { page, errors } = await open('/');
    expect(errors).toEqual([]);
    const warnings = await page.$$eval('[data-section="warnings"] li', (lis) => lis.map((li) => li.textContent ?? ''));
    expect(warnings.some((w) => /^Source sol is stale: failing for 16 min: .*connection refused/.test(w))).toBe(true);
    expect(warnings.some((w) => w.startsWith('1 outbox batch(es) failed'))).toBe(true);
    expect(warnings.some((w) => w.startsWith('Mint stalled'))).toBe(true);
    expect(await page.$eval('[data-field="outbox-failed"]', (e) => e.textContent)).toBe('1');
    await page.screenshot({ path: join(SHOTS, 'overview-warnings-1200.png'), fullPage: true });
    await page.close();
  }, 60_000);
});

describe('bad input in the URL', () => {
  const cases: [path: string, status: number, says: RegExp][] = [
    ['/address/not-an-address', 400, /address: "not-an-address" is not an Arweave, Ethereum \(0x…\) or Solana \(base58\) address/],
    [`/address/0x${'ab'.repeat(20)}`, 404, /has no account in the ledger/],
    ['/address/%E0%A4%A', 400, /is not valid URL encoding/],
    ['/settlements/nonsense', 400, /settlement: "nonsense" is not a settlement id; expected <pool>:<from>-<to>/],
    ['/settlements/ar:999999-1000000', 404, /settlement: ar:999999-1000000 does not exist/],
    ['/settlements?page=99999999', 400, /page: 99999999 is beyond the last page/],
    ['/journal?page=-3', 400, /page: "-3" is not a page number/],
    ['/settlements/ar:1-1?credits=1e9', 400, /credits: "1e9" is not a page number/],
    ['/journal/0', 400, /tick: "0" is not a tick number/],
    ['/journal/99999', 404, /tick: 99999 has not been applied/],
    ['/projections?fdv=-1', 400, /fdv: "-1" is not a number/],
    ['/projections?SOL.apr=11', 400, /SOL\.apr: "11" is not a number in 0\.\.10\]/],
    ['/assets/%2e%2e%2fpackage.json', 404, /no such asset/],
    ['/journal/3/extra', 404, /no such page/],
  ];
  it.each(cases)('%s answers %i with a one-line reason and no stack trace', async (path, status, says) => {
    const res = await fetch(`${base}${path}`);
    expect(res.status).toBe(status);
    const text = await res.text();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const message = /<p class="error" role="alert" data-status="\d+">([^<]*)<\/p>/.exec(text)?.[1] ?? '';
    const unescaped = message.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    expect(unescaped).toMatch(says);
    expect(text).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)|\.ts:\d+/);
  });
  it('a bad-input page renders without script errors in Chromium', async () => {
    const { status, errors } = await open('/address/not-an-address');
    expect(status).toBe(400);
    // The only console error is Chromium's own note of the 400 status of the document.
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
