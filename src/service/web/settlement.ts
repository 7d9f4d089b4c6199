import { EngineError } from '../../errors.ts';
import { LEAF_ENCODING, proofFor, settlementTree, type Leaf } from '../../ledger/audit/index.ts';
import { formatAo } from '../../units.ts';
import type { StatusContext } from '../http.ts';
import { aoCell, esc, errorPage, jsonScript, pageNumber, pager, table, type WebPage } from './html.ts';

/**
 * Settlements: the list (newest first), and one settlement's totals, Merkle root, leaves (recipient
 * sums, the tree of merkle.ts), credits (per account; `?credits=` pages them) and a proof checker that runs in the browser: dashboard.js rebuilds the
 * leaf hash keccak256(keccak256(abi.encode(string, uint256))) with ethers' browser build and folds
 * the proof with sorted-pair hashing (OpenZeppelin standard-v1), so the verdict is not the server's.
 */
export const ROWS_PER_PAGE = 200;
const SETTLEMENT_ID = /^(ar|steth|dai|usds|sol):[1-9][0-9]{0,9}-[1-9][0-9]{0,9}$/;

interface SettlementRow {
  readonly id: string;
  readonly pool: string;
  readonly fromTick: number;
  readonly toTick: number;
  readonly creditCount: number;
  readonly recipientCount: number;
  readonly batchCount: number;
  readonly total: bigint;
  readonly createdAtMs: number;
}

const rowOf = (r: Record<string, unknown>): SettlementRow => ({
  id: r['id'] as string,
  pool: r['pool'] as string,
  fromTick: Number(r['from_tick']),
  toTick: Number(r['to_tick']),
  creditCount: Number(r['credit_count']),
  recipientCount: Number(r['recipient_count']),
  batchCount: Number(r['batch_count']),
  total: BigInt(r['total'] as string),
  createdAtMs: Number(r['created_at_ms']),
});

const link = (id: string, query = ''): string => `/settlements/${encodeURIComponent(id)}${query}`;

export async function settlementsPage(ctx: StatusContext, rawPage: string | null): Promise<WebPage> {
  const db = ctx.ledger.db;
  const count = Number((await db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM settlements'))[0]?.n ?? 0);
  const pages = Math.ceil(count / ROWS_PER_PAGE);
  const page = pageNumber(rawPage, pages);
  if (typeof page === 'string') return errorPage(400, page);
  const rows = (await db.all('SELECT * FROM settlements ORDER BY to_tick DESC, pool LIMIT ? OFFSET ?', [ROWS_PER_PAGE, (page - 1) * ROWS_PER_PAGE])).map(rowOf);
  return {
    status: 200,
    title: 'Settlements',
    section: 'settlements',
    body: `<p>${count} settlement(s). Each pays a pool's accruals over a tick range; its Merkle root commits to what every recipient received.</p>
${table<SettlementRow>(
  'Settlements, newest first',
  [
    { head: 'Settlement', cell: (s) => `<a href="${esc(link(s.id))}">${esc(s.id)}</a>` },
    { head: 'Ticks', cell: (s) => `${s.fromTick}–${s.toTick}`, numeric: true },
    { head: 'Credits', cell: (s) => String(s.creditCount), numeric: true },
    { head: 'Recipients', cell: (s) => String(s.recipientCount), numeric: true },
    { head: 'Total', cell: (s) => aoCell(s.total), numeric: true },
  ],
  rows,
)}${pager('/settlements', page, pages)}`,
  };
}

export async function settlementPage(ctx: StatusContext, id: string, rawPage: string | null, recipient: string | null, creditsPageRaw: string | null = null): Promise<WebPage> {
  if (!SETTLEMENT_ID.test(id)) return errorPage(400, `settlement: ${JSON.stringify(id.slice(0, 80))} is not a settlement id; expected <pool>:<from>-<to>, e.g. ar:1-288`);
  const db = ctx.ledger.db;
  const [raw] = await db.all('SELECT * FROM settlements WHERE id = ?', [id]);
  if (raw === undefined) return errorPage(404, `settlement: ${id} does not exist (see /settlements)`);
  const s = rowOf(raw);
  const tree = await settlementTree(db, id);
  const pages = Math.ceil(tree.leaves.length / ROWS_PER_PAGE);
  const page = pageNumber(rawPage, pages);
  if (typeof page === 'string') return errorPage(400, page);
  let proof: { leaf: Leaf; proof: readonly string[] } | null = null;
  if (recipient !== null && recipient !== '') {
    try {
      proof = proofFor(tree, recipient);
    } catch (error) {
      if (error instanceof EngineError && error.code === 'NOT_FOUND') return errorPage(404, `recipient: settlement ${id} has no credit to ${JSON.stringify(recipient.slice(0, 80))}`);
      throw error;
    }
  }
  const creditPages = Math.ceil(s.creditCount / ROWS_PER_PAGE);
  const creditPage = pageNumber(creditsPageRaw, creditPages);
  if (typeof creditPage === 'string') return errorPage(400, creditPage.replace(/^page:/, 'credits:'));
  const credits = (
    await db.all('SELECT a.account, c.recipient, c.amount FROM credits c JOIN accounts a ON a.id = c.account_id WHERE c.settlement_id = ? ORDER BY c.account_id LIMIT ? OFFSET ?', [id, ROWS_PER_PAGE, (creditPage - 1) * ROWS_PER_PAGE])
  ).map((r) => ({ account: r['account'] as string, recipient: r['recipient'] as string, amount: BigInt(r['amount'] as string) }));
  const shown = tree.leaves.slice((page - 1) * ROWS_PER_PAGE, page * ROWS_PER_PAGE);
  const pageQuery = page > 1 ? `page=${page}&` : '';
  return {
    status: 200,
    title: `Settlement ${id}`,
    section: 'settlements',
    withEthers: true,
    body: `<dl class="facts">
<div><dt>Pool</dt><dd>${esc(s.pool)}</dd></div>
<div><dt>Ticks</dt><dd>${s.fromTick}–${s.toTick}</dd></div>
<div><dt>Total credited</dt><dd>${aoCell(s.total, 'total')}</dd></div>
<div><dt>Credits / recipients / AO messages</dt><dd>${s.creditCount} / ${s.recipientCount} / ${s.batchCount}</dd></div>
<div><dt>Merkle root (standard-v1, leaves [string recipient, uint256 amount])</dt><dd class="hash" data-field="root">${esc(tree.root)}</dd></div>
</dl>
<section aria-labelledby="h-verify" id="verify"><h2 id="h-verify">Verify a proof in this browser</h2>
<p>The check runs here: the leaf hash is keccak256(keccak256(abi.encode(recipient, amount))) and each proof element is hashed with it in sorted order, up to the root above. Get a proof with <code>ao-emission audit proof &lt;address&gt; --settlement ${esc(id)}</code> or follow a recipient's “proof” link.</p>
<form id="proof-form" class="proof">
<input type="hidden" name="root" value="${esc(tree.root)}">
<label for="proof-recipient">Recipient</label><input id="proof-recipient" name="recipient" autocomplete="off" value="${esc(proof?.leaf[0] ?? '')}" required>
<label for="proof-amount">Amount (AO base units, 10<sup>-12</sup> AO)</label><input id="proof-amount" name="amount" inputmode="numeric" autocomplete="off" value="${esc(proof?.leaf[1] ?? '')}" required>
<label for="proof-proof">Proof (JSON array of 0x hashes)</label><textarea id="proof-proof" name="proof" rows="4" required>${esc(proof === null ? '' : JSON.stringify(proof.proof))}</textarea>
<button type="submit">Verify</button>
</form>
<p id="proof-result" role="status" aria-live="polite"></p>
${jsonScript('leaf-encoding', LEAF_ENCODING)}
</section>
<section aria-labelledby="h-leaves"><h2 id="h-leaves">Recipients (Merkle leaves)</h2>${table<Leaf>(
      `What each recipient received (${tree.leaves.length})`,
      [
        { head: 'Recipient', cell: ([r]) => `<a href="/address/${esc(encodeURIComponent(r))}"><code>${esc(r)}</code></a>` },
        { head: 'Amount', cell: ([, a]) => `<span class="amount" data-units="${esc(a)}">${esc(formatAo(BigInt(a)))}</span>`, numeric: true },
        { head: 'Proof', cell: ([r]) => `<a href="${esc(link(id, `?${pageQuery}recipient=${encodeURIComponent(r)}#verify`))}">proof<span class="visually-hidden"> for ${esc(r)}</span></a>` },
      ],
      shown,
    )}${pager(link(id), page, pages)}</section>
<section aria-labelledby="h-credits"><h2 id="h-credits">Credits (one per account)</h2>${table<{ account: string; recipient: string; amount: bigint }>(
      `The settlement's credits, by account (${s.creditCount}); accounts paying the same recipient are summed in its leaf`,
      [
        { head: 'Account', cell: (c) => `<code>${esc(c.account)}</code>` },
        { head: 'Recipient', cell: (c) => `<code>${esc(c.recipient)}</code>` },
        { head: 'Amount', cell: (c) => aoCell(c.amount), numeric: true },
      ],
      credits,
      ' id="settlement-credits"',
    )}${pager(link(id), creditPage, creditPages, 'credits')}</section>`,
  };
}
