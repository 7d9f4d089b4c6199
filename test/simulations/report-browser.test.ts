import { execSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Decimal } from 'decimal.js';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartIds, loadScenario, MONTH_MS, simulate, writeReport } from '../../simulations/index.ts';

/**
 * Opens report.html in a real headless Chromium (Debian's `chromium`, installed here when the
 * machine lacks it) from file://, with the network unused: the page must load without page or
 * console errors, make no request beyond its own file, and draw every chart (each chart's
 * screenshot has a non-trivial share of non-white pixels).
 */
function chromiumPath(): string {
  const which = () => execSync('which chromium', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return which();
  } catch {
    execSync('apt-get update && apt-get install -y chromium', { stdio: 'ignore', timeout: 600_000 });
    return which();
  }
}

/** One asset and Monte Carlo: every kind of chart the report draws. */
const CHART_IDS = chartIds(1, true);
let browser: Browser;
let dir: string;

beforeAll(async () => {
  const executablePath = chromiumPath();
  dir = mkdtempSync(join(tmpdir(), 'report-'));
  // The Monte Carlo scenario draws every chart the report has (the band chart only exists with Monte Carlo).
  const scenario = loadScenario(fileURLToPath(new URL('../../simulations/scenarios/monte-carlo.yaml', import.meta.url)));
  // Three months and 200 runs keep the test quick; the charts are the same kinds.
  writeReport(simulate({ ...scenario, endMs: scenario.startMs + 3 * MONTH_MS, months: new Decimal(3), monteCarlo: { ...scenario.monteCarlo!, runs: 200 } }), dir);
  browser = await puppeteer.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${mkdtempSync(join(tmpdir(), 'chromium-'))}`],
  });
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe('report.html in headless Chromium', () => {
  it('loads from file:// without errors or network requests and renders every chart', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(join(dir, 'report.html')).href;
    await page.goto(url, { waitUntil: 'load' });
    expect(errors).toEqual([]);
    expect(requests).toEqual([url]);
    expect(await page.evaluate(() => document.body.dataset['charts'])).toBe(String(CHART_IDS.length));
    expect(await page.evaluate(() => document.querySelector('h1')?.textContent)).toBe('Simulation: monte-carlo');

    const shoot = async (): Promise<Record<string, string>> => {
      const shots: Record<string, string> = {};
      for (const id of CHART_IDS) {
        const el = await page.$(`#${id}`);
        expect(el, id).not.toBeNull();
        shots[id] = (await el!.screenshot({ encoding: 'base64' })) as string;
      }
      return shots;
    };
    const drawn = await colouredShare(await shoot());
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: true });
    // The control: the same charts with every series' data emptied (axes, legends, labels stay).
    await page.evaluate((ids: readonly string[]) => {
      const echarts = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): { series: unknown[] }; setOption(o: unknown): void } } }).echarts;
      for (const id of ids) {
        const chart = echarts.getInstanceByDom(document.getElementById(id)!);
        chart.setOption({ series: chart.getOption().series.map(() => ({ data: [] })) });
      }
    }, CHART_IDS);
    const empty = await colouredShare(await shoot());
    for (const id of CHART_IDS) {
      // Measured here: line charts 0.5–3 % coloured pixels against 0.05–0.1 % when empty, bars and areas 15–30 %, heat maps ~60 %.
      expect(drawn[id]!, `${id}: drawn ${drawn[id]} vs empty ${empty[id]} (screenshot ${join(dir, 'report.png')})`).toBeGreaterThan(2 * empty[id]! + 0.002);
    }
    expect(drawn['chart-heat-ar']).toBeGreaterThan(0.4);
    expect(drawn['chart-heat-bridge']).toBeGreaterThan(0.4);
  });
});

/**
 * Decodes each PNG screenshot in a blank page and returns the share of coloured pixels: axes,
 * grid lines and text are grey, series and heat-map cells are coloured (max − min channel > 60).
 */
async function colouredShare(pngs: Record<string, string>): Promise<Record<string, number>> {
  const blank = await browser.newPage();
  try {
    return await blank.evaluate(async (shots: Record<string, string>) => {
      const out: Record<string, number> = {};
      for (const [id, b64] of Object.entries(shots)) {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const canvas = document.createElement('canvas');
        canvas.width = img.width;
        canvas.height = img.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, img.width, img.height).data;
        let coloured = 0;
        for (let i = 0; i < data.length; i += 4) if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 60) coloured++;
        out[id] = coloured / (img.width * img.height);
      }
      return out;
    }, pngs);
  } finally {
    await blank.close();
  }
}
