import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { keccak256 } from 'ethers';
import { EngineError } from '../../errors.ts';
import type { Db } from '../store/db.ts';

/**
 * Per settlement, a Merkle root over what each recipient received, in OpenZeppelin's standard format
 * (`@openzeppelin/merkle-tree` StandardMerkleTree, format 'standard-v1'), so existing tooling
 * (the library itself, OpenZeppelin's MerkleProof.sol) can verify a proof:
 *   leaf       = [recipient, amount] with leafEncoding ['string', 'uint256']
 *                recipient: the Arweave address credited; amount: Σ of the settlement's credits to it,
 *                in AO base units (10^-12 AO), as a decimal string — the same sums as the outbox
 *                payload the AO token process receives (a delegated part counts for its project,
 *                not for the wallet that delegated it: DESIGN.md §9).
 *   leaf hash  = keccak256(keccak256(abi.encode(recipient, amount)))   (double hash, the standard)
 *   node hash  = keccak256 of the two children sorted; leaves sorted by hash (sortLeaves: true), so
 *                the root depends only on the set of leaves, not on the order they are given in.
 * The tree is built here, in the library's layout (tree[0] the root, the children of node i at
 * 2i + 1 and 2i + 2, the sorted leaf hashes from the end of the array backwards), because
 * StandardMerkleTree.of spends ≈ 150 µs per leaf in ABI validation (15 s for 100,000 recipients);
 * the tests check roots and proofs against the library, and proofs are verified with it.
 */
export const LEAF_ENCODING = ['string', 'uint256'] as const;
export type Leaf = [recipient: string, amount: string];

export interface SettlementTree {
  readonly settlementId: string;
  readonly root: string;
  readonly leaves: readonly Leaf[];
  /** Node hashes, 0x-hex, in StandardMerkleTree's array layout. */
  readonly nodes: readonly string[];
  /** recipient → index of its leaf in nodes. */
  readonly leafIndex: ReadonlyMap<string, number>;
}

export interface Proof {
  readonly settlementId: string;
  readonly root: string;
  readonly leafEncoding: readonly string[];
  readonly leaf: Leaf;
  readonly proof: readonly string[];
}

/** Recipient sums of a settlement's credits, sorted by recipient; NOT_FOUND if the settlement does not exist. */
export async function settlementLeaves(db: Db, settlementId: string): Promise<Leaf[]> {
  const exists = await db.all('SELECT id FROM settlements WHERE id = ?', [settlementId]);
  if (exists.length === 0) throw new EngineError('NOT_FOUND', `settlement: ${JSON.stringify(settlementId)} does not exist; expected an id like ar:1-288 (see audit export settlements.csv)`);
  const sums = new Map<string, bigint>();
  for (const r of await db.all<{ recipient: string; amount: string }>('SELECT recipient, amount FROM credits WHERE settlement_id = ?', [settlementId])) {
    sums.set(r.recipient, (sums.get(r.recipient) ?? 0n) + BigInt(r.amount));
  }
  // Delegation (DESIGN.md §9): a credit's parts went to projects; they are recipients like any other.
  for (const r of await db.all<{ recipient: string; target: string; amount: string }>(
    'SELECT c.recipient, d.target, d.amount FROM delegated_credits d JOIN credits c ON c.settlement_id = d.settlement_id AND c.account_id = d.account_id WHERE d.settlement_id = ?',
    [settlementId],
  )) {
    const part = BigInt(r.amount);
    sums.set(r.recipient, sums.get(r.recipient)! - part);
    sums.set(r.target, (sums.get(r.target) ?? 0n) + part);
  }
  for (const [recipient, q] of sums) if (q === 0n) sums.delete(recipient);
  return [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([r, q]) => [r, q.toString()]);
}

const WORD = 32;
const UINT256_END = 2n ** 256n;

/** abi.encode(string recipient, uint256 amount): head (offset 0x40, amount), then length and the padded UTF-8 bytes. */
function encodeLeaf([recipient, amount]: Leaf): Buffer {
  const text = Buffer.from(recipient, 'utf8');
  const out = Buffer.alloc(3 * WORD + Math.ceil(text.length / WORD) * WORD);
  out[WORD - 1] = 2 * WORD;
  const value = BigInt(amount);
  if (value < 0n || value >= UINT256_END) throw new EngineError('INVALID_AMOUNT', `leaf ${recipient}: amount ${amount} is not a uint256`);
  for (let v = value, i = 2 * WORD - 1; v > 0n; v >>= 8n, i--) out[i] = Number(v & 0xffn);
  out.writeUInt32BE(text.length, 3 * WORD - 4);
  text.copy(out, 3 * WORD);
  return out;
}

const keccak = (data: Uint8Array): Buffer => Buffer.from(keccak256(data).slice(2), 'hex');
const leafHash = (leaf: Leaf): Buffer => keccak(keccak(encodeLeaf(leaf)));
const hashPair = (a: Buffer, b: Buffer): Buffer => keccak(Buffer.compare(a, b) <= 0 ? Buffer.concat([a, b]) : Buffer.concat([b, a]));
const hex = (b: Buffer): string => `0x${b.toString('hex')}`;

export function treeOf(settlementId: string, leaves: readonly Leaf[]): SettlementTree {
  if (leaves.length === 0) throw new EngineError('NOT_FOUND', `settlement ${settlementId}: no credits, so no Merkle tree`);
  const hashed = leaves.map((leaf) => ({ recipient: leaf[0], hash: leafHash(leaf) })).sort((x, y) => Buffer.compare(x.hash, y.hash));
  const nodes = new Array<Buffer>(2 * hashed.length - 1);
  const leafIndex = new Map<string, number>();
  hashed.forEach((h, i) => {
    nodes[nodes.length - 1 - i] = h.hash;
    leafIndex.set(h.recipient, nodes.length - 1 - i);
  });
  for (let i = nodes.length - 1 - hashed.length; i >= 0; i--) nodes[i] = hashPair(nodes[2 * i + 1]!, nodes[2 * i + 2]!);
  return { settlementId, root: hex(nodes[0]!), leaves, nodes: nodes.map(hex), leafIndex };
}

export async function settlementTree(db: Db, settlementId: string): Promise<SettlementTree> {
  return treeOf(settlementId, await settlementLeaves(db, settlementId));
}

export function proofFor(t: SettlementTree, recipient: string): Proof {
  const leaf = t.leaves.find((l) => l[0] === recipient);
  const at = t.leafIndex.get(recipient);
  if (leaf === undefined || at === undefined) throw new EngineError('NOT_FOUND', `settlement ${t.settlementId} has no credit to ${recipient}`);
  const proof: string[] = [];
  // Sibling of node i: i + 1 when i is odd, i − 1 when even; parent: ⌊(i − 1) / 2⌋.
  for (let i = at; i > 0; i = Math.floor((i - 1) / 2)) proof.push(t.nodes[i % 2 === 1 ? i + 1 : i - 1]!);
  return { settlementId: t.settlementId, root: t.root, leafEncoding: [...LEAF_ENCODING], leaf, proof };
}

const HEX32 = /^0x[0-9a-f]{64}$/;
const UINT = /^(0|[1-9][0-9]*)$/;

/** Offline check of a proof (no database): true when leaf + proof hash up to root. Bad shapes are INVALID_ARGUMENT. */
export function checkProof(p: { root: unknown; leaf: unknown; proof: unknown }): boolean {
  if (typeof p.root !== 'string' || !HEX32.test(p.root)) throw new EngineError('INVALID_ARGUMENT', `root: ${JSON.stringify(p.root)} is not 0x + 64 lowercase hex digits`);
  if (!Array.isArray(p.leaf) || p.leaf.length !== 2 || typeof p.leaf[0] !== 'string' || typeof p.leaf[1] !== 'string' || !UINT.test(p.leaf[1])) {
    throw new EngineError('INVALID_ARGUMENT', `leaf: ${JSON.stringify(p.leaf)} is not [recipient, "amount in base units"]`);
  }
  if (!Array.isArray(p.proof) || !p.proof.every((h) => typeof h === 'string' && HEX32.test(h))) {
    throw new EngineError('INVALID_ARGUMENT', `proof: ${JSON.stringify(p.proof)?.slice(0, 120)} is not an array of 0x-prefixed 32-byte hashes`);
  }
  return StandardMerkleTree.verify<Leaf>(p.root, [...LEAF_ENCODING], p.leaf as Leaf, p.proof as string[]);
}
