import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isArweaveAddress } from '../address.ts';
import type { PoolId } from '../bridges/types.ts';
import type { Clock } from '../clock.ts';
import { EngineError } from '../errors.ts';
import { gateTick, isTransferable, lastEndedTick, supplyAt, tickEndMs, toIso, type Policy, policyLabel } from '../emission/index.ts';
import type { AccountView, LedgerReader } from '../ledger/index.ts';
import type { HealthLimits } from './config.ts';
import type { LeaderLock } from './leader.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { RunOutcome } from './runner.ts';
import type { SourceHealth } from './source-health.ts';
import { handleWebRequest } from './web/handler.ts';

/**
 * The status API on node:http, loopback by default (config http.host). Read-only; amounts are
 * decimal strings of AO base units (1 AO = 10^12), never JSON numbers.
 *
 *   GET /livez              liveness: 200 while the process serves and the database answers, 503 otherwise
 *   GET /readyz, /healthz   readiness: 200 when live, the lag is within health.maxLagTicks and no source
 *                           has failed for longer than health.maxSourceFailure; 503 otherwise, with why
 *   GET /status             last tick, lag, gate, pools, outbox backlog, source cursors, leader
 *   GET /metrics            Prometheus text (prom-client)
 *   GET /accounts/:address  accrued, settled and pending messages of an address: an Arweave address
 *                           as recipient (every pool) or as AR holder, a 0x stETH depositor, a SOL staker
 */
export interface StatusContext {
  readonly ledger: LedgerReader;
  readonly clock: Clock;
  readonly genesisMs: number;
  readonly policy: Policy;
  readonly pools: readonly PoolId[];
  readonly leader: LeaderLock;
  readonly metrics: ServiceMetrics;
  readonly log: Logger;
  readonly lastOutcome: () => RunOutcome | null;
  readonly health: HealthLimits;
  readonly sourceHealth: SourceHealth;
  /** Reported under /status `info` as is (pid; the demo adds its AO node). */
  readonly info: Readonly<Record<string, unknown>>;
}

/** A cursor as stored (JSON text for every bridge) shown as JSON, not as JSON inside a string. */
const cursorJson = (cursor: string | null): unknown => {
  if (cursor === null) return null;
  try {
    return JSON.parse(cursor) as unknown;
  } catch {
    return cursor;
  }
};

/** Liveness and readiness in one answer: `ok` is readiness; `reasons` says what is not ready. */
export async function healthOf(ctx: StatusContext): Promise<{ live: boolean; ready: boolean; body: Record<string, unknown> }> {
  let lastTick: number;
  try {
    lastTick = await ctx.ledger.lastAppliedTick();
  } catch (error) {
    return { live: false, ready: false, body: { ok: false, live: false, ready: false, reasons: [`database: ${(error as Error).message}`] } };
  }
  const lagTicks = Math.max(0, lastEndedTick(ctx.clock.nowMs(), ctx.genesisMs) - lastTick);
  const sources = ctx.sourceHealth.views(ctx.health);
  const reasons: string[] = [];
  if (lagTicks > ctx.health.maxLagTicks) reasons.push(`lag: ${lagTicks} ticks behind (more than health.maxLagTicks ${ctx.health.maxLagTicks})`);
  for (const s of sources) {
    if (!s.ok) reasons.push(`source ${s.pool}: failing for ${Math.round(s.failingForMs / 1000)} s (more than health.maxSourceFailure ${Math.round(ctx.health.maxSourceFailureMs / 1000)} s): ${s.lastError}`);
  }
  const ready = reasons.length === 0;
  return { live: true, ready, body: { ok: ready, live: true, ready, leader: ctx.leader.held(), lastTick, lagTicks, maxLagTicks: ctx.health.maxLagTicks, sources, reasons } };
}

/** Bounds the pending-message list of one account answer. */
export const ACCOUNT_MESSAGES_MAX = 100;

const json = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
};

export async function statusOf(ctx: StatusContext): Promise<Record<string, unknown>> {
  const now = ctx.clock.nowMs();
  const lastTick = await ctx.ledger.lastAppliedTick();
  const dueTick = lastEndedTick(now, ctx.genesisMs);
  const record = lastTick > 0 ? await ctx.ledger.tick(lastTick) : null;
  const totals = await ctx.ledger.poolTotals();
  const outbox = await ctx.ledger.outbox.counts();
  // The latest confirmed delivery, with the SU's slot of its message (null when the SU did not say).
  const [last] = await ctx.ledger.db.all<Record<string, unknown>>(
    "SELECT batch_id, to_tick, message_id, assignment_slot FROM outbox_batches WHERE status = 'delivered' ORDER BY updated_at_ms DESC, batch_id DESC LIMIT 1",
  );
  const lastDelivery = last === undefined ? null : { batchId: last['batch_id'], toTick: Number(last['to_tick']), messageId: last['message_id'] ?? null, assignmentSlot: last['assignment_slot'] === null ? null : Number(last['assignment_slot']) };
  const sources = await Promise.all(
    ctx.pools.map(async (pool) => {
      const step = record?.pools.find((p) => p.pool === pool);
      return { pool, cursor: cursorJson(await ctx.ledger.cursor(pool)), pin: step?.pin ?? null, notes: step?.notes ?? [] };
    }),
  );
  const outcome = ctx.lastOutcome();
  const gate = gateTick(ctx.policy);
  return {
    now: toIso(now),
    leader: ctx.leader.held(),
    policy: policyLabel(ctx.policy),
    genesis: toIso(ctx.genesisMs),
    lastTick,
    lastTickEnd: lastTick > 0 ? toIso(tickEndMs(lastTick, ctx.genesisMs)) : null,
    lastTickHash: record?.hash ?? null,
    lastTickNotes: record?.notes ?? [],
    dueTick,
    lagTicks: Math.max(0, dueTick - lastTick),
    supply: lastTick > 0 ? supplyAt(ctx.policy.curve, lastTick) : 0n,
    gate: { tick: gate, at: gate === null ? null : toIso(tickEndMs(gate, ctx.genesisMs)), transferable: lastTick > 0 && isTransferable(ctx.policy, lastTick) },
    pools: totals.map((t) => ({ pool: t.pool, minted: t.minted, credited: t.credited, accrued: t.unsettled, totalWeight: t.totalWeight })),
    outbox,
    lastDelivery,
    sources,
    info: ctx.info,
    lastRun: outcome === null ? null : outcome.kind === 'failed' ? { kind: 'failed', code: outcome.error.code, message: outcome.error.message } : outcome,
  };
}

const accountJson = (a: AccountView) => ({
  pool: a.pool,
  account: a.account,
  recipient: a.recipient,
  weight: a.weight,
  accrued: a.unsettled,
  settled: a.settled,
  joinedTick: a.joinedTick,
  changedTick: a.changedTick,
});

export async function accountOf(ctx: StatusContext, address: string): Promise<{ status: number; body: unknown }> {
  const isEvm = /^0x[0-9a-fA-F]{40}$/.test(address);
  const isSolana = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(address);
  if (!isArweaveAddress(address) && !isEvm && !isSolana) {
    return { status: 400, body: { error: 'INVALID_ADDRESS', message: `address: ${JSON.stringify(address)} is not an Arweave, Ethereum (0x…) or Solana (base58) address` } };
  }
  const views = new Map<string, AccountView>();
  const add = (v: AccountView | null) => v && views.set(`${v.pool}:${v.account}`, v);
  if (isArweaveAddress(address)) for (const v of await ctx.ledger.accountsByRecipient(address)) add(v);
  const key = isEvm ? address.toLowerCase() : address;
  for (const pool of ctx.pools) add(await ctx.ledger.account(pool, key));
  const accounts = [...views.values()];
  if (accounts.length === 0) return { status: 404, body: { error: 'NOT_FOUND', message: `address: ${address} has no account in the ledger` } };
  const recipients = [...new Set(accounts.map((a) => a.recipient).filter((r): r is string => r !== null))];
  const messages: unknown[] = [];
  for (const recipient of recipients) {
    const rows = await ctx.ledger.db.all<Record<string, unknown>>(
      `SELECT batch_id, pool, from_tick, to_tick, status, attempts, message_id, payload FROM outbox_batches
       WHERE status <> 'delivered' AND payload LIKE ? ORDER BY to_tick, pool, batch_index LIMIT ?`,
      [`%${JSON.stringify(recipient)}%`, ACCOUNT_MESSAGES_MAX],
    );
    for (const r of rows) {
      const entry = (JSON.parse(r['payload'] as string) as [string, string][]).find(([to]) => to === recipient);
      if (!entry) continue;
      messages.push({ batchId: r['batch_id'], pool: r['pool'], fromTick: Number(r['from_tick']), toTick: Number(r['to_tick']), status: r['status'], attempts: Number(r['attempts']), messageId: r['message_id'] ?? null, recipient, quantity: entry[1] });
    }
  }
  return {
    status: 200,
    body: {
      address,
      accrued: accounts.reduce((s, a) => s + a.unsettled, 0n),
      settled: accounts.reduce((s, a) => s + a.settled, 0n),
      accounts: accounts.map(accountJson),
      pendingMessages: messages.slice(0, ACCOUNT_MESSAGES_MAX),
    },
  };
}

async function route(ctx: StatusContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'METHOD_NOT_ALLOWED', message: `${req.method} is not supported; the API is read-only (GET)` });
  if (await handleWebRequest(req, res, ctx)) return;
  if (path === '/livez' || path === '/readyz' || path === '/healthz') {
    const health = await healthOf(ctx);
    const up = path === '/livez' ? health.live : health.ready;
    return json(res, up ? 200 : 503, path === '/livez' ? { ok: health.live, live: health.live } : health.body);
  }
  if (path === '/status') return json(res, 200, await statusOf(ctx));
  if (path === '/metrics') {
    await refreshGauges(ctx);
    res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
    res.end(await ctx.metrics.registry.metrics());
    return;
  }
  const account = /^\/accounts\/([^/]+)$/.exec(path);
  if (account) {
    const answer = await accountOf(ctx, decodeURIComponent(account[1]!));
    return json(res, answer.status, answer.body);
  }
  return json(res, 404, { error: 'NOT_FOUND', message: `${path}: no such endpoint; expected /livez, /readyz, /healthz, /status, /metrics or /accounts/:address` });
}

/** Gauges read from the database at scrape time (other instances may have moved it). */
async function refreshGauges(ctx: StatusContext): Promise<void> {
  const lastTick = await ctx.ledger.lastAppliedTick();
  ctx.metrics.lastTick.set(lastTick);
  ctx.metrics.lagTicks.set(Math.max(0, lastEndedTick(ctx.clock.nowMs(), ctx.genesisMs) - lastTick));
  ctx.metrics.isLeader.set(ctx.leader.held() ? 1 : 0);
  for (const t of await ctx.ledger.poolTotals()) {
    ctx.metrics.minted.set({ pool: t.pool }, Number(t.minted));
    ctx.metrics.credited.set({ pool: t.pool }, Number(t.credited));
  }
  for (const [state, n] of Object.entries(await ctx.ledger.outbox.counts())) ctx.metrics.outbox.set({ state }, n);
}

export interface HttpHandle {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export function startHttp(ctx: StatusContext, host: string, port: number): Promise<HttpHandle> {
  const server = createServer((req, res) => {
    route(ctx, req, res).catch((error: unknown) => {
      ctx.log.error({ err: error, path: req.url }, 'http handler failed');
      if (!res.headersSent) json(res, 500, { error: error instanceof EngineError ? error.code : 'INTERNAL', message: (error as Error)?.message ?? String(error) });
      else res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new EngineError(error.code === 'EADDRINUSE' ? 'PORT_UNAVAILABLE' : 'INVALID_CONFIG', `http.port: cannot listen on ${host}:${port}: ${error.message}`, { cause: error })),
    );
    server.listen(port, host, () => {
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${shownHost}:${address.port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
