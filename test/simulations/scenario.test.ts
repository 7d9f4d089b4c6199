import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.ts';
import { Decimal } from 'decimal.js';
import { expandRange, loadScenario, MONTH_MS, parseScenario, tvlAt } from '../../simulations/scenario.ts';
import { simulate, summaryTables } from '../../simulations/index.ts';
import { engineErrorOf } from '../support/errors.ts';

/** The minimal scenario form: every field that has no default. */
const MINIMAL = {
  start: '2024-06-18T15:00:00Z',
  months: 12,
  policy: 'ao-mainnet',
  ar: { supply: '65000000', priceUsd: 30 },
  bridges: [{ asset: 'stETH', tvlUsd: 320000000, apr: 0.03 }],
  ao: { fdvUsd: [1e9, 1e10] },
};

const errorOf = (data: unknown): EngineError => engineErrorOf(() => parseScenario(data));

/** A copy of MINIMAL with one field replaced (dotted path; undefined deletes it). */
function withField(path: string, value: unknown): unknown {
  const copy = structuredClone(MINIMAL) as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  if (value === undefined) delete node[keys.at(-1)!];
  else node[keys.at(-1)!] = value;
  return copy;
}

describe('scenario files', () => {
  it('accepts the minimal form of the issue and fills every default', () => {
    const s = parseScenario(MINIMAL, 'min');
    expect(s.name).toBe('min');
    expect(s.startMs).toBe(Date.parse('2024-06-18T15:00:00Z'));
    // 12 months of 365.25/12 days = 365.25 days = 31,557,600,000 ms.
    expect(s.endMs - s.startMs).toBe(31_557_600_000);
    expect(s.months.toNumber()).toBe(12);
    expect(s.policy.id).toBe('ao-mainnet');
    expect(s.arSupply.toString()).toBe('65000000');
    expect(s.bridges[0]).toMatchObject({ asset: 'stETH', apr: 0.03, tvl: { kind: 'constant', usd: 320000000 } });
    expect(s.fdvUsd).toEqual([1e9, 1e10]);
    // Default sweep axes: the FDV list, and 9 log-spaced points around the AR price and the TVL.
    expect(s.sweep.fdvUsd).toEqual([1e9, 1e10]);
    expect(s.sweep.arPriceUsd).toHaveLength(9);
    expect(s.sweep.arPriceUsd[4]).toBeCloseTo(30, 9);
    expect(s.sweep.tvlUsd[4]).toBeCloseTo(320e6, 3);
    expect(s.monteCarlo).toBeUndefined();
  });

  it('takes an end instead of months, an AO price instead of FDV (FDV = price · 21 M), and flat policies', () => {
    const s = parseScenario({ ...MINIMAL, months: undefined, end: '2024-12-18T15:00:00Z', policy: 'flat:36/64', ao: { priceUsd: [10, 100] } });
    expect(s.endMs).toBe(Date.parse('2024-12-18T15:00:00Z'));
    // 183 days / 30.4375 days per month.
    expect(s.months.toNumber()).toBeCloseTo(183 / 30.4375, 12);
    expect(s.fdvUsd).toEqual([210e6, 2100e6]);
    expect(s.policy.id).toBe('flat:36/64');
  });

  it('reads YAML and JSON files to the same scenario and names it after the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(MINIMAL));
    writeFileSync(
      join(dir, 'a.yaml'),
      'start: 2024-06-18T15:00:00Z\nmonths: 12\npolicy: ao-mainnet\nar: { supply: "65000000", priceUsd: 30 }\nbridges:\n  - { asset: stETH, tvlUsd: 320000000, apr: 0.03 }\nao: { fdvUsd: [1e9, 1e10] }\n',
    );
    const json = loadScenario(join(dir, 'a.json'));
    const yaml = loadScenario(join(dir, 'a.yaml'));
    expect(yaml.name).toBe('a');
    expect({ ...yaml, months: yaml.months.toString(), arSupply: yaml.arSupply.toString() }).toEqual({ ...json, months: json.months.toString(), arSupply: json.arSupply.toString() });
    writeFileSync(join(dir, 'bad.json'), '{"start": ');
    expect(() => loadScenario(join(dir, 'bad.json'))).toThrow(/^scenario: .*bad\.json is not valid JSON/);
    expect(() => loadScenario(join(dir, 'missing.yaml'))).toThrow(/^scenario: cannot read .*missing\.yaml \(ENOENT\)/);
  });

  it.each([
    ['start', undefined, /^start: expected an ISO-8601 instant like 2024-06-18T15:00:00Z, got undefined$/],
    ['start', '2024-13-01', /^start: "2024-13-01" is not a valid date$/],
    ['months', -1, /^months: expected a number > 0, got -1$/],
    ['months', 'twelve', /^months: expected a number, got "twelve"$/],
    ['months', 601, /^months: expected at most 600 months, got 601$/],
    ['policy', 'half', /^policy: "half" is not a policy; expected ao-mainnet, ao-announced, ao-mainnet@1 or flat:A\/B/],
    ['ar.priceUsd', 0, /^ar\.priceUsd: expected a number > 0, got 0$/],
    ['ar.supply', '65M', /^ar\.supply: expected a decimal string like "65000000", got "65M"$/],
    ['ar.holders', 5, /^ar\.holders: unknown field/],
    ['bridges', [], /^bridges: expected at least one bridge asset/],
    ['bridges', [{ asset: 'stETH', tvlUsd: 1e8, apr: -0.1 }], /^bridges\.0\.apr: expected a fraction >= 0 \(0\.03 = 3 %\), got -0\.1$/],
    ['bridges', [{ asset: 'stETH', tvlUsd: 'lots', apr: 0.03 }], /^bridges\.0\.tvlUsd: expected a number \(constant USD\), \{path/],
    ['bridges', [{ asset: 'stETH', tvlUsd: 1e8, apr: 0.03 }, { asset: 'stETH', tvlUsd: 1e8, apr: 0.03 }], /^bridges\.1\.asset: stETH appears twice/],
    ['bridges', [{ asset: 'A', tvlUsd: { path: [{ at: '2024-07-01', tvlUsd: 1 }, { at: '2024-06-01', tvlUsd: 2 }] }, apr: 0.03 }], /^bridges\.0\.tvlUsd\.path\.1\.at: points must be in increasing time order/],
    ['bridges', [{ asset: 'A', tvlUsd: { start: 1e8, growthPerMonth: -1 } , apr: 0.03 }], /^bridges\.0\.tvlUsd\.growthPerMonth: expected a monthly rate > -1 \(0\.05 = \+5 %\/month\), got -1$/],
    ['ao', {}, /^ao: give exactly one of fdvUsd or priceUsd/],
    ['ao', { fdvUsd: 'big' }, /^ao\.fdvUsd: expected a number, a list of numbers, or a range \{from, to, steps, scale\}$/],
    ['ao', { fdvUsd: { from: 1e9, to: 2e10, steps: 1 } }, /^ao\.fdvUsd\.steps: expected at least 2 steps, got 1$/],
    ['sweep', { tvlUsd: { from: 1, to: 2, steps: 10000 }, arPriceUsd: { from: 1, to: 2, steps: 10000 } }, /^sweep: FDV × AR price × TVL is 200000000 points, more than 1000000/],
    ['monteCarlo', { runs: 10, seed: -1 }, /^monteCarlo\.seed: .*>=0/],
    ['monteCarlo', { runs: 100000, seed: 1 }, /^monteCarlo\.runs: runs × horizon days is 36600000, more than 10000000/],
  ])('refuses %s = %j with one error naming the field', (path, value, message) => {
    const error = errorOf(withField(path, value));
    expect(error).toBeInstanceOf(EngineError);
    expect(error.code).toBe('INVALID_SCENARIO');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('\n');
  });

  it('takes every numeric field as a JSON number or a decimal string, to the same scenario', () => {
    const asStrings = {
      ...MINIMAL,
      months: '12',
      ar: { supply: '65000000', priceUsd: '30' },
      bridges: [{ asset: 'stETH', tvlUsd: '320000000', apr: '0.03' }],
      ao: { fdvUsd: ['1000000000', '10000000000'] },
      monteCarlo: { runs: '10', seed: '7', ao: { driftPerYear: '0', volatilityPerYear: '0.8' }, percentiles: ['5', '50', '95'] },
    };
    const asNumbers = { ...MINIMAL, monteCarlo: { runs: 10, seed: 7, ao: { driftPerYear: 0, volatilityPerYear: 0.8 }, percentiles: [5, 50, 95] } };
    expect(parseScenario(asStrings, 'x')).toEqual(parseScenario(asNumbers, 'x'));
    // Not a decimal string: refused, quoted, as before.
    expect(errorOf(withField('ar.priceUsd', '3e1')).message).toBe('ar.priceUsd: expected a number, got "3e1"');
    expect(errorOf(withField('bridges', [{ asset: 'stETH', tvlUsd: 1, apr: '3 %' }])).message).toBe('bridges.0.apr: expected a number, got "3 %"');
  });

  it('names every bad field of one file, each with its path, on one line', () => {
    const error = errorOf({ ...MINIMAL, months: 0, ar: { supply: '65000000', priceUsd: -3 }, extra: 1 });
    expect(error.message).toBe('months: expected a number > 0, got 0; ar.priceUsd: expected a number > 0, got -3; extra: unknown field (check the spelling)');
    expect(error.details['issues']).toHaveLength(3);
  });

  it('refuses both months and end, a horizon before genesis, and an end before the start', () => {
    expect(errorOf({ ...MINIMAL, end: '2025-01-01' }).message).toBe('months: give exactly one of months or end');
    expect(errorOf({ ...MINIMAL, start: '2024-01-01T00:00:00Z' }).message).toMatch(/^start: 2024-01-01T00:00:00Z is before genesis 2024-02-27T18:00:00.000Z/);
    expect(errorOf({ ...MINIMAL, months: undefined, end: '2024-06-01T00:00:00Z' }).message).toBe('end: the horizon must end after start');
  });

  it('expands ranges with both ends included, linear or log-spaced', () => {
    expect(expandRange({ from: 1, to: 5, steps: 5, scale: 'linear' })).toEqual([1, 2, 3, 4, 5]);
    const log = expandRange({ from: 1e9, to: 1e11, steps: 3, scale: 'log' });
    expect(log[0]).toBe(1e9);
    expect(log[1]).toBeCloseTo(1e10, 0);
    expect(log[2]).toBeCloseTo(1e11, 0);
  });

  it('reads TVL as a constant, a linear path held flat outside its points, or monthly compound growth', () => {
    const t0 = Date.parse('2024-06-01T00:00:00Z');
    const path = { kind: 'path', points: [{ atMs: t0, usd: 100 }, { atMs: t0 + 10_000, usd: 200 }] } as const;
    expect(tvlAt(path, t0 - 1, t0)).toBe(100);
    expect(tvlAt(path, t0 + 2_500, t0)).toBe(125);
    expect(tvlAt(path, t0 + 99_999, t0)).toBe(200);
    // 10 %/month for 2 months: 1.1² = 1.21.
    expect(tvlAt({ kind: 'growth', startUsd: 100, perMonth: 0.1 }, t0 + 2 * MONTH_MS, t0)).toBeCloseTo(121, 9);
  });
});

describe('on-chain APR and price from a snapshot', () => {
  // The quotes as the bridges' snapshots record them (the devnet's, tick 1 of `npm start`).
  const QUOTES = [
    { asset: 'stETH', decimals: 18, priceUsd: '3000.12345678', apr: '0.03', priceSource: 'chainlink:0xdc64a140aa3e981100a9beca4e685f962f0cf6c9@66 age 3s', aprSource: 'lido:TokenRebased@66' },
    { asset: 'DAI', decimals: 18, priceUsd: '1.0001', apr: '0.05', priceSource: 'chainlink:0x610178da211fef7d417bc0e6fed39f05609ad788@66 age 2s', aprSource: 'maker:Pot.dsr=1000000001547125957863212448@66' },
    { asset: 'USDS', decimals: 18, priceUsd: '0.9999', apr: '0.065', priceSource: 'config', aprSource: 'sky:sUSDS.ssr=1000000001996917783620820123@66' },
  ];
  const scenario = (bridges: unknown[], yields: string | null = 'quotes.json') => {
    const dir = mkdtempSync(join(tmpdir(), 'ao-scenario-onchain-'));
    writeFileSync(join(dir, 'quotes.json'), JSON.stringify({ quotes: QUOTES }));
    writeFileSync(join(dir, 's.json'), JSON.stringify({ ...MINIMAL, ...(yields === null ? {} : { yields }), bridges }));
    return join(dir, 's.json');
  };

  it('takes each "on-chain" APR and price from the quote of its asset, and records where it came from', () => {
    const s = loadScenario(
      scenario([
        { asset: 'stETH', tvlUsd: 5e8, apr: 'on-chain', priceUsd: 'on-chain' },
        { asset: 'dai', tvlUsd: 8e7, apr: 'on-chain' }, // asset names match case-insensitively
        { asset: 'USDS', tvlUsd: 2e8, apr: 0.04 }, // a number still wins where one is given
        { asset: 'SOL', tvlUsd: 5e7, apr: 0.07, priceUsd: 150 },
      ]),
    );
    expect(s.bridges.map((b) => [b.asset, b.apr, b.priceUsd, b.onChain])).toEqual([
      ['stETH', 0.03, 3000.12345678, { apr: 'lido:TokenRebased@66', priceUsd: 'chainlink:0xdc64a140aa3e981100a9beca4e685f962f0cf6c9@66 age 3s' }],
      ['dai', 0.05, undefined, { apr: 'maker:Pot.dsr=1000000001547125957863212448@66' }],
      ['USDS', 0.04, undefined, undefined],
      ['SOL', 0.07, 150, undefined],
    ]);
    // The summary says which figures came from the chain, and from where.
    const figures = new Map(summaryTables(simulate({ ...s, months: new Decimal(0.1), endMs: s.startMs + Math.round(0.1 * MONTH_MS) })).figures);
    expect(figures.get('stETH APR on chain')).toBe('0.03 (lido:TokenRebased@66)');
    expect(figures.get('dai APR on chain')).toBe('0.05 (maker:Pot.dsr=1000000001547125957863212448@66)');
    expect(figures.get('stETH price on chain')).toMatch(/^\$3,000\.12 \(chainlink:0xdc64a140aa3e981100a9beca4e685f962f0cf6c9@66 age 3s\)$/);
  });

  it.each([
    ['"on-chain" without a yields file', [{ asset: 'DAI', tvlUsd: 1e8, apr: 'on-chain' }], null, /^bridges\.0\.apr: "on-chain" reads the scenario's yields file/],
    ['an asset the file has no quote for', [{ asset: 'WBTC', tvlUsd: 1e8, apr: 'on-chain' }], 'quotes.json', /^bridges\.0\.apr: the yields file has no quote for WBTC \(it has stETH, DAI, USDS\)$/],
    ['a yields file that is not there', [{ asset: 'DAI', tvlUsd: 1e8, apr: 'on-chain' }], 'nope.json', /^yields: cannot read .*nope\.json as JSON \(ENOENT\)$/],
    ['another word than on-chain', [{ asset: 'DAI', tvlUsd: 1e8, apr: 'onchain' }], 'quotes.json', /^bridges\.0\.apr: expected a number, got "onchain"$/],
  ])('refuses %s in one line naming the field', (_what, bridges, yields, message) => {
    expect(engineErrorOf(() => loadScenario(scenario(bridges, yields))).message).toMatch(message);
  });
});

