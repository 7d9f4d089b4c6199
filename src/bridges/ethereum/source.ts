import { OwnSourceState } from '../source-state.ts';
import type { Snapshot, SnapshotContext, Source } from '../types.ts';
import { EngineError } from '../../errors.ts';
import { retry } from '../../retry.ts';
import type { Wei } from '../../units.ts';
import type { EthereumPool } from './assets.ts';
import { checkOptions } from './context.ts';
import type { EthereumContext } from './context.ts';
import type { EthereumSourceOptions } from './options.ts';
import { PinMoved } from './pin.ts';
import { MalformedAnswer } from './rpc.ts';
import { takeSnapshot } from './snapshot.ts';
import type { SnapshotTimings, SourceMemory } from './snapshot.ts';
import { decodeCursor } from './state.ts';

export type { EthereumSourceOptions } from './options.ts';
export type { SnapshotTimings } from './snapshot.ts';

/**
 * One Ethereum bridge's source: per-depositor deposits at a pinned block, indexed
 * incrementally from UserStaked/UserWithdrawn, cross-checked against the contract's own views at that
 * block, with the asset's price (a Chainlink-style feed) and APR (Lido TokenRebased, Maker dsr(), Sky
 * ssr()) for the cross-asset split, and the deposit delay applied at tick boundaries (DESIGN.md §3).
 * One source per bridge: stETH, DAI and USDS are three sources on one chain. Each step of a snapshot
 * is its own file (snapshot.ts composes them), reading the options as context.ts checked them.
 */
export interface EthereumSource extends Source<Wei> {
  readonly pool: EthereumPool;
  /** RPC request/retry counters since creation. */
  readonly stats: { readonly requests: number; readonly retries: number; readonly failures: number };
  /** Where the last successful snapshot spent its time, for logs and the bench. */
  readonly lastTimings: () => SnapshotTimings | null;
}

export function createEthereumSource(opts: EthereumSourceOptions): EthereumSource {
  const checked = checkOptions(opts);
  const own = opts.state === undefined ? new OwnSourceState(checked.pool) : null;
  const ctx: EthereumContext = { ...checked, sourceState: opts.state ?? own!.state };
  const { pool, chainId, preBridge, kind, repinAttemptsMax } = ctx;
  const memory: SourceMemory = { contractsSeen: false, timings: null };
  return {
    pool,
    stats: ctx.rpc.stats,
    lastTimings: () => memory.timings,
    async snapshot(cursor: string | null, signal?: AbortSignal, at?: SnapshotContext): Promise<Snapshot<Wei>> {
      if (cursor !== null) decodeCursor(cursor, { chainId, preBridge, pool, kind }); // a malformed cursor is named before anything else
      own?.continueFrom(cursor);
      // A reorganised pin is re-read at once from a new pin: waiting only lets the chain move on.
      const retryable = (e: unknown): boolean => e instanceof PinMoved || e instanceof MalformedAnswer;
      try {
        const snap = await retry(() => takeSnapshot(ctx, memory, cursor, signal, at), { attemptsMax: repinAttemptsMax, backoffMsBase: 0, backoffMsMax: 0, signal, retryable });
        own?.returned(snap);
        return snap;
      } catch (e) {
        if (!retryable(e)) throw e;
        throw new EngineError('SOURCE_UNAVAILABLE', `${pool}: snapshot failed ${repinAttemptsMax} times: ${(e as Error).message}`, { cause: e });
      }
    },
  };
}
