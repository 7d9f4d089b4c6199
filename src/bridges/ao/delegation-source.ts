import { z } from 'zod';
import { EngineError } from '../../errors.ts';
import { parseCursor } from '../cursor.ts';
import type { DelegationSnapshot } from '../../snapshot.ts';

export type { DelegationPin, DelegationSnapshot } from '../../snapshot.ts';

/**
 * The delegation source (DESIGN.md §9): each tick reads from the delegation process
 * (ao/delegation.lua) the wallets whose preferences changed since its cursor, with one dry-run of
 * Get-Delegations-Since on the CU. The answer is pinned to the process's change sequence `until`
 * (the next cursor); at most `limit` wallets a tick, the rest come with the next ticks (noted). A
 * wallet's own entry (what it keeps) is dropped: the ledger stores only what goes to projects.
 *
 * The ledger (src/ledger/delegation.ts) checks every preference again and applies them with the tick.
 */
export interface DelegationSource {
  readonly processId: string;
  snapshot(cursor: string | null, signal?: AbortSignal): Promise<DelegationSnapshot>;
}

export interface DelegationSourceOptions {
  /** The compute unit that answers dry-runs (the local node's URL, or a CU). */
  readonly cuUrl: string;
  readonly processId: string;
  /** Wallets read per tick, 1..1000 (the process's Limit). Default 1000. */
  readonly limit?: number;
  readonly fetch?: typeof fetch;
}

const cursorSchema = z.object({ seq: z.number().int().nonnegative() }).strict();
const answerSchema = z.object({
  since: z.number().int().nonnegative(),
  until: z.number().int().nonnegative(),
  more: z.boolean(),
  changes: z
    .array(
      z.object({
        wallet: z.string().min(1).max(128),
        seq: z.number().int(),
        lastUpdate: z.number().int(),
        delegationPrefs: z.array(z.object({ walletTo: z.string().min(1).max(128), factor: z.number().int() })).max(1_000),
      }),
    )
    .max(1_000),
});

const tagOf = (m: { Tags?: { name: string; value: string }[] }, name: string): string | undefined => m.Tags?.find((t) => t.name === name)?.value;

export function createDelegationSource(opts: DelegationSourceOptions): DelegationSource {
  const limit = opts.limit ?? 1_000;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000) throw new EngineError('INVALID_CONFIG', `delegation.limit: ${String(limit)} must be an integer in 1..1000`);
  if (!/^[A-Za-z0-9_-]{43}$/.test(opts.processId)) throw new EngineError('INVALID_CONFIG', `delegation.process: ${JSON.stringify(opts.processId)} is not a process id (43 base64url characters)`);
  const doFetch = opts.fetch ?? fetch;
  const where = `delegation process ${opts.processId}`;
  return {
    processId: opts.processId,
    async snapshot(cursor, signal) {
      const since = cursor === null ? 0 : parseCursor('delegation', cursor, cursorSchema).seq;
      const body = {
        Id: '0',
        Owner: '0',
        Target: opts.processId,
        Anchor: '0',
        Data: '',
        Tags: [
          { name: 'Action', value: 'Get-Delegations-Since' },
          { name: 'Since', value: String(since) },
          { name: 'Limit', value: String(limit) },
        ],
      };
      let res: Response;
      try {
        res = await doFetch(`${opts.cuUrl}/dry-run?process-id=${encodeURIComponent(opts.processId)}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), ...(signal === undefined ? {} : { signal }) });
      } catch (error) {
        throw new EngineError('SOURCE_UNAVAILABLE', `${where}: dry-run failed: ${(error as Error).message}`, { cause: error });
      }
      if (!res.ok) throw new EngineError('SOURCE_UNAVAILABLE', `${where}: dry-run answered HTTP ${res.status}`);
      const result = (await res.json().catch(() => null)) as { Messages?: { Tags?: { name: string; value: string }[]; Data?: string }[]; Error?: string } | null;
      if (result === null || typeof result !== 'object') throw new EngineError('MALFORMED_RESPONSE', `${where}: dry-run answered non-JSON; expected a CU result`);
      if (typeof result.Error === 'string' && result.Error !== '') throw new EngineError('MALFORMED_RESPONSE', `${where}: the process failed: ${result.Error.slice(0, 200)}`);
      const answer = (result.Messages ?? []).find((m) => tagOf(m, 'Action') === 'Delegations-Since' || tagOf(m, 'Action') === 'Delegation-Error');
      if (answer === undefined) throw new EngineError('MALFORMED_RESPONSE', `${where}: no Delegations-Since answer; is it ao/delegation.lua?`);
      if (tagOf(answer, 'Action') === 'Delegation-Error') throw new EngineError('MALFORMED_RESPONSE', `${where}: ${tagOf(answer, 'Error-Code') ?? 'error'}: ${tagOf(answer, 'Error') ?? ''}`);
      let parsed: z.infer<typeof answerSchema>;
      try {
        parsed = answerSchema.parse(JSON.parse(answer.Data ?? ''));
      } catch (error) {
        throw new EngineError('MALFORMED_RESPONSE', `${where}: Delegations-Since Data is not {since, until, more, changes}: ${(error as Error).message.slice(0, 200)}`);
      }
      if (parsed.since !== since || parsed.until < since) throw new EngineError('SNAPSHOT_MISMATCH', `${where}: asked for changes after ${since}, answered ${parsed.since}..${parsed.until}`);
      const changes = parsed.changes.map((c) => ({ wallet: c.wallet, prefs: c.delegationPrefs.filter((p) => p.walletTo !== c.wallet).map((p) => ({ target: p.walletTo, factor: p.factor })) }));
      const notes = parsed.more ? [`delegation: more than ${limit} wallets changed after ${since}; the rest follow from ${parsed.until}`] : [];
      return { pin: { chain: 'ao', process: opts.processId, seq: parsed.until }, cursor: JSON.stringify({ seq: parsed.until }), changes, notes };
    },
  };
}
