import type { Interface } from 'ethers';
import { EngineError } from '../../errors.ts';
import { multicall3Abi, preBridgeAbi, STETH_POOL_ID, vaultBridgeAbi } from './abi.ts';
import type { BridgeKind } from './assets.ts';
import type { PinCall } from './call-at-pin.ts';
import { noAnswer } from './call-at-pin.ts';
import type { EthereumContext } from './context.ts';
import type { BlockHeader } from './decode.ts';
import { MalformedAnswer } from './rpc.ts';
import type { ScanState } from './state.ts';

/**
 * The cross-check of the indexed events against the bridge's own views at the pin: usersData of
 * each depositor checked (many per eth_call through Multicall3 when there is one), the public
 * pool's total (a 'pools' bridge) and the bridge's total. Any difference stops the snapshot.
 */
type CrossCheckContext = Pick<EthereumContext, 'pool' | 'kind' | 'preBridge' | 'asset' | 'multicall3' | 'multicallSize'>;

/** The depositors checked, one group per eth_call. */
function groupsOf(ctx: CrossCheckContext, check: readonly string[]): string[][] {
  const size = ctx.multicall3 === null ? 1 : ctx.multicallSize;
  const groups: string[][] = [];
  for (let i = 0; i < check.length; i += size) groups.push(check.slice(i, i + size));
  return groups;
}

/** The bridge's ABI and its view of the total deposited, by kind. */
const bridgeOf = (kind: BridgeKind): { abi: Interface; totalFn: string } =>
  kind === 'pools' ? { abi: preBridgeAbi, totalFn: 'totalDepositedInPublicPools' } : { abi: vaultBridgeAbi, totalFn: 'totalDepositedInVault' };

/** The cross-check's reads: the usersData groups, then poolsData(0) (a 'pools' bridge), then the bridge's total. */
export function crossCheckCalls(ctx: CrossCheckContext, check: readonly string[]): PinCall[] {
  const { pool, preBridge, multicall3 } = ctx;
  const usersData = (user: string): string => (ctx.kind === 'pools' ? preBridgeAbi.encodeFunctionData('usersData', [user, STETH_POOL_ID]) : vaultBridgeAbi.encodeFunctionData('usersData', [user]));
  const calls: PinCall[] = groupsOf(ctx, check).map((group) =>
    multicall3 === null
      ? { label: `${pool}.bridge ${preBridge} usersData`, to: preBridge, data: usersData(group[0]!) }
      : {
          label: `multicall3 ${multicall3} aggregate3(usersData)`,
          to: multicall3,
          data: multicall3Abi.encodeFunctionData('aggregate3', [group.map((user) => ({ target: preBridge, allowFailure: false, callData: usersData(user) }))]),
        },
  );
  if (ctx.kind === 'pools') calls.push({ label: `${pool}.bridge ${preBridge} poolsData(0)`, to: preBridge, data: preBridgeAbi.encodeFunctionData('poolsData', [STETH_POOL_ID]) });
  const { abi, totalFn } = bridgeOf(ctx.kind);
  calls.push({ label: `${pool}.bridge ${preBridge} ${totalFn}()`, to: preBridge, data: abi.encodeFunctionData(totalFn) });
  return calls;
}

/** Compares the answers of crossCheckCalls (in its order) with the state: a difference is a SNAPSHOT_MISMATCH naming the view. */
export function crossCheck(ctx: CrossCheckContext, state: ScanState, check: readonly string[], pin: BlockHeader, answers: readonly string[]): void {
  const { pool, kind } = ctx;
  const unit = ctx.asset.decimals === 18 ? 'wei' : 'base units';
  const mismatch = (what: string, chain: bigint, indexed: bigint): EngineError =>
    new EngineError('SNAPSHOT_MISMATCH', `${pool}: ${what} is ${chain} ${unit} at block ${pin.number} but the indexed events give ${indexed} ${unit}`, {
      details: { pool, what, block: pin.number.toString(), blockHash: pin.hash, onChain: chain.toString(), indexed: indexed.toString() },
    });
  const groups = groupsOf(ctx, check);
  const userAnswers = usersDataAnswers(ctx, groups, answers, pin);
  for (const [i, user] of check.entries()) {
    const onChain = kind === 'pools' ? (preBridgeAbi.decodeFunctionResult('usersData', userAnswers[i]!)[1] as bigint) : ((vaultBridgeAbi.decodeFunctionResult('usersData', userAnswers[i]!)[0] as unknown as bigint[])[1]!);
    const indexed = state.depositors.get(user)?.deposited ?? 0n;
    if (onChain !== indexed) throw mismatch(`usersData(${user}${kind === 'pools' ? ', 0' : ''}).deposited`, onChain, indexed);
  }
  let next = groups.length;
  if (kind === 'pools') {
    const poolTotal = preBridgeAbi.decodeFunctionResult('poolsData', answers[next++]!)[2] as bigint;
    if (poolTotal !== state.totalDeposited) throw mismatch('poolsData(0).totalDeposited', poolTotal, state.totalDeposited);
  }
  const { abi, totalFn } = bridgeOf(kind);
  const total = abi.decodeFunctionResult(totalFn, answers[next]!)[0] as bigint;
  if (total !== state.totalDeposited) throw mismatch(`${totalFn}()`, total, state.totalDeposited);
}

/** One usersData answer per depositor: the eth_call answers themselves, or unpacked from each aggregate3. */
function usersDataAnswers(ctx: CrossCheckContext, groups: readonly string[][], answers: readonly string[], pin: BlockHeader): string[] {
  if (ctx.multicall3 === null) return answers.slice(0, groups.length);
  const out: string[] = [];
  for (const [g, group] of groups.entries()) {
    const results = multicall3Abi.decodeFunctionResult('aggregate3', answers[g]!)[0] as unknown as { success: boolean; returnData: string }[];
    if (results.length !== group.length || results.some((r) => !r.success)) throw new MalformedAnswer(`aggregate3 ${g}: ${results.length} results for ${group.length} calls`);
    for (const r of results) {
      if (r.returnData.length < 2 + 64) throw noAnswer(ctx, `${ctx.pool}.bridge ${ctx.preBridge} usersData`, r.returnData, pin);
      out.push(r.returnData);
    }
  }
  return out;
}
