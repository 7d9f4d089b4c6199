import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EngineError } from '../../../../src/errors.ts';
import { addressOfJwk, loadWallet } from '../../../../src/ledger/delivery/ao/index.ts';
import { arweave, tempDir, wallet } from './fixture.ts';

describe('loadWallet', () => {
  it('loads a JWK file and derives the same address as arweave.wallets.jwkToAddress', async () => {
    const { jwk, address } = await wallet('minter');
    const path = `${tempDir()}/wallet.json`;
    writeFileSync(path, JSON.stringify(jwk));
    const loaded = await loadWallet(path);
    expect(loaded.address).toBe(address);
    expect(addressOfJwk(jwk)).toBe(await arweave.wallets.jwkToAddress(jwk as never));
  });

  it('refuses a missing file (without create), non-JSON and a public-only key, naming the file', async () => {
    const dir = tempDir();
    const codes = async (p: string) => ((await loadWallet(p).catch((e: unknown) => e)) as EngineError);
    expect((await codes(`${dir}/none.json`)).code).toBe('INVALID_CONFIG');
    writeFileSync(`${dir}/bad.json`, 'not json');
    expect((await codes(`${dir}/bad.json`)).message).toBe(`wallet: ${dir}/bad.json is not JSON; expected an Arweave JWK file`);
    writeFileSync(`${dir}/pub.json`, JSON.stringify({ kty: 'RSA', n: 'abc', e: 'AQAB' }));
    expect((await codes(`${dir}/pub.json`)).message).toContain('is not an RSA private JWK');
  });
});
