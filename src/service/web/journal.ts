import { toIso } from '../../emission/index.ts';
import type { TickPoolRecord } from '../../ledger/index.ts';
import type { StatusContext } from '../http.ts';
import { aoCell, esc, errorPage, pageNumber, pager, table, type WebPage } from './html.ts';

/**
 * Journal: the applied ticks, newest first, each with its hash and the hash it chains to; a row is
 * marked chained when its prev_hash is the hash of the tick before it (read from the database, one
 * row past the page so the last row is checked too). A tick's detail is ledger.tick(k).
 */
export const ROWS_PER_PAGE = 100;
const TICK = /^[1-9][0-9]{0,9}$/;

interface JournalRow {
  readonly tick: number;
  readonly endMs: number;
  readonly mint: bigint;
  readonly changeCount: number;
  readonly hash: string;
  readonly prevHash: string;
  readonly chained: boolean;
}

const GENESIS_PREV = '0'.repeat(64);

export async function journalPage(ctx: StatusContext, rawPage: string | null): Promise<WebPage> {
  const db = ctx.ledger.db;
  const last = Number((await db.all<{ t: number | string | null }>('SELECT MAX(tick) AS t FROM ticks'))[0]?.t ?? 0);
  const pages = Math.ceil(last / ROWS_PER_PAGE);
  const page = pageNumber(rawPage, pages);
  if (typeof page === 'string') return errorPage(400, page);
  const top = last - (page - 1) * ROWS_PER_PAGE;
  // One row below the page: the hash the page's oldest tick must chain to.
  const raw = await db.all('SELECT tick, end_ms, mint, change_count, hash, prev_hash FROM ticks WHERE tick <= ? AND tick > ? ORDER BY tick DESC', [top, top - ROWS_PER_PAGE - 1]);
  const hashOf = new Map(raw.map((r) => [Number(r['tick']), r['hash'] as string]));
  const rows: JournalRow[] = raw
    .filter((r) => Number(r['tick']) > top - ROWS_PER_PAGE)
    .map((r) => {
      const tick = Number(r['tick']);
      const prevHash = r['prev_hash'] as string;
      return { tick, endMs: Number(r['end_ms']), mint: BigInt(r['mint'] as string), changeCount: Number(r['change_count']), hash: r['hash'] as string, prevHash, chained: prevHash === (tick === 1 ? GENESIS_PREV : hashOf.get(tick - 1)) };
    });
  const broken = rows.filter((r) => !r.chained).length;
  return {
    status: 200,
    title: 'Journal',
    section: 'journal',
    body: `<p>${last} tick(s) applied. Each tick's hash covers its entry and the previous tick's hash; <code>ao-emission audit verify</code> recomputes them all.</p>
<p data-field="chain" class="${broken === 0 ? 'good' : 'bad'}">${broken === 0 ? 'Every tick on this page chains to the one before it.' : `${broken} tick(s) on this page do not chain to the tick before them.`}</p>
${table<JournalRow>(
  'Ticks, newest first',
  [
    { head: 'Tick', cell: (r) => `<a href="/journal/${r.tick}">${r.tick}</a>`, numeric: true },
    { head: 'Ended', cell: (r) => esc(toIso(r.endMs)) },
    { head: 'Mint', cell: (r) => aoCell(r.mint), numeric: true },
    { head: 'Weight changes', cell: (r) => String(r.changeCount), numeric: true },
    { head: 'Hash', cell: (r) => `<code class="hash">${esc(r.hash)}</code>` },
    { head: 'Previous hash', cell: (r) => `<code class="hash">${esc(r.prevHash)}</code>` },
    { head: 'Chained', cell: (r) => (r.chained ? '<span class="good">yes</span>' : '<span class="bad">NO</span>') },
  ],
  rows,
)}${pager('/journal', page, pages)}`,
  };
}

export async function tickPage(ctx: StatusContext, raw: string): Promise<WebPage> {
  if (!TICK.test(raw)) return errorPage(400, `tick: ${JSON.stringify(raw.slice(0, 40))} is not a tick number; expected a whole number from 1`);
  const k = Number(raw);
  const t = await ctx.ledger.tick(k);
  if (t === null) return errorPage(404, `tick: ${k} has not been applied (see /journal for the applied ticks)`);
  const json = (v: unknown) => `<code>${esc(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)))}</code>`;
  const notes = (n: readonly string[]) => (n.length === 0 ? 'none' : `<ul>${n.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`);
  return {
    status: 200,
    title: `Tick ${k}`,
    section: 'journal',
    body: `<nav class="pager" aria-label="Ticks">${k > 1 ? `<a href="/journal/${k - 1}" rel="prev">← Tick ${k - 1}</a>` : ''}<a href="/journal">All ticks</a><a href="/journal/${k + 1}" rel="next">Tick ${k + 1} →</a></nav>
<dl class="facts">
<div><dt>Interval</dt><dd>${esc(toIso(t.startMs))} – ${esc(toIso(t.endMs))}</dd></div>
<div><dt>Applied</dt><dd>${esc(toIso(t.appliedAtMs))}</dd></div>
<div><dt>Law</dt><dd>${esc(t.policyLabel)}</dd></div>
<div><dt>Mint</dt><dd>${aoCell(t.mint, 'mint')}</dd></div>
<div><dt>Split AR / bridges</dt><dd>${aoCell(t.split.ar, 'split-ar')} / ${aoCell(t.split.bridges, 'split-bridges')}</dd></div>
<div><dt>Bridge carry in / out</dt><dd>${aoCell(t.bridgeCarryIn)} / ${aoCell(t.bridgeCarryOut)}</dd></div>
<div><dt>Weights changed</dt><dd data-field="changeCount">${t.changeCount}</dd></div>
<div><dt>Hash</dt><dd class="hash" data-field="hash">${esc(t.hash)}</dd></div>
<div><dt>Previous hash</dt><dd class="hash">${k > 1 ? `<a href="/journal/${k - 1}">${esc(t.prevHash)}</a>` : esc(t.prevHash)}</dd></div>
</dl>
<section aria-labelledby="h-notes"><h2 id="h-notes">Notes</h2>${notes(t.notes)}</section>
<section aria-labelledby="h-tpools"><h2 id="h-tpools">Pools</h2>${table<TickPoolRecord>(
      `What each pool received in tick ${k}`,
      [
        { head: 'Pool', cell: (p) => esc(p.pool) },
        { head: 'Amount', cell: (p) => aoCell(p.amount), numeric: true },
        { head: 'Total weight', cell: (p) => esc(p.totalWeight), numeric: true },
        { head: 'Index Δ (scaled)', cell: (p) => esc(p.indexDelta), numeric: true },
        { head: 'Residue (scaled)', cell: (p) => esc(p.residue), numeric: true },
        { head: 'Complete snapshot', cell: (p) => (p.complete === null ? '—' : p.complete ? 'yes' : 'no') },
        { head: 'Pin', cell: (p) => json(p.pin) },
        { head: 'Yield quote', cell: (p) => json(p.yieldQuote) },
        { head: 'Notes', cell: (p) => notes(p.notes) },
      ],
      t.pools,
    )}</section>`,
  };
}
