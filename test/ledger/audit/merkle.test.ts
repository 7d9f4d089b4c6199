import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEAF_ENCODING, proofFor, treeOf } from '../../../src/ledger/audit/index.ts';
import type { Leaf } from '../../../src/ledger/audit/index.ts';

/** merkle.ts builds OpenZeppelin's standard-v1 tree itself; the library is the reference it must match. */
const leafSets = fc.uniqueArray(fc.tuple(fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 })), fc.bigInt({ min: 0n, max: 2n ** 256n - 1n })), {
  minLength: 1,
  maxLength: 40,
  selector: ([recipient]) => recipient,
});

describe('settlement Merkle tree (OpenZeppelin standard-v1 layout)', () => {
  it('has the root StandardMerkleTree.of gives, and every proof is the library’s and verifies with it', () => {
    fc.assert(
      fc.property(leafSets, (set) => {
        const leaves: Leaf[] = set.map(([recipient, amount]) => [recipient, amount.toString()]);
        const reference = StandardMerkleTree.of<Leaf>(leaves.map((l) => [...l] as Leaf), [...LEAF_ENCODING]);
        const ours = treeOf('ar:1-1', leaves);
        expect(ours.root).toBe(reference.root);
        for (const leaf of leaves) {
          const p = proofFor(ours, leaf[0]);
          expect(p.proof).toEqual(reference.getProof([...leaf] as Leaf));
          expect(StandardMerkleTree.verify(p.root, [...LEAF_ENCODING], p.leaf, [...p.proof])).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('one leaf is its own root with an empty proof; a recipient outside the tree is NOT_FOUND', () => {
    const t = treeOf('ar:1-1', [['R'.repeat(43), '34137577002053']]);
    expect(t.root).toBe(StandardMerkleTree.of<Leaf>([['R'.repeat(43), '34137577002053']], [...LEAF_ENCODING]).root);
    expect(proofFor(t, 'R'.repeat(43)).proof).toEqual([]);
    expect(() => proofFor(t, 'nobody')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
