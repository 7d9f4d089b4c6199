import { TOPIC_TOKEN_REBASED } from './abi.ts';
import { hex } from './block.ts';
import type { EthereumContext } from './context.ts';
import { logs as parseLogs } from './decode.ts';
import { applyLog } from './state.ts';
import type { ScanState } from './state.ts';

/**
 * The latest Lido TokenRebased in (from − aprLookbackBlocks, from), scanning backwards chunk by chunk:
 * when the state knows no rebase yet (a first scan that met none), the stETH APR still has one to come from.
 */
export async function findRebaseBefore(ctx: Pick<EthereumContext, 'rpc' | 'stETH' | 'chunkBlocks' | 'aprLookbackBlocks'>, state: ScanState, from: bigint, signal?: AbortSignal): Promise<void> {
  const stETH = ctx.stETH;
  if (stETH === null) return;
  const floor = from > ctx.aprLookbackBlocks ? from - ctx.aprLookbackBlocks : 0n;
  let end = from - 1n;
  while (end >= floor && state.rebase === null) {
    const start = end - ctx.chunkBlocks + 1n > floor ? end - ctx.chunkBlocks + 1n : floor;
    const found = await ctx.rpc.call(
      { method: 'eth_getLogs', params: [{ address: stETH, topics: [TOPIC_TOKEN_REBASED], fromBlock: hex(start), toBlock: hex(end) }] },
      (raw) => parseLogs(raw, `rebase logs ${start}..${end}`),
      signal,
    );
    for (const log of found) applyLog(state, log, stETH, new Set()); // in order: the last one wins
    end = start - 1n;
  }
}
