import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalArweave, type LocalArweave } from '../../../devnet/arweave/local.ts';
import { proofFor, publishSettlements, settlementTree } from '../../../src/ledger/audit/index.ts';
import type { Ledger } from '../../../src/ledger/index.ts';
import { fixtureLedger } from '../../ledger/audit/fixture.ts';
import { runBin } from '../../support/child.ts';
import { tempDir } from '../support/harness.ts';

/**
 * `audit check-proof` as its own process, against a real ledger and the records published on a
 * real local Arweave gateway (arlocal). A forger who edits a proof file also edits its root, so the
 * file's root is never the evidence: the root comes from --root, the ledger or the published record.
 */
let node: LocalArweave;
let ledger: Ledger;
let dir: string;
let url: string;
let owner: string;
let genuineFile: string;
let forgedFile: string;
let realRoot: string;
let forgedRoot: string;

beforeAll(async () => {
  node = await startLocalArweave();
  dir = tempDir('check-proof');
  url = `sqlite:${join(dir, 'ledger.db')}`;
  ledger = await fixtureLedger(url, { ticks: 8, accounts: 6, changesPerTick: 2, arEvery: 4, bridgeEvery: 8, seed: 3 });
  const publisher = await node.newWallet();
  await node.mint(publisher.address, 10n ** 15n);
  owner = publisher.address;
  await publishSettlements(ledger.db, node.arweave, publisher.jwk);
  await node.mine();
  const tree = await settlementTree(ledger.db, 'ar:1-4');
  realRoot = tree.root;
  const genuine = proofFor(tree, tree.leaves[0]![0]);
  genuineFile = join(dir, 'genuine.json');
  writeFileSync(genuineFile, JSON.stringify(genuine));
  // The forgery: the same recipient claiming 1,000 AO, in a one-leaf tree of its own whose root the file states.
  const leaf: [string, string] = [genuine.leaf[0], (1000n * 10n ** 12n).toString()];
  forgedRoot = StandardMerkleTree.of([leaf], ['string', 'uint256']).root;
  forgedFile = join(dir, 'forged.json');
  writeFileSync(forgedFile, JSON.stringify({ ...genuine, root: forgedRoot, leaf, proof: [] }));
  await ledger.close();
});
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit check-proof', () => {
  it('refuses to trust the file alone: without --root, --database or --published it exits 2', async () => {
    const r = await runBin(['audit', 'check-proof', forgedFile]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ao-emission: check-proof: give the root to check against: --root <0x…>, --database <url> .* the file's own root is not evidence\n$/);
  });

  it('a forged file with a forged root fails against the ledger, a given root and the published record (exit 1, naming the root it used)', async () => {
    const byLedger = await runBin(['audit', 'check-proof', forgedFile, '--database', url]);
    expect(byLedger.code).toBe(1);
    expect(byLedger.stderr).toContain(`do not hash to root ${realRoot} from the ledger ${url} (settlement ar:1-4) (the file claims root ${forgedRoot})`);
    const byRoot = await runBin(['audit', 'check-proof', forgedFile, '--root', realRoot]);
    expect(byRoot.code).toBe(1);
    expect(byRoot.stderr).toContain(`from the root given with --root`);
    const byPublished = await runBin(['audit', 'check-proof', forgedFile, '--published', '--owner', owner, '--gateway', node.url]);
    expect(byPublished.code).toBe(1);
    expect(byPublished.stderr).toContain(`do not hash to root ${realRoot} from the record ${owner} published on ${node.url} (transaction `);
  });

  it('the genuine proof holds against each, and the answer says which root was used', async () => {
    expect(await runBin(['audit', 'check-proof', genuineFile, '--database', url])).toMatchObject({ code: 0, stdout: expect.stringMatching(new RegExp(`with root ${realRoot}, checked against the ledger ${url} \\(settlement ar:1-4\\)\\n$`)) });
    expect(await runBin(['audit', 'check-proof', genuineFile, '--root', realRoot])).toMatchObject({ code: 0, stdout: expect.stringContaining('checked against the root given with --root') });
    const published = await runBin(['audit', 'check-proof', genuineFile, '--published', '--owner', owner, '--gateway', node.url]);
    expect(published).toMatchObject({ code: 0, stdout: expect.stringContaining(`checked against the record ${owner} published on ${node.url} (transaction `) });
  });
});
