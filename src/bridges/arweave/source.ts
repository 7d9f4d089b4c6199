import type { ArweaveAddress } from '../../address.ts';
import { EngineError } from '../../errors.ts';
import type { Snapshot, Source, WeightUpdate } from '../types.ts';
import type { Winston } from '../../units.ts';
import type { ArweaveCursor } from './cursor.ts';
import { RECENT_BLOCKS, decodeCursor, encodeCursor } from './cursor.ts';
import { blockTxsViaGraphql } from './graphql.ts';
import { ArweaveHttp } from './http.ts';
import { mapLimit } from './map-limit.ts';
import { readSeedFile } from './seed.ts';
import type { Wallet } from './wallet-list.ts';
import { readWalletListDocument, readWalletListPages } from './wallet-list.ts';
import type { BlockInfo, TxTouch } from './wire.ts';
import { parseBlock, parseInfo, parseTx, parseWinston } from './wire.ts';
import { retry } from '../../retry.ts';
import { ARWEAVE_OPTION_BOUNDS } from './option-bounds.ts';

/**
 * The AR holder source (pool 'ar'): every Arweave address's winston balance at a block pinned
 * `confirmations` behind the tip. account = recipient = the address; weight = winston.
 *
 * - Bootstrap (cursor null): the full wallet list of the pinned block (wallet-list.ts), or, when a
 *   seed file is configured, the seeded addresses re-read at the pin.
 * - Incremental (the normal path): walk the blocks after the cursor's block up to the new pin,
 *   checking each block links to the one before; collect every address those blocks can change —
 *   tx owners (address = base64url(SHA-256(owner modulus))), transfer targets, the block's
 *   reward_addr — and read their balances at the pin. O(changes), not O(holders).
 * - Forks: if the block after the cursor's does not link to it, the cursor's recent hashes find the
 *   last common block; the walk restarts there and the orphaned blocks' addresses are re-read too.
 *   A fork deeper than the remembered window → a full reconciliation (or a clean failure).
 * - Reconciliation: every `fullEvery` snapshots, a full-list snapshot (complete = true).
 *
 * Where balances are read. A real node keeps each recent block's wallet tree; the block JSON names
 * its root (`wallet_list`) and `/wallet_list/{root}/{addr}/balance` reads the balance AT that block,
 * so the pin can lag the tip and the tip may move freely while reading. arlocal has no wallet trees:
 * balances can only be read at the tip (`/wallet/{addr}/balance`), so confirmations must be 0 there,
 * and the tip is re-checked after reading — if it moved, the snapshot is re-pinned and re-read.
 * arlocal also moves balances when a tx is posted (before it is mined) and `/mint` moves balances
 * outside any block: the pending-tx count is noted; mints after the bootstrap are invisible to the
 * incremental path (as on a real chain, where no balance changes outside blocks).
 *
 * Known gap on mainnet: since Arweave 2.6 a block's mining reward is locked and released to the
 * miner later; that release changes a balance without a tx or the releasing block's reward_addr
 * naming the address. The periodic full reconciliation (`fullEvery`) corrects such balances.
 */
export interface ArweaveSourceOptions {
  /** Node/gateway base URLs, tried in order (failover). */
  readonly urls: readonly string[];
  /** Pin = tip height − confirmations. Must be 0 on a node without wallet trees (arlocal). */
  readonly confirmations: number;
  /** Per HTTP request, headers to end of body. Default 15,000. */
  readonly timeoutMs?: number;
  /** Rounds over all URLs, the first included, with exponential backoff (src/retry.ts). Default 4. */
  readonly attemptsMax?: number;
  /** First backoff; doubles per round up to backoffMsMax. Defaults 250 / 5,000. */
  readonly backoffMsBase?: number;
  readonly backoffMsMax?: number;
  readonly fetch?: typeof fetch;
  /** CSV address,winston: the initial set when bootstrapping (seed.ts). Without it the bootstrap reads the full wallet list. */
  readonly seedFile?: string;
  /** Reconcile from the full wallet list every N snapshots; 0 = never. Default 0. */
  readonly fullEvery?: number;
  /** Concurrent HTTP requests for txs and balances. Default 16. */
  readonly concurrency?: number;
  /** A gap longer than this is not walked block by block: full list instead (or LIMIT_EXCEEDED). Default 720 (≈ 1 day). */
  readonly maxWalkBlocks?: number;
  /** Snapshots tried, re-pinning each time the tip moves while reading at the tip (arlocal). Default 3. */
  readonly repinAttemptsMax?: number;
}

export interface ArweaveSource extends Source<Winston> {
  readonly pool: 'ar';
}

/** One `snapshot` call's result before it becomes a Snapshot. */
interface Read {
  readonly updates: WeightUpdate<Winston>[];
  readonly complete: boolean;
  readonly recent: [number, string][];
  readonly sinceFull: number;
}

/** The tip moved under a read at the tip: re-pin. */
class TipMoved extends Error {}

const byAccount = (a: WeightUpdate, b: WeightUpdate): number => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0);

function intOption(value: number | undefined, fallback: number, name: keyof typeof ARWEAVE_OPTION_BOUNDS): number {
  const [min, max] = ARWEAVE_OPTION_BOUNDS[name];
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new EngineError('INVALID_CONFIG', `arweave.${name}: ${v}; expected an integer ${min}..${max}`);
  return v;
}

export function createArweaveSource(opts: ArweaveSourceOptions): ArweaveSource {
  const confirmations = intOption(opts.confirmations, 0, 'confirmations');
  const fullEvery = intOption(opts.fullEvery, 0, 'fullEvery');
  const concurrency = intOption(opts.concurrency, 16, 'concurrency');
  const maxWalkBlocks = intOption(opts.maxWalkBlocks, 720, 'maxWalkBlocks');
  const repinAttemptsMax = intOption(opts.repinAttemptsMax, 3, 'repinAttemptsMax');
  const http = new ArweaveHttp({
    urls: opts.urls,
    timeoutMs: opts.timeoutMs ?? 15_000,
    attemptsMax: opts.attemptsMax ?? 4,
    backoffMsBase: opts.backoffMsBase ?? 250,
    backoffMsMax: opts.backoffMsMax ?? 5_000,
    fetch: opts.fetch ?? fetch,
  });

  const blockAt = async (height: number, signal?: AbortSignal): Promise<BlockInfo | null> => {
    const json = await http.getJson(`block/height/${height}`, signal);
    if (json === null) return null;
    const b = parseBlock(json, `block ${height}`);
    if (b.height !== height) throw new EngineError('MALFORMED_RESPONSE', `arweave: /block/height/${height} answered block ${b.height}`);
    return b;
  };

  const blockByHash = async (hash: string, signal?: AbortSignal): Promise<BlockInfo | null> => {
    const json = await http.getJson(`block/hash/${hash}`, signal);
    if (json === null) return null;
    const b = parseBlock(json, `block ${hash}`);
    if (b.indepHash !== hash) throw new EngineError('MALFORMED_RESPONSE', `arweave: /block/hash/${hash} answered block ${b.indepHash}`);
    return b;
  };

  /** The txs of a block: by id from the block JSON (node), else from GraphQL (gateway, arlocal). */
  const blockTxs = async (b: BlockInfo, orphaned: boolean, signal?: AbortSignal): Promise<TxTouch[] | null> => {
    if (b.txIds === null) return orphaned ? null : blockTxsViaGraphql(http, b.height, b.indepHash, signal);
    return mapLimit(b.txIds, concurrency, async (id) => {
      // An orphaned block's txs went back to the mempool (or were dropped): /unconfirmed_tx serves those.
      const json = (await http.getJson(`tx/${id}`, signal)) ?? (orphaned ? await http.getJson(`unconfirmed_tx/${id}`, signal) : null);
      if (json === null) throw new EngineError('SOURCE_UNAVAILABLE', `arweave: tx ${id} of block ${b.indepHash}@${b.height} is unknown to every URL`);
      const tx = parseTx(json, `tx ${id}`);
      if (tx.id !== id) throw new EngineError('MALFORMED_RESPONSE', `arweave: /tx/${id} answered tx ${tx.id}`);
      return tx;
    });
  };

  /** Every address whose balance `b` can change. */
  const touchedBy = (b: BlockInfo, txs: readonly TxTouch[], into: Set<ArweaveAddress>): number => {
    for (const tx of txs) {
      into.add(tx.owner); // pays quantity + reward
      if (tx.target !== null && tx.quantity > 0n) into.add(tx.target);
    }
    if (b.rewardAddr !== null) into.add(b.rewardAddr);
    return txs.length;
  };

  /** Balances at the pin: in the pinned block's wallet tree when the node has one, else at the tip. */
  const readBalances = async (addresses: readonly ArweaveAddress[], pin: BlockInfo, signal?: AbortSignal): Promise<WeightUpdate<Winston>[]> =>
    mapLimit(addresses, concurrency, async (address) => {
      const path = pin.walletRoot === null ? `wallet/${address}/balance` : `wallet_list/${pin.walletRoot}/${address}/balance`;
      const text = await http.getText(path, signal);
      if (text === null) {
        throw new EngineError('SOURCE_UNAVAILABLE', `arweave: ${pin.walletRoot === null ? 'balance' : `wallet tree ${pin.walletRoot} of block ${pin.height}`} not found for ${address}; the node pruned it or lacks the route (lower confirmations, or use a node with more history)`);
      }
      return { account: address, recipient: address, weight: parseWinston(text, `balance of ${address}`) };
    });

  const readFull = async (pin: BlockInfo, notes: string[], signal?: AbortSignal): Promise<WeightUpdate<Winston>[]> => {
    if (pin.walletRoot === null) throw new EngineError('SOURCE_UNAVAILABLE', `arweave: block ${pin.height} names no wallet tree; this node cannot serve a full wallet list`);
    let wallets: Wallet[] = [];
    let paged = await readWalletListPages(http, pin.walletRoot, (w) => wallets.push(w), signal);
    if (!paged) {
      paged = await readWalletListDocument(http, pin.indepHash, { restart: () => (wallets = []), add: (w) => wallets.push(w) }, signal);
      if (!paged) throw new EngineError('SOURCE_UNAVAILABLE', `arweave: no URL serves the wallet list of block ${pin.height} (/wallet_list/{root} nor /block/hash/{hash}/wallet_list)`);
      notes.push('full list read from /block/hash/{hash}/wallet_list');
    }
    const updates: WeightUpdate<Winston>[] = [];
    for (const w of wallets) if (w.balance > 0n) updates.push({ account: w.address, recipient: w.address, weight: w.balance });
    updates.sort(byAccount);
    for (let i = 1; i < updates.length; i++) {
      if (updates[i]!.account === updates[i - 1]!.account) throw new EngineError('MALFORMED_RESPONSE', `arweave wallet list: address ${updates[i]!.account} appears twice`);
    }
    notes.push(`full wallet list of block ${pin.height}: ${wallets.length} wallets, ${updates.length} with a balance`);
    return updates;
  };

  /** Walks (from, pin]: fetches the blocks, checks they chain from `fromHash` to the pin, collects touched addresses. */
  const walk = async (fromHeight: number, fromHash: string, pin: BlockInfo, touched: Set<ArweaveAddress>, signal?: AbortSignal): Promise<{ blocks: BlockInfo[]; txs: number } | 'fork'> => {
    const heights = Array.from({ length: pin.height - fromHeight }, (_, i) => fromHeight + 1 + i);
    const blocks = await mapLimit(heights, concurrency, async (h) => (h === pin.height ? pin : await blockAt(h, signal)));
    let prev = fromHash;
    for (const [i, b] of blocks.entries()) {
      if (b === null) throw new TipMoved(`block ${heights[i]} vanished while walking`);
      if (b.previousBlock !== prev) {
        if (i === 0) return 'fork';
        throw new TipMoved(`block ${b.height} does not link to block ${b.height - 1} read just before (reorg while walking)`);
      }
      prev = b.indepHash;
    }
    let txs = 0;
    for (const b of blocks as BlockInfo[]) txs += touchedBy(b, (await blockTxs(b, false, signal)) ?? [], touched);
    return { blocks: blocks as BlockInfo[], txs };
  };

  const incremental = async (prev: ArweaveCursor, pin: BlockInfo, notes: string[], signal?: AbortSignal): Promise<Read | 'full'> => {
    if (pin.height < prev.height) throw new EngineError('SOURCE_UNAVAILABLE', `arweave: pinned height ${pin.height} is below the cursor's ${prev.height} (a lagging node?); try again later`);
    const touched = new Set<ArweaveAddress>();
    let common = prev.height;
    let commonHash = prev.hash;
    type Walked = { blocks: BlockInfo[]; txs: number } | 'fork' | 'long';
    let result: Walked = pin.height === prev.height ? (pin.indepHash === prev.hash ? { blocks: [], txs: 0 } : 'fork') : pin.height - prev.height > maxWalkBlocks ? 'long' : await walk(prev.height, prev.hash, pin, touched, signal);
    if (result === 'long') {
      notes.push(`${pin.height - prev.height} blocks since the cursor (> maxWalkBlocks ${maxWalkBlocks}): full list instead of a walk`);
      return 'full';
    }
    if (result === 'fork') {
      // Find the last common block among the remembered ones, newest first.
      const found = await (async () => {
        for (const [h, hash] of [...prev.recent].reverse()) {
          if (h >= prev.height || h > pin.height) continue;
          const b = await blockAt(h, signal);
          if (b?.indepHash === hash) return [h, hash] as const;
        }
        return null;
      })();
      if (found === null) {
        notes.push(`fork deeper than the ${prev.recent.length} remembered blocks below height ${prev.height}: full reconciliation`);
        return 'full';
      }
      [common, commonHash] = found;
      // The orphaned blocks' addresses may hold balances the ledger got from the losing branch.
      for (const [h, hash] of prev.recent) {
        if (h <= common) continue;
        const orphan = await blockByHash(hash, signal);
        const txs = orphan === null ? null : await blockTxs(orphan, true, signal);
        if (orphan === null || txs === null) {
          notes.push(`fork: orphaned block ${hash}@${h} cannot be re-read: full reconciliation`);
          return 'full';
        }
        touchedBy(orphan, txs, touched);
      }
      notes.push(`fork: block ${prev.hash}@${prev.height} left the chain; re-walked from the last common block ${commonHash}@${common}`);
      if (pin.height - common > maxWalkBlocks) return 'full';
      result = await walk(common, commonHash, pin, touched, signal);
    }
    if (result === 'fork') throw new TipMoved('the chain changed again while re-walking a fork');
    const addresses = [...touched].sort();
    const updates = await readBalances(addresses, pin, signal);
    notes.push(`incremental: blocks ${common + 1}..${pin.height} (${result.blocks.length}), ${result.txs} txs, ${addresses.length} addresses read`);
    const recent: [number, string][] = [...prev.recent.filter(([h]) => h <= common).map(([h, x]) => [h, x] as [number, string]), ...result.blocks.map((b) => [b.height, b.indepHash] as [number, string])];
    return { updates, complete: false, recent, sinceFull: prev.sinceFull + 1 };
  };

  const snapshotOnce = async (prev: ArweaveCursor | null, notes: string[], signal?: AbortSignal): Promise<{ read: Read; pin: BlockInfo }> => {
    const tip = parseInfo(await http.getJson('info', signal));
    const pinHeight = tip.height - confirmations;
    if (pinHeight < 0) throw new EngineError('SOURCE_UNAVAILABLE', `arweave: chain height ${tip.height} is below confirmations ${confirmations}`);
    const pin = pinHeight === tip.height ? await blockByHash(tip.current, signal) : await blockAt(pinHeight, signal);
    if (pin === null) throw new TipMoved(`pinned block ${pinHeight} not found`);
    const atTip = pin.walletRoot === null;
    if (atTip && confirmations > 0) {
      throw new EngineError('INVALID_CONFIG', `arweave.confirmations: ${confirmations}; this node's blocks name no wallet tree (arlocal), so balances can only be read at the tip: expected 0`);
    }
    if (atTip) notes.push('balances read at the tip: the node keeps no per-block wallet tree (arlocal)');

    let read: Read | 'full';
    if (prev === null && opts.seedFile !== undefined) {
      const seed = await readSeedFile(opts.seedFile);
      const updates = await readBalances(seed.map((r) => r.address), pin, signal);
      const differ = updates.filter((u, i) => u.weight !== seed[i]!.winston).length;
      notes.push(`bootstrap from seed ${opts.seedFile}: ${seed.length} addresses re-read at block ${pin.height}, ${differ} differed from the seed`);
      read = { updates: updates.filter((u) => u.weight > 0n).sort(byAccount), complete: false, recent: [[pin.height, pin.indepHash]], sinceFull: 0 };
    } else if (prev === null) {
      read = 'full';
    } else if (fullEvery > 0 && prev.sinceFull + 1 >= fullEvery && !atTip) {
      notes.push(`periodic reconciliation (every ${fullEvery} snapshots)`);
      read = 'full';
    } else {
      if (fullEvery > 0 && prev.sinceFull + 1 >= fullEvery) notes.push('periodic reconciliation skipped: the node serves no wallet list');
      read = await incremental(prev, pin, notes, signal);
    }
    if (read === 'full') {
      if (atTip) {
        throw new EngineError(prev === null ? 'INVALID_CONFIG' : 'SNAPSHOT_MISMATCH', prev === null
          ? 'arweave: the node serves no wallet list (arlocal): set seedFile to bootstrap'
          : `arweave: a full reconciliation is needed (${notes.at(-1) ?? ''}) but the node serves no wallet list`);
      }
      read = { updates: await readFull(pin, notes, signal), complete: true, recent: [[pin.height, pin.indepHash]], sinceFull: 0 };
    }
    if (atTip) {
      const after = parseInfo(await http.getJson('info', signal));
      if (after.current !== tip.current) throw new TipMoved(`tip moved from ${tip.height} to ${after.height} while reading`);
      const pending = await http.getJson('tx/pending', signal);
      if (Array.isArray(pending) && pending.length > 0) notes.push(`${pending.length} pending txs: arlocal has already applied them to the balances read`);
    }
    return { read, pin };
  };

  return {
    pool: 'ar',
    async snapshot(cursor: string | null, signal?: AbortSignal): Promise<Snapshot<Winston>> {
      const prev = cursor === null ? null : decodeCursor(cursor);
      const moves: string[] = [];
      const attempt = async (): Promise<Snapshot<Winston>> => {
        const notes: string[] = [...moves];
        const { read, pin } = await snapshotOnce(prev, notes, signal);
        return {
          pool: 'ar',
          pin: { chain: 'arweave', height: String(pin.height), hash: pin.indepHash, timeMs: pin.timestampMs },
          complete: read.complete,
          updates: read.updates,
          cursor: encodeCursor({ v: 1, height: pin.height, hash: pin.indepHash, recent: read.recent.slice(-RECENT_BLOCKS), sinceFull: read.sinceFull }),
          notes,
        };
      };
      // A moved tip is re-read at once: waiting would only let it move further.
      const retryable = (e: unknown): boolean => e instanceof TipMoved && moves.push(`re-pinned: ${e.message}`) > 0;
      try {
        return await retry(attempt, { attemptsMax: repinAttemptsMax, backoffMsBase: 0, backoffMsMax: 0, signal, retryable });
      } catch (e) {
        if (!(e instanceof TipMoved)) throw e;
        throw new EngineError('SOURCE_UNAVAILABLE', `arweave: the chain kept moving during ${repinAttemptsMax} attempts (re-pinned: ${e.message})`);
      }
    },
  };
}
