import { EngineError } from '../errors.ts';
import { policyFromRecord, policyLabel, samePolicy, type Policy } from '../emission/index.ts';
import type { Ledger } from '../ledger/index.ts';

/**
 * A ledger continues under the law its ticks record (DESIGN.md §2). The configured policy must be
 * that law, or the config must name the recorded label in `policyChange` — an explicit switch, which
 * the first tick under the new law records in its journal notes. Returns that note, or null when
 * nothing changes (an empty ledger, or the same law).
 */
export async function policyContinuity(ledger: Ledger, policy: Policy, policyChange: string | undefined): Promise<string | null> {
  const last = await ledger.lastAppliedTick();
  if (last === 0) return null;
  const record = await ledger.tick(last);
  if (record === null) throw new EngineError('STORAGE_MISMATCH', `ledger: tick ${last} is the last applied tick but has no row`);
  let recorded: Policy;
  try {
    recorded = policyFromRecord(record.policy, `ticks.${last}.policy`);
  } catch (error) {
    throw new EngineError('STORAGE_MISMATCH', `ledger: the policy recorded with tick ${last} does not parse: ${(error as Error).message}`);
  }
  if (samePolicy(recorded, policy)) return null;
  const from = record.policyLabel;
  const to = policyLabel(policy);
  if (policyChange === from) return `policy changed from ${from} to ${to} at this tick (config policyChange: ${from})`;
  throw new EngineError(
    'INVALID_CONFIG',
    `policy: the ledger's last tick ${last} was applied under ${from} but the config says ${to}; set policy to ${from} to continue under it, or policyChange: ${from} to switch (the journal records the change)`,
  );
}
