import type { EthereumContext } from './context.ts';
import { DEPOSITOR_KIND, parseDepositorValue } from './state.ts';
import type { ScanState } from './state.ts';

/**
 * Reads the stored rows of these depositors (those not yet in the state) before their events apply.
 * A reset state reads none: it replaces the stored rows.
 */
export async function loadDepositors(ctx: Pick<EthereumContext, 'pool' | 'sourceState'>, state: ScanState, users: readonly string[]): Promise<void> {
  const missing = users.filter((u) => !state.depositors.has(u));
  const rows = missing.length === 0 || state.reset ? new Map<string, string>() : await ctx.sourceState.read(ctx.pool, DEPOSITOR_KIND, missing);
  for (const user of missing) {
    const row = rows.get(user);
    if (row !== undefined) state.stored.add(user);
    state.depositors.set(user, row === undefined ? { deposited: 0n, recipient: null } : parseDepositorValue(user, row, ctx.pool));
  }
}
