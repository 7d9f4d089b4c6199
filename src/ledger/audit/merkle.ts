import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { EngineError } from '../../errors.ts';
import type { Db } from '../db.ts';

/**
 * Per settlement, a Merkle root over what each recipient received, in OpenZeppelin's standard format
 * (`@openzeppelin/merkle-tree` StandardMerkleTree, format 'standard-v1'), so existing tooling
 * (the library itself, OpenZeppelin's MerkleProof.sol) can verify a proof:
 *   leaf       = [recipient, amount] with leafEncoding ['string', 'uint256']
 *                recipient: the Arweave address credited; amount: Σ of the settlement's credits to it,
 *                in AO base units (10^-12 AO), as a decimal string — the same sums as the outbox
 *                payload the AO token process receives.
 *   leaf hash  = keccak256(keccak256(abi.encode(recipient, amount)))   (double hash, the standard)
 *   node hash  = keccak256 of the two children sorted; leaves sorted by hash (sortLeaves: true), so
 *                the root depends only on the set of leaves, not on the order they are given in.
 */
export const LEAF_ENCODING = ['string', 'uint256'] as const;
export type Leaf = [recipient: string, amount: string];

export interface SettlementTree {
  readonly settlementId: string;
  readonly root: string;
  readonly leaves: readonly Leaf[];
  readonly tree: StandardMerkleTree<Leaf>;
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
  return [...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([r, q]) => [r, q.toString()]);
}

export function treeOf(settlementId: string, leaves: readonly Leaf[]): SettlementTree {
  if (leaves.length === 0) throw new EngineError('NOT_FOUND', `settlement ${settlementId}: no credits, so no Merkle tree`);
  const tree = StandardMerkleTree.of<Leaf>(leaves.map((l) => [...l] as Leaf), [...LEAF_ENCODING]);
  return { settlementId, root: tree.root, leaves, tree };
}

export async function settlementTree(db: Db, settlementId: string): Promise<SettlementTree> {
  return treeOf(settlementId, await settlementLeaves(db, settlementId));
}

export function proofFor(t: SettlementTree, recipient: string): Proof {
  const leaf = t.leaves.find((l) => l[0] === recipient);
  if (leaf === undefined) throw new EngineError('NOT_FOUND', `settlement ${t.settlementId}: ${recipient} received nothing in it`);
  return { settlementId: t.settlementId, root: t.root, leafEncoding: [...LEAF_ENCODING], leaf, proof: t.tree.getProof([...leaf] as Leaf) };
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
