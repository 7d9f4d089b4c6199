import type { EthereumContext } from './context.ts';
import { getBlock, hex } from './block.ts';
import type { BlockHeader } from './decode.ts';
import { quantity } from './decode.ts';
import type { ScanState } from './state.ts';

/** A fork below the pinned block was seen while reading it: the attempt is redone from a new pin. */
export class PinMoved extends Error {}

/** The block a snapshot reads: latest − confirmations, or the finalized block less the finality lag. */
export async function choosePin(ctx: Pick<EthereumContext, 'rpc' | 'confirmations' | 'finalityLagBlocks'>, signal?: AbortSignal): Promise<BlockHeader> {
  let target: bigint;
  if (ctx.confirmations !== undefined) {
    const latest = await ctx.rpc.call({ method: 'eth_blockNumber', params: [] }, (r) => quantity(r, 'eth_blockNumber'), signal);
    target = latest - BigInt(ctx.confirmations);
  } else {
    const finalized = await getBlock(ctx.rpc, 'finalized', signal);
    if (ctx.finalityLagBlocks === 0) return finalized;
    target = finalized.number - BigInt(ctx.finalityLagBlocks);
  }
  return getBlock(ctx.rpc, hex(target < 0n ? 0n : target), signal);
}

export interface Resumed {
  /** The cursor's state, or null when its block was reorganised away (the snapshot rescans from startBlock). */
  readonly state: ScanState | null;
  readonly pin: BlockHeader;
  readonly note: string | null;
}

/** Where a snapshot continuing from a cursor stands: the cursor's block must still be the chain's. */
export async function resume(ctx: Pick<EthereumContext, 'rpc' | 'startBlock'>, state: ScanState, pin: BlockHeader, signal?: AbortSignal): Promise<Resumed> {
  const seen = await getBlock(ctx.rpc, hex(state.block), signal);
  if (seen.hash !== state.hash) {
    return { state: null, pin, note: `re-pinned after a fork: block ${state.block} is now ${seen.hash}, the cursor had ${state.hash}; rescanned from block ${ctx.startBlock}` };
  }
  // The pin went backwards (a larger lag or fewer confirmations): stay on the block we already stand on.
  if (pin.number < state.block) return { state, pin: seen, note: `pinned block ${pin.number} is behind the cursor's block ${state.block}; no new blocks read` };
  return { state, pin, note: null };
}

/** Every read of a snapshot named the pin by number or hash; if the block at that height changed meanwhile, redo. */
export async function assertPinHeld(ctx: Pick<EthereumContext, 'rpc'>, pin: BlockHeader, signal?: AbortSignal): Promise<void> {
  const after = await getBlock(ctx.rpc, hex(pin.number), signal);
  if (after.hash !== pin.hash) throw new PinMoved(`block ${pin.number} changed from ${pin.hash} to ${after.hash} during the snapshot`);
}
