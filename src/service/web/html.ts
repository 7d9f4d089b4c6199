import { formatAo } from '../../units.ts';
import { assetUrl } from './assets.ts';

/**
 * The dashboard's HTML shell: every page is rendered on the server as one document (no bundler, no
 * client framework). Charts are ECharts options serialised into the page as JSON and drawn by
 * /assets/dashboard.js; every chart also carries its key numbers as text (aria-label and a visible
 * summary), so the page reads without the canvas.
 */
export interface WebPage {
  readonly status: number;
  readonly title: string;
  /** Already-escaped HTML of the main element. */
  readonly body: string;
  /** Marks the nav entry of the page. */
  readonly section?: Section;
  /** data-* attributes of <body> read by dashboard.js (e.g. live refresh). */
  readonly dataset?: Readonly<Record<string, string>>;
  /** Loads the hashing library (the Settlement page's in-browser proof check); ECharts loads only on pages with a chart. */
  readonly withEthers?: boolean;
}

export type Section = 'overview' | 'address' | 'settlements' | 'journal' | 'projections';

const NAV: readonly [Section, string, string][] = [
  ['overview', '/', 'Overview'],
  ['address', '/address', 'Address'],
  ['settlements', '/settlements', 'Settlements'],
  ['journal', '/journal', 'Journal'],
  ['projections', '/projections', 'Projections'],
];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text or attribute value → HTML; everything from the ledger or the URL passes through here. */
export const esc = (text: unknown): string => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Exact AO (12 decimals, trailing zeros dropped) with the base units in a data attribute for scripts and tests. */
export const aoCell = (units: bigint, field?: string): string =>
  `<span class="amount"${field === undefined ? '' : ` data-field="${esc(field)}"`} data-units="${units.toString()}">${esc(formatAo(units))}</span>`;

/** JSON for a <script type="application/json">: `<` escaped so no ledger text can close the element. */
export const jsonScript = (id: string, value: unknown): string =>
  `<script type="application/json" id="${esc(id)}">${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)).replace(/</g, '\\u003c')}</script>`;

/**
 * A chart: the ECharts option as JSON, a role="img" container whose label states the key numbers,
 * and the same numbers as visible text under it.
 */
export function chart(id: string, option: unknown, summary: string): string {
  return `<figure class="chart-figure"><div id="${esc(id)}" class="chart" data-chart="${esc(id)}-option" role="img" aria-label="${esc(summary)}"></div>${jsonScript(`${id}-option`, option)}<figcaption>${esc(summary)}</figcaption></figure>`;
}

export interface Column<T> {
  readonly head: string;
  readonly cell: (row: T) => string;
  /** Right-aligned numbers. */
  readonly numeric?: boolean;
}

/** A captioned table in a horizontally scrolling wrapper (phone width), header cells scoped. */
export function table<T>(caption: string, columns: readonly Column<T>[], rows: readonly T[], attrs = ''): string {
  const head = columns.map((c) => `<th scope="col"${c.numeric ? ' class="num"' : ''}>${esc(c.head)}</th>`).join('');
  const body = rows.map((r) => `<tr>${columns.map((c) => `<td${c.numeric ? ' class="num"' : ''}>${c.cell(r)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap" tabindex="0" role="region" aria-label="${esc(caption)}"><table${attrs}><caption>${esc(caption)}</caption><thead><tr>${head}</tr></thead><tbody>${body || `<tr><td colspan="${columns.length}">none</td></tr>`}</tbody></table></div>`;
}

export function renderPage(p: WebPage): string {
  const nav = NAV.map(([s, href, label]) => `<li><a href="${href}"${s === p.section ? ' aria-current="page"' : ''}>${label}</a></li>`).join('');
  const data = Object.entries(p.dataset ?? {})
    .map(([k, v]) => ` data-${esc(k)}="${esc(v)}"`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(p.title)} · ao-emission</title>
<link rel="stylesheet" href="${assetUrl('dashboard.css')}">
</head>
<body${data}>
<a class="skip" href="#main">Skip to content</a>
<header><p class="brand">ao-emission</p><nav aria-label="Dashboard"><ul>${nav}</ul></nav></header>
<main id="main" tabindex="-1">
<h1>${esc(p.title)}</h1>
${p.body}
</main>
${p.body.includes(' data-chart="') ? `<script src="${assetUrl('echarts.min.js')}"></script>\n` : ''}${p.withEthers ? `<script src="${assetUrl('ethers.umd.min.js')}"></script>\n` : ''}<script src="${assetUrl('dashboard.js')}"></script>
</body>
</html>
`;
}

/** A 4xx/5xx page: the one-line reason, no stack trace. */
export const errorPage = (status: number, message: string): WebPage => ({
  status,
  title: status === 404 ? 'Not found' : status === 405 ? 'Method not allowed' : status >= 500 ? 'Server error' : 'Bad request',
  body: `<p class="error" role="alert" data-status="${status}">${esc(message)}</p><p><a href="/">Back to the overview</a></p>`,
});

/** `?page=` as a 1-based page number within 1..pages; a bad or out-of-range value is bad input (400). */
export function pageNumber(raw: string | null, pages: number): number | string {
  if (raw === null) return 1;
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) return `page: ${JSON.stringify(raw.slice(0, 40))} is not a page number; expected a whole number from 1`;
  const n = Number(raw);
  if (n > Math.max(1, pages)) return `page: ${n} is beyond the last page (${Math.max(1, pages)})`;
  return n;
}

/** Previous/next links for a paginated table; `param` names the query parameter of its page. */
export function pager(base: string, page: number, pages: number, param = 'page'): string {
  if (pages <= 1) return '';
  const sep = base.includes('?') ? '&' : '?';
  const prev = page > 1 ? `<a href="${esc(`${base}${sep}${param}=${page - 1}`)}" rel="prev">← Previous</a>` : '';
  const next = page < pages ? `<a href="${esc(`${base}${sep}${param}=${page + 1}`)}" rel="next">Next →</a>` : '';
  return `<nav class="pager" aria-label="Pages">${prev}<span>page ${page} of ${pages}</span>${next}</nav>`;
}
