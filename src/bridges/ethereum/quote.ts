import { EngineError } from '../../errors.ts';
import type { YieldQuote } from '../types.ts';
import { aggregatorAbi, potAbi, sUsdsAbi } from './abi.ts';
import type { PinCall } from './call-at-pin.ts';
import type { EthereumContext } from './context.ts';
import type { BlockHeader } from './decode.ts';
import type { Rebase } from './state.ts';
import { lidoApr, RAY_RATE_MAX, rayApr, scaledToDecimal, usableRebase } from './yield.ts';

/**
 * The asset's yield quote at the pin, for the cross-asset split (DESIGN.md §3): its USD price from a
 * Chainlink-style feed (refused when older than priceMaxAgeSec) or the config, and its APR from
 * Lido's TokenRebased, Maker's Pot dsr(), Sky's sUSDS ssr() or the config.
 */
type QuoteContext = Pick<EthereumContext, 'pool' | 'asset' | 'stETH' | 'priceMaxAgeSec'>;

export interface Quoted {
  readonly quote: YieldQuote;
  /** Said in the snapshot's notes (a negative stETH rate quoted as 0), else null. */
  readonly note: string | null;
}

/** The quote's reads: the feed's decimals() and latestRoundData() (a chainlink price), then dsr() or ssr() (a dsr / ssr APR). */
export function quoteCalls(ctx: QuoteContext): PinCall[] {
  const { pool, asset } = ctx;
  const calls: PinCall[] = [];
  if (asset.price.kind === 'chainlink') {
    const feed = asset.price.feed;
    calls.push({ label: `${pool}.feed ${feed} decimals()`, to: feed, data: aggregatorAbi.encodeFunctionData('decimals') });
    calls.push({ label: `${pool}.feed ${feed} latestRoundData()`, to: feed, data: aggregatorAbi.encodeFunctionData('latestRoundData') });
  }
  if (asset.apr.kind === 'dsr') calls.push({ label: `${pool}.pot ${asset.apr.pot} dsr()`, to: asset.apr.pot, data: potAbi.encodeFunctionData('dsr') });
  if (asset.apr.kind === 'ssr') calls.push({ label: `${pool}.sUSDS ${asset.apr.sUSDS} ssr()`, to: asset.apr.sUSDS, data: sUsdsAbi.encodeFunctionData('ssr') });
  return calls;
}

/** The quote from the answers of quoteCalls (in its order) and the latest rebase the state knows. */
export function quote(ctx: QuoteContext, rebase: Rebase | null, pin: BlockHeader, answers: readonly string[]): Quoted {
  const feedAnswers = ctx.asset.price.kind === 'chainlink' ? 2 : 0;
  const { priceUsd, priceSource } = priceOf(ctx, pin, answers.slice(0, feedAnswers));
  const { apr, aprSource, note } = aprOf(ctx, rebase, pin, answers[feedAnswers]);
  return { quote: { asset: ctx.asset.symbol, decimals: ctx.asset.decimals, priceUsd, apr, priceSource, aprSource }, note };
}

function priceOf(ctx: QuoteContext, pin: BlockHeader, [decimalsData, roundData]: readonly string[]): { priceUsd: string; priceSource: string } {
  const { pool, asset, priceMaxAgeSec } = ctx;
  if (asset.price.kind === 'config') return { priceUsd: asset.price.priceUsd, priceSource: 'config' };
  const feed = asset.price.feed;
  const decimals = Number(aggregatorAbi.decodeFunctionResult('decimals', decimalsData!)[0]);
  const [, answer, , updatedAt] = aggregatorAbi.decodeFunctionResult('latestRoundData', roundData!) as unknown as [bigint, bigint, bigint, bigint];
  if (decimals > 18) throw new EngineError('SNAPSHOT_MISMATCH', `${pool}.feed: Chainlink feed ${feed} has ${decimals} decimals; expected at most 18`);
  if (answer <= 0n) throw new EngineError('SNAPSHOT_MISMATCH', `${pool}.feed: Chainlink feed ${feed} answered ${answer} at block ${pin.number}; expected a positive ${asset.symbol}/USD price`);
  const age = pin.timestampSec - updatedAt;
  if (age > priceMaxAgeSec) {
    throw new EngineError('SOURCE_UNAVAILABLE', `${pool}.feed: price feed ${feed} last updated ${age} s before block ${pin.number}, over the ${priceMaxAgeSec} s limit (priceMaxAge); the tick waits for a fresh price`, {
      details: { pool, feed, block: pin.number.toString(), ageSec: age.toString(), limitSec: priceMaxAgeSec.toString(), stalePrice: true },
    });
  }
  return { priceUsd: scaledToDecimal(answer, decimals), priceSource: `chainlink:${feed}@${pin.number} age ${age < 0n ? 0n : age}s` };
}

function aprOf(ctx: QuoteContext, rebase: Rebase | null, pin: BlockHeader, rateData: string | undefined): { apr: string; aprSource: string; note: string | null } {
  const { pool, asset } = ctx;
  if (asset.apr.kind === 'config') return { apr: asset.apr.apr, aprSource: 'config', note: null };
  if (asset.apr.kind === 'lido') {
    if (rebase === null || !usableRebase(rebase)) {
      throw new EngineError('SOURCE_UNAVAILABLE', `${pool}: no usable Lido TokenRebased from ${ctx.stETH} at or before block ${pin.number}; set overrides.apr or aprLookbackBlocks`);
    }
    const result = lidoApr(rebase);
    const note = result.apr !== result.raw ? `stETH APR ${result.raw} from the rebase at block ${rebase.block} is negative; quoted as 0` : null;
    return { apr: result.apr, aprSource: `lido:TokenRebased@${rebase.block}`, note };
  }
  const field = asset.apr.kind === 'dsr' ? 'pot' : 'sUSDS';
  const fn = asset.apr.kind === 'dsr' ? 'dsr' : 'ssr';
  const rate = (asset.apr.kind === 'dsr' ? potAbi : sUsdsAbi).decodeFunctionResult(fn, rateData!)[0] as bigint;
  if (rate < 10n ** 27n || rate > RAY_RATE_MAX) {
    throw new EngineError('SNAPSHOT_MISMATCH', `${pool}.${field}: ${fn}() is ${rate} at block ${pin.number}; expected a per-second rate in ray, 10^27 .. 10^27 + 10^20`);
  }
  return { apr: rayApr(rate), aprSource: `${asset.apr.kind === 'dsr' ? 'maker:Pot.dsr' : 'sky:sUSDS.ssr'}=${rate}@${pin.number}`, note: null };
}
