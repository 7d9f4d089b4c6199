import type Arweave from 'arweave';
import type { JWKInterface } from 'arweave/node/lib/wallet.js';
import { EngineError } from '../../errors.ts';
import type { Db } from '../store/db.ts';
import { divergence } from './divergence.ts';
import type { Divergence } from './divergence.ts';
import { LEAF_ENCODING, settlementTree } from './merkle.ts';

/**
 * Publishing: each settlement's Merkle root and summary as one Arweave data transaction
 * (arweave-js), so anyone can check the ledger without its database. No table is needed: what is
 * published is read back from the gateway (GraphQL by owner and tags), and what it should say is
 * recomputed from the ledger.
 *
 * Data (application/json, canonical key order as below):
 *   { format: "ao-emission/settlement-root@1", ledgerId, settlementId, pool, fromTick, toTick,
 *     creditCount, recipientCount, total, indexValue, journalHash, merkleRoot, leafEncoding }
 *   ledgerId    = hash of tick 1 (identifies the ledger: same genesis, same first snapshot)
 *   journalHash = hash of tick toTick (the hash chain up to the settlement)
 *   total       = Σ credits, AO base units, decimal string; merkleRoot as in ./merkle.ts
 * Tags: App-Name=ao-emission, Type=settlement-root, Format=1, Ledger-Id, Settlement-Id, Pool,
 *   From-Tick, To-Tick, Total, Merkle-Root, Journal-Hash, Content-Type=application/json.
 * Only records signed by the expected owner count: anyone can post a transaction with these tags.
 */
export const APP_NAME = 'ao-emission';
export const RECORD_TYPE = 'settlement-root';
export const RECORD_FORMAT = 'ao-emission/settlement-root@1';

export interface PublishedRecordData {
  readonly format: string;
  readonly ledgerId: string;
  readonly settlementId: string;
  readonly pool: string;
  readonly fromTick: number;
  readonly toTick: number;
  readonly creditCount: number;
  readonly recipientCount: number;
  readonly total: string;
  readonly indexValue: string;
  readonly journalHash: string;
  readonly merkleRoot: string;
  readonly leafEncoding: readonly string[];
}

export interface PublishedRecord {
  readonly txId: string;
  readonly settlementId: string | null;
  readonly blockHeight: number | null;
  readonly tags: Readonly<Record<string, string>>;
  /** null when the data is not a record (not JSON, or missing). */
  readonly data: PublishedRecordData | null;
}

/** Bounds the GraphQL walk: 10,000 pages × 100 records. */
const PAGE = 100;
const MAX_PAGES = 10_000;

async function ledgerId(db: Db): Promise<string> {
  const rows = await db.all<{ hash: string }>('SELECT hash FROM ticks WHERE tick = 1');
  if (rows.length === 0) throw new EngineError('NOT_FOUND', 'ledger: no tick applied yet; nothing to publish');
  return rows[0]!.hash;
}

/** What the record of a settlement must say, recomputed from the ledger. */
export async function settlementRecord(db: Db, settlementId: string): Promise<PublishedRecordData> {
  const s = (await db.all('SELECT * FROM settlements WHERE id = ?', [settlementId]))[0];
  if (s === undefined) throw new EngineError('NOT_FOUND', `settlement: ${JSON.stringify(settlementId)} does not exist`);
  const tree = await settlementTree(db, settlementId);
  const toTick = Number(s['to_tick']);
  const hash = (await db.all<{ hash: string }>('SELECT hash FROM ticks WHERE tick = ?', [toTick]))[0]?.hash;
  if (hash === undefined) throw new EngineError('NOT_FOUND', `settlement ${settlementId}: tick ${toTick} is not in the ledger`);
  const total = tree.leaves.reduce((sum, [, q]) => sum + BigInt(q), 0n);
  const credits = await db.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM credits WHERE settlement_id = ?', [settlementId]);
  return {
    format: RECORD_FORMAT,
    ledgerId: await ledgerId(db),
    settlementId,
    pool: s['pool'] as string,
    fromTick: Number(s['from_tick']),
    toTick,
    creditCount: Number(credits[0]?.n ?? 0),
    recipientCount: tree.leaves.length,
    total: total.toString(),
    indexValue: s['index_value'] as string,
    journalHash: hash,
    merkleRoot: tree.root,
    leafEncoding: [...LEAF_ENCODING],
  };
}

const QUERY = `query($owners: [String!], $tags: [TagFilter!], $after: String) {
  transactions(owners: $owners, tags: $tags, first: ${PAGE}, after: $after, sort: HEIGHT_ASC) {
    pageInfo { hasNextPage }
    edges { cursor node { id owner { address } tags { name value } block { height } } }
  }
}`;

interface Edge {
  cursor: string;
  node: { id: string; owner: { address: string }; tags: { name: string; value: string }[]; block: { height: number } | null };
}

/** Every settlement record of this ledger signed by owner, oldest first, with its data. */
export async function fetchPublished(arweave: Arweave, owner: string, ledger: string): Promise<PublishedRecord[]> {
  const out: PublishedRecord[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res: { status: number; data: unknown } = await arweave.api.post('graphql', {
      query: QUERY,
      variables: { owners: [owner], after, tags: [{ name: 'App-Name', values: [APP_NAME] }, { name: 'Type', values: [RECORD_TYPE] }, { name: 'Ledger-Id', values: [ledger] }] },
    });
    const data: { pageInfo?: { hasNextPage?: boolean }; edges?: Edge[] } | undefined = (res.data as { data?: { transactions?: { pageInfo?: { hasNextPage?: boolean }; edges?: Edge[] } } } | undefined)?.data?.transactions;
    if (res.status !== 200 || data === undefined || !Array.isArray(data.edges)) {
      throw new EngineError('SOURCE_UNAVAILABLE', `arweave: POST /graphql answered ${res.status}; expected the transactions of ${owner} tagged ${APP_NAME}/${RECORD_TYPE}`);
    }
    for (const edge of data.edges) {
      const n = edge.node;
      if (n.owner.address !== owner) continue;
      const tags = Object.fromEntries(n.tags.map((t) => [t.name, t.value]));
      let record: PublishedRecordData | null = null;
      try {
        const text = await arweave.transactions.getData(n.id, { decode: true, string: true });
        record = JSON.parse(text as string) as PublishedRecordData;
      } catch {
        record = null;
      }
      out.push({ txId: n.id, settlementId: tags['Settlement-Id'] ?? null, blockHeight: n.block?.height ?? null, tags, data: record });
    }
    if (!data.pageInfo?.hasNextPage) return out;
    after = data.edges[data.edges.length - 1]?.cursor ?? null;
  }
  throw new EngineError('LIMIT_EXCEEDED', `arweave: more than ${PAGE * MAX_PAGES} published records for ${owner}`);
}

export interface PublishResult {
  readonly owner: string;
  readonly published: readonly { readonly settlementId: string; readonly txId: string }[];
  /** Settlements already published by this owner (left as they are; verify --published compares them). */
  readonly alreadyPublished: number;
}

/**
 * Publishes every settlement of the ledger not yet published by this wallet (idempotent: a second
 * run finds the first run's records through GraphQL and posts nothing). Records appear in GraphQL
 * once the gateway indexes them, so run it again only after the previous run's transactions are seen.
 */
export async function publishSettlements(db: Db, arweave: Arweave, jwk: JWKInterface): Promise<PublishResult> {
  const owner = await arweave.wallets.jwkToAddress(jwk);
  const ledger = await ledgerId(db);
  const done = new Set((await fetchPublished(arweave, owner, ledger)).map((r) => r.settlementId));
  const settlements = await db.all<{ id: string }>('SELECT id FROM settlements ORDER BY to_tick, pool');
  const published: { settlementId: string; txId: string }[] = [];
  for (const { id } of settlements) {
    if (done.has(id)) continue;
    const record = await settlementRecord(db, id);
    const tx = await arweave.createTransaction({ data: JSON.stringify(record) }, jwk);
    const tags: [string, string][] = [
      ['Content-Type', 'application/json'],
      ['App-Name', APP_NAME],
      ['Type', RECORD_TYPE],
      ['Format', '1'],
      ['Ledger-Id', record.ledgerId],
      ['Settlement-Id', id],
      ['Pool', record.pool],
      ['From-Tick', String(record.fromTick)],
      ['To-Tick', String(record.toTick)],
      ['Total', record.total],
      ['Merkle-Root', record.merkleRoot],
      ['Journal-Hash', record.journalHash],
    ];
    for (const [name, value] of tags) tx.addTag(name, value);
    await arweave.transactions.sign(tx, jwk);
    const res = await arweave.transactions.post(tx);
    if (res.status !== 200 && res.status !== 208) {
      throw new EngineError('SOURCE_UNAVAILABLE', `arweave: posting the record of settlement ${id} answered ${res.status} ${res.statusText}; ${published.length} records were posted before it`);
    }
    published.push({ settlementId: id, txId: tx.id });
  }
  return { owner, published, alreadyPublished: settlements.length - published.length };
}

const RECORD_FIELDS = ['format', 'ledgerId', 'settlementId', 'pool', 'fromTick', 'toTick', 'creditCount', 'recipientCount', 'total', 'indexValue', 'journalHash', 'merkleRoot'] as const;
const TAG_FIELDS: readonly (readonly [string, keyof PublishedRecordData])[] = [
  ['Pool', 'pool'],
  ['From-Tick', 'fromTick'],
  ['To-Tick', 'toTick'],
  ['Total', 'total'],
  ['Merkle-Root', 'merkleRoot'],
  ['Journal-Hash', 'journalHash'],
];

/**
 * `audit verify --published`: every settlement must have exactly one record by owner, and every
 * field of it (data and tags) must equal what the ledger recomputes; a record for a settlement the
 * ledger does not have is a divergence too.
 */
export async function verifyPublished(db: Db, arweave: Arweave, owner: string): Promise<Divergence[]> {
  const ledger = await ledgerId(db);
  const records = await fetchPublished(arweave, owner, ledger);
  const bySettlement = new Map<string, PublishedRecord[]>();
  for (const r of records) {
    const key = r.settlementId ?? '';
    bySettlement.set(key, [...(bySettlement.get(key) ?? []), r]);
  }
  const out: Divergence[] = [];
  const settlements = await db.all('SELECT id, pool, to_tick FROM settlements ORDER BY to_tick, pool');
  for (const s of settlements) {
    const id = s['id'] as string;
    const where = { check: 'published', tick: Number(s['to_tick']), pool: s['pool'] as string, settlementId: id };
    const found = bySettlement.get(id) ?? [];
    bySettlement.delete(id);
    if (found.length === 0) {
      out.push(divergence({ ...where, field: 'record', expected: `a record signed by ${owner}`, found: 'none' }));
      continue;
    }
    if (found.length > 1) out.push(divergence({ ...where, field: 'record', expected: 'one record', found: `${found.length} records: ${found.map((r) => r.txId).join(', ')}` }));
    const expected = await settlementRecord(db, id);
    for (const r of found) {
      if (r.data === null) {
        out.push(divergence({ ...where, field: `tx ${r.txId} data`, expected: 'a JSON settlement record', found: 'unreadable' }));
        continue;
      }
      for (const f of RECORD_FIELDS) {
        if (String(r.data[f]) !== String(expected[f])) out.push(divergence({ ...where, field: `tx ${r.txId} ${f}`, expected: expected[f], found: r.data[f] }));
      }
      for (const [tag, f] of TAG_FIELDS) {
        if (r.tags[tag] !== String(expected[f])) out.push(divergence({ ...where, field: `tx ${r.txId} tag ${tag}`, expected: String(expected[f]), found: r.tags[tag] ?? null }));
      }
    }
  }
  for (const [id, rs] of bySettlement) {
    for (const r of rs) out.push(divergence({ check: 'published', settlementId: id, field: `tx ${r.txId}`, expected: 'no record (the ledger has no such settlement)', found: 'a record' }));
  }
  return out;
}
