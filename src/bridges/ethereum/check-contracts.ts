import { EngineError } from '../../errors.ts';
import type { EthereumContext } from './context.ts';
import type { BlockHeader } from './decode.ts';
import { data as hexData } from './decode.ts';

/** Every contract the source reads, named as the config names it. */
function contractsOf(ctx: Pick<EthereumContext, 'pool' | 'preBridge' | 'asset'>): [string, string][] {
  const { pool, asset } = ctx;
  return [
    [`${pool}.bridge`, ctx.preBridge],
    ...(asset.price.kind === 'chainlink' ? [[`${pool}.feed`, asset.price.feed] as [string, string]] : []),
    ...(asset.apr.kind === 'lido' ? [[`${pool}.stETH`, asset.apr.stETH] as [string, string]] : []),
    ...(asset.apr.kind === 'dsr' ? [[`${pool}.pot`, asset.apr.pot] as [string, string]] : []),
    ...(asset.apr.kind === 'ssr' ? [[`${pool}.sUSDS`, asset.apr.sUSDS] as [string, string]] : []),
  ];
}

/** Before a first snapshot: every configured contract has code at the pinned block (a wrong address is named, not retried). */
export async function checkContracts(ctx: Pick<EthereumContext, 'rpc' | 'pool' | 'preBridge' | 'asset'>, pin: BlockHeader, signal?: AbortSignal): Promise<void> {
  const contracts = contractsOf(ctx);
  const codes = await ctx.rpc.batch(contracts.map(([, address]) => ({ method: 'eth_getCode', params: [address, { blockHash: pin.hash }] })), (raw, i) => hexData(raw, `eth_getCode ${contracts[i]![0]}`), signal);
  for (const [i, code] of codes.entries()) {
    const [field, address] = contracts[i]!;
    if (code === '0x') {
      throw new EngineError('SNAPSHOT_MISMATCH', `${field}: no contract at ${address} at block ${pin.number}; expected the ${ctx.asset.symbol} ${field.split('.')[1]} (wrong address or chain?)`, { details: { pool: ctx.pool, field, address } });
    }
  }
}
