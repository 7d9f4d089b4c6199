import { EngineError } from '../../errors.ts';
import type { EthereumContext } from './context.ts';
import type { BlockHeader } from './decode.ts';
import { data as hexData } from './decode.ts';
import type { RpcCall } from './rpc.ts';

/** One eth_call of a snapshot, and how an error names it. */
export interface PinCall {
  readonly label: string;
  readonly to: string;
  readonly data: string;
}

type PinCallContext = Pick<EthereumContext, 'rpc' | 'pool' | 'asset'>;

/** An eth_call answer shorter than one word: no contract at the address answers this ABI. */
export const noAnswer = (ctx: Pick<EthereumContext, 'pool' | 'asset'>, label: string, data: string, pin: BlockHeader): EngineError =>
  new EngineError('SNAPSHOT_MISMATCH', `${label}: answered ${(data.length - 2) / 2} bytes at block ${pin.number}; no contract there answers the ${ctx.asset.symbol} ABI (wrong address?)`, {
    details: { pool: ctx.pool, label, block: pin.number.toString() },
  });

/** The calls at the pinned block's hash, in JSON-RPC batches: their answers in order, each at least one word. */
export async function callAtPin(ctx: PinCallContext, calls: readonly PinCall[], pin: BlockHeader, signal?: AbortSignal): Promise<string[]> {
  const at = { blockHash: pin.hash };
  const rpcCalls: RpcCall[] = calls.map(({ to, data }) => ({ method: 'eth_call', params: [{ to, data }, at] }));
  const parse = (raw: unknown, i: number): string => hexData(raw, `eth_call ${i}`);
  let answers: string[];
  try {
    answers = await ctx.rpc.batch(rpcCalls, parse, signal);
  } catch (e) {
    if (!(e instanceof EngineError) || !/revert/i.test(e.message)) throw e;
    throw await nameReverted(ctx, calls, rpcCalls, pin, e, signal);
  }
  for (const [i, d] of answers.entries()) if (d.length < 2 + 64) throw noAnswer(ctx, calls[i]!.label, d, pin);
  return answers;
}

/** One call of a batch reverted: asks each alone to name it (a contract of another ABI at a configured address), else the batch's error. */
async function nameReverted(ctx: PinCallContext, calls: readonly PinCall[], rpcCalls: readonly RpcCall[], pin: BlockHeader, e: EngineError, signal?: AbortSignal): Promise<EngineError> {
  for (const [i, call] of rpcCalls.entries()) {
    const failed = await ctx.rpc.call(call, (raw) => hexData(raw, `eth_call ${i}`), signal).then(() => false, (err: unknown) => err instanceof EngineError && /revert/i.test(err.message));
    if (failed) {
      const label = calls[i]!.label;
      return new EngineError('SNAPSHOT_MISMATCH', `${label}: reverted at block ${pin.number}; no contract there answers the ${ctx.asset.symbol} ABI (wrong address?)`, { cause: e, details: { pool: ctx.pool, label } });
    }
  }
  return e;
}
