import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AO_MAINNET, policyToData } from '../../src/emission/index.ts';
import { envName, loadConfig, parseConfig } from '../../src/service/config.ts';
import { runCli } from '../../src/service/cli.ts';
import { tempDir } from './support/harness.ts';
import { engineErrorOf } from '../support/errors.ts';

const dir = tempDir('config');
const keyFile = join(dir, 'minter.json');
writeFileSync(keyFile, JSON.stringify({ kty: 'RSA', n: 'nnn', e: 'AQAB', d: 'ddd' }));

/** A valid minimal config (one source), as a test starts from. */
const base = () => ({
  database: { url: 'sqlite::memory:' },
  sources: { ethereum: { rpcUrls: ['http://127.0.0.1:8545'], preBridge: '0xfE08D40Eee53d64936D3128838867c867602665c' } },
});

const errorOf = engineErrorOf;

describe('config', () => {
  it('fills defaults: ao-mainnet, 2024-02-27T18:00Z genesis, AR settled every tick and bridges daily (288 ticks), loopback :8080', () => {
    const c = parseConfig(base());
    expect(c.policy.id).toBe('ao-mainnet');
    expect(new Date(c.genesisMs).toISOString()).toBe('2024-02-27T18:00:00.000Z');
    expect(c.settlementTicks).toEqual({ ar: 1, steth: 288, dai: 288, usds: 288, sol: 288 });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.ao).toBeNull();
  });

  it('reads the full AR wallet list once a day by default (fullEvery 288 ticks of 5 minutes), in the shipped example too; 0 turns it off', () => {
    // Released mining rewards move mainnet balances without a tx: only a full read corrects them (README, AR source).
    const arweave = { urls: ['https://arweave.net'] };
    expect(parseConfig({ ...base(), sources: { arweave } }).sources.arweave?.fullEvery).toBe(288);
    expect(parseConfig({ ...base(), sources: { arweave: { ...arweave, fullEvery: 0 } } }).sources.arweave?.fullEvery).toBe(0);
    expect(loadConfig('config/example.yaml', { AO_EMISSION_AO_SIGNER_KEY_FILE: keyFile }).sources.arweave?.fullEvery).toBe(288);
  });

  it('the shipped config/example.yaml is valid (with its signer key file given by the environment)', () => {
    const c = loadConfig('config/example.yaml', { AO_EMISSION_AO_SIGNER_KEY_FILE: keyFile });
    // AO's three bridges from their mainnet presets.
    expect(c.ethereumBridges.map((b) => [b.asset.pool, b.bridge])).toEqual([
      ['steth', '0xfe08d40eee53d64936d3128838867c867602665c'],
      ['dai', '0x6a1b588b0684dace1f53c5820111f400b3dbfebf'],
      ['usds', '0x7cd01d5cad4ba0caeba02583a5c61d35b23e08eb'],
    ]);
    // 1h = 12 ticks of 5 minutes; 1d = 288.
    expect(c.settlementTicks).toEqual({ ar: 12, steth: 288, dai: 288, usds: 288, sol: 288 });
    expect(c.ao?.signerKeyFile).toBe(keyFile);
  });

  it('environment variables override the file, one per field: AO_EMISSION_<SECTION>_<FIELD>', () => {
    expect(envName(['sources', 'ethereum', 'rpcUrls'])).toBe('AO_EMISSION_SOURCES_ETHEREUM_RPC_URLS');
    const c = parseConfig(base(), {
      env: { AO_EMISSION_HTTP_PORT: '9191', AO_EMISSION_SETTLEMENT_AR: '1h', AO_EMISSION_SOURCES_ETHEREUM_RPC_URLS: 'http://a.test:1, http://b.test:2', AO_EMISSION_DEBUG: '1' },
    });
    expect(c.http.port).toBe(9191);
    expect(c.settlementTicks.ar).toBe(12);
    expect(parseConfig(base(), { env: { AO_EMISSION_DATABASE_DEFER_ACCOUNTS: '50000' } }).deferAccounts).toBe(50_000);
    expect(c.sources.ethereum?.rpcUrls).toEqual(['http://a.test:1', 'http://b.test:2']);
  });

  // Each case: the input change, the field the message must start with, a fragment of what was expected.
  const cases: [string, (c: Record<string, unknown>) => void, string, RegExp][] = [
    ['unknown top-level field', (c) => (c['databse'] = {}), 'databse', /unknown field/],
    ['database url of another kind', (c) => (c['database'] = { url: 'mysql://x' }), 'database.url', /expected sqlite:<path>/],
    ['database url and urlFile together', (c) => (c['database'] = { url: 'sqlite::memory:', urlFile: 'x' }), 'database', /exactly one of url and urlFile/],
    ['postgres password written in the file', (c) => (c['database'] = { url: 'postgres://u:hunter2@db/x' }), 'database.url', /urlFile or AO_EMISSION_DATABASE_URL/],
    ['sqlite without a path', (c) => (c['database'] = { url: 'sqlite:' }), 'database.url', /needs a file path/],
    ['deferAccounts of zero', (c) => (c['database'] = { url: 'sqlite::memory:', deferAccounts: 0 }), 'database.deferAccounts', />=1|at least 1|too small/i],
    ['no source at all', (c) => (c['sources'] = {}), 'sources', /at least one/],
    ['ethereum rpc url not http', (c) => ((c['sources'] as Record<string, Record<string, unknown>>)['ethereum']!['rpcUrls'] = ['ftp://x']), 'sources.ethereum.rpcUrls.0', /http or https URL/],
    ['pre-bridge not an address', (c) => ((c['sources'] as Record<string, Record<string, unknown>>)['ethereum']!['preBridge'] = '0x12'), 'sources.ethereum.preBridge', /20-byte hex/],
    ['solana without a SOL price', (c) => ((c['sources'] as Record<string, unknown>)['solana'] = { rpcUrls: ['http://127.0.0.1:8899'], voteAccounts: ['BridgeVote1111111111111111111111111111111111'], registry: 'BridgeRegistry11111111111111111111111111111' }), 'sources.yield.sol.priceUsd', /required/],
    ['settlement not a multiple of 5 minutes', (c) => (c['settlement'] = { ar: '7m' }), 'settlement.ar', /multiple of the 5-minute tick/],
    ['http port out of range', (c) => (c['http'] = { port: 70_000 }), 'http.port', /70000|65535/],
    ['http on a public interface', (c) => (c['http'] = { host: '0.0.0.0' }), 'http.host', /not a loopback/],
    ['policy name', (c) => (c['policy'] = 'half'), 'policy', /expected ao-mainnet, .* or flat:A\/B/],
    ['policy data phase share', (c) => (c['policy'] = { ...policyToData(AO_MAINNET), phases: [{ ar: '4/3', rounding: 'floor' }] }), 'policy.phases.0.ar', /more than the whole/],
    ['genesis without a zone', (c) => (c['genesis'] = '2024-02-27T18:00:00'), 'genesis', /ISO-8601/],
    ['AO key file missing', (c) => (c['ao'] = { processId: 'AOTokenProcess00000000000000000000000000000', muUrl: 'http://mu.test', cuUrl: 'http://cu.test', signerKeyFile: join(dir, 'none.json') }), 'ao.signerKeyFile', /does not exist/],
    ['AO key written inline', (c) => (c['ao'] = { processId: 'AOTokenProcess00000000000000000000000000000', muUrl: 'http://mu.test', cuUrl: 'http://cu.test', signerKeyFile: keyFile, signerKey: { kty: 'RSA' } }), 'ao.signerKey', /unknown field/],
    // the fields named are the config's own, and a bad checksum is called one.
    ['pre-bridge with a wrong EIP-55 checksum (one letter lower case)', (c) => ((c['sources'] as Record<string, Record<string, unknown>>)['ethereum']!['preBridge'] = '0xfe08D40Eee53d64936D3128838867c867602665c'), 'sources.ethereum.preBridge', /^sources\.ethereum\.preBridge: 0xfe08D40Eee53d64936D3128838867c867602665c has a bad EIP-55 checksum; expected 0xfE08D40Eee53d64936D3128838867c867602665c \(or all lower case\)$/],
    ['a chain with no Lido stETH and no APR', (c) => ((c['sources'] as Record<string, Record<string, unknown>>)['ethereum']!['chainId'] = 31337), 'sources.ethereum.steth', /^sources\.ethereum\.steth: @lido-sdk\/constants has no stETH for chain 31337; set sources\.ethereum\.steth or sources\.yield\.steth\.apr$/],
    ['a chain with no ETH/USD feed and no price', (c) => Object.assign((c['sources'] as Record<string, Record<string, unknown>>)['ethereum']!, { chainId: 31337, steth: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' }), 'sources.ethereum.chainlinkEthUsd', /set sources\.ethereum\.chainlinkEthUsd or sources\.yield\.steth\.priceUsd$/],
    ['an APR in exponent form', (c) => ((c['sources'] as Record<string, unknown>)['yield'] = { steth: { apr: 1e-7 } }), 'sources.yield.steth.apr', /expected a decimal like "3500.25" or 3500.25/],
  ];
  for (const [name, change, field, expected] of cases) {
    it(`rejects ${name}, naming ${field}`, () => {
      const config = base() as Record<string, unknown>;
      change(config);
      const error = errorOf(() => parseConfig(config));
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.message.startsWith(`${field}: `)).toBe(true);
      expect(error.message).toMatch(expected);
    });
  }

  it('numbers: a JSON number or a decimal string, the same value either way', () => {
    const yieldOf = (v: unknown) => parseConfig({ ...base(), sources: { ...base().sources, yield: { steth: { priceUsd: v, apr: v } } } }).sources.yield?.steth;
    expect(yieldOf(3500.25)).toEqual({ priceUsd: '3500.25', apr: '3500.25' });
    expect(yieldOf('3500.25')).toEqual(yieldOf(3500.25));
    // 0.03 as a JSON number is the double whose shortest decimal form is "0.03": taken as exactly that.
    expect(yieldOf(0.03)).toEqual({ priceUsd: '0.03', apr: '0.03' });
    const c = parseConfig({ ...base(), http: { port: '9191' }, settlement: { ar: '1h' }, sources: { ethereum: { ...base().sources.ethereum, chainId: '1', confirmations: '12' } } });
    expect(c.http.port).toBe(9191);
    expect(c.sources.ethereum?.chainId).toBe(1);
    expect(c.sources.ethereum?.confirmations).toBe(12);
    expect(errorOf(() => parseConfig({ ...base(), http: { port: '80.5' } })).message).toMatch(/^http\.port: /);
  });

  it('binds a public interface only when AO_EMISSION_HTTP_PUBLIC=1 says so', () => {
    expect(parseConfig({ ...base(), http: { host: '0.0.0.0' } }, { env: { AO_EMISSION_HTTP_PUBLIC: '1' } }).http.host).toBe('0.0.0.0');
  });

  it('rejects a bad environment value or an unknown variable of a known section, naming the variable', () => {
    expect(errorOf(() => parseConfig(base(), { env: { AO_EMISSION_HTTP_PORT: 'eighty' } })).message).toMatch(/^AO_EMISSION_HTTP_PORT: "eighty" is not a whole number/);
    expect(errorOf(() => parseConfig(base(), { env: { AO_EMISSION_HTTP_PROT: '1' } })).message).toMatch(/^AO_EMISSION_HTTP_PROT: unknown setting/);
  });

  it('a postgres password is accepted from AO_EMISSION_DATABASE_URL (the environment is where the file error sends it), over the url or urlFile of the file', () => {
    const url = 'postgres://minter:hunter2@db.internal:5432/ao';
    expect(parseConfig(base(), { env: { AO_EMISSION_DATABASE_URL: url } }).databaseUrl).toBe(url);
    expect(parseConfig({ ...base(), database: { urlFile: 'secret-url' } }, { env: { AO_EMISSION_DATABASE_URL: url } }).databaseUrl).toBe(url);
    // The file itself still may not hold one.
    expect(errorOf(() => parseConfig({ ...base(), database: { url } })).message).toMatch(/^database\.url: a postgres URL with a password must come from database\.urlFile or AO_EMISSION_DATABASE_URL/);
  });

  it('health: readiness bounds default to 3 ticks of lag and 15 minutes of source failure; periods are checked', () => {
    expect(parseConfig(base()).health).toEqual({ maxLagTicks: 3, maxSourceFailureMs: 15 * 60_000 });
    expect(parseConfig({ ...base(), health: { maxLagTicks: 0, maxSourceFailure: '90s' } }).health).toEqual({ maxLagTicks: 0, maxSourceFailureMs: 90_000 });
    expect(parseConfig(base(), { env: { AO_EMISSION_HEALTH_MAX_SOURCE_FAILURE: '2h' } }).health.maxSourceFailureMs).toBe(7_200_000);
    expect(errorOf(() => parseConfig({ ...base(), health: { maxSourceFailure: 'soon' } })).message).toMatch(/^health\.maxSourceFailure: expected a period like 30s, 15m, 1h/);
  });

  it('reports every problem of a config at once, each naming its field', () => {
    const error = errorOf(() => parseConfig({ ...base(), http: { port: 70_000 }, log: { level: 'loud' }, databse: {} }));
    expect(error.message.split('; ').map((p) => p.split(':')[0])).toEqual(['http.port', 'log.level', 'databse']);
    expect(error.details['problems']).toHaveLength(3);
  });

  it('never echoes credentials: URLs are redacted in messages and logs', () => {
    const error = errorOf(() => parseConfig({ ...base(), database: { url: 'mysql://root:hunter2@db/x' } }));
    expect(error.message).not.toContain('hunter2');
  });

  it('serve with an invalid config exits 2 with one line naming the field, and writes nothing', async () => {
    const work = join(dir, 'serve');
    mkdirSync(work);
    const file = join(work, 'bad.yaml');
    // runCli's result is the process exit code (bin/ao-emission.js sets process.exitCode to it).
    const serve = async (text: string): Promise<{ code: number; stderr: string }> => {
      writeFileSync(file, text);
      const stderr: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => (stderr.push(chunk), true)) as typeof process.stderr.write;
      try {
        return { code: await runCli(['serve', '--config', file]), stderr: stderr.join('') };
      } finally {
        process.stderr.write = write;
      }
    };
    expect(await serve('database:\n  url: sqlite:./db/ledger.db\nsources: {}\n')).toEqual({ code: 2, stderr: 'ao-emission: sources: configure at least one of arweave, ethereum, solana\n' });
    expect(existsSync(join(work, 'db'))).toBe(false);
    const notYaml = await serve('database: [unclosed\n');
    expect(notYaml.code).toBe(2);
    expect(notYaml.stderr).toMatch(/^ao-emission: --config: ".*bad\.yaml" is not valid YAML/);
    const missingKey = await serve(`database:\n  url: sqlite:./db/ledger.db\nsources:\n  arweave: { urls: [http://127.0.0.1:1984] }\nao: { processId: AOTokenProcess00000000000000000000000000000, muUrl: http://127.0.0.1:1, cuUrl: http://127.0.0.1:1, signerKeyFile: ./nope.json }\n`);
    expect(missingKey).toEqual({ code: 2, stderr: `ao-emission: ao.signerKeyFile: file ${JSON.stringify(join(work, 'nope.json'))} does not exist\n` });
    expect(existsSync(join(work, 'db'))).toBe(false);
  });

  describe('SOL bridge', () => {
    const sol = (solana: Record<string, unknown>) => ({
      database: { url: 'sqlite::memory:' },
      sources: {
        solana: { rpcUrls: ['http://127.0.0.1:8899'], voteAccounts: ['BridgeVote1111111111111111111111111111111111'], registry: 'BridgeRegistry11111111111111111111111111111', ...solana },
        yield: { sol: { priceUsd: '150' } },
      },
    });

    it('sources.solana.depositDelay: "24h" is 86,400 s; without it SOL has no delay (0)', () => {
      expect(parseConfig(sol({ depositDelay: '24h' })).solanaDepositDelaySec).toBe(86_400);
      expect(parseConfig(sol({})).solanaDepositDelaySec).toBe(0);
      expect(parseConfig(base()).solanaDepositDelaySec).toBe(0);
    });

    it.each([
      ['not a period', '1 day', /^sources\.solana\.depositDelay: expected a period like 0s, 30m, 24h, 1d$/],
      ['a number', 86_400, /^sources\.solana\.depositDelay: /],
      ['longer than a year', '366d', /^sources\.solana\.depositDelay: 366d is longer than a year$/],
    ])('refuses a depositDelay that is %s, naming the field', (_name, depositDelay, expected) => {
      const error = errorOf(() => parseConfig(sol({ depositDelay })));
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.message).toMatch(expected);
    });
  });

  describe('Ethereum bridge assets', () => {
    const eth = (ethereum: Record<string, unknown>) => ({ database: { url: 'sqlite::memory:' }, sources: { ethereum: { rpcUrls: ['http://127.0.0.1:8545'], ...ethereum } } });

    it("on chain 1, assets: {steth, dai, usds} are AO's presets: bridges, feeds, Lido / Pot / sUSDS, USDS at a constant 1 USD, 24 h delay, in pool order", () => {
      const c = parseConfig(eth({ assets: { usds: {}, steth: {}, dai: {} } }));
      expect(c.ethereumBridges.map((b) => [b.asset.pool, b.bridge, b.asset.kind, b.asset.price, b.asset.apr, b.asset.depositDelaySec])).toEqual([
        ['steth', '0xfe08d40eee53d64936d3128838867c867602665c', 'pools', { kind: 'chainlink', feed: '0x5f4ec3df9cbd43714fe2740f5e3616155c5b8419' }, { kind: 'lido', stETH: '0xae7ab96520de3a18e5e111b5eaab095312d7fe84' }, 86_400],
        ['dai', '0x6a1b588b0684dace1f53c5820111f400b3dbfebf', 'pools', { kind: 'chainlink', feed: '0xaed0c38402a5d19df6e4c03f4e2dced6e29c1ee9' }, { kind: 'dsr', pot: '0x197e90f9fad81970ba7976f33cbd77088e5d7cf7' }, 86_400],
        ['usds', '0x7cd01d5cad4ba0caeba02583a5c61d35b23e08eb', 'vault', { kind: 'config', priceUsd: '1' }, { kind: 'ssr', sUSDS: '0xa3931d71877c0e7a3148cb7eb4463524fec27fbd' }, 86_400],
      ]);
      expect(c.settlementTicks).toMatchObject({ dai: 288, usds: 288 });
    });

    it('the stETH-only preBridge form is the steth bridge with the 24 h delay unless depositDelay says otherwise', () => {
      expect(parseConfig(base()).ethereumBridges.map((b) => [b.asset.pool, b.asset.depositDelaySec])).toEqual([['steth', 86_400]]);
      expect(parseConfig(eth({ preBridge: '0xfE08D40Eee53d64936D3128838867c867602665c', depositDelay: '0s' })).ethereumBridges[0]!.asset.depositDelaySec).toBe(0);
    });

    it.each([
      ['an unknown asset name', { assets: { wbtc: {} } }, /^sources\.ethereum\.assets\.wbtc: unknown asset "wbtc"; expected one of steth, dai, usds$/],
      ['a DAI bridge on a chain without presets', { chainId: 31337, assets: { dai: { feed: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', pot: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' } } }, /^sources\.ethereum\.assets\.dai\.bridge: no dai bridge preset for chain 31337; set it$/],
      ['a USDS yield source of the wrong kind', { assets: { usds: { pot: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed' } } }, /^sources\.ethereum\.assets\.usds\.pot: is not a yield source of usds; expected sUSDS or apr$/],
      ['a bad deposit delay', { assets: { dai: { depositDelay: '1 day' } } }, /^sources\.ethereum\.assets\.dai\.depositDelay: expected a period like 0s, 30m, 24h, 1d$/],
      ['assets and preBridge together', { preBridge: '0xfE08D40Eee53d64936D3128838867c867602665c', assets: { dai: {} } }, /^sources\.ethereum: give assets, or the stETH-only preBridge/],
    ])('refuses %s in one line naming the pool and the field', (_name, ethereum, expected) => {
      const error = errorOf(() => parseConfig(eth(ethereum)));
      expect(error.code).toBe('INVALID_CONFIG');
      expect(error.message).toMatch(expected);
    });
  });
});
