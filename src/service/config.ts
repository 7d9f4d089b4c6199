import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { TOKENS, TOKENS_BY_NETWORK } from '@lido-sdk/constants';
import { getAddress } from 'ethers';
import { EngineError } from '../errors.ts';
import { redactUrls } from '../redact-url.ts';
import type { PoolId } from '../bridges/types.ts';
import { ARWEAVE_OPTION_BOUNDS } from '../bridges/arweave/option-bounds.ts';
import { ETHEREUM_OPTION_BOUNDS } from '../bridges/ethereum/option-bounds.ts';
import { AO_DEPOSIT_DELAY_SEC, DEFAULT_PRICE_MAX_AGE_SEC, ETHEREUM_POOLS, MAINNET_PRESETS } from '../bridges/ethereum/assets.ts';
import type { AprSpec, EthereumAsset, EthereumPool, PriceSpec } from '../bridges/ethereum/assets.ts';
import {
  DEFAULT_GENESIS_MS,
  parseEvery,
  parseInstant,
  parsePolicyName,
  policyFromData,
  TICK_MS,
  type Policy,
} from '../emission/index.ts';

/**
 * The service's configuration: one JSON or YAML file, then environment overrides, parsed by one
 * zod schema at start (field by field), then checked across fields. Every error is an
 * EngineError('INVALID_CONFIG') whose message starts with the field path (`database.url: …`), and
 * nothing is opened or written before the whole configuration is valid.
 *
 * Secrets (the AO signer's wallet, a database password) come only from files or the environment:
 * the file form has `…File` fields for them, and `redactUrls` (src/redact-url.ts) reduces any URL that is
 * logged or quoted in an error.
 */

const url = (protocols: readonly string[]) =>
  z.string().refine((text) => {
    try {
      return protocols.includes(new URL(text).protocol);
    } catch {
      return false;
    }
  }, `expected a ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL`);

const httpUrl = url(['http:', 'https:']);
/** Lido's stETH on a chain, the Ethereum source's default for sources.ethereum.steth. */
const lidoStETH = (chainId: number): string | undefined => (TOKENS_BY_NETWORK as Partial<Record<number, Partial<Record<TOKENS, string>>>>)[chainId]?.[TOKENS.STETH];

/** Shape first, then the EIP-55 checksum of a mixed-case address (all lower or upper case carries none). */
const evmAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte hex address')
  .superRefine((text, ctx) => {
    const hex = text.slice(2);
    if (!/^0x[0-9a-fA-F]{40}$/.test(text) || hex === hex.toLowerCase() || hex === hex.toUpperCase()) return;
    const checksummed = getAddress(text.toLowerCase());
    if (checksummed !== text) ctx.addIssue({ code: 'custom', message: `${text} has a bad EIP-55 checksum; expected ${checksummed} (or all lower case)` });
  });
const base58 = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, 'expected a base58 Solana address');
/**
 * Numbers in the file: a decimal string ("3500.25") or a JSON number, the same value either way.
 * A JSON number is taken as its shortest decimal form (String(n): 0.03 → "0.03"), so it is exact
 * exactly when that form is what was written; exponent forms (1e21) are refused. Whole-number
 * fields take "15" as well as 15.
 */
const asDecimalText = (v: unknown): unknown => (typeof v === 'number' && Number.isFinite(v) ? String(v) : v);
const decimalText = z.preprocess(asDecimalText, z.string({ error: 'expected a decimal like "3500.25" or 3500.25' }).regex(/^[0-9]{1,20}(\.[0-9]{1,18})?$/, 'expected a decimal like "3500.25" or 3500.25'));
const wholeNumber = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(v) ? Number(v) : v), schema);
/** A whole-number option within a source's own bounds (ARWEAVE_OPTION_BOUNDS, ETHEREUM_OPTION_BOUNDS). */
const bounded = ([min, max]: readonly [number, number]) => wholeNumber(z.number().int().min(min).max(max));
const cadence = z.string().regex(/^(every-tick|[1-9][0-9]{0,6}(m|h|d|w))$/, 'expected every-tick or a period like 1h, 1d');

const yieldOverride = z.strictObject({ priceUsd: decimalText.optional(), apr: decimalText.optional() });
const duration = z.string().regex(/^(0|[1-9][0-9]{0,6})(s|m|h|d)$/, 'expected a period like 0s, 30m, 24h, 1d');

/** One Ethereum bridge asset (sources.ethereum.assets.<pool>); on chain 1 every field defaults to AO's preset (bridges/ethereum/assets.ts). */
const ethereumAsset = z.strictObject({
  bridge: evmAddress.optional(),
  decimals: wholeNumber(z.number().int().min(0).max(18)).optional(),
  /** Chainlink-style price feed; or priceUsd, a constant. */
  feed: evmAddress.optional(),
  priceUsd: decimalText.optional(),
  /** The APR source: Lido stETH (TokenRebased), Maker Pot (dsr()), Sky sUSDS (ssr()); or apr, a constant. */
  stETH: evmAddress.optional(),
  pot: evmAddress.optional(),
  sUSDS: evmAddress.optional(),
  apr: decimalText.optional(),
  /** A deposit counts from the first tick starting at or after its block time + this. Default 24h (AO's rule). */
  depositDelay: duration.optional(),
  /** A price answer older than this at the pinned block is an error (the tick waits). Default 1d. */
  priceMaxAge: duration.optional(),
  /** The bridge's deployment block (first scan). Default: sources.ethereum.startBlock. */
  startBlock: bounded(ETHEREUM_OPTION_BOUNDS.startBlock).optional(),
});

const rawSchema = z.strictObject({
  genesis: z.string().optional(),
  policy: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  /** The recorded policy label (e.g. ao-mainnet@1) the ledger may switch away from to `policy`; recorded in the journal. */
  policyChange: z.string().regex(/^[a-z0-9:/.-]{1,64}@[1-9][0-9]{0,8}$/, 'expected a recorded policy label like ao-mainnet@1').optional(),
  database: z.strictObject({
    url: z.string().min(1).optional(),
    /** A file holding the URL (for a Postgres URL with a password). */
    urlFile: z.string().min(1).optional(),
    /** SQLite: accounts whose account_state rewrite may wait in the change log (src/ledger/README.md, "Deferred account state"). */
    deferAccounts: wholeNumber(z.number().int().min(1).max(10_000_000)).optional(),
  }),
  sources: z
    .strictObject({
      arweave: z
        .strictObject({
          urls: z.array(httpUrl).min(1),
          confirmations: bounded(ARWEAVE_OPTION_BOUNDS.confirmations).default(15),
          /** CSV address,winston: the initial holders when the node serves no wallet list. */
          seedFile: z.string().min(1).optional(),
          /**
           * Reconcile from the full wallet list every N snapshots (0 = never). Default 288 = once a day of
           * 5-minute ticks: released mining rewards move mainnet balances without a tx (README, AR source).
           */
          fullEvery: bounded(ARWEAVE_OPTION_BOUNDS.fullEvery).default(288),
        })
        .optional(),
      ethereum: z
        .strictObject({
          rpcUrls: z.array(httpUrl).min(1),
          chainId: bounded(ETHEREUM_OPTION_BOUNDS.chainId).default(1),
          /** The stETH bridge alone (the older form); or `assets`. */
          preBridge: evmAddress.optional(),
          /** The bridges read, by pool (steth, dai, usds), each its own source. */
          assets: z.record(z.string(), ethereumAsset).optional(),
          /** The stETH bridge's deposit delay in the preBridge form (see ethereumAsset.depositDelay). */
          depositDelay: duration.optional(),
          /** Default: Lido's stETH for chainId. */
          steth: evmAddress.optional(),
          /** Chainlink ETH/USD aggregator; default: mainnet's feed on chain 1. */
          chainlinkEthUsd: evmAddress.optional(),
          /** Pin to latest − confirmations instead of the `finalized` block. */
          confirmations: bounded(ETHEREUM_OPTION_BOUNDS.confirmations).optional(),
          finalityLagBlocks: bounded(ETHEREUM_OPTION_BOUNDS.finalityLagBlocks).default(0),
          /** The pre-bridge's deployment block: where a first scan starts. */
          startBlock: bounded(ETHEREUM_OPTION_BOUNDS.startBlock).default(0),
        })
        .optional(),
      solana: z
        .strictObject({
          rpcUrls: z.array(httpUrl).min(1),
          voteAccounts: z.array(base58).min(1),
          /** The registration reference address (base58) that depositors' memos name. */
          registry: base58,
          commitment: z.enum(['confirmed', 'finalized']).default('finalized'),
          /** Stake counts from the first tick starting at or after its first effective epoch's first block + this (DESIGN.md §3). Default 0s: no delay. */
          depositDelay: duration.optional(),
        })
        .optional(),
      /** The yield-delegation process (ao/delegation.lua; DESIGN.md §9), read every tick through a CU's dry-run. */
      delegation: z
        .strictObject({
          process: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 43-character AO process id'),
          cuUrl: httpUrl,
          /** Wallets read per tick (the rest follow). */
          limit: wholeNumber(z.number().int().min(1).max(1000)).default(1000),
        })
        .optional(),
      yield: z.strictObject({ steth: yieldOverride.optional(), dai: yieldOverride.optional(), usds: yieldOverride.optional(), sol: yieldOverride.optional() }).optional(),
    })
    .default({}),
  ao: z
    .strictObject({
      processId: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a 43-character AO process id'),
      muUrl: httpUrl,
      cuUrl: httpUrl,
      signerKeyFile: z.string().min(1),
      /** Mint-Batch messages (outbox batches) the writer delivers per pass. */
      batchesPerPass: wholeNumber(z.number().int().min(1).max(1000)).default(100),
    })
    .optional(),
  settlement: z
    .strictObject({ ar: cadence.default('every-tick'), steth: cadence.default('1d'), dai: cadence.default('1d'), usds: cadence.default('1d'), sol: cadence.default('1d') })
    .default({ ar: 'every-tick', steth: '1d', dai: '1d', usds: '1d', sol: '1d' }),
  http: z
    .strictObject({ host: z.string().min(1).default('127.0.0.1'), port: wholeNumber(z.number().int().min(0).max(65_535)).default(8080) })
    .default({ host: '127.0.0.1', port: 8080 }),
  /** Readiness (/readyz, /healthz): not ready past these bounds. */
  health: z
    .strictObject({
      /** Ticks ended but not applied beyond which the service is not ready (a catch-up counts). */
      maxLagTicks: wholeNumber(z.number().int().min(0).max(1_000_000)).default(3),
      /** How long a source may keep failing before the service is not ready (a period like 15m, 1h). */
      maxSourceFailure: z.string().regex(/^[1-9][0-9]{0,6}(s|m|h|d)$/, 'expected a period like 30s, 15m, 1h').default('15m'),
    })
    .default({ maxLagTicks: 3, maxSourceFailure: '15m' }),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /** auto: human lines (pino-pretty) when stdout is a terminal, JSON otherwise. */
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
    })
    .default({ level: 'info', format: 'auto' }),
});

export type RawConfig = z.infer<typeof rawSchema>;

export interface ServiceConfig {
  readonly genesisMs: number;
  readonly policy: Policy;
  readonly policyChange: string | undefined;
  /** `sqlite:<path>` (path resolved against the config file's folder), `sqlite::memory:` or `postgres://…`. */
  readonly databaseUrl: string;
  /** Where databaseUrl came from, as errors name it: database.url, database.urlFile or AO_EMISSION_DATABASE_URL(_FILE). */
  readonly databaseField: string;
  /** SQLite: the ledger's deferAccounts (undefined: its default). */
  readonly deferAccounts: number | undefined;
  readonly sources: RawConfig['sources'];
  /** The Ethereum bridges to read, one source each, resolved from sources.ethereum (presets, overrides, defaults). */
  readonly ethereumBridges: readonly EthereumBridgeConfig[];
  /** sources.solana.depositDelay in seconds (0 without it). */
  readonly solanaDepositDelaySec: number;
  readonly ao: (Omit<NonNullable<RawConfig['ao']>, 'signerKeyFile'> & { readonly signerKeyFile: string }) | null;
  /** Settle a pool after tick k when k is a multiple of this many ticks (1 = every tick). */
  readonly settlementTicks: Readonly<Record<PoolId, number>>;
  readonly http: { readonly host: string; readonly port: number };
  readonly logLevel: RawConfig['log']['level'];
  readonly logFormat: RawConfig['log']['format'];
  readonly health: HealthLimits;
}

export interface EthereumBridgeConfig {
  readonly bridge: string;
  readonly startBlock: number;
  readonly asset: EthereumAsset;
}

/** Readiness bounds (config `health`). */
export interface HealthLimits {
  readonly maxLagTicks: number;
  readonly maxSourceFailureMs: number;
}

const PERIOD_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** "24h" → 86400. */
const periodSec = (text: string): number => periodMs(text) / 1000;
/** "15m" → 900000 (the schema has checked the form). */
const periodMs = (text: string): number => Number(text.slice(0, -1)) * PERIOD_MS[text.slice(-1) as keyof typeof PERIOD_MS];

/** The sources' own bound on a deposit delay (bridges/solana/source.ts, bridges/ethereum/context.ts). */
const MAX_DEPOSIT_DELAY_SEC = 365 * 86_400;

export const DEFAULT_HEALTH: HealthLimits = { maxLagTicks: 3, maxSourceFailureMs: 15 * 60_000 };

/** One environment variable per leaf: AO_EMISSION_<SECTION>_<FIELD>, camelCase written as SNAKE_CASE. */
interface EnvLeaf {
  readonly path: readonly string[];
  readonly kind: 'string' | 'int' | 'list';
}

export const ENV_LEAVES: readonly EnvLeaf[] = [
  { path: ['genesis'], kind: 'string' },
  { path: ['policy'], kind: 'string' },
  { path: ['policyChange'], kind: 'string' },
  { path: ['database', 'url'], kind: 'string' },
  { path: ['database', 'urlFile'], kind: 'string' },
  { path: ['database', 'deferAccounts'], kind: 'int' },
  { path: ['sources', 'arweave', 'urls'], kind: 'list' },
  { path: ['sources', 'arweave', 'confirmations'], kind: 'int' },
  { path: ['sources', 'arweave', 'seedFile'], kind: 'string' },
  { path: ['sources', 'ethereum', 'rpcUrls'], kind: 'list' },
  { path: ['sources', 'ethereum', 'preBridge'], kind: 'string' },
  { path: ['sources', 'ethereum', 'chainId'], kind: 'int' },
  { path: ['sources', 'ethereum', 'steth'], kind: 'string' },
  { path: ['sources', 'ethereum', 'chainlinkEthUsd'], kind: 'string' },
  { path: ['sources', 'ethereum', 'confirmations'], kind: 'int' },
  { path: ['sources', 'ethereum', 'startBlock'], kind: 'int' },
  { path: ['sources', 'ethereum', 'finalityLagBlocks'], kind: 'int' },
  { path: ['sources', 'solana', 'rpcUrls'], kind: 'list' },
  { path: ['sources', 'solana', 'voteAccounts'], kind: 'list' },
  { path: ['sources', 'solana', 'registry'], kind: 'string' },
  { path: ['ao', 'processId'], kind: 'string' },
  { path: ['ao', 'muUrl'], kind: 'string' },
  { path: ['ao', 'cuUrl'], kind: 'string' },
  { path: ['ao', 'signerKeyFile'], kind: 'string' },
  { path: ['settlement', 'ar'], kind: 'string' },
  { path: ['settlement', 'steth'], kind: 'string' },
  { path: ['settlement', 'dai'], kind: 'string' },
  { path: ['settlement', 'usds'], kind: 'string' },
  { path: ['settlement', 'sol'], kind: 'string' },
  { path: ['http', 'host'], kind: 'string' },
  { path: ['http', 'port'], kind: 'int' },
  { path: ['health', 'maxLagTicks'], kind: 'int' },
  { path: ['health', 'maxSourceFailure'], kind: 'string' },
  { path: ['log', 'level'], kind: 'string' },
  { path: ['log', 'format'], kind: 'string' },
];

/** Set to 1 to allow a non-loopback http.host (behind the operator's own proxy and authentication). */
export const HTTP_PUBLIC_ENV = 'AO_EMISSION_HTTP_PUBLIC';

export const envName = (path: readonly string[]): string =>
  `AO_EMISSION_${path.map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()).join('_')}`;

const fail = (field: string, message: string): never => {
  throw new EngineError('INVALID_CONFIG', `${field}: ${message}`);
};

/** Strips user:password from every URL in the text (and query strings that may hold keys). */
function readText(path: string, field: string): string {
  if (!existsSync(path)) fail(field, `file ${JSON.stringify(path)} does not exist`);
  if (!statSync(path).isFile()) fail(field, `${JSON.stringify(path)} is not a file`);
  return readFileSync(path, 'utf8');
}

/** Applies AO_EMISSION_* variables over the file's object; an unknown AO_EMISSION_<SECTION>_* name is an error. */
function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const byName = new Map(ENV_LEAVES.map((leaf) => [envName(leaf.path), leaf]));
  const sections = new Set(ENV_LEAVES.map((leaf) => envName(leaf.path.slice(0, 1))));
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith('AO_EMISSION_')) continue;
    const leaf = byName.get(name);
    if (!leaf && name === HTTP_PUBLIC_ENV) continue;
    if (!leaf) {
      if ([...sections].some((s) => name.startsWith(`${s}_`))) fail(name, `unknown setting; expected one of ${[...byName.keys()].join(', ')}`);
      continue;
    }
    let parsed: unknown = value;
    if (leaf.kind === 'int') {
      if (!/^[0-9]{1,9}$/.test(value)) fail(name, `${JSON.stringify(value)} is not a whole number`);
      parsed = Number(value);
    } else if (leaf.kind === 'list') {
      parsed = value.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    }
    let node = raw;
    for (const key of leaf.path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[leaf.path[leaf.path.length - 1]!] = parsed;
  }
}

function cadenceTicks(text: string, field: string): number {
  if (text === 'every-tick') return 1;
  try {
    return parseEvery(text, field) / TICK_MS;
  } catch (error) {
    return fail(field, (error as EngineError).message.replace(`${field}: `, ''));
  }
}

function databaseUrl(db: RawConfig['database'], baseDir: string, urlFromEnv: boolean): string {
  if ((db.url === undefined) === (db.urlFile === undefined)) fail('database', 'give exactly one of url and urlFile');
  const text = db.url ?? readText(resolve(baseDir, db.urlFile!), 'database.urlFile').trim();
  const field = db.url === undefined ? 'database.urlFile' : urlFromEnv ? envName(['database', 'url']) : 'database.url';
  if (text === 'sqlite::memory:') return text;
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path.length === 0) fail(field, 'sqlite: needs a file path, e.g. sqlite:./data/ao-emission.sqlite');
    // The folder is created by serve once the whole config is valid (never before: no partial write).
    return `sqlite:${resolve(baseDir, path)}`;
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    let parsed: URL;
    try {
      parsed = new URL(text);
    } catch {
      return fail(field, `${JSON.stringify(redactUrls(text))} is not a valid postgres URL`);
    }
    // A password written into the config file itself would be logged, copied and committed.
    if (parsed.password !== '' && db.url !== undefined && !urlFromEnv) fail(field, 'a postgres URL with a password must come from database.urlFile or AO_EMISSION_DATABASE_URL, not the config file');
    return text;
  }
  return fail(field, `${JSON.stringify(redactUrls(text))} is not a database URL; expected sqlite:<path>, sqlite::memory: or postgres://…`);
}

function checkSignerKey(path: string): void {
  let jwk: unknown;
  try {
    jwk = JSON.parse(readText(path, 'ao.signerKeyFile'));
  } catch (error) {
    if (error instanceof EngineError) throw error;
    fail('ao.signerKeyFile', `${JSON.stringify(path)} is not JSON; expected an Arweave JWK (RSA key with kty, n, e, d)`);
  }
  const key = jwk as Record<string, unknown>;
  if (typeof key !== 'object' || key === null || key['kty'] !== 'RSA' || typeof key['n'] !== 'string' || typeof key['d'] !== 'string') {
    fail('ao.signerKeyFile', `${JSON.stringify(path)} is not an Arweave JWK; expected an RSA private key with kty, n, e, d`);
  }
}

/**
 * Validates a configuration object (the parsed file, before env overrides are applied by
 * loadConfig). baseDir resolves relative paths (the config file's folder).
 */
export function parseConfig(input: unknown, options: { baseDir?: string; env?: NodeJS.ProcessEnv } = {}): ServiceConfig {
  const baseDir = options.baseDir ?? process.cwd();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('config', 'expected an object with sections database, sources, …');
  const raw = structuredClone(input) as Record<string, unknown>;
  const env = options.env ?? {};
  // The environment's database URL (or URL file) replaces the file's, whichever form the file used.
  const database = raw['database'];
  if (typeof database === 'object' && database !== null) {
    if (env[envName(['database', 'url'])] !== undefined) delete (database as Record<string, unknown>)['urlFile'];
    if (env[envName(['database', 'urlFile'])] !== undefined) delete (database as Record<string, unknown>)['url'];
  }
  applyEnv(raw, env);
  const parsed = rawSchema.safeParse(raw);
  if (!parsed.success) {
    // Every problem at once, each starting with its field (the first one starts the message).
    const problems = parsed.error.issues.map((issue) => {
      const field = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]].join('.') : issue.path.length > 0 ? issue.path.join('.') : 'config';
      const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}` : issue.message;
      return `${field}: ${redactUrls(message)}`;
    });
    throw new EngineError('INVALID_CONFIG', problems.join('; '), { details: { problems } });
  }
  const c = parsed.data!;

  const genesisMs = c.genesis === undefined ? DEFAULT_GENESIS_MS : rethrowAs('genesis', () => parseInstant(c.genesis, 'genesis'));
  const policy = rethrowAs('policy', () =>
    c.policy === undefined ? parsePolicyName('ao-mainnet') : typeof c.policy === 'string' ? parsePolicyName(c.policy, 'policy') : policyFromData(c.policy, 'policy'),
  );

  // Across fields.
  const configured = (['arweave', 'ethereum', 'solana'] as const).filter((s) => c.sources[s] !== undefined);
  if (configured.length === 0) fail('sources', 'configure at least one of arweave, ethereum, solana');
  for (const pool of ETHEREUM_POOLS) if (c.sources.yield?.[pool] && !c.sources.ethereum) fail(`sources.yield.${pool}`, 'set without sources.ethereum');
  if (c.sources.yield?.sol && !c.sources.solana) fail('sources.yield.sol', 'set without sources.solana');
  const ethereumBridges = c.sources.ethereum ? resolveEthereumBridges(c.sources.ethereum, c.sources.yield ?? {}) : [];
  // Solana has no on-chain SOL/USD price the source reads: the operator states one.
  if (c.sources.solana && c.sources.yield?.sol?.priceUsd === undefined) fail('sources.yield.sol.priceUsd', 'required with sources.solana (SOL/USD for the cross-asset split)');
  const solanaDepositDelaySec = c.sources.solana?.depositDelay === undefined ? 0 : periodSec(c.sources.solana.depositDelay);
  if (solanaDepositDelaySec > MAX_DEPOSIT_DELAY_SEC) fail('sources.solana.depositDelay', `${c.sources.solana!.depositDelay} is longer than a year`);
  if (c.sources.arweave?.seedFile !== undefined) {
    const seed = resolve(baseDir, c.sources.arweave.seedFile);
    readText(seed, 'sources.arweave.seedFile');
    c.sources.arweave.seedFile = seed;
  }
  if (c.ao) {
    const aoKeyFile = resolve(baseDir, c.ao.signerKeyFile);
    checkSignerKey(aoKeyFile);
    c.ao.signerKeyFile = aoKeyFile;
  }
  const settlementTicks = {
    ar: cadenceTicks(c.settlement.ar, 'settlement.ar'),
    steth: cadenceTicks(c.settlement.steth, 'settlement.steth'),
    dai: cadenceTicks(c.settlement.dai, 'settlement.dai'),
    usds: cadenceTicks(c.settlement.usds, 'settlement.usds'),
    sol: cadenceTicks(c.settlement.sol, 'settlement.sol'),
  };
  if (c.http.host !== '127.0.0.1' && c.http.host !== 'localhost' && c.http.host !== '::1' && (options.env ?? {})[HTTP_PUBLIC_ENV] !== '1') {
    fail('http.host', `${JSON.stringify(c.http.host)} is not a loopback address; the status API has no authentication (set AO_EMISSION_HTTP_PUBLIC=1 to allow it behind your own proxy)`);
  }
  return {
    genesisMs,
    policy,
    policyChange: c.policyChange,
    databaseUrl: databaseUrl(c.database, baseDir, env[envName(['database', 'url'])] !== undefined),
    databaseField:
      env[envName(['database', 'url'])] !== undefined
        ? envName(['database', 'url'])
        : env[envName(['database', 'urlFile'])] !== undefined
          ? envName(['database', 'urlFile'])
          : c.database.url === undefined
            ? 'database.urlFile'
            : 'database.url',
    deferAccounts: c.database.deferAccounts,
    sources: c.sources,
    ethereumBridges,
    solanaDepositDelaySec,
    ao: c.ao ? { ...c.ao, signerKeyFile: c.ao.signerKeyFile } : null,
    settlementTicks,
    http: c.http,
    logLevel: c.log.level,
    logFormat: c.log.format,
    health: { maxLagTicks: c.health.maxLagTicks, maxSourceFailureMs: periodMs(c.health.maxSourceFailure) },
  };
}

type EthereumConfig = NonNullable<RawConfig['sources']['ethereum']>;
type YieldConfig = NonNullable<RawConfig['sources']['yield']>;
const lower = (a: string | undefined): string | undefined => a?.toLowerCase();

/**
 * sources.ethereum → one bridge per asset. `assets` names them (steth, dai, usds; on chain 1 every
 * field defaults to AO's mainnet preset); the older form, `preBridge` with `steth` / `chainlinkEthUsd`,
 * is the stETH bridge alone. sources.yield.<pool> replaces the asset's price or APR with a constant.
 */
function resolveEthereumBridges(eth: EthereumConfig, overrides: YieldConfig): EthereumBridgeConfig[] {
  const base = 'sources.ethereum';
  if (eth.assets !== undefined && (eth.preBridge !== undefined || eth.steth !== undefined || eth.chainlinkEthUsd !== undefined || eth.depositDelay !== undefined)) {
    fail(base, 'give assets, or the stETH-only preBridge (with steth, chainlinkEthUsd, depositDelay), not both');
  }
  if (eth.assets === undefined && eth.preBridge === undefined) fail(`${base}.assets`, 'name the bridges to read (steth, dai, usds), or give preBridge for stETH alone');
  const entries: [string, z.infer<typeof ethereumAsset>, string][] =
    eth.assets !== undefined
      ? Object.entries(eth.assets).map(([name, a]) => [name, a, `${base}.assets.${name}`])
      : [['steth', { bridge: eth.preBridge, stETH: eth.steth, feed: eth.chainlinkEthUsd, depositDelay: eth.depositDelay }, base]];
  if (entries.length === 0) fail(`${base}.assets`, 'is empty; name at least one of steth, dai, usds');
  const legacy = eth.assets === undefined;
  entries.sort((x, y) => ETHEREUM_POOLS.indexOf(x[0] as EthereumPool) - ETHEREUM_POOLS.indexOf(y[0] as EthereumPool));
  return entries.map(([name, a, field]) => {
    if (!(ETHEREUM_POOLS as readonly string[]).includes(name)) fail(field, `unknown asset ${JSON.stringify(name)}; expected one of ${ETHEREUM_POOLS.join(', ')}`);
    const pool = name as EthereumPool;
    const preset = eth.chainId === 1 ? MAINNET_PRESETS[pool] : undefined;
    // The field names the legacy form used, so its messages stay as they were.
    const f = (k: string): string => (legacy ? `${base}.${k === 'bridge' ? 'preBridge' : k === 'stETH' ? 'steth' : k === 'feed' ? 'chainlinkEthUsd' : k}` : `${field}.${k}`);
    const o = overrides[pool];
    const bridge = lower(a.bridge) ?? preset?.bridge ?? fail(f('bridge'), `no ${pool} bridge preset for chain ${eth.chainId}; set it`);
    const aprConst = o?.apr ?? a.apr;
    const aprField = pool === 'steth' ? 'stETH' : pool === 'dai' ? 'pot' : 'sUSDS';
    const aprAddress = pool === 'steth' ? (a.stETH ?? lidoStETH(eth.chainId)) : pool === 'dai' ? a.pot : a.sUSDS;
    for (const other of ['stETH', 'pot', 'sUSDS'] as const) if (other !== aprField && a[other] !== undefined) fail(`${field}.${other}`, `is not a yield source of ${pool}; expected ${aprField} or apr`);
    const apr: AprSpec =
      aprConst !== undefined
        ? { kind: 'config', apr: aprConst }
        : aprAddress !== undefined
          ? pool === 'steth'
            ? { kind: 'lido', stETH: aprAddress.toLowerCase() }
            : pool === 'dai'
              ? { kind: 'dsr', pot: aprAddress.toLowerCase() }
              : { kind: 'ssr', sUSDS: aprAddress.toLowerCase() }
          : (preset?.asset.apr ??
            fail(
              f(aprField),
              pool === 'steth'
                ? `@lido-sdk/constants has no stETH for chain ${eth.chainId}; set ${f('stETH')} or sources.yield.steth.apr`
                : `no ${pool === 'dai' ? 'Maker Pot' : 'Sky sUSDS'} preset for chain ${eth.chainId}; set ${f(aprField)} or ${field}.apr`,
            ));
    const presetPrice = preset?.asset.price;
    const priceConst = o?.priceUsd ?? a.priceUsd;
    const price: PriceSpec =
      priceConst !== undefined
        ? { kind: 'config', priceUsd: priceConst }
        : a.feed !== undefined
          ? { kind: 'chainlink', feed: a.feed.toLowerCase() }
          : (presetPrice ??
            fail(f('feed'), `no ${pool === 'steth' ? 'ETH' : pool.toUpperCase()}/USD feed known for chain ${eth.chainId}; set ${f('feed')} or ${legacy ? 'sources.yield.steth.priceUsd' : `${field}.priceUsd`}`));
    const asset: EthereumAsset = {
      pool,
      symbol: pool === 'steth' ? 'stETH' : pool.toUpperCase(),
      kind: pool === 'usds' ? 'vault' : 'pools',
      decimals: a.decimals ?? preset?.asset.decimals ?? 18,
      price,
      apr,
      depositDelaySec: a.depositDelay === undefined ? AO_DEPOSIT_DELAY_SEC : periodSec(a.depositDelay),
      priceMaxAgeSec: a.priceMaxAge === undefined ? DEFAULT_PRICE_MAX_AGE_SEC : periodSec(a.priceMaxAge),
    };
    if (asset.priceMaxAgeSec === 0) fail(f('priceMaxAge'), 'must be above 0s');
    return { bridge, startBlock: a.startBlock ?? eth.startBlock, asset };
  });
}

function rethrowAs<T>(field: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof EngineError) {
      const message = error.message.startsWith(`${field}`) ? error.message : `${field}: ${error.message}`;
      throw new EngineError('INVALID_CONFIG', message, { cause: error });
    }
    throw error;
  }
}

/** Reads FILE (.json, .yaml or .yml), applies the environment and validates. */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const path = resolve(file);
  const text = readText(path, '--config');
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    fail('--config', `${JSON.stringify(file)} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`);
  }
  return parseConfig(data ?? {}, { baseDir: dirname(path), env });
}

/** The configuration as safe to log or print: URLs redacted, secrets shown as file paths only. */
export function describeConfig(config: ServiceConfig): Record<string, unknown> {
  return JSON.parse(redactUrls(JSON.stringify({ ...config, policy: `${config.policy.id}@${config.policy.version}` }))) as Record<string, unknown>;
}
