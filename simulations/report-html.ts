import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FullResults } from './results.ts';

/**
 * report.html: one self-contained page (the charting library and the data are inlined, so it
 * opens without a network). Charts are drawn by ECharts from the embedded results (the same object
 * as results.json), so every charted number is in results.json and the CSV files.
 */
const require = createRequire(import.meta.url);
let echartsSource: string | undefined;
function echarts(): string {
  echartsSource ??= readFileSync(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
  return echartsSource;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside <script>: `<` escaped so no string in the data can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');
const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
const usd = (x: number): string => `$${x.toLocaleString('en-US', { maximumFractionDigits: 2 })}`;
const ao = (units: string): string => `${(Number(BigInt(units) / 10n ** 6n) / 1e6).toLocaleString('en-US', { maximumFractionDigits: 6 })} AO`;

/** The bridge heat map of the i-th asset. */
const heatBridgeId = (i: number): string => (i === 0 ? 'chart-heat-bridge' : `chart-heat-bridge-${i}`);

/** The Monte Carlo band chart of the i-th bridge asset. */
const monteCarloBridgeId = (i: number): string => `chart-monte-carlo-bridge-${i}`;

/**
 * Chart ids of a report, in page order (one bridge heat map and, with Monte Carlo, one band chart
 * per asset); the browser test checks each one draws. Keep in step with the page below.
 */
export function chartIds(assetCount: number, monteCarlo: boolean): string[] {
  const perAsset = (id: (i: number) => string): string[] => Array.from({ length: assetCount }, (_, i) => id(i));
  return [
    'chart-curve',
    'chart-rates',
    'chart-mint',
    'chart-split',
    'chart-accrual',
    'chart-apy',
    'chart-heat-ar',
    ...perAsset(heatBridgeId),
    ...(monteCarlo ? ['chart-monte-carlo-price', 'chart-monte-carlo', ...perAsset(monteCarloBridgeId)] : []),
  ];
}

/**
 * One colour per series meaning, the same on every chart: AR holders, the bridges together, and
 * each bridge asset by name (known assets fixed, others from the spare list by their order).
 */
export const SERIES_COLOURS = { ar: '#1f77b4', bridges: '#8c564b', assets: { stETH: '#2ca02c', SOL: '#9467bd', DAI: '#e6a817', USDS: '#17becf' } as Record<string, string>, spare: ['#d62728', '#e377c2', '#7f7f7f', '#bcbd22', '#ff7f0e'] } as const;

/**
 * The Monte Carlo model in words, for the report and the README: what the bands are and why a
 * zero-drift run's median falls.
 */
export function monteCarloExplanation(mc: { runs: number; seed: number; startFdvUsd: number; driftPerYear: number; volatilityPerYear: number }, months: number): string {
  const years = months / 12;
  const medianFactor = Math.exp((mc.driftPerYear - mc.volatilityPerYear ** 2 / 2) * years);
  return (
    `The AO price is modelled as a geometric Brownian motion (GBM) with daily steps, ${mc.runs} seeded runs (seed ${mc.seed}) from FDV ${usd(mc.startFdvUsd)}: ` +
    `ln P(t+Δt) = ln P(t) + (μ − σ²/2)·Δt + σ·√Δt·Z, μ = ${pct(mc.driftPerYear)}/yr drift, σ = ${pct(mc.volatilityPerYear)}/yr volatility, Z standard normal. ` +
    `The AO each pool receives is exact and the same in every run; only its USD value varies. ` +
    `Drift μ is the growth of the mean price: with μ = ${pct(mc.driftPerYear)} the mean grows by exp(μ·t), but the median grows only by exp((μ − σ²/2)·t) — ` +
    `×${medianFactor.toPrecision(3)} over these ${months} months — because a GBM's distribution is skewed: a few runs rise a lot, most fall. ` +
    `So with zero drift the median (50th percentile) price and returns decay while the mean stays flat; this is the model, not a forecast. ` +
    `Each band chart shades the range between matching percentiles (e.g. 5–95 and 25–75) and draws the median as a line; a return to date is the AO accrued so far valued at that day's price, as a fraction of the capital (not annualised).`
  );
}

export function reportHtml(r: FullResults): string {
  const assets = Object.keys(r.aprs);
  const keyFigures: [string, string][] = [
    ['Horizon', `${r.horizon.start} → ${r.horizon.end} (${r.horizon.months} months, ticks ${r.horizon.firstTick.toLocaleString('en-US')}–${r.horizon.lastTick.toLocaleString('en-US')})`],
    ['Policy', r.policy],
    ['Supply at start / end', `${ao(r.supplyAtStart)} / ${ao(r.supplyAtEnd)}`],
    ['Minted over the horizon', ao(r.minted)],
    ['To AR holders', `${ao(r.arPool)} — ${r.aoPerAr.toPrecision(6)} AO per AR (${r.arSupply} AR at ${usd(r.arPriceUsd)})`],
    ['To bridges', ao(r.bridgePool)],
    ...assets.map((a): [string, string] => [
      `Bridge: ${a}`,
      `${ao(r.bridgePoolByAsset[a]!)} — ${r.aoPerBridgePercent[a]!.toPrecision(6)} AO per 1 % of the pool, ${r.aoPerBridgeUsd[a]!.toPrecision(6)} AO per USD${r.aoPerAssetUnit[a] === null ? '' : `, ${r.aoPerAssetUnit[a]!.toPrecision(6)} AO per ${a}`}; own APR ${pct(r.aprs[a]!)}`,
    ]),
    ['Official calculator (closed form)', `${r.calculator.minted.toLocaleString('en-US', { maximumFractionDigits: 6 })} AO minted, ${r.calculator.aoPerAr.toPrecision(6)} AO per AR (1/3 : 2/3 always); exact walk − calculator = ${r.calculator.mintedDifference.toLocaleString('en-US', { maximumFractionDigits: 6 })} AO (${pct(r.calculator.mintedDifferenceShare)}), AR pool ${r.calculator.arDifference.toLocaleString('en-US', { maximumFractionDigits: 6 })} AO`],
    ['Transferability gate', r.gate === null ? 'never opens under this law' : `tick ${r.gate.tick.toLocaleString('en-US')}, ${r.gate.end} (${r.gate.rule})`],
  ];
  const rowsHeader = ['FDV', 'AO price', 'AR APY', ...assets.flatMap((a) => [`${a} APY`, `${a} APR given up`, `${a} net`])];
  const rowsBody = r.rows.map((row) => [usd(row.fdvUsd), usd(row.aoPriceUsd), pct(row.arApy), ...assets.flatMap((a) => [pct(row.bridgeApy[a]!), pct(r.aprs[a]!), pct(row.netBridgeApy[a]!)])]);
  const table = (header: string[], body: string[][]) =>
    `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${body.map((row) => `<tr>${row.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
  const chart = (id: string, title: string, note: string) => `<section><h2>${escapeHtml(title)}</h2><p class="note">${escapeHtml(note)}</p><div class="chart" id="${id}"></div></section>`;
  const mc = r.monteCarlo;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ao-emission simulation — ${escapeHtml(r.scenario)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1c1c1c;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 4px}
table{border-collapse:collapse;margin:8px 0;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
table.kv td{text-align:left}.note{color:#555;margin:2px 0 6px}.chart{width:100%;height:380px}ol{padding-left:20px}
</style></head><body>
<h1>Simulation: ${escapeHtml(r.scenario)}</h1>
<p class="note">${escapeHtml(r.description)}</p>
<table class="kv"><tbody>${keyFigures.map(([k, v]) => `<tr><td><b>${escapeHtml(k)}</b></td><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>
<h2>APY by AO valuation</h2>
${table(rowsHeader, rowsBody)}
${mc ? `<p class="note" id="monte-carlo-model">Monte Carlo: ${escapeHtml(monteCarloExplanation(mc, Number(r.horizon.months)))} Annualised AR APY at the horizon's end by percentile: ${Object.entries(mc.arApy).map(([p, v]) => `${p.slice(1)}th ${pct(v)}`).join(', ')}.</p>` : ''}
<h2>Definitions</h2>
<ol>${r.definitions.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ol>
${chart('chart-curve', 'Emission and supply curve', `Supply under ${r.policy} (left) and AO minted per day (right) from genesis, with the supply under ${r.comparisonLaw} for comparison; the transferability gate and the horizon are marked.`)}
${chart('chart-rates', 'Monthly emission rates in circulation', `Share of the remaining supply minted per month: ${r.monthlyRates.map((m) => `${m.label} ${(m.rate * 100).toFixed(4)} %`).join('; ')}.`)}
${chart('chart-mint', 'Mint over the horizon, per day', 'Per-tick mints aggregated per day (a tick belongs to the day in which it ends), split between AR holders and each bridge asset.')}
${chart('chart-split', 'Cumulative AR / bridge split', 'AO accrued to each pool since the start of the horizon.')}
${chart('chart-accrual', 'AO accrued per 1 AR and per 1 % of bridge TVL', 'AO per 1 AR held (left) and per 1 % share of each bridge pool kept over the horizon (right).')}
${chart('chart-apy', 'APY by FDV', 'AR APY and each bridge asset\u2019s gross APY on a log scale (left axis); each asset\u2019s APY net of its own staking APR, dashed, on a linear scale (right axis), so a negative net APY (the AO earned is worth less than the APR given up) is drawn below its zero line.')}
${chart('chart-heat-ar', 'AR holder APY: FDV × AR price', 'Annualised APY (%) over the sweep.')}
${assets.map((a, i) => chart(heatBridgeId(i), `Bridge APY (${a}): FDV × total bridge TVL`, 'Annualised APY (%) over the sweep; every asset\u2019s TVL scaled by the same factor.')).join('\n')}
${
  mc
    ? [
        chart('chart-monte-carlo-price', 'Monte Carlo: AO price, percentile bands', 'The simulated AO price (USD) by day; with zero drift the median falls while the mean stays at the start price (see the model above).'),
        chart('chart-monte-carlo', 'Monte Carlo: AR holder return to date, percentile bands', 'AO accrued per AR so far valued at the simulated AO price of the day, as a fraction of the AR price (not annualised).'),
        ...assets.map((a, i) => chart(monteCarloBridgeId(i), `Monte Carlo: ${a} bridge return to date, percentile bands`, `AO accrued per USD of ${a} bridged so far valued at the simulated AO price of the day, as a fraction of the capital (not annualised; the asset\u2019s own APR not included).`)),
      ].join('\n')
    : ''
}
<p class="note">Generated by <code>ao-emission simulate</code>. Every charted number is in results.json and the CSV files beside this page.</p>
<script>${echarts()}</script>
<script type="application/json" id="results">${scriptJson(r)}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/** The page's own script: builds the charts from the embedded results. Plain ES2017, no modules. */
const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var r = JSON.parse(document.getElementById('results').textContent);
  var assets = Object.keys(r.aprs);
  var AO = function (units) { return Number(units) / 1e12; };
  var day = function (iso) { return iso.slice(0, 10); };
  var charts = [];
  var COLOURS = ${JSON.stringify(SERIES_COLOURS)};
  var spareUsed = {};
  function assetColour(a) {
    if (COLOURS.assets[a]) return COLOURS.assets[a];
    if (!(a in spareUsed)) spareUsed[a] = COLOURS.spare[Object.keys(spareUsed).length % COLOURS.spare.length];
    return spareUsed[a];
  }
  assets.forEach(assetColour);
  function make(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: 'canvas' });
    option.animation = false;
    option.grid = option.grid || { left: 70, right: 70, top: 40, bottom: 50 };
    c.setOption(option);
    charts.push(c);
  }
  // APYs span orders of magnitude (2 % to 1000 %+): colour bands on a roughly logarithmic scale.
  var APY_PIECES = [{ lt: 5, label: '< 5 %' }, { gte: 5, lt: 10 }, { gte: 10, lt: 25 }, { gte: 25, lt: 50 }, { gte: 50, lt: 100 }, { gte: 100, lt: 250 }, { gte: 250, lt: 500 }, { gte: 500, lt: 1000 }, { gte: 1000, label: '≥ 1000 %' }];
  var pctFmt = function (v) { return (v * 100).toFixed(1) + ' %'; };
  var start = r.horizon.start, end = r.horizon.end;
  make('chart-curve', {
    tooltip: { trigger: 'axis' },
    legend: { data: ['supply (AO)', 'minted per day (AO)', 'supply under ' + r.comparisonLaw + ' (AO)'] },
    xAxis: { type: 'time' },
    yAxis: [{ type: 'value', name: 'supply (AO)' }, { type: 'value', name: 'AO per day', scale: true }],
    series: [
      { name: 'supply (AO)', type: 'line', showSymbol: false, color: '#3b3bb3', data: r.curve.map(function (p) { return [p.end, AO(p.supply)]; }),
        markLine: { symbol: 'none', lineStyle: { color: '#c23531', type: 'dashed' }, data: r.gate === null ? [] : [
          { xAxis: r.gate.end, label: { position: 'insideEndTop', formatter: 'transferable from ' + day(r.gate.end) + ' (tick ' + r.gate.tick.toLocaleString('en-US') + ', ' + r.gate.rule + ')' } },
          { yAxis: AO(r.gate.supply), label: { position: 'insideStartTop', formatter: 'supply at the gate: ' + (AO(r.gate.supply) / 1e6).toFixed(3) + ' M AO' } }] },
        markArea: { itemStyle: { color: 'rgba(80,140,220,0.10)' }, data: [[{ xAxis: start, name: 'horizon' }, { xAxis: end }]] } },
      { name: 'minted per day (AO)', type: 'line', yAxisIndex: 1, showSymbol: false, color: '#ff7f0e', data: r.curve.map(function (p) { return [p.end, AO(p.minted)]; }) },
      { name: 'supply under ' + r.comparisonLaw + ' (AO)', type: 'line', showSymbol: false, color: '#999999', lineStyle: { type: 'dotted' }, data: r.curve.map(function (p) { return [p.end, AO(p.comparisonSupply)]; }) }
    ]
  });
  make('chart-rates', {
    tooltip: { trigger: 'axis', valueFormatter: function (v) { return v.toFixed(4) + ' %'; } },
    xAxis: { type: 'category', data: r.monthlyRates.map(function (m) { return m.label; }), axisLabel: { interval: 0, width: 180, overflow: 'break' } },
    yAxis: { type: 'value', name: '% of remaining per month', min: 1.40, max: 1.44 },
    series: [{ type: 'bar', color: '#ff7f0e', data: r.monthlyRates.map(function (m) { return +(m.rate * 100).toFixed(4); }), label: { show: true, position: 'top', formatter: function (p) { return p.value.toFixed(4) + ' %'; } } }]
  });
  var stack = [{ name: 'AR holders', type: 'bar', stack: 'mint', color: COLOURS.ar, data: r.days.map(function (d) { return [d.end, AO(d.ar)]; }) }].concat(assets.map(function (a) {
    return { name: a + ' bridge', type: 'bar', stack: 'mint', color: assetColour(a), data: r.days.map(function (d) { return [d.end, AO(d.byAsset[a])]; }) };
  }));
  make('chart-mint', { tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'time' }, yAxis: { type: 'value', name: 'AO per day' }, series: stack });
  make('chart-split', {
    tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'time' }, yAxis: { type: 'value', name: 'AO' },
    series: [
      { name: 'AR holders', type: 'line', stack: 'pools', areaStyle: {}, showSymbol: false, color: COLOURS.ar, data: r.days.map(function (d) { return [d.end, AO(d.cumulativeAr)]; }) },
      { name: 'bridges', type: 'line', stack: 'pools', areaStyle: {}, showSymbol: false, color: COLOURS.bridges, data: r.days.map(function (d) { return [d.end, AO(d.cumulativeBridges)]; }) }
    ]
  });
  make('chart-accrual', {
    tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'time' },
    yAxis: [{ type: 'value', name: 'AO per AR' }, { type: 'value', name: 'AO per 1 % of pool' }],
    series: [{ name: 'AO per 1 AR', type: 'line', showSymbol: false, color: COLOURS.ar, data: r.days.map(function (d) { return [d.end, d.aoPerAr]; }) }].concat(assets.map(function (a) {
      return { name: 'AO per 1 % of ' + a + ' pool', type: 'line', yAxisIndex: 1, showSymbol: false, color: assetColour(a), data: r.days.map(function (d) { return [d.end, d.aoPerBridgePercent[a]]; }) };
    }))
  });
  // Gross APYs are positive and span orders of magnitude: log axis (left). A net APY (gross − the
  // asset's own APR) can be negative, which a log axis cannot show: its own linear axis (right).
  var apySeries = [{ name: 'AR APY', type: 'line', color: COLOURS.ar, data: r.rows.map(function (x) { return [x.fdvUsd, x.arApy]; }) }];
  assets.forEach(function (a) {
    apySeries.push({ name: a + ' APY', type: 'line', color: assetColour(a), data: r.rows.map(function (x) { return [x.fdvUsd, x.bridgeApy[a]]; }) });
    apySeries.push({ name: a + ' net of ' + (r.aprs[a] * 100).toFixed(2) + ' % APR', type: 'line', yAxisIndex: 1, color: assetColour(a), lineStyle: { type: 'dashed' }, symbol: 'triangle', data: r.rows.map(function (x) { return [x.fdvUsd, x.netBridgeApy[a]]; }),
      markLine: { silent: true, symbol: 'none', lineStyle: { color: '#999', type: 'solid', width: 1 }, label: { position: 'insideStartTop', formatter: 'net 0 %' }, data: [{ yAxis: 0 }] } });
  });
  make('chart-apy', {
    tooltip: { trigger: 'axis', valueFormatter: pctFmt }, legend: {},
    xAxis: { type: 'log', name: 'FDV (USD)', axisLabel: { formatter: function (v) { return '$' + (v / 1e9) + ' B'; } } },
    yAxis: [{ type: 'log', name: 'gross APY (log)', axisLabel: { formatter: pctFmt } }, { type: 'value', name: 'net APY (linear)', scale: true, splitLine: { show: false }, axisLabel: { formatter: pctFmt } }],
    series: apySeries
  });
  function heat(id, pick, xKey, yKey, label) {
    var pts = r.sweepPoints.filter(pick);
    var xs = Array.from(new Set(pts.map(function (p) { return p[xKey]; }))).sort(function (a, b) { return a - b; });
    var ys = Array.from(new Set(pts.map(function (p) { return p[yKey]; }))).sort(function (a, b) { return a - b; });
    var data = pts.map(function (p) { return [xs.indexOf(p[xKey]), ys.indexOf(p[yKey]), +(p.value * 100).toPrecision(4)]; });
    var fmt = function (v) { return v >= 1e9 ? '$' + +(v / 1e9).toPrecision(3) + ' B' : v >= 1e6 ? '$' + +(v / 1e6).toPrecision(3) + ' M' : '$' + +v.toPrecision(3); };
    // Every cell labelled, at a readable size: the chart grows with the rows and the font with the
    // cell (11–13 px); values to 3 significant digits so a label fits a narrow cell.
    var el = document.getElementById(id);
    if (el) el.style.height = Math.max(380, 110 + 26 * ys.length) + 'px';
    var cellWidth = ((el ? el.clientWidth : 1000) - 120) / Math.max(1, xs.length);
    var fontSize = Math.max(11, Math.min(13, Math.floor(cellWidth / 4)));
    make(id, {
      tooltip: { formatter: function (p) { return 'FDV ' + fmt(xs[p.value[0]]) + ', ' + label + ' ' + fmt(ys[p.value[1]]) + ': ' + p.value[2] + ' %'; } },
      grid: { left: 90, right: 30, top: 20, bottom: 90 },
      xAxis: { type: 'category', name: 'FDV', data: xs.map(fmt) },
      yAxis: { type: 'category', name: label, data: ys.map(fmt) },
      visualMap: { type: 'piecewise', orient: 'horizontal', left: 'center', bottom: 0, pieces: APY_PIECES, inRange: { color: ['#313695', '#4575b4', '#74add1', '#abd9e9', '#fee090', '#fdae61', '#f46d43', '#d73027', '#a50026'] } },
      series: [{ type: 'heatmap', data: data, label: { show: true, fontSize: fontSize, color: '#111', textBorderColor: '#fff', textBorderWidth: 2, formatter: function (p) { return String(+p.value[2].toPrecision(3)); } } }]
    });
  }
  var firstTvl = r.sweepPoints.length ? r.sweepPoints[0].tvlUsd : 0, firstAr = r.sweepPoints.length ? r.sweepPoints[0].arPriceUsd : 0;
  heat('chart-heat-ar', function (p) { if (p.tvlUsd !== firstTvl) return false; p.value = p.arApy; return true; }, 'fdvUsd', 'arPriceUsd', 'AR price');
  assets.forEach(function (a, i) {
    heat(i === 0 ? 'chart-heat-bridge' : 'chart-heat-bridge-' + i, function (p) { if (p.arPriceUsd !== firstAr) return false; p.value = p.bridgeApy[a]; return true; }, 'fdvUsd', 'tvlUsd', 'TVL');
  });
  // Percentile bands: the area between matching percentiles (lowest–highest, then inward) shaded
  // by stacking the gap on an invisible lower line; the middle percentile (median) as a line.
  function bands(id, colour, pick, fmt) {
    // Band keys are 'p5', 'p25', …: percentile p under key 'p' + p.
    var ps = Object.keys(r.monteCarlo.arApy).sort(function (a, b) { return Number(a.slice(1)) - Number(b.slice(1)); });
    var th = function (p) { return p.slice(1) + 'th'; };
    var at = function (i, p) { return pick(r.monteCarloDays[i])[p]; };
    var series = [];
    for (var k = 0; k < Math.floor(ps.length / 2); k++) {
      var lo = ps[k], hi = ps[ps.length - 1 - k], stackId = 'band' + k;
      series.push({ name: th(lo), type: 'line', stack: stackId, showSymbol: false, lineStyle: { opacity: 0 }, color: colour, data: r.monteCarloDays.map(function (d, i) { return [d.end, at(i, lo)]; }) });
      series.push({ name: lo.slice(1) + '–' + th(hi), type: 'line', stack: stackId, showSymbol: false, lineStyle: { opacity: 0 }, color: colour, areaStyle: { color: colour, opacity: 0.15 + 0.15 * k },
        data: r.monteCarloDays.map(function (d, i) { return [d.end, at(i, hi) - at(i, lo)]; }) });
    }
    if (ps.length % 2 === 1) {
      var mid = ps[(ps.length - 1) / 2];
      series.push({ name: th(mid) + ' (median)', type: 'line', showSymbol: false, color: colour, lineStyle: { width: 2 }, data: r.monteCarloDays.map(function (d, i) { return [d.end, at(i, mid)]; }) });
    }
    make(id, {
      tooltip: { trigger: 'axis', formatter: function (items) {
        var i = items[0].dataIndex, d = r.monteCarloDays[i];
        return day(d.end) + '<br>' + ps.map(function (p) { return th(p) + ': ' + fmt(at(i, p)); }).join('<br>');
      } },
      legend: { data: series.filter(function (x) { return x.areaStyle || /median/.test(x.name); }).map(function (x) { return x.name; }) },
      xAxis: { type: 'time' }, yAxis: { type: 'value', axisLabel: { formatter: fmt } }, series: series
    });
  }
  if (r.monteCarloDays) {
    var usdFmt = function (v) { return '$' + (+v.toPrecision(3)); };
    bands('chart-monte-carlo-price', '#c9a227', function (d) { return d.aoPriceUsd; }, usdFmt);
    bands('chart-monte-carlo', COLOURS.ar, function (d) { return d.arReturn; }, pctFmt);
    assets.forEach(function (a, i) { bands('chart-monte-carlo-bridge-' + i, assetColour(a), function (d) { return d.bridgeReturn[a]; }, pctFmt); });
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.setAttribute('data-charts', String(charts.length));
})();
`;
