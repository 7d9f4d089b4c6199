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

/** Chart ids of a report, in page order (one bridge heat map per asset); the smoke test checks each one draws. */
export function chartIds(assetCount: number, monteCarlo: boolean): string[] {
  return ['chart-curve', 'chart-rates', 'chart-mint', 'chart-split', 'chart-accrual', 'chart-apy', 'chart-heat-ar', ...Array.from({ length: assetCount }, (_, i) => heatBridgeId(i)), ...(monteCarlo ? ['chart-monte-carlo'] : [])];
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
${mc ? `<p class="note">Monte Carlo: ${mc.runs} runs, seed ${mc.seed}, AO price a geometric Brownian motion from FDV ${usd(mc.startFdvUsd)} (drift ${pct(mc.driftPerYear)}/yr, volatility ${pct(mc.volatilityPerYear)}/yr). Annualised AR APY at the horizon's end: ${Object.entries(mc.arApy).map(([p, v]) => `${p} ${pct(v)}`).join(', ')}.</p>` : ''}
<h2>Definitions</h2>
<ol>${r.definitions.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ol>
${chart('chart-curve', 'Emission and supply curve', `Supply under ${r.policy} (left) and AO minted per day (right) from genesis, with the supply under ${r.comparisonLaw} for comparison; the transferability gate and the horizon are marked.`)}
${chart('chart-rates', 'Monthly emission rates in circulation', `Share of the remaining supply minted per month: ${r.monthlyRates.map((m) => `${m.label} ${(m.rate * 100).toFixed(4)} %`).join('; ')}.`)}
${chart('chart-mint', 'Mint over the horizon, per day', 'Per-tick mints aggregated per day (a tick belongs to the day in which it ends), split between AR holders and each bridge asset.')}
${chart('chart-split', 'Cumulative AR / bridge split', 'AO accrued to each pool since the start of the horizon.')}
${chart('chart-accrual', 'AO accrued per 1 AR and per 1 % of bridge TVL', 'AO per 1 AR held (left) and per 1 % share of each bridge pool kept over the horizon (right).')}
${chart('chart-apy', 'APY by FDV', 'AR APY and each bridge asset\u2019s APY, gross and net of its own staking APR, for each FDV of the scenario.')}
${chart('chart-heat-ar', 'AR holder APY: FDV × AR price', 'Annualised APY (%) over the sweep.')}
${assets.map((a, i) => chart(heatBridgeId(i), `Bridge APY (${a}): FDV × total bridge TVL`, 'Annualised APY (%) over the sweep; every asset\u2019s TVL scaled by the same factor.')).join('\n')}
${mc ? chart('chart-monte-carlo', 'Monte Carlo: AR holder return to date, percentile bands', 'AO accrued per AR so far valued at the simulated AO price of the day, as a fraction of the AR price (not annualised).') : ''}
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
      { name: 'supply (AO)', type: 'line', showSymbol: false, data: r.curve.map(function (p) { return [p.end, AO(p.supply)]; }),
        markLine: { symbol: 'none', lineStyle: { color: '#c23531', type: 'dashed' }, data: r.gate === null ? [] : [
          { xAxis: r.gate.end, label: { position: 'insideEndTop', formatter: 'transferable from ' + day(r.gate.end) + ' (tick ' + r.gate.tick.toLocaleString('en-US') + ', ' + r.gate.rule + ')' } },
          { yAxis: AO(r.gate.supply), label: { position: 'insideStartTop', formatter: 'supply at the gate: ' + (AO(r.gate.supply) / 1e6).toFixed(3) + ' M AO' } }] },
        markArea: { itemStyle: { color: 'rgba(80,140,220,0.10)' }, data: [[{ xAxis: start, name: 'horizon' }, { xAxis: end }]] } },
      { name: 'minted per day (AO)', type: 'line', yAxisIndex: 1, showSymbol: false, data: r.curve.map(function (p) { return [p.end, AO(p.minted)]; }) },
      { name: 'supply under ' + r.comparisonLaw + ' (AO)', type: 'line', showSymbol: false, lineStyle: { type: 'dotted' }, data: r.curve.map(function (p) { return [p.end, AO(p.comparisonSupply)]; }) }
    ]
  });
  make('chart-rates', {
    tooltip: { trigger: 'axis', valueFormatter: function (v) { return v.toFixed(4) + ' %'; } },
    xAxis: { type: 'category', data: r.monthlyRates.map(function (m) { return m.label; }), axisLabel: { interval: 0, width: 180, overflow: 'break' } },
    yAxis: { type: 'value', name: '% of remaining per month', min: 1.40, max: 1.44 },
    series: [{ type: 'bar', data: r.monthlyRates.map(function (m) { return +(m.rate * 100).toFixed(4); }), label: { show: true, position: 'top', formatter: function (p) { return p.value.toFixed(4) + ' %'; } } }]
  });
  var stack = [{ name: 'AR holders', type: 'bar', stack: 'mint', data: r.days.map(function (d) { return [d.end, AO(d.ar)]; }) }].concat(assets.map(function (a) {
    return { name: a + ' bridge', type: 'bar', stack: 'mint', data: r.days.map(function (d) { return [d.end, AO(d.byAsset[a])]; }) };
  }));
  make('chart-mint', { tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'time' }, yAxis: { type: 'value', name: 'AO per day' }, series: stack });
  make('chart-split', {
    tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'time' }, yAxis: { type: 'value', name: 'AO' },
    series: [
      { name: 'AR holders', type: 'line', stack: 'pools', areaStyle: {}, showSymbol: false, data: r.days.map(function (d) { return [d.end, AO(d.cumulativeAr)]; }) },
      { name: 'bridges', type: 'line', stack: 'pools', areaStyle: {}, showSymbol: false, data: r.days.map(function (d) { return [d.end, AO(d.cumulativeBridges)]; }) }
    ]
  });
  make('chart-accrual', {
    tooltip: { trigger: 'axis' }, legend: {}, xAxis: { type: 'time' },
    yAxis: [{ type: 'value', name: 'AO per AR' }, { type: 'value', name: 'AO per 1 % of pool' }],
    series: [{ name: 'AO per 1 AR', type: 'line', showSymbol: false, data: r.days.map(function (d) { return [d.end, d.aoPerAr]; }) }].concat(assets.map(function (a) {
      return { name: 'AO per 1 % of ' + a + ' pool', type: 'line', yAxisIndex: 1, showSymbol: false, data: r.days.map(function (d) { return [d.end, d.aoPerBridgePercent[a]]; }) };
    }))
  });
  var apySeries = [{ name: 'AR APY', type: 'line', data: r.rows.map(function (x) { return [x.fdvUsd, x.arApy]; }) }];
  assets.forEach(function (a) {
    apySeries.push({ name: a + ' APY', type: 'line', data: r.rows.map(function (x) { return [x.fdvUsd, x.bridgeApy[a]]; }) });
    apySeries.push({ name: a + ' net of ' + (r.aprs[a] * 100).toFixed(2) + ' % APR', type: 'line', lineStyle: { type: 'dashed' }, data: r.rows.map(function (x) { return [x.fdvUsd, x.netBridgeApy[a]]; }) });
  });
  make('chart-apy', {
    tooltip: { trigger: 'axis', valueFormatter: pctFmt }, legend: {},
    xAxis: { type: 'log', name: 'FDV (USD)', axisLabel: { formatter: function (v) { return '$' + (v / 1e9) + ' B'; } } },
    yAxis: { type: 'log', name: 'APY', axisLabel: { formatter: pctFmt } }, series: apySeries
  });
  function heat(id, pick, xKey, yKey, label) {
    var pts = r.sweepPoints.filter(pick);
    var xs = Array.from(new Set(pts.map(function (p) { return p[xKey]; }))).sort(function (a, b) { return a - b; });
    var ys = Array.from(new Set(pts.map(function (p) { return p[yKey]; }))).sort(function (a, b) { return a - b; });
    var data = pts.map(function (p) { return [xs.indexOf(p[xKey]), ys.indexOf(p[yKey]), +(p.value * 100).toPrecision(4)]; });
    var fmt = function (v) { return v >= 1e9 ? '$' + +(v / 1e9).toPrecision(3) + ' B' : v >= 1e6 ? '$' + +(v / 1e6).toPrecision(3) + ' M' : '$' + +v.toPrecision(3); };
    make(id, {
      tooltip: { formatter: function (p) { return 'FDV ' + fmt(xs[p.value[0]]) + ', ' + label + ' ' + fmt(ys[p.value[1]]) + ': ' + p.value[2] + ' %'; } },
      grid: { left: 90, right: 30, top: 20, bottom: 90 },
      xAxis: { type: 'category', name: 'FDV', data: xs.map(fmt) },
      yAxis: { type: 'category', name: label, data: ys.map(fmt) },
      visualMap: { type: 'piecewise', orient: 'horizontal', left: 'center', bottom: 0, pieces: APY_PIECES, inRange: { color: ['#313695', '#4575b4', '#74add1', '#abd9e9', '#fee090', '#fdae61', '#f46d43', '#d73027', '#a50026'] } },
      series: [{ type: 'heatmap', data: data, label: { show: xs.length * ys.length <= 200, fontSize: 9, color: '#111', textBorderColor: '#fff', textBorderWidth: 2 } }]
    });
  }
  var firstTvl = r.sweepPoints.length ? r.sweepPoints[0].tvlUsd : 0, firstAr = r.sweepPoints.length ? r.sweepPoints[0].arPriceUsd : 0;
  heat('chart-heat-ar', function (p) { if (p.tvlUsd !== firstTvl) return false; p.value = p.arApy; return true; }, 'fdvUsd', 'arPriceUsd', 'AR price');
  assets.forEach(function (a, i) {
    heat(i === 0 ? 'chart-heat-bridge' : 'chart-heat-bridge-' + i, function (p) { if (p.arPriceUsd !== firstAr) return false; p.value = p.bridgeApy[a]; return true; }, 'fdvUsd', 'tvlUsd', 'TVL');
  });
  if (r.monteCarloDays) {
    var ps = Object.keys(r.monteCarlo.arApy);
    make('chart-monte-carlo', {
      tooltip: { trigger: 'axis', valueFormatter: pctFmt }, legend: {}, xAxis: { type: 'time' }, yAxis: { type: 'value', name: 'return to date', axisLabel: { formatter: pctFmt } },
      series: ps.map(function (p) { return { name: p, type: 'line', showSymbol: false, data: r.monteCarloDays.map(function (d, i) { return [r.days[i].end, d.arReturn[p]]; }) }; })
    });
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
  document.body.setAttribute('data-charts', String(charts.length));
})();
`;
