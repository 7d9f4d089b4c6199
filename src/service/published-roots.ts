import type Arweave from 'arweave';
import { EngineError } from '../errors.ts';
import { APP_NAME, RECORD_TYPE, type PublishedRecordData } from '../ledger/audit/index.ts';

/**
 * The Merkle roots an owner published for one settlement id (audit publish's records, src/ledger/
 * audit/publish.ts), read back through the gateway's GraphQL by owner and tags. Only the owner's
 * own transactions count: anyone can post a transaction with these tags.
 */
const QUERY = `query($owners: [String!], $tags: [TagFilter!]) {
  transactions(owners: $owners, tags: $tags, first: 100, sort: HEIGHT_ASC) {
    edges { node { id owner { address } } }
  }
}`;

export async function publishedRoots(arweave: Arweave, owner: string, settlementId: string): Promise<{ txId: string; root: string }[]> {
  const tags = [
    { name: 'App-Name', values: [APP_NAME] },
    { name: 'Type', values: [RECORD_TYPE] },
    { name: 'Settlement-Id', values: [settlementId] },
  ];
  let res: { status: number; data: unknown };
  try {
    res = await arweave.api.post('graphql', { query: QUERY, variables: { owners: [owner], tags } });
  } catch (error) {
    throw new EngineError('SOURCE_UNAVAILABLE', `arweave: POST /graphql failed: ${(error as Error).message}`, { cause: error });
  }
  const edges = (res.data as { data?: { transactions?: { edges?: { node: { id: string; owner: { address: string } } }[] } } } | undefined)?.data?.transactions?.edges;
  if (res.status !== 200 || !Array.isArray(edges)) throw new EngineError('SOURCE_UNAVAILABLE', `arweave: POST /graphql answered ${res.status}; expected the records of ${owner}`);
  const out: { txId: string; root: string }[] = [];
  for (const { node } of edges) {
    if (node.owner.address !== owner) continue;
    let record: PublishedRecordData;
    try {
      record = JSON.parse((await arweave.transactions.getData(node.id, { decode: true, string: true })) as string) as PublishedRecordData;
    } catch {
      continue;
    }
    if (record.settlementId === settlementId && typeof record.merkleRoot === 'string') out.push({ txId: node.id, root: record.merkleRoot });
  }
  return out;
}
