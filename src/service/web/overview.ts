import { formatAo } from '../../units.ts';
import { statusOf, type StatusContext } from '../http.ts';
import type { SourceHealthView } from '../source-health.ts';
import { aoCell, chart, esc, table, type WebPage } from './html.ts';
import { hereMarks, supplyOption, type HereMark } from './supply-curve.ts';

/**
 * Overview: what /status says, as a page that refreshes itself. dashboard.js polls /overview.json
 * (the same sections rendered here) every POLL_MS and swaps them in; the supply chart's "you are
 * here" points move with the last tick. Warnings: a stalled mint (lag above STALL_LAG_TICKS), a
 * source whose health is not ok (stale), failed outbox batches, a failed last run.
 */
export const STALL_LAG_TICKS = 2;
export const POLL_MS = 2000;

interface PoolRow {
  readonly pool: string;
  readonly minted: bigint;
  readonly credited: bigint;
  readonly accrued: bigint;
  readonly totalWeight: bigint;
}
interface SourceRow {
  readonly pool: string;
  readonly pin: unknown;
  readonly cursor: unknown;
  readonly health: SourceHealthView | undefined;
}

export interface OverviewSnapshot {
  readonly lastTick: number;
  readonly warnings: readonly string[];
  /** data-section name → HTML. */
  readonly sections: Readonly<Record<string, string>>;
  /** "You are here" points of the supply chart ([years, whole AO] per law). */
  readonly here: readonly (readonly [number, number])[];
  readonly marks: readonly HereMark[];
}

const ageText = (ms: number): string => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${(ms / 3_600_000).toFixed(1)} h`);

export async function overviewSnapshot(ctx: StatusContext): Promise<OverviewSnapshot> {
  const s = await statusOf(ctx);
  const nowMs = ctx.clock.nowMs();
  const lastTick = s['lastTick'] as number;
  const lagTicks = s['lagTicks'] as number;
  const gate = s['gate'] as { tick: number | null; at: string | null; transferable: boolean };
  const pools = s['pools'] as PoolRow[];
  const outbox = s['outbox'] as Record<string, number>;
  const health = ctx.sourceHealth.views(ctx.health);
  const sources: SourceRow[] = (s['sources'] as { pool: string; pin: unknown; cursor: unknown }[]).map((r) => ({ ...r, health: health.find((h) => h.pool === r.pool) }));
  const lastRun = s['lastRun'] as { kind: string; code?: string; message?: string } | null;

  const warnings: string[] = [];
  if (lagTicks > STALL_LAG_TICKS) warnings.push(`Mint stalled: the last applied tick ${lastTick} is ${lagTicks} ticks behind the due tick ${String(s['dueTick'])} (more than ${STALL_LAG_TICKS}).`);
  for (const src of sources) {
    if (src.health && !src.health.ok) warnings.push(`Source ${src.pool} is stale: failing for ${ageText(src.health.failingForMs)}: ${src.health.lastError ?? 'unknown error'}`);
  }
  if ((outbox['failed'] ?? 0) > 0) warnings.push(`${outbox['failed']} outbox batch(es) failed and need an operator (see the Address and Settlement pages for their recipients).`);
  if (lastRun?.kind === 'failed') warnings.push(`The last run failed: ${lastRun.code ?? ''} ${lastRun.message ?? ''}`.trim());

  const marks = hereMarks(lastTick);
  const summary = `<dl class="facts">
<div><dt>Last applied tick</dt><dd data-field="lastTick">${lastTick}</dd></div>
<div><dt>Due tick</dt><dd data-field="dueTick">${esc(s['dueTick'])}</dd></div>
<div><dt>Lag</dt><dd data-field="lagTicks" class="${lagTicks > STALL_LAG_TICKS ? 'bad' : 'good'}">${lagTicks} tick${lagTicks === 1 ? '' : 's'}</dd></div>
<div><dt>Leader</dt><dd data-field="leader">${s['leader'] ? 'this instance' : 'another instance (or none)'}</dd></div>
<div><dt>Law</dt><dd data-field="policy">${esc(s['policy'])}</dd></div>
<div><dt>Transfer gate</dt><dd data-field="gate">${gate.transferable ? 'open' : 'closed'}${gate.tick === null ? '' : ` (opens at tick ${gate.tick}, ${esc(gate.at)})`}</dd></div>
<div><dt>Supply (exact, ${esc(s['policy'])})</dt><dd>${aoCell(s['supply'] as bigint, 'supply')}</dd></div>
<div><dt>Last tick hash</dt><dd class="hash" data-field="lastTickHash">${lastTick > 0 ? `<a href="/journal/${lastTick}">${esc(s['lastTickHash'])}</a>` : '—'}</dd></div>
</dl>`;
  const poolsHtml = table<PoolRow>(
    'Per pool: minted to the pool, credited in settlements, accrued and not yet credited',
    [
      { head: 'Pool', cell: (p) => esc(p.pool) },
      { head: 'Minted', cell: (p) => aoCell(p.minted, `minted-${p.pool}`), numeric: true },
      { head: 'Credited', cell: (p) => aoCell(p.credited, `credited-${p.pool}`), numeric: true },
      { head: 'Accrued', cell: (p) => aoCell(p.accrued, `accrued-${p.pool}`), numeric: true },
      { head: 'Total weight', cell: (p) => esc(p.totalWeight), numeric: true },
    ],
    pools,
  );
  const outboxHtml = table<[string, number]>(
    'Outbox batches by state',
    [
      { head: 'State', cell: ([k]) => esc(k) },
      { head: 'Batches', cell: ([k, n]) => `<span data-field="outbox-${esc(k)}"${k === 'failed' && n > 0 ? ' class="bad"' : ''}>${n}</span>`, numeric: true },
    ],
    Object.entries(outbox),
  );
  const sourcesHtml = table<SourceRow>(
    "Sources: the pin recorded with the last tick, and when each source last answered",
    [
      { head: 'Pool', cell: (r) => esc(r.pool) },
      { head: 'Pin (last tick)', cell: (r) => `<code>${esc(JSON.stringify(r.pin))}</code>` },
      { head: 'Last answer', cell: (r) => (r.health?.lastSuccessAt ? `${esc(r.health.lastSuccessAt)} (${ageText(nowMs - Date.parse(r.health.lastSuccessAt))} ago)` : '—') },
      { head: 'Health', cell: (r) => (r.health === undefined ? '—' : r.health.ok ? '<span class="good">ok</span>' : `<span class="bad">stale: ${esc(r.health.lastError)}</span>`) },
    ],
    sources,
  );
  const warningsHtml = warnings.length === 0 ? '<p class="good" data-field="warnings" data-count="0">No warnings.</p>' : `<ul class="warnings" data-field="warnings" data-count="${warnings.length}">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  const hereText = marks.map((m) => `${m.law} law ${formatAo(m.supply)}`).join('; ');
  return {
    lastTick,
    warnings,
    marks,
    here: (supplyOption(marks) as { series: { data: [number, number][] }[] }).series.at(-1)!.data,
    sections: {
      warnings: warningsHtml,
      summary,
      pools: poolsHtml,
      outbox: outboxHtml,
      sources: sourcesHtml,
      here: `At tick ${lastTick}: ${esc(hereText)}.`,
    },
  };
}

export async function overviewPage(ctx: StatusContext): Promise<WebPage> {
  const o = await overviewSnapshot(ctx);
  const section = (name: string, html: string) => `<div data-section="${name}">${html}</div>`;
  const summary = `Supply of AO over 20 years under the deployed and the announced law; you are here at tick ${o.lastTick}: ${o.marks.map((m) => `${m.law} ${formatAo(m.supply)}`).join(', ')}; both approach 21,000,000 AO.`;
  return {
    status: 200,
    title: 'Overview',
    section: 'overview',
    dataset: { live: '/overview.json', pollMs: String(POLL_MS), lastTick: String(o.lastTick) },
    body: `<section aria-labelledby="h-warn"><h2 id="h-warn">Warnings</h2><div data-section="warnings" role="status" aria-live="polite">${o.sections['warnings']}</div></section>
<section aria-labelledby="h-now"><h2 id="h-now">Now</h2>${section('summary', o.sections['summary']!)}</section>
<section aria-labelledby="h-supply"><h2 id="h-supply">Supply on the curve</h2>${chart('chart-supply', supplyOption(o.marks), summary)}<p data-section="here">${o.sections['here']}</p></section>
<section aria-labelledby="h-pools"><h2 id="h-pools">Pools</h2>${section('pools', o.sections['pools']!)}</section>
<section aria-labelledby="h-outbox"><h2 id="h-outbox">Outbox</h2>${section('outbox', o.sections['outbox']!)}</section>
<section aria-labelledby="h-sources"><h2 id="h-sources">Sources</h2>${section('sources', o.sections['sources']!)}</section>
<p class="note">Refreshes every ${POLL_MS / 1000} s while open. JSON: <a href="/status">/status</a>, metrics: <a href="/metrics">/metrics</a>.</p>`,
  };
}
