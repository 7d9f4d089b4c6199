import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/errors.ts';
import { createArweaveSource } from '../../../src/bridges/arweave/source.ts';
import type { Snapshot } from '../../../src/bridges/types.ts';
import { ModelNode, addressOf, b64, newOwner } from './support/model-node.ts';

/**
 * The real-node paths arlocal cannot exercise (per-block wallet trees, confirmations > 0, tx ids
 * in block JSON, reward_addr, forks, the paged wallet list), against a loopback server that serves
 * the Arweave node's documented wire format (support/model-node.ts).
 */
const nodes: ModelNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
});

function ledger(): { apply(s: Snapshot): void; state: Map<string, bigint> } {
  const state = new Map<string, bigint>();
  return {
    state,
    apply(s) {
      if (s.complete) state.clear();
      for (const u of s.updates) {
        if (u.weight === 0n) state.delete(u.account);
        else state.set(u.account, u.weight);
      }
    },
  };
}

const positive = (m: Map<string, bigint>): Map<string, bigint> => new Map([...m].filter(([, v]) => v > 0n));

async function start(node: ModelNode): Promise<string> {
  nodes.push(node);
  return node.start();
}

/** A model chain: `n` owners funded at genesis with 10^12·(i+1) winston (1 AR each step), one empty wallet. */
function funded(n: number): { node: ModelNode; owners: string[] } {
  const owners = Array.from({ length: n }, newOwner);
  const genesis: Record<string, bigint> = {};
  owners.forEach((o, i) => (genesis[addressOf(o)] = BigInt(i + 1) * 10n ** 12n));
  genesis[b64(randomBytes(32))] = 0n;
  return { node: new ModelNode(genesis), owners };
}

const code = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return e instanceof EngineError ? e.code : String(e);
  }
};

describe('arweave source against a loopback server serving the Arweave node wire format', () => {
  it('bootstraps from the paged full wallet list of the block pinned 2 confirmations behind the tip, skipping zero balances', async () => {
    const { node, owners } = funded(7);
    node.pageSize = 3; // the node's page is 2,500 wallets; 3 pages the list here
    node.mine([{ owner: owners[0]!, target: addressOf(owners[1]!), quantity: 5n, reward: 2n }]);
    node.mine([]);
    node.mine([]);
    const source = createArweaveSource({ urls: [await start(node)], confirmations: 2 });
    const snap = await source.snapshot(null);
    expect(snap.complete).toBe(true);
    expect(snap.pin).toEqual({ chain: 'arweave', height: '1', hash: node.chain[1]!.indep_hash, timeMs: node.chain[1]!.timestamp * 1000 });
    const l = ledger();
    l.apply(snap);
    expect(l.state).toEqual(positive(node.balances(1)));
    // Block 1's tree: 7 owners + 1 zero-balance wallet + block 1's reward address = 9 wallets → pages 3, 3, 3
    // (the last without next_cursor); the zero-balance wallet is listed by the node but not emitted.
    expect(node.requests.filter((r) => r.startsWith('/wallet_list/')).length).toBe(3);
    expect(snap.updates.length).toBe(8);
  });

  it('incremental snapshots read balances in the pinned block wallet tree and equal the node state at the pin after every block (owners, targets, reward_addr)', async () => {
    const { node, owners } = funded(6);
    const source = createArweaveSource({ urls: [await start(node)], confirmations: 1 });
    node.mine([]);
    const l = ledger();
    let snap = await source.snapshot(null);
    l.apply(snap);
    const miner = b64(randomBytes(32));
    for (let i = 0; i < 5; i++) {
      const fresh = b64(randomBytes(32)); // a target that never held AR
      node.mine(
        [
          { owner: owners[i]!, target: addressOf(owners[(i + 1) % 6]!), quantity: 1_000n * BigInt(i + 1), reward: 10n },
          { owner: owners[(i + 2) % 6]!, target: fresh, quantity: 77n, reward: 3n },
          { owner: owners[(i + 3) % 6]!, reward: 50n }, // a data tx: only the owner pays
        ],
        miner,
      );
      snap = await source.snapshot(snap.cursor);
      const pinHeight = Number(snap.pin.height);
      expect(pinHeight).toBe(node.tip.height - 1);
      expect(snap.complete).toBe(false);
      l.apply(snap);
      expect(l.state).toEqual(positive(node.balances(pinHeight)));
      // The pinned tree is read, not the tip's: the tip block's txs are not visible yet.
      expect(node.requests.some((r) => r.includes(`/wallet_list/${node.chain[pinHeight]!.wallet_list}/`))).toBe(true);
    }
  });

  it('after a fork replaces the pinned block, re-walks from the last common block and re-reads the orphaned blocks addresses', async () => {
    const { node, owners } = funded(6);
    const source = createArweaveSource({ urls: [await start(node)], confirmations: 0 });
    node.mine([]);
    const l = ledger();
    let snap = await source.snapshot(null);
    l.apply(snap);
    node.mine([{ owner: owners[0]!, target: addressOf(owners[1]!), quantity: 111n }]);
    node.mine([{ owner: owners[2]!, target: addressOf(owners[3]!), quantity: 222n }]);
    snap = await source.snapshot(snap.cursor);
    l.apply(snap);
    expect(l.state).toEqual(positive(node.balances(3)));
    // Fork: blocks 2 and 3 are replaced by a longer branch where other wallets move.
    node.rollback(1);
    node.mine([{ owner: owners[4]!, target: addressOf(owners[5]!), quantity: 333n }]);
    node.mine([]);
    node.mine([{ owner: owners[5]!, target: addressOf(owners[0]!), quantity: 444n }]);
    snap = await source.snapshot(snap.cursor);
    expect(snap.notes.join('\n')).toMatch(/fork: block .*@3 left the chain; re-walked from the last common block .*@1/);
    l.apply(snap);
    // owners 0..3's balances from the orphaned branch are restored because the orphans were re-read.
    expect(l.state).toEqual(positive(node.balances(4)));
    expect(snap.pin.height).toBe('4');
  });

  it('a fork deeper than the remembered blocks falls back to a complete full-list snapshot', async () => {
    const { node, owners } = funded(3);
    const source = createArweaveSource({ urls: [await start(node)], confirmations: 0 });
    const l = ledger();
    let snap = await source.snapshot(null);
    l.apply(snap);
    node.mine([{ owner: owners[0]!, target: addressOf(owners[1]!), quantity: 5n }]);
    snap = await source.snapshot(snap.cursor);
    l.apply(snap);
    // Replace everything above genesis: the cursor remembers blocks 0..1, and block 0 is common —
    // so to be deeper than the window, rebuild from a node whose genesis differs.
    const other = funded(3);
    other.node.mine([]);
    other.node.mine([]);
    const source2 = createArweaveSource({ urls: [await start(other.node)], confirmations: 0 });
    const snap2 = await source2.snapshot(snap.cursor);
    expect(snap2.complete).toBe(true);
    expect(snap2.notes.join('\n')).toMatch(/fork deeper than the 2 remembered blocks/);
    l.apply(snap2);
    expect(l.state).toEqual(positive(other.node.balances(2)));
  });

  it('reconciles from the full list every fullEvery snapshots and walks in between', async () => {
    const { node, owners } = funded(3);
    const source = createArweaveSource({ urls: [await start(node)], confirmations: 0, fullEvery: 2 });
    const kinds: boolean[] = [];
    let snap = await source.snapshot(null);
    kinds.push(snap.complete);
    for (let i = 0; i < 4; i++) {
      node.mine([{ owner: owners[i % 3]!, target: addressOf(owners[(i + 1) % 3]!), quantity: 9n }]);
      snap = await source.snapshot(snap.cursor);
      kinds.push(snap.complete);
    }
    // bootstrap (full), then: 1 since full → walk, 2 → full, walk, full.
    expect(kinds).toEqual([true, false, true, false, true]);
  });

  it('a malformed balance from the node fails the snapshot with MALFORMED_RESPONSE naming the address, with no partial result', async () => {
    const { node, owners } = funded(3);
    const source = createArweaveSource({ urls: [await start(node)], confirmations: 0 });
    const first = await source.snapshot(null);
    node.mine([{ owner: owners[0]!, target: addressOf(owners[1]!), quantity: 5n }]);
    const victim = addressOf(owners[1]!);
    node.faults.push((path, _req, res) => {
      if (!path.endsWith(`/${victim}/balance`)) return false;
      res.writeHead(200).end('1.5e12');
      return true;
    });
    await expect(source.snapshot(first.cursor)).rejects.toThrow(new RegExp(`balance of ${victim} is "1.5e12"; expected a winston amount`));
  });

  it('a malformed address in the wallet list fails the bootstrap with MALFORMED_RESPONSE', async () => {
    const node = new ModelNode({ ['x'.repeat(42)]: 5n });
    const source = createArweaveSource({ urls: [await start(node)], confirmations: 0 });
    expect(await code(source.snapshot(null))).toBe('MALFORMED_RESPONSE');
  });

  it('retries 429 and 5xx with backoff, fails over on a hanging node, and gives SOURCE_UNAVAILABLE when all URLs keep failing', async () => {
    const { node } = funded(2);
    const url = await start(node);
    let n = 0;
    node.faults.push((path, _req, res) => {
      if (path !== '/info' || n++ >= 2) return false;
      res.writeHead(n === 1 ? 429 : 503, { 'retry-after': '0' }).end();
      return true;
    });
    const retrying = createArweaveSource({ urls: [url], confirmations: 0, attemptsMax: 4, backoffMsBase: 5 });
    expect((await retrying.snapshot(null)).complete).toBe(true);
    expect(n).toBe(3);

    const hanging = funded(1).node;
    hanging.faults.push(() => true); // accepts the request and never answers
    const failover = createArweaveSource({ urls: [await start(hanging), url], confirmations: 0, timeoutMs: 300, attemptsMax: 1 });
    expect((await failover.snapshot(null)).complete).toBe(true);

    const broken = funded(1).node;
    broken.faults.push((_p, _q, res) => (res.writeHead(500).end(), true));
    const none = createArweaveSource({ urls: [await start(broken)], confirmations: 0, attemptsMax: 3, backoffMsBase: 5 });
    const err = await source0(none);
    expect(err.code).toBe('SOURCE_UNAVAILABLE');
    expect(err.message).toMatch(/failed on every URL after 3 round\(s\); last: http:\/\/127\.0\.0\.1:\d+: HTTP 500/);
    expect(broken.requests.length).toBe(3);
  });
});

async function source0(s: ReturnType<typeof createArweaveSource>): Promise<EngineError> {
  try {
    await s.snapshot(null);
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}
