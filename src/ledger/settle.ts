import { EngineError } from '../errors.ts';
import { accrual, owedStep, settlementStep } from './distribution/index.ts';
import { delegateSegments, segmentUnits } from './distribution/delegation-step.ts';
import { settlementDelegations } from './delegation.ts';
import { writeReports } from './store/reports.ts';
import type { ReportRow } from './store/reports.ts';
import type { CreditTuple, Db, OutboxBatchRow } from './store/db.ts';
import { lastTickRow } from './apply-tick.ts';
import { batchIdOf, encodePayload, settlementIdOf } from './store/outbox.ts';
import { loadPools, savePool } from './pool-state.ts';
import type { PoolId, SettlementResult } from './types.ts';
import { derivedAo } from '../units.ts';

export const DEFAULT_BATCH_SIZE = 1_000;
/** Bounds one outbox message (the AO token process takes a batch per message). */
export const BATCH_SIZE_MAX = 10_000;
/** Accounts read per page: bounds memory at 1 M accounts. */
const PAGE_ROWS = 50_000;
/** Accounts computed between two turns of the event loop. */
const YIELD_ROWS = 5_000;

export { settlementIdOf };

/**
 * One outbox entry per recipient (accounts sharing a recipient summed), by recipient. Sorting the
 * credits' positions and summing neighbours, not a Map then a sort: measured at 990,000 distinct
 * recipients, 1.5 s against 4.4 s.
 */
function byRecipient(recipients: readonly string[], amounts: readonly bigint[]): [string, bigint][] {
  const order = Array.from(recipients.keys()).sort((a, b) => (recipients[a]! < recipients[b]! ? -1 : recipients[a]! > recipients[b]! ? 1 : 0));
  const entries: [string, bigint][] = [];
  for (const i of order) {
    const last = entries[entries.length - 1];
    if (last !== undefined && last[0] === recipients[i]) last[1] += amounts[i]!;
    else entries.push([recipients[i]!, amounts[i]!]);
  }
  return entries;
}

/**
 * settle(pool, upToTick) in the caller's transaction (DESIGN.md §4, §5). For every account with a
 * recipient: owed = floor(cumulative accrual / SCALE) − settled (rounds down: never pays more than
 * accrued; the fraction stays with the account and keeps accruing). Accounts without a recipient
 * keep accruing as unclaimed and are paid in full by the first settlement after one is set.
 * upToTick must be the last applied tick: an account's cumulative accrual is stored as of its last
 * change, so only the current index settles it exactly without replaying the change log.
 */
export async function settleIn(db: Db, pool: PoolId, upToTick: number, batchSize: number, createdAtMs: number): Promise<SettlementResult | null> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > BATCH_SIZE_MAX) {
    throw new EngineError('INVALID_ARGUMENT', `batchSize: ${String(batchSize)} must be an integer in 1..${BATCH_SIZE_MAX}`);
  }
  const last = await lastTickRow(db);
  if (upToTick !== last.tick) {
    throw new EngineError('INVALID_TICK', `settle: upToTick ${upToTick} must be the last applied tick ${last.tick} (settlement closes the ledger's current state)`);
  }
  const state = (await loadPools(db)).get(pool);
  if (state === undefined) return null;
  const fromTick = state.lastSettledTick + 1;
  if (fromTick > upToTick) return null;
  const id = settlementIdOf(pool, fromTick, upToTick);
  // The settlement read below is plain SQL over account_state: bring every row up to date first.
  await db.flushAccountState();

  // Each credit's recipient and amount, in id order; summed per recipient after the scan. A credit
  // whose recipient delegates is split (DESIGN.md §9): each project's part is an entry of its own.
  const recipients: string[] = [];
  const amounts: bigint[] = [];
  let creditCount = 0;
  let total = 0n;
  const delegations = await settlementDelegations(db, fromTick, upToTick);
  /** [account id, target, amount] of every part that went to a project. */
  const delegated: [number, string, bigint, bigint, string][] = [];
  let delegatedTotal = 0n;
  const index = state.index;
  // Accounts unchanged since the same tick share index_at_change (a ledger has few distinct
  // values): I − index_at_change is computed once per value, not parsed per row.
  const spans = new Map<string, bigint>();
  for (let after = 0; ; ) {
    const page = await db.settlementPage(pool, after, PAGE_ROWS, fromTick);
    const credits: CreditTuple[] = [];
    for (let row = 0; row < page.length; row++) {
      // A turn of the event loop every few thousand accounts: a driver writing the previous page
      // behind (Postgres: COPY streamed to the server) keeps going while this one is computed.
      if (row % YIELD_ROWS === YIELD_ROWS - 1) await new Promise((resolve) => setImmediate(resolve));
      const [accountId, recipient, weightText, indexText, accruedText, settledText] = page[row]!;
      let cumulative = accruedText === '0' ? 0n : BigInt(accruedText);
      if (weightText !== '0') {
        let span = spans.get(indexText);
        if (span === undefined) spans.set(indexText, (span = accrual(1n, BigInt(indexText), index)));
        cumulative += BigInt(weightText) * span;
      }
      const paid = settledText === '0' ? 0n : BigInt(settledText);
      // The settlement step per account: a negative amount owed stops the settlement, naming the account.
      let owed: bigint;
      try {
        owed = owedStep(pool, `#${accountId}`, cumulative, paid);
      } catch (error) {
        // Named by its key: the step again, with the key read (the error is the step's own).
        const [row] = await db.all<{ account: string }>('SELECT account FROM accounts WHERE id = ?', [accountId]);
        owed = owedStep(pool, row === undefined ? `#${accountId}` : `${row.account} (id ${accountId})`, cumulative, paid);
        throw error;
      }
      if (owed === 0n) continue;
      const owedText = owed.toString();
      credits.push([accountId, recipient, owedText, paid === 0n ? owedText : (paid + owed).toString()]);
      total += owed;
      if (delegations.empty || !delegations.involves(recipient)) {
        recipients.push(recipient);
        amounts.push(owed);
        continue;
      }
      // The mid-period rule: the units due in each segment, split by the preferences in force in it.
      const marks = delegations.marksOf(accountId);
      const units = segmentUnits(paid, marks.map((m) => m.accrued), cumulative);
      const prefs = [delegations.prefsAt(recipient, fromTick), ...marks.map((m) => delegations.prefsAt(recipient, m.tick))];
      const split = delegateSegments(units, prefs);
      if (split.own > 0n) {
        recipients.push(recipient);
        amounts.push(split.own);
      }
      for (const [target, part] of split.parts) {
        recipients.push(target);
        amounts.push(part);
        delegated.push([accountId, target, part, BigInt(weightText), recipient]);
        delegatedTotal += part;
      }
    }
    creditCount += credits.length;
    await db.writeCredits(id, credits);
    if (page.length < PAGE_ROWS) break;
    after = page[page.length - 1]![0];
  }
  if (creditCount === 0) return null;
  const projects = await writeDelegated(db, id, pool, fromTick, upToTick, delegated, createdAtMs);

  const entries = byRecipient(recipients, amounts);
  const batches: OutboxBatchRow[] = [];
  for (let i = 0, index = 0; i < entries.length; i += batchSize, index++) {
    const part = entries.slice(i, i + batchSize);
    const batchId = batchIdOf(id, index);
    batches.push({ batchId, settlementId: id, batchIndex: index, pool, fromTick, toTick: upToTick, creditCount: part.length, total: part.reduce((s, [, q]) => s + q, 0n).toString(), payload: encodePayload(part), createdAtMs });
  }
  await db.writeOutboxBatches(batches);
  await db.run(
    'INSERT INTO settlements (id, pool, from_tick, to_tick, index_value, credit_count, recipient_count, batch_count, total, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [id, pool, fromTick, upToTick, state.index.toString(), creditCount, entries.length, batches.length, total.toString(), createdAtMs],
  );
  settlementStep(state, total, upToTick);
  state.lastSettledTick = upToTick;
  await savePool(db, state);
  return { id, pool, fromTick, toTick: upToTick, creditCount, recipientCount: entries.length, total: derivedAo(total), batchIds: batches.map((b) => b.batchId), delegated: derivedAo(delegatedTotal), projects: projects.map((p) => ({ ...p, total: derivedAo(p.total) })) };
}

/** Rows read per IN list of account keys. */
const KEYS_PER_READ = 500;

/** The delegated parts' rows and one report per project (reports.ts), in the settlement's transaction. */
async function writeDelegated(db: Db, id: string, pool: PoolId, fromTick: number, toTick: number, parts: readonly [number, string, bigint, bigint, string][], createdAtMs: number) {
  if (parts.length === 0) return [];
  const ids = [...new Set(parts.map((p) => p[0]))];
  const keyOf = new Map<number, string>();
  for (let i = 0; i < ids.length; i += KEYS_PER_READ) {
    const part = ids.slice(i, i + KEYS_PER_READ);
    for (const r of await db.all<{ id: number | string; account: string }>(`SELECT id, account FROM accounts WHERE id IN (${part.map(() => '?').join(', ')})`, part)) keyOf.set(Number(r.id), r.account);
  }
  const byProject = new Map<string, ReportRow[]>();
  for (const [accountId, target, amount, weight, recipient] of parts) {
    await db.run('INSERT INTO delegated_credits (settlement_id, account_id, target, amount) VALUES (?, ?, ?, ?)', [id, accountId, target, amount.toString()]);
    let rows = byProject.get(target);
    if (rows === undefined) byProject.set(target, (rows = []));
    rows.push({ mint: amount, user: keyOf.get(accountId)!, recipient, amount: weight });
  }
  return writeReports(db, id, pool, fromTick, toTick, byProject, createdAtMs);
}
