import { EngineError } from '../../errors.ts';
import { SCALE, accrual } from '../accrual.ts';
import { decodeChanges } from '../store/change-log.ts';
import type { Db } from '../store/db.ts';
import { decodePayload } from '../store/outbox.ts';
import { indexAt } from '../pool-state.ts';
import type { PoolId } from '../types.ts';

/**
 * `audit statement <address>`: everything the ledger did for one address, in tick order.
 * The address matches an account key (an AR holder's own address, a depositor's key) and any
 * recipient it was credited as. Lines:
 *   span     an interval [fromTick, toTick] of constant weight of one account; accrued (scaled by
 *            SCALE = 10^36) = weight · (I_toTick − I_{fromTick−1}) (DESIGN.md §4);
 *   credit   a settlement's credit of one account to this recipient (base units);
 *   message  an outbox batch carrying this recipient's sum, with its status and AO message id;
 *   delegated the part of a credit the address's preferences sent to a project (recipient = the
 *            project; DESIGN.md §9), its Report.Mint's status. `delegations` lists the
 *            preference sets the address had, each with the tick it took effect.
 * Running totals: accruedScaled (Σ spans of the address's accounts) and credited (Σ credits to it).
 * Cost: the accounts' change-log rows (pre-filtered like queries.ts) and one index read per boundary.
 */
export interface StatementLine {
  readonly kind: 'span' | 'credit' | 'message' | 'delegated';
  readonly tick: number;
  readonly toTick: number;
  readonly pool: PoolId;
  readonly account: string | null;
  readonly recipient: string | null;
  readonly weight: bigint | null;
  /** span: accrued over the span (scaled); credit / message: base units. */
  readonly amount: bigint;
  readonly settlementId: string | null;
  readonly batchId: string | null;
  readonly status: string | null;
  readonly messageId: string | null;
  /** message: the SU's assignment slot of the delivered message, when recorded. */
  readonly assignmentSlot: number | null;
  readonly accruedScaledTotal: bigint;
  readonly creditedTotal: bigint;
}

export interface Statement {
  readonly address: string;
  readonly fromTick: number;
  readonly toTick: number;
  readonly lines: readonly StatementLine[];
  /** Σ span accruals in whole base units (floor(accruedScaled / SCALE)). */
  readonly accrued: bigint;
  readonly credited: bigint;
  /** The address's yield-delegation preferences in the range: from tick → targets (what is not listed stays with it). */
  readonly delegations: readonly { readonly tick: number; readonly prefs: readonly { readonly target: string; readonly factor: number }[] }[];
  /** Σ of the delegated lines: what the address's preferences sent to projects. */
  readonly delegated: bigint;
}

type Draft = Omit<StatementLine, 'accruedScaledTotal' | 'creditedTotal'>;
const KIND_ORDER = { span: 0, credit: 1, delegated: 2, message: 3 } as const;

export async function statement(db: Db, address: string, range: { fromTick?: number; toTick?: number } = {}): Promise<Statement> {
  if (typeof address !== 'string' || address.length === 0) throw new EngineError('INVALID_ADDRESS', 'address: empty; expected an account key or recipient address');
  const last = Number((await db.all<{ t: number | string | null }>('SELECT MAX(tick) AS t FROM ticks'))[0]?.t ?? 0);
  const fromTick = range.fromTick ?? 1;
  const toTick = range.toTick ?? last;
  if (!Number.isSafeInteger(fromTick) || fromTick < 1 || !Number.isSafeInteger(toTick) || toTick < fromTick - 1 || toTick > last) {
    throw new EngineError('INVALID_TICK', `from/to: ${String(range.fromTick)}..${String(range.toTick)} is not a tick range; expected 1 ≤ from ≤ to ≤ ${last}`);
  }
  // The address's own accounts, those it was credited for, and those it is the current recipient of.
  const accountRows = new Map<number, { pool: PoolId; account: string; joinedTick: number }>();
  for (const r of await db.all(
    `SELECT a.id, a.pool, a.account, s.joined_tick FROM accounts a JOIN account_state s ON s.id = a.id
     WHERE a.id IN (SELECT id FROM accounts WHERE account = ? UNION SELECT account_id FROM credits WHERE recipient = ?)`,
    [address, address],
  )) {
    accountRows.set(Number(r['id']), { pool: r['pool'] as PoolId, account: r['account'] as string, joinedTick: Number(r['joined_tick']) });
  }
  for (const a of await db.accountsWithRecipient(address)) accountRows.set(a.id, { pool: a.pool as PoolId, account: a.account, joinedTick: a.joinedTick });
  const drafts: Draft[] = [];
  const indexCache = new Map<string, bigint>();
  const indexOf = async (pool: PoolId, tick: number): Promise<bigint> => {
    const key = `${pool}:${tick}`;
    let v = indexCache.get(key);
    if (v === undefined) {
      v = await indexAt(db, pool, tick);
      indexCache.set(key, v);
    }
    return v;
  };
  const ownAccounts = new Set<number>();
  for (const [id, { pool, account: key, joinedTick }] of [...accountRows].sort(([x], [y]) => x - y)) {
    const logs = await db.all<{ tick: number | string; payload: string }>('SELECT tick, payload FROM weight_changes WHERE pool = ? AND tick >= ? AND payload LIKE ? ORDER BY tick', [
      pool,
      joinedTick,
      `%[${id},%`,
    ]);
    // Spans of constant weight (and recipient): [change tick, next change tick − 1].
    const changes: { tick: number; weight: bigint; recipient: string | null }[] = [];
    let recipient: string | null = null;
    for (const log of logs) {
      const c = decodeChanges(log.payload).find((x) => x.accountId === id);
      if (c === undefined) continue;
      if (c.recipient !== undefined) recipient = c.recipient;
      changes.push({ tick: Number(log.tick), weight: c.newWeight, recipient });
    }
    const relevant = key === address || changes.some((c) => c.recipient === address);
    if (relevant) ownAccounts.add(id);
    for (const [i, c] of changes.entries()) {
      const end = Math.min((changes[i + 1]?.tick ?? last + 1) - 1, toTick);
      const start = Math.max(c.tick, fromTick);
      if (c.weight === 0n || end < start || !(key === address || c.recipient === address)) continue;
      const amount = accrual(c.weight, await indexOf(pool, start - 1), await indexOf(pool, end));
      drafts.push({ kind: 'span', tick: start, toTick: end, pool, account: key, recipient: c.recipient, weight: c.weight, amount, settlementId: null, batchId: null, status: null, messageId: null, assignmentSlot: null });
    }
  }

  const credits = await db.all(
    `SELECT c.settlement_id, c.account_id, c.recipient, c.amount, s.pool, s.from_tick, s.to_tick, a.account FROM credits c
     JOIN settlements s ON s.id = c.settlement_id JOIN accounts a ON a.id = c.account_id
     WHERE (c.recipient = ? OR a.account = ?) AND s.to_tick >= ? AND s.to_tick <= ? ORDER BY s.to_tick, s.pool, c.account_id`,
    [address, address, fromTick, toTick],
  );
  const settlementIds = new Set<string>();
  const recipients = new Set<string>([address]);
  for (const c of credits) {
    settlementIds.add(c['settlement_id'] as string);
    recipients.add(c['recipient'] as string);
    drafts.push({
      kind: 'credit',
      tick: Number(c['to_tick']),
      toTick: Number(c['to_tick']),
      pool: c['pool'] as PoolId,
      account: c['account'] as string,
      recipient: c['recipient'] as string,
      weight: null,
      amount: BigInt(c['amount'] as string),
      settlementId: c['settlement_id'] as string,
      batchId: null,
      status: null,
      messageId: null,
      assignmentSlot: null,
    });
  }
  for (const id of settlementIds) {
    for (const b of await db.all('SELECT batch_id, pool, to_tick, payload, status, message_id, assignment_slot FROM outbox_batches WHERE settlement_id = ? ORDER BY batch_index', [id])) {
      for (const [recipient, quantity] of decodePayload(b['payload'] as string)) {
        if (!recipients.has(recipient)) continue;
        drafts.push({
          kind: 'message',
          tick: Number(b['to_tick']),
          toTick: Number(b['to_tick']),
          pool: b['pool'] as PoolId,
          account: null,
          recipient,
          weight: null,
          amount: quantity,
          settlementId: id,
          batchId: b['batch_id'] as string,
          status: b['status'] as string,
          messageId: (b['message_id'] as string | null) ?? null,
          assignmentSlot: b['assignment_slot'] === null || b['assignment_slot'] === undefined ? null : Number(b['assignment_slot']),
        });
      }
    }
  }
  // Delegation: the parts of this address's credits that went to projects, and its preference history.
  const parts = await db.all(
    `SELECT d.settlement_id, d.target, d.amount, c.recipient, a.account, s.pool, s.to_tick, r.status, r.message_id, r.report_id FROM delegated_credits d
     JOIN credits c ON c.settlement_id = d.settlement_id AND c.account_id = d.account_id
     JOIN accounts a ON a.id = d.account_id JOIN settlements s ON s.id = d.settlement_id
     LEFT JOIN reports r ON r.settlement_id = d.settlement_id AND r.project = d.target
     WHERE (c.recipient = ? OR a.account = ?) AND s.to_tick >= ? AND s.to_tick <= ? ORDER BY s.to_tick, s.pool, d.account_id, d.target`,
    [address, address, fromTick, toTick],
  );
  let delegated = 0n;
  for (const d of parts) {
    delegated += BigInt(d['amount'] as string);
    drafts.push({
      kind: 'delegated',
      tick: Number(d['to_tick']),
      toTick: Number(d['to_tick']),
      pool: d['pool'] as PoolId,
      account: d['account'] as string,
      recipient: d['target'] as string,
      weight: null,
      amount: BigInt(d['amount'] as string),
      settlementId: d['settlement_id'] as string,
      batchId: (d['report_id'] as string | null) ?? null,
      status: (d['status'] as string | null) ?? null,
      messageId: (d['message_id'] as string | null) ?? null,
      assignmentSlot: null,
    });
  }
  const delegations = (await db.all<{ tick: number | string; prefs: string }>('SELECT tick, prefs FROM delegation_history WHERE wallet = ? AND tick <= ? ORDER BY tick', [address, toTick])).map((r) => ({
    tick: Number(r.tick),
    prefs: (JSON.parse(r.prefs) as [string, number][]).map(([target, factor]) => ({ target, factor })),
  }));
  // The set in force at fromTick, then the changes in the range.
  const inRange = delegations.filter((d, i) => d.tick >= fromTick || (delegations[i + 1]?.tick ?? Infinity) > fromTick);
  drafts.sort((a, b) => a.tick - b.tick || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0));
  let accruedScaledTotal = 0n;
  let creditedTotal = 0n;
  const lines = drafts.map((d): StatementLine => {
    if (d.kind === 'span') accruedScaledTotal += d.amount;
    if (d.kind === 'credit') creditedTotal += d.amount;
    return { ...d, accruedScaledTotal, creditedTotal };
  });
  return { address, fromTick, toTick, lines, accrued: accruedScaledTotal / SCALE, credited: creditedTotal, delegations: inRange, delegated };
}
