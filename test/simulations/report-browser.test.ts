import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Decimal } from 'decimal.js';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.ts';
import { chartIds, loadScenario, MONTH_MS, simulate, writeReport } from '../../simulations/index.ts';

/**
 * Opens report.html in a real headless Chromium (Debian's `chromium`, installed here when the
 * machine lacks it) from file://, with the network unused: the page must load without page or
 * console errors, make no request beyond its own file, and draw every chart (each chart's
 * screenshot has a non-trivial share of non-white pixels).
 */

/** One asset and Monte Carlo: every kind of chart the report draws. */
const CHART_IDS = chartIds(1, true);
/** Each chart's screenshot is kept here for a human to look at (git-ignored, see .gitignore). */
const SCREENSHOTS = fileURLToPath(new URL('../../test-screenshots/report/', import.meta.url));
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-'));
  // The Monte Carlo scenario draws every chart the report has (the band chart only exists with Monte Carlo).
  const scenario = loadScenario(fileURLToPath(new URL('../../simulations/scenarios/monte-carlo.yaml', import.meta.url)));
  // Three months and 200 runs keep the test quick; the charts are the same kinds. A $10 M FDV
  // makes stETH's net APY negative (AO worth less than the 3 % APR given up): it must still be drawn.
  const fdvUsd = [1e7, ...scenario.fdvUsd];
  writeReport(simulate({ ...scenario, fdvUsd, endMs: scenario.startMs + 3 * MONTH_MS, months: new Decimal(3), monteCarlo: { ...scenario.monteCarlo!, runs: 200 } }), dir);
  browser = await launchChromium();
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
    const shots = await shoot();
    const drawn = await colouredShare(shots);
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const [id, b64] of Object.entries(shots)) writeFileSync(join(SCREENSHOTS, `${id}.png`), Buffer.from(b64, 'base64'));
    await page.screenshot({ path: join(SCREENSHOTS, 'report.png'), fullPage: true });
    const fixes = await page.evaluate(() => {
      type Series = { name: string; color?: string; yAxisIndex?: number; data: [number | string, number][]; label?: { show: boolean; fontSize: number } };
      type Chart = { getOption(): { series: Series[]; yAxis: { type: string }[] }; convertToPixel(finder: { seriesIndex: number }, value: [number, number]): number[] };
      const echarts = (window as unknown as { echarts: { getInstanceByDom(el: Element): Chart } }).echarts;
      const chart = (id: string): Chart => echarts.getInstanceByDom(document.getElementById(id)!);
      const apy = chart('chart-apy');
      const apyOption = apy.getOption();
      const net = apyOption.series.findIndex((x) => x.name.startsWith('stETH net'));
      const negative = apyOption.series[net]!.data.find((d) => d[1] < 0)!;
      const colourOf = (id: string, name: RegExp): string | undefined => chart(id).getOption().series.find((x) => name.test(x.name))?.color;
      const heat = chart('chart-heat-ar').getOption().series[0]!.label!;
      return {
        negativeNet: negative[1],
        negativePixel: apy.convertToPixel({ seriesIndex: net }, [negative[0] as number, negative[1]]),
        netAxis: apyOption.yAxis[apyOption.series[net]!.yAxisIndex ?? 0]!.type,
        heatLabel: { show: heat.show, fontSize: heat.fontSize },
        ar: [colourOf('chart-mint', /^AR holders$/), colourOf('chart-split', /^AR holders$/), colourOf('chart-accrual', /^AO per 1 AR$/), colourOf('chart-apy', /^AR APY$/), colourOf('chart-monte-carlo', /median/)],
        steth: [colourOf('chart-mint', /^stETH bridge$/), colourOf('chart-accrual', /stETH pool$/), colourOf('chart-apy', /^stETH APY$/), colourOf('chart-apy', /^stETH net/), colourOf('chart-monte-carlo-bridge-0', /median/)],
        model: document.getElementById('monte-carlo-model')?.textContent ?? '',
      };
    });
    // a negative net APY is drawn (a log axis maps it to NaN), on a linear axis.
    expect(fixes.negativeNet).toBeLessThan(0);
    expect(fixes.netAxis).toBe('value');
    expect(fixes.negativePixel.every((v) => Number.isFinite(v))).toBe(true);
    // Heat-map cells are labelled whatever their number, at 11 px or more (was hidden over 200 cells, 9 px).
    expect(fixes.heatLabel.show).toBe(true);
    expect(fixes.heatLabel.fontSize).toBeGreaterThanOrEqual(11);
    // One colour per meaning on every chart: AR's everywhere, stETH's everywhere, and not the same.
    expect(new Set(fixes.ar).size).toBe(1);
    expect(new Set(fixes.steth).size).toBe(1);
    expect(fixes.ar[0]).toBeDefined();
    expect(fixes.steth[0]).not.toBe(fixes.ar[0]);
    // The Monte Carlo model is explained on the page, with why the zero-drift median falls.
    expect(fixes.model).toContain('geometric Brownian motion');
    expect(fixes.model).toMatch(/median grows only by exp\(\(μ − σ²\/2\)·t\)/);
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
      expect(drawn[id]!, `${id}: drawn ${drawn[id]} vs empty ${empty[id]} (screenshot ${join(SCREENSHOTS, `${id}.png`)})`).toBeGreaterThan(2 * empty[id]! + 0.002);
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
