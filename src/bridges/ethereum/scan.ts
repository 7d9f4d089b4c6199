import { TOPIC_TOKEN_REBASED, TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN, TOPIC_VAULT_USER_STAKED, TOPIC_VAULT_USER_WITHDRAWN } from './abi.ts';
import type { BridgeKind } from './assets.ts';
import { hex } from './block.ts';
import type { EthereumContext } from './context.ts';
import type { BlockHeader, RawLog } from './decode.ts';
import { blockHeader, logs as parseLogs } from './decode.ts';
import { dueTick } from './delay.ts';
import { loadDepositors } from './load-depositors.ts';
import { PinMoved } from './pin.ts';
import { isRangeTooLarge, MalformedAnswer } from './rpc.ts';
import { applyLog, depositorsIn } from './state.ts';
import type { ScanState } from './state.ts';

type ScanContext = Pick<EthereumContext, 'rpc' | 'pool' | 'kind' | 'preBridge' | 'stETH' | 'chunkBlocks' | 'scanConcurrency' | 'delaySec' | 'genesisMs' | 'sourceState'>;

/** The bridge's deposit events, staked first (the one whose block time starts a deposit's delay). */
const DEPOSIT_TOPICS: Record<BridgeKind, readonly [string, string]> = {
  pools: [TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN],
  vault: [TOPIC_VAULT_USER_STAKED, TOPIC_VAULT_USER_WITHDRAWN],
};

/** Logs of [from, to] in chunks, `scanConcurrency` requests at a time, applied in chain order. Returns the events applied. */
export async function scan(ctx: ScanContext, state: ScanState, from: bigint, to: bigint, pin: BlockHeader, touched: Set<string>, signal?: AbortSignal): Promise<number> {
  const address = ctx.stETH === null ? [ctx.preBridge] : [ctx.preBridge, ctx.stETH];
  const topics = [[...DEPOSIT_TOPICS[ctx.kind], ...(ctx.stETH === null ? [] : [TOPIC_TOKEN_REBASED])]];
  let count = 0;
  let chunk = ctx.chunkBlocks;
  let next = from;
  while (next <= to) {
    const ranges: [bigint, bigint][] = [];
    for (let i = 0; i < ctx.scanConcurrency && next <= to; i++) {
      const end = next + chunk - 1n < to ? next + chunk - 1n : to;
      ranges.push([next, end]);
      next = end + 1n;
    }
    let results: RawLog[][];
    try {
      results = await Promise.all(
        ranges.map(([a, b]) =>
          ctx.rpc.call({ method: 'eth_getLogs', params: [{ address, topics, fromBlock: hex(a), toBlock: hex(b) }] }, (raw) => parseLogs(raw, `logs ${a}..${b}`), signal),
        ),
      );
    } catch (e) {
      if (!isRangeTooLarge(e) || chunk === 1n) throw e;
      chunk = chunk / 2n; // the node caps ranges or results: redo this window with half the span
      next = ranges[0]![0];
      continue;
    }
    count += await applyWindow(ctx, state, ranges, results, pin, touched, signal);
  }
  return count;
}

/** Applies one window's logs (results[i] answering ranges[i]) in chain order, after loading the depositors they name. */
async function applyWindow(ctx: ScanContext, state: ScanState, ranges: readonly [bigint, bigint][], results: RawLog[][], pin: BlockHeader, touched: Set<string>, signal?: AbortSignal): Promise<number> {
  await loadDepositors(ctx, state, depositorsIn(results.flat(), ctx.preBridge, ctx.kind));
  const times = await stakeTimes(ctx, results.flat(), signal);
  const dueOf = (log: RawLog): number | null => (ctx.delaySec === 0n ? null : dueTick(ctx, times.get(log.blockNumber)!));
  let count = 0;
  for (const [i, batch] of results.entries()) {
    const [a, b] = ranges[i]!;
    batch.sort((x, y) => (x.blockNumber === y.blockNumber ? Number(x.logIndex - y.logIndex) : x.blockNumber < y.blockNumber ? -1 : 1));
    for (const log of batch) {
      if (log.blockNumber < a || log.blockNumber > b) throw new MalformedAnswer(`logs ${a}..${b}: a log from block ${log.blockNumber}`);
      if (log.blockNumber === pin.number && log.blockHash !== pin.hash) throw new PinMoved(`a log of block ${pin.number} has hash ${log.blockHash}, the pin ${pin.hash}`);
      if (applyLog(state, log, ctx.stETH, touched, dueOf) !== 'ignored') count++;
    }
  }
  return count;
}

/** The timestamps of the blocks holding deposits (only with a delay: they decide when each counts). */
async function stakeTimes(ctx: ScanContext, batch: readonly RawLog[], signal?: AbortSignal): Promise<Map<bigint, bigint>> {
  const times = new Map<bigint, bigint>();
  if (ctx.delaySec === 0n) return times;
  const blocks = new Map<bigint, string>();
  for (const log of batch) if (log.address === ctx.preBridge && log.topics[0] === DEPOSIT_TOPICS[ctx.kind][0]) blocks.set(log.blockNumber, log.blockHash);
  const numbers = [...blocks.keys()];
  const headers = await ctx.rpc.batch(numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [hex(n), false] })), (raw, i) => blockHeader(raw, `block ${numbers[i]}`), signal);
  for (const h of headers) {
    if (h.hash !== blocks.get(h.number)) throw new PinMoved(`block ${h.number} is ${h.hash} but its logs say ${blocks.get(h.number)}`);
    times.set(h.number, h.timestampSec);
  }
  return times;
}
