import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that answers with the wire format of a real Arweave node
 * (ArweaveTeam/arweave ar_http_iface_middleware.erl / ar_serialize.erl), for what arlocal lacks:
 * per-block wallet trees (`wallet_list` root in the block JSON, `/wallet_list/{root}[/{cursor}]`
 * pages, `/wallet_list/{root}/{addr}/balance`), tx ids in block JSON, `reward_addr`, and forks.
 * Its chain is a plain model — balances per block, applied tx by tx — so tests can compare the
 * source's output with the model's state at any block. Faults can be injected per path.
 */
export interface ModelTx {
  /** base64url RSA modulus (random bytes here: the node never verifies in this model). */
  readonly owner: string;
  readonly target?: string;
  readonly quantity?: bigint;
  readonly reward?: bigint;
}

interface Block {
  height: number;
  indep_hash: string;
  previous_block: string;
  timestamp: number;
  txs: string[];
  wallet_list: string;
  reward_addr: string;
}

export type Fault = (path: string, req: IncomingMessage, res: ServerResponse) => boolean;

export const b64 = (bytes: Buffer): string => bytes.toString('base64url');
export const addressOf = (owner: string): string => b64(createHash('sha256').update(Buffer.from(owner, 'base64url')).digest());
export const newOwner = (): string => b64(randomBytes(512));

export class ModelNode {
  /** Page size of `/wallet_list/{root}`: the node's WALLET_LIST_CHUNK_SIZE is 2,500; tests use less to page often. */
  pageSize = 2500;
  /** Faults checked before each request; one returning true has answered. */
  faults: Fault[] = [];
  requests: string[] = [];
  /** Blocks ever made by hash (orphans included: a node keeps them on disk). */
  readonly byHash = new Map<string, Block>();
  readonly trees = new Map<string, Map<string, bigint>>();
  readonly txs = new Map<string, Record<string, unknown>>();
  chain: Block[] = [];
  #server: Server | null = null;
  url = '';

  constructor(genesis: Record<string, bigint>) {
    const tree = new Map(Object.entries(genesis));
    this.#append(tree, [], '', b64(randomBytes(32)));
  }

  #append(tree: Map<string, bigint>, txIds: string[], previous: string, rewardAddr: string): Block {
    const root = b64(randomBytes(48));
    this.trees.set(root, tree);
    const b: Block = {
      height: this.chain.length,
      indep_hash: b64(randomBytes(48)),
      previous_block: previous,
      timestamp: 1_700_000_000 + this.chain.length * 120,
      txs: txIds,
      wallet_list: root,
      reward_addr: rewardAddr,
    };
    this.chain.push(b);
    this.byHash.set(b.indep_hash, b);
    return b;
  }

  get tip(): Block {
    return this.chain.at(-1)!;
  }

  balances(height: number): Map<string, bigint> {
    return this.trees.get(this.chain[height]!.wallet_list)!;
  }

  /** Mines a block applying `txs` in order, crediting `reward` winston to `rewardAddr`. */
  mine(txs: ModelTx[], rewardAddr: string = b64(randomBytes(32)), reward = 1_000n): Block {
    const tree = new Map(this.balances(this.tip.height));
    const ids: string[] = [];
    for (const tx of txs) {
      const from = addressOf(tx.owner);
      const cost = (tx.quantity ?? 0n) + (tx.reward ?? 0n);
      const have = tree.get(from) ?? 0n;
      if (have < cost) throw new Error(`model: ${from} cannot pay ${cost}`);
      tree.set(from, have - cost);
      if (tx.target !== undefined && (tx.quantity ?? 0n) > 0n) tree.set(tx.target, (tree.get(tx.target) ?? 0n) + tx.quantity!);
      const id = b64(randomBytes(32));
      ids.push(id);
      this.txs.set(id, { format: 2, id, last_tx: '', owner: tx.owner, tags: [], target: tx.target ?? '', quantity: String(tx.quantity ?? 0n), data: '', data_size: '0', data_root: '', reward: String(tx.reward ?? 0n), signature: b64(randomBytes(512)) });
    }
    tree.set(rewardAddr, (tree.get(rewardAddr) ?? 0n) + reward);
    return this.#append(tree, ids, this.tip.indep_hash, rewardAddr);
  }

  /** Drops the blocks above `height` (they stay fetchable by hash, as orphans on a real node). */
  rollback(height: number): void {
    this.chain = this.chain.slice(0, height + 1);
  }

  #json(res: ServerResponse, status: number, body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push(path);
    for (const f of this.faults) if (f(path, req, res)) return;
    const p = path.split('/').filter(Boolean);
    if (p[0] === 'info' && p.length === 1) return this.#json(res, 200, { network: 'arweave.N.1', version: 5, release: 69, height: this.tip.height, current: this.tip.indep_hash, blocks: this.chain.length, peers: 0, queue_length: 0, node_state_latency: 0 });
    if (p[0] === 'block' && p[1] === 'height' && p.length === 3) {
      const b = this.chain[Number(p[2])];
      return b ? this.#json(res, 200, b) : this.#json(res, 404, 'Block not found.');
    }
    if (p[0] === 'block' && p[1] === 'hash' && p.length === 3) {
      const b = this.byHash.get(p[2]!);
      return b ? this.#json(res, 200, b) : this.#json(res, 404, 'Block not found.');
    }
    if (p[0] === 'tx' && p.length === 2) {
      const tx = this.txs.get(p[1]!);
      return tx ? this.#json(res, 200, tx) : this.#json(res, 404, 'Not Found.');
    }
    if (p[0] === 'wallet_list' && p.length === 4 && p[3] === 'balance') {
      const tree = this.trees.get(p[1]!);
      if (!tree) return this.#json(res, 404, { error: 'root_hash_not_found' });
      return this.#json(res, 200, String(tree.get(p[2]!) ?? 0n));
    }
    if (p[0] === 'wallet_list' && (p.length === 2 || p.length === 3)) {
      // The node answers JSON only when the REQUEST says Content-Type: application/json (else Erlang term format).
      if (req.headers['content-type'] !== 'application/json') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return void res.end(Buffer.from([131, 116, 0, 0, 0, 0]));
      }
      const tree = this.trees.get(p[1]!);
      if (!tree) return this.#json(res, 404, 'Root hash not found.');
      // Ascending address order over the raw bytes, as ar_patricia_tree iterates.
      const sorted = [...tree.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'base64url'), Buffer.from(b, 'base64url')));
      const start = p[2] === undefined ? 0 : sorted.findIndex(([a]) => a === p[2]);
      if (start < 0) return this.#json(res, 400, 'Invalid cursor.');
      const page = sorted.slice(start, start + this.pageSize);
      const next = sorted[start + this.pageSize]?.[0];
      const wallets = page.map(([address, balance]) => ({ address, balance: String(balance), last_tx: '' }));
      return this.#json(res, 200, next === undefined ? { wallets } : { next_cursor: next, wallets });
    }
    this.#json(res, 400, 'Request type not found.');
  }

  async start(): Promise<string> {
    this.#server = createServer((req, res) => this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
