import type { IncomingMessage, ServerResponse } from 'node:http';
import { EngineError } from '../../errors.ts';
import type { StatusContext } from '../http.ts';
import { addressCsv, addressPage } from './address.ts';
import { asset } from './assets.ts';
import { errorPage, renderPage, type WebPage } from './html.ts';
import { journalPage, tickPage } from './journal.ts';
import { overviewPage, overviewSnapshot } from './overview.ts';
import { projectionsPage } from './projections.ts';
import { settlementPage, settlementsPage } from './settlement.ts';

/**
 * The dashboard's routes, on the status API's port (http.ts hands every GET/HEAD here first):
 *   /                            overview (polls /overview.json)
 *   /address, /address/:a        address search, an address's accounts, accrual, credits, messages
 *   /address/:a/statement.csv    its statement as CSV
 *   /settlements, /settlements/:id   settlements; one settlement's leaves, root, in-browser proof check
 *   /journal, /journal/:tick     the tick journal, one tick
 *   /projections                 the holder's calculator
 *   /assets/:name                the stylesheet and scripts
 * Returns false for any other path (the JSON API's). Bad input answers a 4xx page; an unexpected
 * failure a 500 page with its one-line message, never a stack trace.
 */
export async function handleWebRequest(req: IncomingMessage, res: ServerResponse, ctx: StatusContext): Promise<boolean> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (!isWebPath(path)) return false;
  try {
    await serve(ctx, url, req, res);
  } catch (error) {
    ctx.log.error({ err: error, path }, 'dashboard page failed');
    const status = error instanceof EngineError ? (error.code === 'NOT_FOUND' ? 404 : error.code.startsWith('INVALID_') ? 400 : 500) : 500;
    const message = error instanceof EngineError ? error.message : 'internal error (see the service log)';
    if (!res.headersSent) send(res, req, errorPage(status, message));
    else res.end();
  }
  return true;
}

const WEB_PREFIXES = ['/address', '/settlements', '/journal', '/projections', '/assets/'];
const isWebPath = (path: string): boolean => path === '/' || path === '/overview.json' || WEB_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));

function send(res: ServerResponse, req: IncomingMessage, page: WebPage): void {
  const html = renderPage(page);
  res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : html);
}

/** One path segment, URL-decoded; null when it is not valid percent-encoding. */
function segment(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

async function serve(ctx: StatusContext, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = url.pathname;
  const q = url.searchParams;
  if (path.startsWith('/assets/')) {
    const file = asset(path.slice('/assets/'.length));
    if (file === null) return send(res, req, errorPage(404, `${path}: no such asset`));
    // Versioned links (?v=<content hash>) may be kept; an unversioned request revalidates.
    const cacheControl = url.searchParams.get('v') === file.version ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'content-type': file.type, 'cache-control': cacheControl, 'x-content-type-options': 'nosniff' });
    res.end(req.method === 'HEAD' ? undefined : file.body);
    return;
  }
  if (path === '/') return send(res, req, await overviewPage(ctx));
  if (path === '/overview.json') {
    const o = await overviewSnapshot(ctx);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ lastTick: o.lastTick, warnings: o.warnings, sections: o.sections, here: o.here }));
    return;
  }
  if (path === '/address') {
    const wanted = q.get('q')?.trim();
    if (wanted) {
      res.writeHead(303, { location: `/address/${encodeURIComponent(wanted)}` });
      res.end();
      return;
    }
    return send(res, req, {
      status: 200,
      title: 'Address',
      section: 'address',
      body: `<form method="get" action="/address" class="proof" role="search"><label for="q">An Arweave address, a 0x address or a Solana (base58) address</label><input id="q" name="q" autocomplete="off" spellcheck="false" required><button type="submit">Show</button></form>`,
    });
  }
  const parts = path.split('/').slice(1);
  const arg = parts[1] === undefined ? null : segment(parts[1]);
  if (parts[1] !== undefined && arg === null) return send(res, req, errorPage(400, `${parts[0]}: ${JSON.stringify(parts[1].slice(0, 80))} is not valid URL encoding`));
  if (parts[0] === 'address' && arg !== null && parts.length === 2) return send(res, req, await addressPage(ctx, arg, q.get('page')));
  if (parts[0] === 'address' && arg !== null && parts.length === 3 && parts[2] === 'statement.csv') {
    const csv = await addressCsv(ctx, arg);
    if (csv.page !== undefined) return send(res, req, csv.page);
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="statement-${arg.replace(/[^A-Za-z0-9_-]/g, '_')}.csv"`, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : csv.body);
    return;
  }
  if (path === '/settlements') return send(res, req, await settlementsPage(ctx, q.get('page')));
  if (parts[0] === 'settlements' && arg !== null && parts.length === 2) return send(res, req, await settlementPage(ctx, arg, q.get('page'), q.get('recipient'), q.get('credits')));
  if (path === '/journal') return send(res, req, await journalPage(ctx, q.get('page')));
  if (parts[0] === 'journal' && arg !== null && parts.length === 2) return send(res, req, await tickPage(ctx, arg));
  if (path === '/projections') return send(res, req, projectionsPage(ctx, q));
  return send(res, req, errorPage(404, `${path.slice(0, 120)}: no such page`));
}
