// Dashboard page load for an address with 10,000 credits (issue 22: under 300 ms): 100 AR accounts
// all paying one recipient, settled every tick for 100 ticks — 10,000 credit rows, 100 settlements,
// 100 outbox messages — on a SQLite bench ledger. Measured: the server's answer to
// GET /address/<recipient> (the paged page, ROWS_PER_PAGE rows of 20,100 statement rows) beside a
// naive baseline that renders every row in one table; and, when Debian's chromium is installed, the
// browser's navigation to the load event (HTML + ECharts drawn). Median of RUNS after a warm-up.
import { execSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import puppeteer, { type Page } from 'puppeteer-core';
import type { ArweaveAddress } from '../src/address.ts';
import { ManualClock } from '../src/clock.ts';
import { AO_MAINNET, TICK_MS } from '../src/emission/index.ts';
import { statement } from '../src/ledger/audit/index.ts';
import { openLedger } from '../src/ledger/index.ts';
import { winston } from '../src/units.ts';
import { startHttp, type StatusContext } from '../src/service/http.ts';
import { DEFAULT_HEALTH } from '../src/service/config.ts';
import { createLogger } from '../src/service/logger.ts';
import { createMetrics } from '../src/service/metrics.ts';
import { SourceHealth } from '../src/service/source-health.ts';
import { addressPage } from '../src/service/web/address.ts';
import { asset } from '../src/service/web/assets.ts';
import { aoCell, chart, renderPage, table } from '../src/service/web/html.ts';

const ACCOUNTS = 100;
const TICKS = 100;
const RUNS = 15;
const GENESIS_MS = Date.parse('2024-06-18T15:00:00Z');
const RECIPIENT = `${'R'.repeat(42)}A` as ArweaveAddress;
const dir = mkdtempSync(join(tmpdir(), 'ao-emission-bench-web-'));
const clock = new ManualClock(GENESIS_MS + TICK_MS);
const ledger = await openLedger({ url: `sqlite:${join(dir, 'web.db')}`, clock });
await ledger.migrate();

const t0 = performance.now();
for (let k = 1; k <= TICKS; k++) {
  const updates = k === 1 ? Array.from({ length: ACCOUNTS }, (_, i) => ({ account: `a${String(i).padStart(42, '0')}`, recipient: RECIPIENT, weight: winston(BigInt(1_000_000 + i) * 10n ** 12n) })) : [];
  await ledger.applyTick({ tick: k, genesisMs: GENESIS_MS, policy: AO_MAINNET, snapshots: [{ pool: 'ar', pin: { chain: 'arweave', height: String(k), hash: `h${k}`, timeMs: GENESIS_MS + k * TICK_MS }, complete: k === 1, updates, cursor: JSON.stringify({ height: k }), notes: [] }] });
  await ledger.settle('ar', k);
  clock.advance(TICK_MS);
}
const credits = Number((await ledger.db.all<{ n: number }>('SELECT COUNT(*) AS n FROM credits WHERE recipient = ?', [RECIPIENT]))[0]!.n);
console.log(`bench ledger: ${TICKS} ticks, ${credits} credits to one recipient, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const ctx: StatusContext = {
  ledger,
  clock,
  genesisMs: GENESIS_MS,
  policy: AO_MAINNET,
  pools: ['ar', 'steth', 'sol'],
  leader: { tryAcquire: async () => true, held: () => true, release: async () => undefined, description: 'bench' },
  metrics: createMetrics({ defaultMetrics: false }),
  log: createLogger({ level: 'silent' }),
  lastOutcome: () => null,
  health: DEFAULT_HEALTH,
  sourceHealth: new SourceHealth(clock),
  info: {},
};
const http = await startHttp(ctx, '127.0.0.1', 0);
const url = `${http.url}/address/${RECIPIENT}`;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** Median wall and CPU time (this process: the server and its client) of RUNS calls after a warm-up. */
async function time(fn: () => Promise<number>): Promise<{ ms: number; cpuMs: number; bytes: number }> {
  let bytes = await fn();
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const c = process.cpuUsage();
    const s = performance.now();
    bytes = await fn();
    ms.push(performance.now() - s);
    const used = process.cpuUsage(c);
    cpuMs.push((used.user + used.system) / 1000);
  }
  return { ms: median(ms), cpuMs: median(cpuMs), bytes };
}

const paged = await time(async () => {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.text()).length;
});
// Naive: the same statement, every row of it in one table (no paging), the chart on every point.
async function naivePage(): Promise<string> {
  const s = await statement(ledger.db, RECIPIENT);
  const rows = s.lines.filter((l) => l.kind !== 'span');
  const points = rows.filter((l) => l.kind === 'credit').map((l) => [l.tick, Number(l.creditedTotal) / 1e12]);
  const option = { animation: false, xAxis: { type: 'value' }, yAxis: { type: 'value' }, series: [{ type: 'line', step: 'end', data: points }] };
  const columns = [
    { head: 'tick', cell: (l: (typeof rows)[number]) => String(l.tick) },
    { head: 'kind', cell: (l: (typeof rows)[number]) => l.kind },
    { head: 'settlement', cell: (l: (typeof rows)[number]) => l.settlementId ?? '' },
    { head: 'amount', cell: (l: (typeof rows)[number]) => aoCell(l.amount) },
    { head: 'status', cell: (l: (typeof rows)[number]) => l.status ?? '' },
  ];
  return renderPage({ status: 200, title: 'naive', body: `${chart('chart-naive', option, 'every credit')}${table('all rows', columns, rows)}` });
}
const naive = await time(async () => (await naivePage()).length);
const inProcess = await time(async () => renderPage(await addressPage(ctx, RECIPIENT, null)).length);
console.log(`address page, in-process:       median wall ${inProcess.ms.toFixed(1)} ms, CPU ${inProcess.cpuMs.toFixed(1)} ms, ${(inProcess.bytes / 1024).toFixed(0)} KiB`);
console.log(`GET /address over HTTP:         median wall ${paged.ms.toFixed(1)} ms, CPU ${paged.cpuMs.toFixed(1)} ms, ${(paged.bytes / 1024).toFixed(0)} KiB`);
console.log(`naive (every row, in-process):  median wall ${naive.ms.toFixed(1)} ms, CPU ${naive.cpuMs.toFixed(1)} ms, ${(naive.bytes / 1024).toFixed(0)} KiB`);
const only = await time(async () => (await statement(ledger.db, RECIPIENT)).lines.length);
console.log(`of which statement() alone:     median wall ${only.ms.toFixed(1)} ms, CPU ${only.cpuMs.toFixed(1)} ms (${only.bytes} lines)`);

/**
 * Median navigation-to-load time, and of it the time until the HTML was received (responseEnd); the
 * first load warms the asset cache (echarts.min.js, 1 MB) and is left out.
 */
async function browserLoad(page: Page, target: string): Promise<string> {
  const loads: number[] = [];
  const html: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    await page.goto(target, { waitUntil: 'load' });
    const t = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return document.body.dataset['charts'] === '1' ? [nav.loadEventEnd - nav.startTime, nav.responseEnd - nav.startTime] : null;
    });
    if (t === null) throw new Error(`${target}: the page did not draw its chart`);
    if (i > 0) {
      loads.push(t[0]!);
      html.push(t[1]!);
    }
  }
  return `${median(loads).toFixed(0)} ms (HTML received at ${median(html).toFixed(0)} ms)`;
}

let chromium: string | null = null;
try {
  chromium = execSync('which chromium', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  console.log('browser load: skipped (no chromium; apt-get install chromium)');
}
if (chromium) {
  const browser = await puppeteer.launch({ executablePath: chromium, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`] });
  const page = await browser.newPage();
  // The naive page on its own port, with the same assets.
  const naiveServer = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/assets\//, '');
    const file = asset(name);
    if (file !== null) {
      res.writeHead(200, { 'content-type': file.type, 'cache-control': 'public, max-age=31536000, immutable' });
      res.end(file.body);
      return;
    }
    void naivePage().then((html) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(html);
    });
  });
  await new Promise<void>((done) => naiveServer.listen(0, '127.0.0.1', done));
  const naiveUrl = `http://127.0.0.1:${(naiveServer.address() as AddressInfo).port}/`;
  console.log(`browser navigation to the load event (HTML, ECharts, chart drawn), median of ${RUNS}:`);
  console.log(`  address page: ${await browserLoad(page, url)}`);
  console.log(`  naive page:   ${await browserLoad(page, naiveUrl)}`);
  naiveServer.close();
  await browser.close();
}
await http.close();
await ledger.close();
