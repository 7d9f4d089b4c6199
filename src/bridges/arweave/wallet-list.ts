import type { ArweaveAddress } from '../../address.ts';
import { EngineError } from '../../errors.ts';
import type { Winston } from '../../units.ts';
import type { ArweaveHttp } from './http.ts';
import { nodeAddress, parseWinston } from './wire.ts';

/**
 * The full wallet list of a block, read from an Arweave node without ever holding the list as one
 * JSON value. Endpoints and wire format (ArweaveTeam/arweave, apps/arweave/src/
 * ar_http_iface_middleware.erl, ar_serialize.erl, ar_wallets.erl):
 *
 * - `GET /wallet_list/{root_hash}` and `GET /wallet_list/{root_hash}/{cursor}` — one page of up to
 *   WALLET_LIST_CHUNK_SIZE = 2,500 wallets of the wallet tree whose root is the block's `wallet_list`
 *   field, in ascending address order. The node picks the encoding from the REQUEST's
 *   `Content-Type`: `application/json` gives
 *       {"next_cursor": "<base64url>", "wallets": [{"address": "<b64url>", "balance": "<winston>", "last_tx": "<b64url>"}, …]}
 *   with `next_cursor` absent on the last page; anything else gives Erlang term format (not used).
 *   404 "Root hash not found." once the node has pruned that tree (nodes keep recent blocks' trees).
 * - `GET /wallet_list/{root_hash}/{address}/balance` — one balance in that tree, a decimal string.
 * - `GET /block/hash/{indep_hash}/wallet_list` (and `/wallet_list` for the tip) — the whole list as
 *   one JSON array of the same wallet objects; only served by nodes started with
 *   `serve_wallet_lists`. Read here as a stream, as the fallback when paging is not available.
 *
 * Both shapes go through one byte-level scanner that cuts each wallet object out of the stream
 * (across chunk boundaries) and parses only that object, so memory is bounded by a page or a
 * chunk, never by the list.
 */

export interface Wallet {
  readonly address: ArweaveAddress;
  /** winston */
  readonly balance: Winston;
}

/** Bounds on what a node may send: a wallet object is ~150 bytes; the envelope is a few keys. */
const MAX_ITEM_BYTES = 64 * 1024;
const MAX_ENVELOPE_BYTES = 64 * 1024;
const MAX_DEPTH = 8;
/** 100,000 pages × 2,500 = 250 M wallets: far beyond the network (a few million), finite all the same. */
const MAX_PAGES = 100_000;
const CURSOR = /^[A-Za-z0-9_-]{1,86}$/;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJ = 0x7b;
const CLOSE_OBJ = 0x7d;
const OPEN_ARR = 0x5b;
const CLOSE_ARR = 0x5d;

/** Between the wallet objects of the array: whitespace, commas, the next `{`, the closing `]`. */
const ARRAY_LEVEL_OK = new Set([0x20, 0x0a, 0x0d, 0x09, 0x2c, OPEN_OBJ, CLOSE_ARR]);

const malformed = (message: string): EngineError => new EngineError('MALFORMED_RESPONSE', `arweave wallet list: ${message}`);

/** Parses one wallet object's bytes; the address and balance are checked, `last_tx` is ignored. */
function toWallet(bytes: Uint8Array, index: number): Wallet {
  let obj: unknown;
  try {
    obj = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'));
  } catch {
    throw malformed(`wallet #${index} is not valid JSON`);
  }
  if (typeof obj !== 'object' || obj === null) throw malformed(`wallet #${index} is not an object`);
  const { address, balance } = obj as { address?: unknown; balance?: unknown };
  // The node serializes balances as decimal strings (ar_serialize:wallet_to_json_struct); a JSON
  // number would already have lost precision above 2^53 in some encoder, so it is refused.
  const what = `wallet list entry #${index}.balance (${String(address)})`;
  if (typeof balance !== 'string') throw malformed(`${what} is ${JSON.stringify(balance)}; expected a winston amount as a decimal string`);
  return { address: nodeAddress(address, `wallet list entry #${index}.address`), balance: parseWinston(balance, what) };
}

/**
 * A push parser for either shape above: `push` raw body chunks, get each wallet through `onWallet`,
 * then `end()` returns the envelope's `next_cursor` (null when absent or for the array shape).
 */
export class WalletListScanner {
  readonly #onWallet: (wallet: Wallet) => void;
  /** Depth after an item's `{` opens: 2 in `[…]`, 3 in `{"wallets": […]}`; 0 until the first byte. */
  #itemDepth = 0;
  #depth = 0;
  #stack: number[] = [];
  #inString = false;
  #escape = false;
  #item: Uint8Array[] = [];
  #itemBytes = 0;
  #inItem = false;
  #envelope: number[] = [];
  #count = 0;

  constructor(onWallet: (wallet: Wallet) => void) {
    this.#onWallet = onWallet;
  }

  get count(): number {
    return this.#count;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    let itemStart = this.#inItem ? 0 : -1;
    let nextBackslash = -2; // -2: not searched yet in this chunk
    while (i < n) {
      if (this.#inString) {
        if (this.#escape) {
          this.#escape = false;
          this.#keepEnvelope(chunk, i, i + 1);
          i++;
          continue;
        }
        const q = chunk.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        const stop = q === -1 ? n : q;
        if (nextBackslash !== -1 && nextBackslash < stop) {
          this.#keepEnvelope(chunk, i, nextBackslash + 1);
          this.#escape = true;
          i = nextBackslash + 1;
          continue;
        }
        this.#keepEnvelope(chunk, i, q === -1 ? n : q + 1);
        if (q === -1) {
          i = n;
          break;
        }
        this.#inString = false;
        i = q + 1;
        continue;
      }
      const b = chunk[i]!;
      if (!this.#inItem && this.#depth === this.#itemDepth - 1 && this.#stack.at(-1) === OPEN_ARR && !ARRAY_LEVEL_OK.has(b)) {
        throw malformed(`wallet #${this.#count}: ${JSON.stringify(String.fromCharCode(b))} where a wallet object was expected`);
      }
      if (b === QUOTE) {
        this.#inString = true;
        this.#keepEnvelope(chunk, i, i + 1);
      } else if (b === OPEN_OBJ || b === OPEN_ARR) {
        if (this.#itemDepth === 0) this.#itemDepth = b === OPEN_ARR ? 2 : 3;
        const parentIsArray = this.#stack.at(-1) === OPEN_ARR;
        this.#keepEnvelope(chunk, i, i + 1);
        this.#depth++;
        if (this.#depth > MAX_DEPTH) throw malformed(`nesting deeper than ${MAX_DEPTH}`);
        this.#stack.push(b);
        if (b === OPEN_OBJ && this.#depth === this.#itemDepth && parentIsArray) {
          this.#inItem = true;
          itemStart = i;
        }
      } else if (b === CLOSE_OBJ || b === CLOSE_ARR) {
        const open = this.#stack.pop();
        if (open === undefined || (open === OPEN_OBJ) !== (b === CLOSE_OBJ)) throw malformed(`unbalanced ${String.fromCharCode(b)} at byte ${i} of a chunk`);
        if (this.#inItem && this.#depth === this.#itemDepth) {
          this.#finishItem(chunk.subarray(itemStart, i + 1));
          itemStart = -1;
        }
        this.#depth--;
        this.#keepEnvelope(chunk, i, i + 1);
      } else if (this.#itemDepth === 0 && b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
        throw malformed(`starts with ${JSON.stringify(String.fromCharCode(b))}; expected [ or {`);
      } else {
        this.#keepEnvelope(chunk, i, i + 1);
      }
      i++;
    }
    if (this.#inItem && itemStart >= 0) {
      const part = chunk.subarray(itemStart);
      this.#itemBytes += part.length;
      if (this.#itemBytes > MAX_ITEM_BYTES) throw malformed(`wallet #${this.#count} is longer than ${MAX_ITEM_BYTES} bytes`);
      this.#item.push(part);
    }
  }

  /** Bytes outside the items (the envelope): kept, bounded, so `next_cursor` can be read at the end. */
  #keepEnvelope(chunk: Uint8Array, from: number, to: number): void {
    if (this.#inItem || this.#depth > this.#itemDepth - 2) return;
    for (let k = from; k < to; k++) this.#envelope.push(chunk[k]!);
    if (this.#envelope.length > MAX_ENVELOPE_BYTES) throw malformed(`more than ${MAX_ENVELOPE_BYTES} bytes outside the wallet objects`);
  }

  #finishItem(last: Uint8Array): void {
    let bytes = last;
    if (this.#item.length > 0) {
      this.#item.push(last);
      bytes = Buffer.concat(this.#item);
      this.#item = [];
    }
    this.#itemBytes = 0;
    this.#inItem = false;
    if (bytes.length > MAX_ITEM_BYTES) throw malformed(`wallet #${this.#count} is longer than ${MAX_ITEM_BYTES} bytes`);
    this.#onWallet(toWallet(bytes, this.#count));
    this.#count++;
  }

  /** Checks the document is complete and returns the page's `next_cursor`, or null for the last page. */
  end(): string | null {
    if (this.#itemDepth === 0) throw malformed('empty body; expected a JSON array or object');
    if (this.#depth !== 0 || this.#inString) throw malformed('the body ends inside a JSON value (truncated?)');
    let envelope: unknown;
    try {
      envelope = JSON.parse(Buffer.from(this.#envelope).toString('latin1'));
    } catch {
      throw malformed('the text around the wallet objects is not valid JSON');
    }
    if (Array.isArray(envelope)) {
      if (envelope.length !== 0) throw malformed('the array holds something other than wallet objects');
      return null;
    }
    const { next_cursor: next, wallets, ...rest } = envelope as Record<string, unknown>;
    if (!Array.isArray(wallets) || wallets.length !== 0) throw malformed('"wallets" is missing or holds something other than wallet objects');
    if (Object.keys(rest).length > 0) throw malformed(`unexpected keys ${JSON.stringify(Object.keys(rest))}; expected next_cursor and wallets`);
    if (next === undefined) return null;
    if (typeof next !== 'string' || !CURSOR.test(next)) throw malformed(`next_cursor ${JSON.stringify(next)}; expected a base64url cursor`);
    return next;
  }
}

async function scanBody(res: Response, onWallet: (w: Wallet) => void): Promise<string | null> {
  const scanner = new WalletListScanner(onWallet);
  if (res.body === null) throw malformed('empty body');
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      scanner.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => undefined);
    throw e;
  }
  return scanner.end();
}

/**
 * Every wallet of the tree with root `rootHash`, page by page (`/wallet_list/{root}[/{cursor}]`).
 * A page is delivered only once it parsed completely, so a page retried after a dropped connection
 * never delivers a wallet twice. Returns false when the node does not know the root (404).
 */
export async function readWalletListPages(http: ArweaveHttp, rootHash: string, onWallet: (w: Wallet) => void, signal?: AbortSignal): Promise<boolean> {
  let cursor: string | null = null;
  const seen = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page++) {
    const path: string = cursor === null ? `wallet_list/${rootHash}` : `wallet_list/${rootHash}/${cursor}`;
    const result: { wallets: Wallet[]; next: string | null } | null = await http.request(
      path,
      async (res) => {
        const wallets: Wallet[] = [];
        const next = await scanBody(res, (w) => wallets.push(w));
        return { wallets, next };
      },
      { headers: { 'content-type': 'application/json' }, signal },
    );
    if (result === null) {
      if (page === 0) return false;
      throw new EngineError('SOURCE_UNAVAILABLE', `arweave: wallet tree ${rootHash} disappeared while paging it (page ${page}); the node pruned it`);
    }
    for (const w of result.wallets) onWallet(w);
    if (result.next === null) return true;
    if (seen.has(result.next)) throw malformed(`next_cursor ${result.next} repeats; the pages would loop`);
    seen.add(result.next);
    cursor = result.next;
  }
  throw new EngineError('LIMIT_EXCEEDED', `arweave: wallet list of ${rootHash} has more than ${MAX_PAGES} pages`);
}

/**
 * The whole list of a block as one streamed JSON array (`/block/hash/{indep_hash}/wallet_list`).
 * Wallets are delivered as they are parsed; `restart` is called before each attempt, so the caller
 * drops what an attempt that failed mid-stream had delivered. Returns false when the node does not
 * serve it (404).
 */
export async function readWalletListDocument(
  http: ArweaveHttp,
  indepHash: string,
  sink: { restart(): void; add(w: Wallet): void },
  signal?: AbortSignal,
): Promise<boolean> {
  const result = await http.request(
    `block/hash/${indepHash}/wallet_list`,
    async (res) => {
      sink.restart();
      await scanBody(res, (w) => sink.add(w));
      return true;
    },
    { signal },
  );
  return result === true;
}
