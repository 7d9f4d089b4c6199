import type { BlockHeader } from './decode.ts';
import { blockHeader } from './decode.ts';
import type { RpcClient } from './rpc.ts';

/** A block number as a JSON-RPC quantity: 0x and lowercase hex without leading zeros. */
export const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** The header of one block, by tag ('finalized') or by number (hex). */
export const getBlock = (rpc: RpcClient, tag: string, signal?: AbortSignal): Promise<BlockHeader> =>
  rpc.call({ method: 'eth_getBlockByNumber', params: [tag, false] }, (raw) => blockHeader(raw, `block ${tag}`), signal);
