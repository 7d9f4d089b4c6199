import { EngineError } from '../../errors.ts';
import type { ArweaveHttp } from './http.ts';
import type { TxTouch } from './wire.ts';
import { nodeAddress, parseWinston } from './wire.ts';

/**
 * The base-layer transactions of one block through a gateway's GraphQL (`POST /graphql`, the
 * arweave.net / ar.io / arlocal schema): `transactions(block: {min: h, max: h}, first: 100, after)`.
 * Used when the block JSON does not list its tx ids (arlocal) and as the cheaper path on a gateway
 * (100 txs per request instead of one request per tx). Every edge must name the walked block's
 * indep_hash: an edge from another block means the gateway's index disagrees with the chain we pinned
 * (a fork in progress), which fails the snapshot rather than mixing two branches.
 */
/** The gateways' maximum `first`. */
const PAGE = 100;
/** 10,000 pages × 100: a block holds at most 1,000 base-layer txs; anything near this bound is a loop. */
const MAX_PAGES = 10_000;

const QUERY = `query($h: Int!, $first: Int!, $after: String) {
  transactions(block: {min: $h, max: $h}, first: $first, after: $after, sort: HEIGHT_ASC) {
    pageInfo { hasNextPage }
    edges { cursor node { id owner { address } recipient quantity { winston } block { id height } bundledIn { id } } }
  }
}`;

interface Edge {
  cursor: string;
  node: {
    id: string;
    owner: { address: string };
    recipient: string;
    quantity: { winston: string };
    block: { id: string; height: number } | null;
    bundledIn: { id: string } | null;
  };
}

const malformed = (what: string, value: unknown): EngineError =>
  new EngineError('MALFORMED_RESPONSE', `arweave graphql: ${what} is ${JSON.stringify(value)?.slice(0, 120)}`);

export async function blockTxsViaGraphql(http: ArweaveHttp, height: number, indepHash: string, signal?: AbortSignal, pageSize = PAGE): Promise<TxTouch[]> {
  const out: TxTouch[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const json = await http.postJson('graphql', { query: QUERY, variables: { h: height, first: pageSize, after } }, signal);
    if (json === null) throw new EngineError('SOURCE_UNAVAILABLE', 'arweave: POST /graphql answered 404 on every URL; the block JSON carries no tx ids, so a GraphQL gateway is needed');
    const data = (json as { data?: { transactions?: { pageInfo?: { hasNextPage?: unknown }; edges?: unknown } } }).data?.transactions;
    if (data === undefined || !Array.isArray(data.edges) || typeof data.pageInfo?.hasNextPage !== 'boolean') {
      throw malformed('answer', (json as { errors?: unknown }).errors ?? json);
    }
    for (const edge of data.edges as Edge[]) {
      const n = edge?.node;
      if (typeof n?.id !== 'string') throw malformed('edge', edge);
      // ANS-104 data items ride inside a bundle tx: they move no AR, and the bundle tx itself is listed.
      if (n.bundledIn !== null && n.bundledIn !== undefined) continue;
      if (n.block === null || n.block === undefined) continue; // still pending: not part of this block
      if (n.block.height !== height || n.block.id !== indepHash) {
        throw new EngineError('SNAPSHOT_MISMATCH', `arweave graphql: tx ${n.id} is listed in block ${n.block.id}@${n.block.height}; the walked block is ${indepHash}@${height}`);
      }
      out.push({
        id: n.id,
        owner: nodeAddress(n.owner?.address, `graphql tx ${n.id}.owner.address`),
        target: n.recipient === '' || n.recipient === undefined || n.recipient === null ? null : nodeAddress(n.recipient, `graphql tx ${n.id}.recipient`),
        quantity: parseWinston(n.quantity?.winston, `graphql tx ${n.id}.quantity.winston`),
      });
    }
    if (!data.pageInfo.hasNextPage) return out;
    const last = (data.edges as Edge[]).at(-1)?.cursor;
    if (typeof last !== 'string' || last === after) throw malformed('pagination cursor', last);
    after = last;
  }
  throw new EngineError('LIMIT_EXCEEDED', `arweave graphql: block ${height} has more than ${MAX_PAGES} pages of txs`);
}
