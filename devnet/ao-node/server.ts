import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DataItem } from '@dha-team/arbundles';
import { NodeStore } from './store.ts';
import { ProcessVm } from './vm.ts';
import type { AoEnvelope, AoResult, AoTag, ProcessEnv } from './vm.ts';

/** The token process's configuration: what the node spawns it with. */
export interface TokenProcessSpec {
  /** Address allowed to Mint-Batch. */
  readonly minter: string;
  /** The token's name (spawn tag Token-Name; aos's own Name tag is the process's name). Default AO. */
  readonly name?: string;
  readonly ticker?: string;
  /** Logo transaction id; without one, Info answers no Logo tag. */
  readonly logo?: string;
  /** The transfer gate (spawn tag Transfer-Gate): 'mintCount:N' or 'supplyShare:P/Q'; default 'mintCount:100000' (DESIGN.md §2). */
  readonly gate?: string;
  /** Base units, decimal string; default 21·10^18 (DESIGN.md §2). */
  readonly maxSupply?: string;
  /** Lua source of the process; default ao/token.lua. */
  readonly moduleSource?: string;
}

/**
 * Yield delegation: the delegation process (ao/delegation.lua) spawned beside the token,
 * with PI and each named FLP as a project process (ao/flp.lua, accepting Report.Mint from the minter).
 */
export interface DelegationSpec {
  /** Names of the fair-launch projects (e.g. 'APUS (demo)'); PI is always spawned, named 'PI'. */
  readonly flps: readonly string[];
  /** The process's Max-Targets; default 10. */
  readonly maxTargets?: number;
}

export interface LocalAoNodeOptions extends TokenProcessSpec {
  readonly delegation?: DelegationSpec;
  /** SQLite file of the node's schedule; or dataDir, holding `ao-node.db`. ':memory:' keeps nothing. */
  readonly dbPath?: string;
  readonly dataDir?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Called for every scheduled message (the child-process entry prints it). */
  readonly onScheduled?: (event: { processId: string; seq: number; id: string; action: string | undefined }) => void;
}

export interface LocalAoNode {
  /** http://127.0.0.1:<port> — both the MU_URL and the CU_URL. */
  readonly url: string;
  readonly port: number;
  readonly processId: string;
  /** The delegation process, when spawned (options.delegation). */
  readonly delegationProcessId: string | null;
  /** PI and the FLPs, when spawned: name → process id, PI first. */
  readonly projects: readonly { readonly name: string; readonly processId: string }[];
  /** Messages replayed at start (the rebuilt state's length), over every process. */
  readonly replayed: number;
  stop(): Promise<void>;
}

const TOKEN_LUA = new URL('../../ao/token.lua', import.meta.url);
const DELEGATION_LUA = new URL('../../ao/delegation.lua', import.meta.url);
const FLP_LUA = new URL('../../ao/flp.lua', import.meta.url);
/** Bounds one request body; a 10,000-credit batch is ≈ 0.7 MB. */
const BODY_BYTES_MAX = 16 * 1024 * 1024;
const ARWEAVE_SIGNATURE_TYPE = 1;
const DEFAULT_MAX_SUPPLY = '21000000000000000000';
const DEFAULT_GATE = 'mintCount:100000';

const b64url = (bytes: Buffer): string => bytes.toString('base64url');
export const addressOfOwner = (rawOwner: Buffer): string => b64url(createHash('sha256').update(rawOwner).digest());

interface ResolvedSpec {
  readonly module: string;
  readonly tags: Readonly<Record<string, string>>;
}

function resolveSpec(spec: TokenProcessSpec): ResolvedSpec {
  const module = spec.moduleSource ?? readFileSync(TOKEN_LUA, 'utf8');
  const tags: Record<string, string> = {
    Minter: spec.minter,
    'Token-Name': spec.name ?? 'AO',
    Ticker: spec.ticker ?? 'AO',
    'Max-Supply': spec.maxSupply ?? DEFAULT_MAX_SUPPLY,
    'Transfer-Gate': spec.gate ?? DEFAULT_GATE,
  };
  if (spec.logo !== undefined && spec.logo !== '') tags['Logo'] = spec.logo;
  return { module, tags };
}

/**
 * The process id: base64url(SHA-256("ao-emission/local-ao-node/v1\n" + canonical JSON of
 * { module: sha256-hex of the Lua source, tags })), 43 characters like a real process id. The same
 * configuration and source give the same id on every start (so a restart finds its schedule); any
 * change gives a new process with empty state. A real AO process id is its spawn message's id instead.
 */
export function processIdOf(spec: TokenProcessSpec): string {
  const { module, tags } = resolveSpec(spec);
  return spawnedIdOf(module, tags);
}

/** processIdOf's formula for any module and spawn tags (the delegation and project processes too). */
function spawnedIdOf(module: string, tags: Readonly<Record<string, string>>): string {
  const moduleHash = createHash('sha256').update(module, 'utf8').digest('hex');
  const sortedTags = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1)));
  const canonical = JSON.stringify({ module: moduleHash, tags: sortedTags });
  return b64url(createHash('sha256').update(`ao-emission/local-ao-node/v1\n${canonical}`, 'utf8').digest());
}

interface LiveProcess {
  readonly id: string;
  readonly vm: ProcessVm;
  /** The state the process published with patch@1.0 messages, key → value (see applyPatches). */
  readonly patched: PatchedState;
}

interface PatchedState {
  readonly balances: Map<string, string>;
  readonly tokenInfo: Map<string, string>;
}

/**
 * Applies a result's patch@1.0 messages the way HyperBEAM's dev_patch does (permaweb/HyperBEAM
 * docs/book/src/dev_patch.erl.md): each key of the message other than `device` is merged into the
 * process's state, later patches overwriting earlier ones key by key. The aos slice carries a
 * table value as JSON in its tag (devnet/ao-node/aos.lua); only balances and token-info are served here.
 */
function applyPatches(state: PatchedState, result: AoResult): void {
  for (const m of result.Messages) {
    if (!m.Tags.some((t) => t.name === 'device' && t.value === 'patch@1.0')) continue;
    for (const t of m.Tags) {
      const into = t.name === 'balances' ? state.balances : t.name === 'token-info' ? state.tokenInfo : undefined;
      if (into === undefined) continue;
      const value = JSON.parse(t.value) as Record<string, unknown>;
      for (const [k, v] of Object.entries(value)) into.set(k, String(v));
    }
  }
}

function envelopeOf(item: DataItem, processId: string, seq: number, timestampMs: number): AoEnvelope {
  const from = addressOfOwner(item.rawOwner);
  return { Id: item.id, From: from, Owner: from, Target: processId, Timestamp: timestampMs, 'Block-Height': seq, Tags: item.tags as AoTag[] };
}

const actionOf = (tags: readonly AoTag[]): string | undefined => tags.find((t) => t.name === 'Action')?.value;

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_BYTES_MAX) throw new HttpError(413, `body exceeds ${BODY_BYTES_MAX} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts the local AO node: MU + SU + CU for the token process on 127.0.0.1 (devnet/ao-node/README.md).
 * On start it replays the persisted schedule through a fresh VM, so the state is what it was.
 */
export async function startLocalAoNode(opts: LocalAoNodeOptions): Promise<LocalAoNode> {
  const dbPath = opts.dbPath ?? (opts.dataDir !== undefined ? join(opts.dataDir, 'ao-node.db') : undefined);
  if (dbPath === undefined) throw new Error('startLocalAoNode: dbPath or dataDir is required');
  if (!/^[A-Za-z0-9_-]{43}$/.test(opts.minter)) throw new Error(`startLocalAoNode: minter ${JSON.stringify(opts.minter)} is not an address; expected 43 base64url characters`);
  if (opts.dataDir !== undefined && opts.dbPath === undefined) mkdirSync(opts.dataDir, { recursive: true });
  const store = new NodeStore(dbPath);
  const { module, tags } = resolveSpec(opts);
  const processId = processIdOf(opts);
  store.ensureProcess(processId, JSON.stringify({ tags }));
  const env: ProcessEnv = { Process: { Id: processId, Owner: opts.minter, Tags: tags } };
  const vm = await ProcessVm.create(env, module);
  const proc: LiveProcess = { id: processId, vm, patched: { balances: new Map(), tokenInfo: new Map() } };
  applyPatches(proc.patched, vm.loaded);
  const processes = new Map<string, LiveProcess>([[processId, proc]]);

  // Replay: every scheduled message in order; results missing after a crash are filled in.
  let replayed = 0;
  const missing: [string, string][] = [];
  for (const m of store.scheduleOf(processId)) {
    const item = new DataItem(m.raw);
    const result = proc.vm.apply(envelopeOf(item, processId, m.seq, m.timestampMs), item.rawData.toString('utf8'));
    applyPatches(proc.patched, result);
    if (m.result === null) missing.push([m.id, JSON.stringify(result)]);
    replayed++;
  }
  for (const [id, result] of missing) store.setResult(id, result);

  // Yield delegation: PI and the FLPs (flp.lua, Report.Mint from the minter), then the delegation
  // process naming them; each replays its own schedule like the token.
  const projects: { name: string; processId: string }[] = [];
  let delegationProcessId: string | null = null;
  const spawnBeside = async (module: string, tags: Record<string, string>): Promise<string> => {
    const id = spawnedIdOf(module, tags);
    store.ensureProcess(id, JSON.stringify({ tags }));
    const live: LiveProcess = { id, vm: await ProcessVm.create({ Process: { Id: id, Owner: opts.minter, Tags: tags } }, module), patched: { balances: new Map(), tokenInfo: new Map() } };
    for (const m of store.scheduleOf(id)) {
      const item = new DataItem(m.raw);
      const result = live.vm.apply(envelopeOf(item, id, m.seq, m.timestampMs), item.rawData.toString('utf8'));
      if (m.result === null) store.setResult(m.id, JSON.stringify(result));
      replayed++;
    }
    processes.set(id, live);
    return id;
  };
  if (opts.delegation !== undefined) {
    const flpModule = readFileSync(FLP_LUA, 'utf8');
    for (const name of ['PI', ...opts.delegation.flps]) projects.push({ name, processId: await spawnBeside(flpModule, { Minter: opts.minter, Name: name }) });
    delegationProcessId = await spawnBeside(readFileSync(DELEGATION_LUA, 'utf8'), {
      Name: 'Delegation',
      PI: projects[0]!.processId,
      FLPs: projects.slice(1).map((p) => p.processId).join(','),
      'Max-Targets': String(opts.delegation.maxTargets ?? 10),
    });
  }

  async function postMessage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let item: DataItem;
    try {
      item = new DataItem(raw);
      if (!(await DataItem.verify(raw))) throw new Error('signature does not verify');
    } catch (error) {
      throw new HttpError(400, `not a valid signed ANS-104 data item: ${(error as Error).message}`);
    }
    if (item.signatureType !== ARWEAVE_SIGNATURE_TYPE) throw new HttpError(400, `signature type ${item.signatureType} is not supported; expected 1 (Arweave RSA-PSS)`);
    const p = processes.get(item.target);
    if (p === undefined) throw new HttpError(404, `target ${JSON.stringify(item.target)} is not a process on this node`);
    const id = item.id;
    if (store.get(id) !== null) return send(res, 202, { id, message: 'already scheduled' });
    const timestampMs = Date.now();
    const seq = store.schedule(p.id, id, timestampMs, raw);
    const result = p.vm.apply(envelopeOf(item, p.id, seq, timestampMs), item.rawData.toString('utf8'));
    applyPatches(p.patched, result);
    store.setResult(id, JSON.stringify(result));
    opts.onScheduled?.({ processId: p.id, seq, id, action: actionOf(item.tags) });
    send(res, 202, { id, message: 'Processing message', timestamp: timestampMs, slot: seq });
  }

  function getResult(id: string, url: URL, res: ServerResponse): void {
    const m = store.get(id);
    const pid = url.searchParams.get('process-id');
    if (m === null || (pid !== null && pid !== m.processId)) throw new HttpError(404, `message ${id} is not scheduled for process ${pid}`);
    if (m.result === null) throw new HttpError(503, `message ${id} is not evaluated yet`);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(m.result) });
    res.end(m.result);
  }

  async function postDryRun(url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pid = url.searchParams.get('process-id') ?? '';
    const p = processes.get(pid);
    if (p === undefined) throw new HttpError(404, `process ${JSON.stringify(pid)} is not on this node`);
    let body: { Id?: string; Owner?: string; From?: string; Data?: string; Tags?: AoTag[] };
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as typeof body;
    } catch {
      throw new HttpError(400, 'dry-run body is not JSON');
    }
    const tags = Array.isArray(body.Tags) ? body.Tags.map((t) => ({ name: String(t.name), value: String(t.value) })) : [];
    const from = body.From ?? body.Owner ?? '';
    const envelope: AoEnvelope = { Id: body.Id ?? '', From: from, Owner: from, Target: p.id, Timestamp: Date.now(), 'Block-Height': store.messageCount(p.id), Tags: tags };
    const result: AoResult = p.vm.dryRun(envelope, typeof body.Data === 'string' ? body.Data : '');
    send(res, 200, result);
  }

  /**
   * HyperBEAM's reads of a process (`/<pid>~process@1.0/compute/<path>` and `/now/<path>`: the
   * patched state at the latest slot; `/slot/current`: the latest slot). A key the process never
   * patched is 404 — for a balance, zero.
   */
  function getHyperbeam(pathname: string, res: ServerResponse): void {
    const m = /^\/([A-Za-z0-9_-]{43})~process@1\.0\/(.+)$/.exec(pathname);
    const p = m === null ? undefined : processes.get(m[1]!);
    if (m === null || p === undefined) throw new HttpError(404, `${pathname}: not a process on this node`);
    const rest = m[2]!.split('/').map(decodeURIComponent);
    let value: string | undefined;
    if (rest.length === 2 && rest[0] === 'slot' && rest[1] === 'current') value = String(store.lastSlot(p.id));
    else if (rest.length === 3 && (rest[0] === 'compute' || rest[0] === 'now') && rest[1] === 'balances') value = p.patched.balances.get(rest[2]!);
    else if (rest.length === 3 && (rest[0] === 'compute' || rest[0] === 'now') && rest[1] === 'token-info') value = p.patched.tokenInfo.get(rest[2]!);
    else throw new HttpError(404, `${pathname}: not a path this node serves (compute/balances/<address>, compute/token-info/<key>, slot/current)`);
    if (value === undefined) throw new HttpError(404, `${pathname}: no such key in the process's state`);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(value) });
    res.end(value);
  }

  /** The SU's answer for one message (what aoconnect's returnAssignmentSlot reads): its assignment, with the slot as Nonce. */
  function getAssignment(id: string, url: URL, res: ServerResponse): void {
    const m = store.get(id);
    const pid = url.searchParams.get('process-id');
    if (m === null || (pid !== null && pid !== m.processId)) throw new HttpError(404, `message ${id} is not scheduled for process ${pid}`);
    const tag = (name: string, value: string | number) => ({ name, value: String(value) });
    send(res, 200, {
      message: { id: m.id },
      assignment: { tags: [tag('Process', m.processId), tag('Message', m.id), tag('Nonce', m.seq), tag('Timestamp', m.timestampMs), tag('Epoch', 0)] },
    });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    const route = async (): Promise<void> => {
      if (req.method === 'POST' && url.pathname === '/') return postMessage(req, res);
      if (req.method === 'GET' && url.pathname.startsWith('/result/')) return getResult(decodeURIComponent(url.pathname.slice('/result/'.length)), url, res);
      if (req.method === 'POST' && url.pathname === '/dry-run') return postDryRun(url, req, res);
      if (req.method === 'GET' && url.pathname.includes('~process@1.0/')) return getHyperbeam(url.pathname, res);
      if (req.method === 'GET' && /^\/[A-Za-z0-9_-]{43}$/.test(url.pathname)) return getAssignment(url.pathname.slice(1), url, res);
      if (req.method === 'GET' && url.pathname === '/') {
        return send(res, 200, { name: 'ao-emission local AO node', processes: [...processes.keys()].map((id) => ({ id, messages: store.messageCount(id) })) });
      }
      throw new HttpError(404, `${req.method} ${url.pathname} is not served here`);
    };
    route().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) send(res, status, { error: (error as Error).message });
      else res.destroy();
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    processId,
    delegationProcessId,
    projects,
    replayed,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const p of processes.values()) p.vm.close();
      store.close();
    },
  };
}
