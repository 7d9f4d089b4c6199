import { calculatorMinted, lastEndedTick, policyLabel, supplyAt } from '../../emission/index.ts';
import { aoPriceUsd, arApy, bridgeApy, D } from '../../../simulations/apy.ts';
import { MONTH_MS } from '../../../simulations/scenario.ts';
import { formatAo } from '../../units.ts';
import type { StatusContext } from '../http.ts';
import { chart, esc, errorPage, table, type WebPage } from './html.ts';
import type { Decimal } from 'decimal.js';

/**
 * Projections: what a holder or depositor accrues from now over 30 days and a year, and the APY at a
 * chosen FDV, with the simulation core's definitions (simulations/apy.ts) on the official
 * calculator's closed form (calculatorMinted, the projection simulations/calculator.ts compares the
 * exact walk with):
 *   minted(days)  = (1 − S/21M) · (1 − (1 − r)^(288 · days)) · 21M, S = exact supply at the last ended tick
 *   AR pool       = minted / 3;  asset a = 2/3 · minted · TVL_a·APR_a / Σ TVL·APR
 *   AO per AR     = AR pool / AR supply;  AO per unit of a = (asset a's AO / TVL_a) · price_a
 *   APY           = arApy / bridgeApy of apy.ts (annualised × 12 / months, a month = 365.25/12 days)
 * The exact per-tick walk (simulate()) takes ≈ 10 s for a year on this machine, too slow for a page;
 * `npm run simulate` runs it and reports its difference from this closed form.
 */
const HORIZON_DAYS = [30, 365] as const;
const CHART_DAYS = 365;

interface Asset {
  readonly asset: string;
  readonly tvlUsd: number;
  readonly apr: number;
  readonly priceUsd: number;
}

/** Example inputs, shown in the form; a holder sets their own. */
export const DEFAULTS = {
  fdvUsd: 1e9,
  arSupply: 66e6,
  arPriceUsd: 10,
  assets: [
    { asset: 'stETH', tvlUsd: 3e8, apr: 0.03, priceUsd: 3000 },
    { asset: 'DAI', tvlUsd: 5e7, apr: 0.05, priceUsd: 1 },
    { asset: 'USDS', tvlUsd: 5e7, apr: 0.045, priceUsd: 1 },
    { asset: 'SOL', tvlUsd: 5e7, apr: 0.07, priceUsd: 150 },
  ] as readonly Asset[],
};
const INPUT_MAX = 1e15;

/** A positive finite number from the query (or the default); a bad one names its field. */
function numberParam(q: URLSearchParams, field: string, fallback: number, opts: { max?: number; zero?: boolean } = {}): number {
  const raw = q.get(field);
  if (raw === null || raw === '') return fallback;
  const n = /^[0-9]+(\.[0-9]+)?(e[0-9]{1,2})?$/i.test(raw) ? Number(raw) : Number.NaN;
  const max = opts.max ?? INPUT_MAX;
  if (!Number.isFinite(n) || n > max || (n === 0 && !opts.zero)) throw new RangeError(`${field}: ${JSON.stringify(raw.slice(0, 40))} is not a number in ${opts.zero ? '0' : '(0'}..${max}]`);
  return n;
}

interface Inputs {
  readonly fdvUsd: number;
  readonly arSupply: number;
  readonly arPriceUsd: number;
  readonly assets: readonly Asset[];
}

function parseInputs(q: URLSearchParams): Inputs {
  return {
    fdvUsd: numberParam(q, 'fdv', DEFAULTS.fdvUsd),
    arSupply: numberParam(q, 'arSupply', DEFAULTS.arSupply),
    arPriceUsd: numberParam(q, 'arPrice', DEFAULTS.arPriceUsd),
    assets: DEFAULTS.assets.map((a) => ({
      asset: a.asset,
      tvlUsd: numberParam(q, `${a.asset}.tvl`, a.tvlUsd, { zero: true }),
      apr: numberParam(q, `${a.asset}.apr`, a.apr, { max: 10, zero: true }),
      priceUsd: numberParam(q, `${a.asset}.price`, a.priceUsd),
    })),
  };
}

interface Horizon {
  readonly days: number;
  readonly aoPerAr: Decimal;
  readonly aoPerUnit: readonly Decimal[];
  readonly arApy: Decimal;
  readonly bridgeApy: readonly Decimal[];
}

function project(inputs: Inputs, supply: bigint, curve: Parameters<typeof calculatorMinted>[0], days: number): Horizon {
  const mintedAo = new D(calculatorMinted(curve, supply, days).toString()).div(1e12);
  const weights = inputs.assets.map((a) => new D(a.tvlUsd).mul(a.apr));
  const total = weights.reduce((s, w) => s.plus(w), new D(0));
  const aoPerUsd = inputs.assets.map((a, i) => (total.isZero() || a.tvlUsd === 0 ? new D(0) : mintedAo.mul(2).div(3).mul(weights[i]!).div(total).div(a.tvlUsd)));
  const aoPerAr = mintedAo.div(3).div(inputs.arSupply);
  const months = new D(days).mul(86_400_000).div(MONTH_MS);
  return {
    days,
    aoPerAr,
    aoPerUnit: aoPerUsd.map((p, i) => p.mul(inputs.assets[i]!.priceUsd)),
    arApy: arApy(aoPerAr, inputs.fdvUsd, inputs.arPriceUsd, months),
    bridgeApy: aoPerUsd.map((p) => bridgeApy(p, inputs.fdvUsd, months)),
  };
}

const fig = (d: Decimal): string => d.toSignificantDigits(6).toString();
const pct = (d: Decimal): string => `${d.mul(100).toSignificantDigits(4).toString()} %`;

export function projectionsPage(ctx: StatusContext, q: URLSearchParams): WebPage {
  let inputs: Inputs;
  try {
    inputs = parseInputs(q);
  } catch (error) {
    if (error instanceof RangeError) return errorPage(400, error.message);
    throw error;
  }
  const tick = lastEndedTick(ctx.clock.nowMs(), ctx.genesisMs);
  const supply = tick > 0 ? supplyAt(ctx.policy.curve, tick) : 0n;
  const horizons = HORIZON_DAYS.map((d) => project(inputs, supply, ctx.policy.curve, d));
  const names = ['AR', ...inputs.assets.map((a) => a.asset)];
  const perUnit = (h: Horizon, i: number) => (i === 0 ? h.aoPerAr : h.aoPerUnit[i - 1]!);
  const apy = (h: Horizon, i: number) => (i === 0 ? h.arApy : h.bridgeApy[i - 1]!);
  const year = horizons[1]!;
  // Every 5th day: 73 closed-form evaluations, the chart's numbers only (the table's are above).
  const daily = Array.from({ length: CHART_DAYS / 5 }, (_, j) => project(inputs, supply, ctx.policy.curve, (j + 1) * 5));
  const series = names.map((name, i) => ({
    type: 'line',
    name: `AO per 1 ${name}`,
    showSymbol: false,
    data: daily.map((h) => [h.days, perUnit(h, i).toSignificantDigits(8).toNumber()]),
  }));
  const option = {
    animation: false,
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 60, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: 'days from now', nameLocation: 'middle', nameGap: 26, max: CHART_DAYS },
    yAxis: { type: 'log', name: 'AO (log scale)' },
    series,
  };
  const summary = `AO accrued per unit held or deposited over a year from tick ${tick}: ${names.map((n, i) => `${n} ${fig(perUnit(year, i))} AO`).join(', ')}.`;
  const field = (name: string, label: string, value: number) => `<label for="f-${esc(name)}">${esc(label)}</label><input id="f-${esc(name)}" name="${esc(name)}" inputmode="decimal" value="${esc(value)}">`;
  const rows = names.map((_, i) => i);
  return {
    status: 200,
    title: 'Projections',
    section: 'projections',
    body: `<p>From the exact supply at tick ${tick} (${esc(formatAo(supply))}, ${esc(policyLabel(ctx.policy))}), with the official calculator's closed form: AR holders get 1/3 of what is minted, bridge assets 2/3 shared by TVL · APR. An AO price is FDV / 21,000,000; APY is simple (not compounded). Inputs are examples — set your own.</p>
<form class="inputs" method="get" action="/projections">
<fieldset><legend>Valuation and AR</legend>${field('fdv', 'AO FDV (USD)', inputs.fdvUsd)}${field('arSupply', 'AR supply', inputs.arSupply)}${field('arPrice', 'AR price (USD)', inputs.arPriceUsd)}</fieldset>
${inputs.assets.map((a) => `<fieldset><legend>${esc(a.asset)}</legend>${field(`${a.asset}.tvl`, 'TVL (USD)', a.tvlUsd)}${field(`${a.asset}.apr`, 'APR (0.03 = 3 %)', a.apr)}${field(`${a.asset}.price`, 'Price (USD)', a.priceUsd)}</fieldset>`).join('')}
<button type="submit">Project</button>
</form>
${table<number>(
  `AO per unit and APY at an FDV of ${inputs.fdvUsd.toLocaleString('en-US')} USD (AO price ${fig(aoPriceUsd(inputs.fdvUsd))} USD)`,
  [
    { head: 'Asset', cell: (i) => esc(names[i]) },
    ...horizons.map((h) => ({ head: `AO per unit, ${h.days} days`, cell: (i: number) => `<span data-field="per-unit-${h.days}-${esc(names[i])}">${fig(perUnit(h, i))}</span>`, numeric: true })),
    ...horizons.map((h) => ({ head: `APY over ${h.days} days`, cell: (i: number) => `<span data-field="apy-${h.days}-${esc(names[i])}">${pct(apy(h, i))}</span>`, numeric: true })),
    { head: 'Net APY (1 year, less the asset’s APR)', cell: (i) => (i === 0 ? '—' : pct(apy(year, i).minus(inputs.assets[i - 1]!.apr))), numeric: true },
  ],
  rows,
  ' id="projections"',
)}
<section aria-labelledby="h-pchart"><h2 id="h-pchart">Accrual over the year</h2>${chart('chart-projection', option, summary)}</section>`,
  };
}
