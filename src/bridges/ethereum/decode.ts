import { MalformedAnswer } from './rpc.ts';

/** Strict readers for JSON-RPC answers: anything off-shape throws MalformedAnswer (and is retried). */
const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;
const HASH = /^0x[0-9a-f]{64}$/i;
const DATA = /^0x([0-9a-f]{2})*$/i;

export function quantity(raw: unknown, what: string): bigint {
  if (typeof raw !== 'string' || !QUANTITY.test(raw)) throw new MalformedAnswer(`${what}: ${JSON.stringify(raw)?.slice(0, 80)} is not a hex quantity`);
  return BigInt(raw);
}

export function hash32(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || !HASH.test(raw)) throw new MalformedAnswer(`${what}: ${JSON.stringify(raw)?.slice(0, 80)} is not a 32-byte hash`);
  return raw.toLowerCase();
}

export function data(raw: unknown, what: string): string {
  if (typeof raw !== 'string' || !DATA.test(raw)) throw new MalformedAnswer(`${what}: ${JSON.stringify(raw)?.slice(0, 80)} is not hex data`);
  return raw.toLowerCase();
}

export interface BlockHeader {
  readonly number: bigint;
  readonly hash: string;
  readonly parentHash: string;
  readonly timestampSec: bigint;
}

export function blockHeader(raw: unknown, what: string): BlockHeader {
  if (typeof raw !== 'object' || raw === null) throw new MalformedAnswer(`${what}: block is ${raw === null ? 'null (unknown block)' : typeof raw}`);
  const b = raw as Record<string, unknown>;
  return {
    number: quantity(b.number, `${what}.number`),
    hash: hash32(b.hash, `${what}.hash`),
    parentHash: hash32(b.parentHash, `${what}.parentHash`),
    timestampSec: quantity(b.timestamp, `${what}.timestamp`),
  };
}

export interface RawLog {
  readonly address: string;
  readonly topics: readonly string[];
  readonly data: string;
  readonly blockNumber: bigint;
  readonly blockHash: string;
  readonly logIndex: bigint;
  readonly transactionHash: string;
}

export function logs(raw: unknown, what: string): RawLog[] {
  if (!Array.isArray(raw)) throw new MalformedAnswer(`${what}: logs answer is not an array`);
  return raw.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null) throw new MalformedAnswer(`${what}[${i}]: not an object`);
    const l = item as Record<string, unknown>;
    if (l.removed === true) throw new MalformedAnswer(`${what}[${i}]: a removed log below the pinned block`);
    if (!Array.isArray(l.topics) || l.topics.length === 0) throw new MalformedAnswer(`${what}[${i}].topics: not a non-empty array`);
    if (typeof l.address !== 'string' || !/^0x[0-9a-f]{40}$/i.test(l.address)) throw new MalformedAnswer(`${what}[${i}].address: not an address`);
    return {
      address: l.address.toLowerCase(),
      topics: l.topics.map((t, j) => hash32(t, `${what}[${i}].topics[${j}]`)),
      data: data(l.data, `${what}[${i}].data`),
      blockNumber: quantity(l.blockNumber, `${what}[${i}].blockNumber`),
      blockHash: hash32(l.blockHash, `${what}[${i}].blockHash`),
      logIndex: quantity(l.logIndex, `${what}[${i}].logIndex`),
      transactionHash: hash32(l.transactionHash, `${what}[${i}].transactionHash`),
    };
  });
}

/** The n-th 32-byte word of ABI data (no 0x), as an unsigned integer. */
export const word = (hexNo0x: string, n: number): bigint => BigInt(`0x${hexNo0x.slice(n * 64, n * 64 + 64)}`);
