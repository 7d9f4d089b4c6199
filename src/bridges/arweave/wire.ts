import { createHash } from 'node:crypto';
import { parseArweaveAddress } from '../../address.ts';
import type { ArweaveAddress } from '../../address.ts';
import { EngineError } from '../../errors.ts';
import { winston } from '../../units.ts';
import type { Winston } from '../../units.ts';

/**
 * The JSON an Arweave node (ArweaveTeam/arweave, ar_serialize / ar_http_iface_middleware) and
 * arlocal 1.1.66 answer, checked field by field. Where the two differ:
 *
 * | field                  | real node                                     | arlocal 1.1.66                              |
 * |------------------------|-----------------------------------------------|---------------------------------------------|
 * | block `indep_hash`     | 64 base64url chars (48 bytes)                 | 64 random lowercase alphanumerics           |
 * | block `txs`            | base64url tx ids                              | `["[object Object]"]` (a bug: the ids are lost) → txs come from GraphQL |
 * | block `wallet_list`    | root hash of the block's wallet tree          | absent → balances can only be read at the tip |
 * | block `reward_addr`    | address, or "unclaimed"                       | absent (no mining reward)                   |
 * | tx `owner`             | RSA modulus, base64url                        | same                                        |
 * | tx `target`/`quantity` | "" / "0" for data txs; winston decimal string | same                                        |
 * | balances               | change when a block is applied                | change when a tx is POSTed (before mining); `/mint` adds balance outside any block |
 */

/** An Arweave block hash or root hash: base64url, at most 64 bytes encoded (86 chars). */
const HASH = /^[A-Za-z0-9_-]{1,86}$/;
const TX_ID = /^[A-Za-z0-9_-]{43}$/;
const CANONICAL_UNSIGNED = /^(0|[1-9][0-9]{0,77})$/;

export interface BlockInfo {
  readonly height: number;
  readonly indepHash: string;
  readonly previousBlock: string;
  readonly timestampMs: number;
  /** Tx ids, or null when the block JSON does not carry usable ids (arlocal): list them via GraphQL. */
  readonly txIds: readonly string[] | null;
  /** Root hash of the block's wallet tree (balances at this block), or null (arlocal). */
  readonly walletRoot: string | null;
  /** The mining address credited by this block, or null ("unclaimed", or arlocal). */
  readonly rewardAddr: ArweaveAddress | null;
}

export interface TxTouch {
  readonly id: string;
  /** base64url(SHA-256(owner modulus)) — the address whose balance pays quantity + reward. */
  readonly owner: ArweaveAddress;
  /** The address credited with `quantity`, or null for a data-only tx. */
  readonly target: ArweaveAddress | null;
  readonly quantity: bigint;
}

const malformed = (what: string, value: unknown, expected: string): EngineError =>
  new EngineError('MALFORMED_RESPONSE', `arweave: ${what} is ${JSON.stringify(value)?.slice(0, 100)}; expected ${expected}`);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Address of an RSA owner: base64url(SHA-256(modulus bytes)) — the same as arweave-js `ownerToAddress`. */
export function ownerToAddress(ownerB64: string): ArweaveAddress {
  const bytes = Buffer.from(ownerB64, 'base64url');
  if (bytes.length === 0) throw malformed('tx owner', ownerB64, 'a non-empty base64url RSA modulus');
  return createHash('sha256').update(bytes).digest('base64url') as ArweaveAddress;
}

/** A node address answer: 43 base64url chars decoding to 32 bytes, else MALFORMED_RESPONSE (quoting the value). */
export function nodeAddress(text: unknown, what: string): ArweaveAddress {
  try {
    return parseArweaveAddress(text, what);
  } catch (e) {
    throw new EngineError('MALFORMED_RESPONSE', `arweave: ${what} is ${JSON.stringify(text)?.slice(0, 100)}; expected a 43-character base64url address of 32 bytes`, { cause: e });
  }
}

/** A winston amount from the wire: a canonical decimal string (no sign, no exponent, no leading zeros). */
export function parseWinston(text: unknown, what: string): Winston {
  const s = typeof text === 'number' && Number.isSafeInteger(text) && text >= 0 ? String(text) : text;
  if (typeof s !== 'string' || !CANONICAL_UNSIGNED.test(s.trim())) throw malformed(what, text, 'a winston amount as a decimal string');
  return winston(BigInt(s.trim()), what);
}

export function parseBlock(json: unknown, where: string): BlockInfo {
  if (!isRecord(json)) throw malformed(where, json, 'a block JSON object');
  const { height, indep_hash, previous_block, timestamp, txs, wallet_list, reward_addr } = json;
  if (typeof height !== 'number' || !Number.isSafeInteger(height) || height < 0) throw malformed(`${where}.height`, height, 'an integer >= 0');
  if (typeof indep_hash !== 'string' || !HASH.test(indep_hash)) throw malformed(`${where}.indep_hash`, indep_hash, 'a base64url block hash');
  if (typeof previous_block !== 'string' || (previous_block !== '' && !HASH.test(previous_block))) {
    throw malformed(`${where}.previous_block`, previous_block, 'a base64url block hash');
  }
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0) throw malformed(`${where}.timestamp`, timestamp, 'unix seconds');
  if (!Array.isArray(txs)) throw malformed(`${where}.txs`, txs, 'an array of tx ids');
  const txIds = txs.every((t): t is string => typeof t === 'string' && TX_ID.test(t)) ? txs : null;
  let walletRoot: string | null = null;
  if (wallet_list !== undefined) {
    if (typeof wallet_list !== 'string' || !HASH.test(wallet_list)) throw malformed(`${where}.wallet_list`, wallet_list, 'a base64url wallet-tree root hash');
    walletRoot = wallet_list;
  }
  const rewardAddr = reward_addr === undefined || reward_addr === 'unclaimed' ? null : nodeAddress(reward_addr, `${where}.reward_addr`);
  return { height, indepHash: indep_hash, previousBlock: previous_block, timestampMs: timestamp * 1000, txIds, walletRoot, rewardAddr };
}

/** `GET /tx/{id}` of a node or arlocal. */
export function parseTx(json: unknown, where: string): TxTouch {
  if (!isRecord(json)) throw malformed(where, json, 'a transaction JSON object');
  const { id, owner, target, quantity } = json;
  if (typeof id !== 'string' || !TX_ID.test(id)) throw malformed(`${where}.id`, id, 'a 43-character tx id');
  if (typeof owner !== 'string' || owner === '') throw malformed(`${where}.owner`, owner, 'a base64url RSA modulus');
  return {
    id,
    owner: ownerToAddress(owner),
    target: target === undefined || target === '' ? null : nodeAddress(target, `${where}.target`),
    quantity: quantity === undefined || quantity === '' ? 0n : parseWinston(quantity, `${where}.quantity`),
  };
}

/** `GET /info`: the tip. */
export function parseInfo(json: unknown): { height: number; current: string } {
  if (!isRecord(json)) throw malformed('/info', json, 'a JSON object');
  const { height, current } = json;
  const h = typeof height === 'string' && /^[0-9]+$/.test(height) ? Number(height) : height;
  if (typeof h !== 'number' || !Number.isSafeInteger(h) || h < 0) throw malformed('/info.height', height, 'an integer >= 0');
  if (typeof current !== 'string' || !HASH.test(current)) throw malformed('/info.current', current, 'a base64url block hash');
  return { height: h, current };
}
