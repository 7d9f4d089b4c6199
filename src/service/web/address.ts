import { SCALE } from '../../ledger/index.ts';
import { statement, type Statement, type StatementLine } from '../../ledger/audit/index.ts';
import { formatAo } from '../../units.ts';
import { accountOf, type StatusContext } from '../http.ts';
import { aoCell, chart, esc, errorPage, pageNumber, pager, table, type WebPage } from './html.ts';

/**
 * Address: an Arweave, 0x or base58 address's accounts per pool (the /accounts answer), its
 * statement (the same `statement()` as `audit statement`, so the totals shown are that command's),
 * the accrual chart, the credits and the AO messages that carried them, and the statement as CSV.
 * Statement rows are paged (ROWS_PER_PAGE); the chart is thinned to CHART_POINTS_MAX points.
 */
export const ROWS_PER_PAGE = 100;
const CHART_POINTS_MAX = 600;

interface AccountJson {
  readonly pool: string;
  readonly account: string;
  readonly recipient: string | null;
  readonly weight: bigint;
  readonly accrued: bigint;
  readonly settled: bigint;
  readonly joinedTick: number;
  readonly changedTick: number;
}

type Found = { kind: 'found'; accounts: AccountJson[]; statement: Statement } | { kind: 'error'; page: WebPage };

async function lookUp(ctx: StatusContext, address: string): Promise<Found> {
  const answer = await accountOf(ctx, address);
  const body = answer.body as { message?: string; accounts?: AccountJson[] };
  if (answer.status !== 200) return { kind: 'error', page: errorPage(answer.status, body.message ?? 'no such address') };
  return { kind: 'found', accounts: body.accounts ?? [], statement: await statement(ctx.ledger.db, address) };
}

const CSV_HEADER = ['kind', 'tick', 'to_tick', 'pool', 'account', 'recipient', 'weight', 'amount', 'settlement_id', 'batch_id', 'status', 'message_id', 'assignment_slot', 'accrued_scaled_total', 'credited_total'];
const csvCell = (c: string): string => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);

/** The statement as CSV, the columns of `audit statement --csv`. */
export async function addressCsv(ctx: StatusContext, address: string): Promise<{ status: number; body: string; page?: WebPage }> {
  const found = await lookUp(ctx, address);
  if (found.kind === 'error') return { status: found.page.status, body: '', page: found.page };
  const rows = found.statement.lines.map((l) =>
    [l.kind, String(l.tick), String(l.toTick), l.pool, l.account ?? '', l.recipient ?? '', l.weight?.toString() ?? '', l.amount.toString(), l.settlementId ?? '', l.batchId ?? '', l.status ?? '', l.messageId ?? '', l.assignmentSlot?.toString() ?? '', l.accruedScaledTotal.toString(), l.creditedTotal.toString()].map(csvCell).join(','),
  );
  return { status: 200, body: `${CSV_HEADER.join(',')}\n${rows.map((r) => `${r}\n`).join('')}` };
}

/** Cumulative accrued (whole base units at each span's end) and credited (at each credit), thinned evenly. */
function accrualOption(lines: readonly StatementLine[]): unknown {
  const accrued: [number, string][] = [];
  const credited: [number, string][] = [];
  for (const l of lines) {
    if (l.kind === 'span') accrued.push([l.toTick, (l.accruedScaledTotal / SCALE).toString()]);
    if (l.kind === 'credit') credited.push([l.tick, l.creditedTotal.toString()]);
  }
  const thin = <T>(xs: T[]): T[] => (xs.length <= CHART_POINTS_MAX ? xs : xs.filter((_, i) => i % Math.ceil(xs.length / CHART_POINTS_MAX) === 0 || i === xs.length - 1));
  // Whole AO as numbers for the chart only (the tables and totals are exact).
  const toAo = (pts: [number, string][]) => thin(pts).map(([t, u]) => [t, Number(u) / 1e12]);
  return {
    animation: false,
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 40, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: 'tick', nameLocation: 'middle', nameGap: 26, scale: true },
    yAxis: { type: 'value', name: 'AO' },
    series: [
      { type: 'line', step: 'end', name: 'accrued (cumulative)', showSymbol: false, data: toAo(accrued) },
      { type: 'line', step: 'end', name: 'credited (cumulative)', showSymbol: false, data: toAo(credited) },
    ],
  };
}

/** Basis points as a percentage: 2500 → "25 %", 1250 → "12.5 %". */
const percent = (factor: number): string => `${(factor / 100).toString()} %`;

/**
 * The address's yield-delegation preferences as the ledger recorded them (delegation_history):
 * from which tick which targets took which share; what is not listed stays with the address.
 */
function delegationSection(s: Statement): string {
  const heading = '<h2 id="h-deleg">Yield delegation</h2>';
  if (s.delegations.length === 0) return `<section aria-labelledby="h-deleg">${heading}<p data-field="delegation-none">No delegation: this address keeps all of its AO yield.</p></section>`;
  const rows = s.delegations.flatMap((d) => {
    const kept = 10_000 - d.prefs.reduce((sum, p) => sum + p.factor, 0);
    return [...d.prefs.map((p) => ({ tick: d.tick, target: p.target, share: percent(p.factor) })), { tick: d.tick, target: null, share: percent(kept) }];
  });
  return `<section aria-labelledby="h-deleg">${heading}${table<(typeof rows)[number]>(
    'Preferences in force from each tick (the rest stays with the address)',
    [
      { head: 'From tick', cell: (r) => String(r.tick), numeric: true },
      { head: 'Goes to', cell: (r) => (r.target === null ? 'kept by the address' : `<code>${esc(r.target)}</code>`) },
      { head: 'Share', cell: (r) => esc(r.share), numeric: true },
    ],
    rows,
    ' id="delegations"',
  )}</section>`;
}

export async function addressPage(ctx: StatusContext, address: string, rawPage: string | null): Promise<WebPage> {
  const found = await lookUp(ctx, address);
  if (found.kind === 'error') return found.page;
  const { accounts, statement: s } = found;
  const rows = s.lines.filter((l) => l.kind !== 'span');
  const pages = Math.ceil(rows.length / ROWS_PER_PAGE);
  const page = pageNumber(rawPage, pages);
  if (typeof page === 'string') return errorPage(400, page);
  const shown = rows.slice((page - 1) * ROWS_PER_PAGE, page * ROWS_PER_PAGE);
  const self = `/address/${encodeURIComponent(address)}`;
  const credits = rows.filter((l) => l.kind === 'credit').length;
  const messages = rows.length - credits;
  const summary = `Accrual of ${address} over ticks ${s.fromTick} to ${s.toTick}: accrued ${formatAo(s.accrued)} in total, credited ${formatAo(s.credited)} in ${credits} credit(s).`;
  return {
    status: 200,
    title: `Address ${address}`,
    section: 'address',
    body: `<dl class="facts">
<div><dt>Accrued (Σ spans, ticks ${s.fromTick}..${s.toTick})</dt><dd>${aoCell(s.accrued, 'accrued')}</dd></div>
<div><dt>Credited</dt><dd>${aoCell(s.credited, 'credited')}</dd></div>
<div><dt>Credits / messages</dt><dd><span data-field="credit-count">${credits}</span> / <span data-field="message-count">${messages}</span></dd></div>
<div><dt>Delegated to projects</dt><dd>${aoCell(s.delegated, 'delegated')}</dd></div>
</dl>
<p><a href="${esc(`${self}/statement.csv`)}" download>Download the statement as CSV</a> (the columns of <code>audit statement --csv</code>).</p>
<section aria-labelledby="h-acc"><h2 id="h-acc">Accounts</h2>${table<AccountJson>(
      'Accounts per pool (accrued: not yet credited)',
      [
        { head: 'Pool', cell: (a) => esc(a.pool) },
        { head: 'Account', cell: (a) => `<code>${esc(a.account)}</code>` },
        { head: 'Recipient', cell: (a) => (a.recipient === null ? 'unclaimed' : `<code>${esc(a.recipient)}</code>`) },
        { head: 'Weight', cell: (a) => esc(a.weight), numeric: true },
        { head: 'Accrued', cell: (a) => aoCell(a.accrued), numeric: true },
        { head: 'Settled', cell: (a) => aoCell(a.settled), numeric: true },
        { head: 'Joined / changed', cell: (a) => `${a.joinedTick} / ${a.changedTick}`, numeric: true },
      ],
      accounts,
    )}</section>
${delegationSection(s)}
<section aria-labelledby="h-chart"><h2 id="h-chart">Accrual over time</h2>${chart('chart-accrual', accrualOption(s.lines), summary)}</section>
<section aria-labelledby="h-credits"><h2 id="h-credits">Credits and the AO messages that carried them</h2>${table<StatementLine>(
      `Credits and messages, tick order (${rows.length} rows)`,
      [
        { head: 'Tick', cell: (l) => String(l.tick), numeric: true },
        { head: 'Kind', cell: (l) => l.kind },
        { head: 'Pool', cell: (l) => esc(l.pool) },
        { head: 'Settlement', cell: (l) => (l.settlementId === null ? '' : `<a href="/settlements/${esc(encodeURIComponent(l.settlementId))}?recipient=${esc(encodeURIComponent(l.recipient ?? ''))}">${esc(l.settlementId)}</a>`) },
        { head: 'Account', cell: (l) => (l.account === null ? '' : `<code>${esc(l.account)}</code>`) },
        { head: 'Amount', cell: (l) => aoCell(l.amount), numeric: true },
        { head: 'Status', cell: (l) => esc(l.status ?? '') },
        { head: 'Slot', cell: (l) => esc(l.assignmentSlot ?? ''), numeric: true },
        { head: 'AO message', cell: (l) => (l.messageId === null ? '' : `<code>${esc(l.messageId)}</code>`) },
      ],
      shown,
      ' id="credits"',
    )}${pager(self, page, pages)}</section>`,
  };
}
