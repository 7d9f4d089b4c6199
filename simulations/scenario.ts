import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { Decimal } from 'decimal.js';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { EngineError } from '../src/errors.ts';
import { DEFAULT_GENESIS_MS, parseInstant, parsePolicyName, policyFromData, type Policy } from '../src/emission/index.ts';
import { parseDelegationScenario, type DelegationScenario } from './delegation.ts';

/**
 * The scenario file (JSON or YAML): what an analyst asks the simulator. Minimal form
 *
 *   {"start": ISO, "months": 12, "policy": "ao-mainnet", "ar": {"supply": "65000000", "priceUsd": 30},
 *    "bridges": [{"asset": "stETH", "tvlUsd": 320000000, "apr": 0.03}], "ao": {"fdvUsd": [1e9, 1e10]}}
 *
 * Every other field is optional. Validation is field by field (zod), then across fields; every
 * problem is reported as `<field path>: <reason>` in one INVALID_SCENARIO error.
 */

/** A month is 365.25/12 days (DESIGN.md §2), in ms: 2,629,800,000. */
export const MONTH_MS = (365.25 / 12) * 86_400_000;
/** Bounds so a typo cannot ask for a century of ticks or a billion sweep points. */
export const HORIZON_MONTHS_MAX = 600;
export const SWEEP_AXIS_MAX = 10_000;
export const SWEEP_POINTS_MAX = 1_000_000;
export const MONTE_CARLO_RUNS_MAX = 100_000;
/** Monte Carlo keeps one price per run per day (8 bytes each): 10 M cells = 80 MB at most. */
export const MONTE_CARLO_CELLS_MAX = 10_000_000;
export const DAY_MS = 86_400_000;

/** A list of values: one number, an explicit list, or a range {from, to, steps, scale}. */
export type ValueList = readonly number[];

/** Messages quote the bad value: `ar.priceUsd: expected a number > 0, got -3`. */
const got = (reason: string) => (issue: { input?: unknown }): string => `${reason}, got ${JSON.stringify(issue.input) ?? String(issue.input)}`;
/**
 * Every numeric field takes a JSON number or a decimal string ("0.03", "3.2e8" is not one), as the
 * service config does: a string is read as the double nearest its decimal (Number), which is what
 * the same JSON number would be. Anything else is left for the number schema to refuse, quoted.
 */
const DECIMAL_STRING = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const num = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && DECIMAL_STRING.test(v) ? Number(v) : v), schema);
const positiveNumber = z.number({ error: got('expected a number') }).finite({ error: got('expected a finite number') }).positive({ error: got('expected a number > 0') });
const positive = num(positiveNumber);
const fraction = num(
  z
    .number({ error: got('expected a number') })
    .finite({ error: got('expected a finite number') })
    .min(0, { error: got('expected a fraction >= 0 (0.03 = 3 %)') })
    .max(10, { error: got('expected a fraction (0.03 = 3 %), at most 10') }),
);

const rangeSchema = z
  .object({
    from: positive,
    to: positive,
    steps: num(z.number({ error: got('expected a whole number') }).int({ error: got('expected a whole number') }).min(2, { error: got('expected at least 2 steps') }).max(SWEEP_AXIS_MAX, { error: `expected at most ${SWEEP_AXIS_MAX} steps` })),
    scale: z.enum(['linear', 'log'], { error: 'expected "linear" or "log"' }).default('linear'),
  })
  .strict();

/** from..to in `steps` points, evenly spaced (linear) or evenly spaced in log (log), ends included. */
export function expandRange(r: { from: number; to: number; steps: number; scale: 'linear' | 'log' }): number[] {
  const out: number[] = [];
  for (let i = 0; i < r.steps; i++) {
    const f = i / (r.steps - 1);
    out.push(r.scale === 'log' ? r.from * (r.to / r.from) ** f : r.from + (r.to - r.from) * f);
  }
  return out;
}

const valuesSchema = z.union([positive, z.array(positive).min(1, { error: 'expected at least one value' }).max(SWEEP_AXIS_MAX), rangeSchema], {
  error: 'expected a number, a list of numbers, or a range {from, to, steps, scale}',
});
const toList = (v: z.infer<typeof valuesSchema>): number[] => (typeof v === 'number' ? [v] : Array.isArray(v) ? [...v] : expandRange(v));

/** A decimal amount of whole tokens given as a string ("65000000") or a number. */
const wholeTokens = z.union([z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, { error: got('expected a decimal string like "65000000"') }), positive], {
  error: 'expected a positive amount, e.g. "65000000"',
});

const isoInstant = z.string({ error: got('expected an ISO-8601 instant like 2024-06-18T15:00:00Z') });

const tvlSchema = z.union(
  [
    positive,
    z.object({ path: z.array(z.object({ at: isoInstant, tvlUsd: num(z.number().finite().min(0)) }).strict()).min(1, { error: 'expected at least one point' }) }).strict(),
    z.object({ start: positive, growthPerMonth: num(z.number({ error: got('expected a number') }).finite().gt(-1, { error: got('expected a monthly rate > -1 (0.05 = +5 %/month)') })) }).strict(),
  ],
  { error: 'expected a number (constant USD), {path: [{at, tvlUsd}, …]} or {start, growthPerMonth}' },
);

/** "on-chain": the value of the snapshot's yield quote for the asset (the scenario's `yields` file). */
export const ON_CHAIN = 'on-chain';
/** A number as `schema` reads it, or "on-chain"; a bad number keeps the schema's own message. */
const orOnChain = <T extends z.ZodType<number>>(schema: T) =>
  z
    .any()
    .superRefine((v, ctx) => {
      if (v === ON_CHAIN) return;
      const r = schema.safeParse(v);
      if (!r.success) for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
    })
    .transform((v): number | typeof ON_CHAIN => (v === ON_CHAIN ? ON_CHAIN : schema.parse(v)));

const bridgeSchema = z
  .object({
    asset: z.string({ error: 'expected an asset name' }).regex(/^[A-Za-z0-9._-]{1,32}$/, { error: 'expected an asset name of letters, digits, . _ -' }),
    tvlUsd: tvlSchema,
    apr: orOnChain(fraction),
    priceUsd: orOnChain(positive).optional(),
  })
  .strict();

/**
 * A snapshot's yield quotes (the `yield` a source records with its snapshot and the ledger keeps in
 * tick_pools.yield_quote): asset, priceUsd and apr as decimal strings, with where each came from.
 */
const quoteSchema = z.object({ asset: z.string(), priceUsd: z.string().regex(DECIMAL_STRING), apr: z.string().regex(DECIMAL_STRING), priceSource: z.string().optional(), aprSource: z.string().optional() });
export type YieldQuoteInput = z.infer<typeof quoteSchema>;

const gbmSchema = z
  .object({
    driftPerYear: num(z.number().finite()).default(0),
    volatilityPerYear: num(z.number().finite().min(0, { error: 'expected a volatility >= 0' }).max(10)).default(0.8),
  })
  .strict();

const monteCarloSchema = z
  .object({
    runs: num(z.number().int({ error: 'expected a whole number' }).min(1).max(MONTE_CARLO_RUNS_MAX, { error: `expected at most ${MONTE_CARLO_RUNS_MAX} runs` })),
    seed: num(z.number().int({ error: 'expected a whole number' }).min(0).max(0xffffffff, { error: 'expected a 32-bit seed' })),
    startFdvUsd: positive.optional(),
    ao: gbmSchema.default({ driftPerYear: 0, volatilityPerYear: 0.8 }),
    percentiles: z.array(num(z.number().gt(0).lt(100))).min(1).max(9).default([5, 25, 50, 75, 95]),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected a name of letters, digits, . _ - (used as the output folder)' }).optional(),
    description: z.string().max(2000).optional(),
    start: isoInstant,
    months: num(positiveNumber.max(HORIZON_MONTHS_MAX, { error: got(`expected at most ${HORIZON_MONTHS_MAX} months`) })).optional(),
    end: isoInstant.optional(),
    policy: z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'expected a policy name (ao-mainnet, ao-announced, flat:A/B) or a policy object' }).default('ao-mainnet'),
    genesis: isoInstant.optional(),
    /** A JSON file of yield quotes (an array, or {quotes: [...]}), relative to the scenario: what `on-chain` reads. */
    yields: z.string().min(1).optional(),
    ar: z.object({ supply: wholeTokens, priceUsd: positive }).strict(),
    bridges: z.array(bridgeSchema).min(1, { error: 'expected at least one bridge asset' }).max(16),
    ao: z
      .object({ fdvUsd: valuesSchema.optional(), priceUsd: valuesSchema.optional() })
      .strict(),
    sweep: z.object({ fdvUsd: valuesSchema.optional(), arPriceUsd: valuesSchema.optional(), tvlUsd: valuesSchema.optional() }).strict().default({}),
    monteCarlo: monteCarloSchema.optional(),
    /** Yield delegation (delegation.ts): {projects, shares: {pool: {project: fraction}}}. */
    delegation: z.unknown().optional(),
  })
  .strict();

export type TvlSpec =
  | { readonly kind: 'constant'; readonly usd: number }
  | { readonly kind: 'path'; readonly points: readonly { readonly atMs: number; readonly usd: number }[] }
  | { readonly kind: 'growth'; readonly startUsd: number; readonly perMonth: number };

export interface BridgeAsset {
  readonly asset: string;
  readonly tvl: TvlSpec;
  readonly apr: number;
  readonly priceUsd: number | undefined;
  /** Where an `on-chain` APR or price came from (the quote's aprSource / priceSource), for the report. */
  readonly onChain?: { readonly apr?: string; readonly priceUsd?: string };
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Horizon length in months of 365.25/12 days: the annualisation factor is 12 / months. */
  readonly months: Decimal;
  readonly policy: Policy;
  readonly genesisMs: number;
  readonly arSupply: Decimal;
  readonly arPriceUsd: number;
  readonly bridges: readonly BridgeAsset[];
  readonly fdvUsd: ValueList;
  readonly sweep: { readonly fdvUsd: ValueList; readonly arPriceUsd: ValueList; readonly tvlUsd: ValueList };
  /** Share of each pool delegated to each project (delegation.ts), when the scenario asks. */
  readonly delegation: DelegationScenario | undefined;
  readonly monteCarlo:
    | { readonly runs: number; readonly seed: number; readonly startFdvUsd: number; readonly driftPerYear: number; readonly volatilityPerYear: number; readonly percentiles: readonly number[] }
    | undefined;
}

/** AO price = FDV / 21,000,000 (max supply), so FDV = price · 21 M. */
export const AO_MAX_SUPPLY_WHOLE = 21_000_000;

const invalid = (path: readonly PropertyKey[], reason: string): never => {
  throw new EngineError('INVALID_SCENARIO', `${path.map(String).join('.') || '(scenario)'}: ${reason}`);
};

/** Default sweep axes when the scenario gives none: around the base value, so every report has its heat maps. */
const aroundBase = (base: number, low: number, high: number, steps: number): number[] => expandRange({ from: base * low, to: base * high, steps, scale: 'log' });

/**
 * Validates a parsed scenario document; `fallbackName` names it when it has no `name`. `quotes` are the
 * yield quotes of its `yields` file (loadScenario reads it), for the fields that say "on-chain".
 */
export function parseScenario(data: unknown, fallbackName = 'scenario', quotes?: readonly YieldQuoteInput[]): Scenario {
  const parsed = scenarioSchema.safeParse(data);
  if (!parsed.success) {
    const messages = parsed.error.issues.map((issue) => {
      const path = [...issue.path];
      if (issue.code === 'unrecognized_keys') return `${[...path, issue.keys[0]].join('.')}: unknown field (check the spelling)`;
      return `${path.map(String).join('.') || '(scenario)'}: ${issue.message.replace(/^Invalid input: /, '')}`;
    });
    throw new EngineError('INVALID_SCENARIO', messages.join('; '), { details: { issues: messages } });
  }
  const s = parsed.data;
  const field = (path: string, fn: () => number): number => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof EngineError) throw new EngineError('INVALID_SCENARIO', `${path}: ${error.message.replace(/^[^:]*: /, '')}`);
      throw error;
    }
  };
  const startMs = field('start', () => parseInstant(s.start, 'start'));
  const genesisMs = s.genesis === undefined ? DEFAULT_GENESIS_MS : field('genesis', () => parseInstant(s.genesis, 'genesis'));
  if ((s.months === undefined) === (s.end === undefined)) invalid(['months'], 'give exactly one of months or end');
  const endMs = s.months !== undefined ? startMs + Math.round(s.months * MONTH_MS) : field('end', () => parseInstant(s.end, 'end'));
  if (!(endMs > startMs)) invalid(['end'], 'the horizon must end after start');
  if (startMs < genesisMs) invalid(['start'], `${s.start} is before genesis ${new Date(genesisMs).toISOString()}`);
  const months = new Decimal(endMs - startMs).div(MONTH_MS);
  if (months.gt(HORIZON_MONTHS_MAX)) invalid(['end'], `the horizon is longer than ${HORIZON_MONTHS_MAX} months`);
  let policy: Policy;
  try {
    policy = typeof s.policy === 'string' ? parsePolicyName(s.policy, 'policy') : policyFromData(s.policy, 'policy');
  } catch (error) {
    throw new EngineError('INVALID_SCENARIO', (error as Error).message);
  }
  const arSupply = new Decimal(s.ar.supply);
  if (arSupply.lte(0)) invalid(['ar', 'supply'], 'expected an AR supply > 0');

  const seen = new Set<string>();
  const bridges = s.bridges.map((b, i): BridgeAsset => {
    if (seen.has(b.asset)) invalid(['bridges', i, 'asset'], `${b.asset} appears twice`);
    seen.add(b.asset);
    const quoteOf = (field: 'apr' | 'priceUsd'): YieldQuoteInput => {
      if (quotes === undefined) return invalid(['bridges', i, field], `"on-chain" reads the scenario's yields file (a snapshot's yield quotes); give yields`);
      const q = quotes.find((x) => x.asset.toLowerCase() === b.asset.toLowerCase());
      return q ?? invalid(['bridges', i, field], `the yields file has no quote for ${b.asset} (it has ${quotes.map((x) => x.asset).join(', ') || 'none'})`);
    };
    // Decimal strings to doubles: the simulator's APR and price inputs are analytics (DESIGN.md §1).
    const apr = b.apr === ON_CHAIN ? Number(quoteOf('apr').apr) : b.apr;
    const priceUsd = b.priceUsd === ON_CHAIN ? Number(quoteOf('priceUsd').priceUsd) : b.priceUsd;
    if (b.priceUsd === ON_CHAIN && !(priceUsd! > 0)) invalid(['bridges', i, 'priceUsd'], `the ${b.asset} quote's price is ${quoteOf('priceUsd').priceUsd}; expected > 0`);
    const onChain = { ...(b.apr === ON_CHAIN ? { apr: quoteOf('apr').aprSource ?? 'on-chain' } : {}), ...(b.priceUsd === ON_CHAIN ? { priceUsd: quoteOf('priceUsd').priceSource ?? 'on-chain' } : {}) };
    return { asset: b.asset, apr, priceUsd, tvl: parseTvl(b.tvlUsd, ['bridges', i, 'tvlUsd']), ...(Object.keys(onChain).length === 0 ? {} : { onChain }) };
  });

  if ((s.ao.fdvUsd === undefined) === (s.ao.priceUsd === undefined)) invalid(['ao'], 'give exactly one of fdvUsd or priceUsd');
  const fdvUsd = s.ao.fdvUsd !== undefined ? toList(s.ao.fdvUsd) : toList(s.ao.priceUsd!).map((p) => p * AO_MAX_SUPPLY_WHOLE);
  const sortedUnique = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);
  const baseTvl = bridges.reduce((sum, b) => sum + tvlAtStart(b.tvl, startMs), 0);
  if (!(baseTvl > 0)) invalid(['bridges'], 'the total bridge TVL at start must be > 0 (the TVL sweep scales it)');
  const sweep = {
    fdvUsd: sortedUnique(s.sweep.fdvUsd !== undefined ? toList(s.sweep.fdvUsd) : fdvUsd),
    arPriceUsd: sortedUnique(s.sweep.arPriceUsd !== undefined ? toList(s.sweep.arPriceUsd) : aroundBase(s.ar.priceUsd, 1 / 3, 3, 9)),
    tvlUsd: sortedUnique(s.sweep.tvlUsd !== undefined ? toList(s.sweep.tvlUsd) : aroundBase(baseTvl, 1 / 4, 4, 9)),
  };
  const points = sweep.fdvUsd.length * sweep.arPriceUsd.length * sweep.tvlUsd.length;
  if (points > SWEEP_POINTS_MAX) invalid(['sweep'], `FDV × AR price × TVL is ${points} points, more than ${SWEEP_POINTS_MAX}`);

  const mc = s.monteCarlo;
  const cells = mc === undefined ? 0 : mc.runs * Math.ceil((endMs - startMs) / DAY_MS);
  if (cells > MONTE_CARLO_CELLS_MAX) invalid(['monteCarlo', 'runs'], `runs × horizon days is ${cells}, more than ${MONTE_CARLO_CELLS_MAX}; use fewer runs or a shorter horizon`);
  return {
    name: s.name ?? fallbackName,
    description: s.description ?? '',
    startMs,
    endMs,
    months,
    policy,
    genesisMs,
    arSupply,
    arPriceUsd: s.ar.priceUsd,
    bridges,
    fdvUsd,
    sweep,
    delegation: s.delegation === undefined ? undefined : parseDelegationScenario(s.delegation, bridges.map((b) => b.asset)),
    monteCarlo:
      mc === undefined
        ? undefined
        : {
            runs: mc.runs,
            seed: mc.seed,
            startFdvUsd: mc.startFdvUsd ?? [...fdvUsd].sort((a, b) => a - b)[Math.floor((fdvUsd.length - 1) / 2)]!,
            driftPerYear: mc.ao.driftPerYear,
            volatilityPerYear: mc.ao.volatilityPerYear,
            percentiles: [...mc.percentiles].sort((a, b) => a - b),
          },
  };
}

function parseTvl(spec: z.infer<typeof tvlSchema>, path: readonly PropertyKey[]): TvlSpec {
  if (typeof spec === 'number') return { kind: 'constant', usd: spec };
  if ('growthPerMonth' in spec) return { kind: 'growth', startUsd: spec.start, perMonth: spec.growthPerMonth };
  const points = spec.path.map((p, i) => {
    try {
      return { atMs: parseInstant(p.at, 'at'), usd: p.tvlUsd };
    } catch {
      return invalid([...path, 'path', i, 'at'], `${JSON.stringify(p.at)} is not an ISO-8601 instant; expected e.g. 2024-06-18T15:00:00Z`);
    }
  });
  for (let i = 1; i < points.length; i++) {
    if (points[i]!.atMs <= points[i - 1]!.atMs) invalid([...path, 'path', i, 'at'], 'points must be in increasing time order');
  }
  return { kind: 'path', points };
}

/**
 * TVL in USD at an instant: constant; a path interpolated linearly between its points and held
 * flat before the first and after the last; or start · (1 + growthPerMonth)^(months since start).
 */
export function tvlAt(spec: TvlSpec, atMs: number, startMs: number): number {
  switch (spec.kind) {
    case 'constant':
      return spec.usd;
    case 'growth':
      return spec.startUsd * (1 + spec.perMonth) ** ((atMs - startMs) / MONTH_MS);
    case 'path': {
      const pts = spec.points;
      if (atMs <= pts[0]!.atMs) return pts[0]!.usd;
      for (let i = 1; i < pts.length; i++) {
        const b = pts[i]!;
        if (atMs <= b.atMs) {
          const a = pts[i - 1]!;
          return a.usd + ((b.usd - a.usd) * (atMs - a.atMs)) / (b.atMs - a.atMs);
        }
      }
      return pts[pts.length - 1]!.usd;
    }
  }
}

export const tvlAtStart = (spec: TvlSpec, startMs: number): number => tvlAt(spec, startMs, startMs);

/** Reads a scenario file: `.yaml`/`.yml` as YAML, anything else as JSON. */
export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new EngineError('INVALID_SCENARIO', `scenario: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const ext = extname(file).toLowerCase();
  let data: unknown;
  try {
    data = ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new EngineError('INVALID_SCENARIO', `scenario: ${file} is not valid ${ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON'} (${(error as Error).message.split('\n')[0]})`);
  }
  const yields = (data as { yields?: unknown } | null)?.yields;
  return parseScenario(data, basename(file, extname(file)), typeof yields === 'string' ? loadQuotes(resolve(dirname(file), yields)) : undefined);
}

/** The yield quotes of a `yields` file: an array of quotes, or an object with `quotes`. */
function loadQuotes(file: string): YieldQuoteInput[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return invalid(['yields'], `cannot read ${file} as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]})`);
  }
  const list = Array.isArray(json) ? json : (json as { quotes?: unknown } | null)?.quotes;
  const parsed = z.array(quoteSchema).safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return invalid(['yields', ...issue.path], `${issue.message.replace(/^Invalid input: /, '')} (expected quotes {asset, priceUsd, apr} as a snapshot records them)`);
  }
  return parsed.data;
}
