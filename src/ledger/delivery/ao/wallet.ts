import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Arweave from 'arweave';
import { EngineError } from '../../../errors.ts';
import type { ArweaveJwk } from './client.ts';

/** An Arweave wallet's address: base64url(SHA-256(n)) of its RSA modulus — what the AO node sees as From. */
export const addressOfJwk = (jwk: ArweaveJwk): string => createHash('sha256').update(Buffer.from(jwk['n'] ?? '', 'base64url')).digest('base64url');

/**
 * The minter's wallet from a JWK file. With create: true a missing file is generated (RSA-4096,
 * seconds) and written with mode 0600, atomically. The key never appears in errors or logs.
 */
export async function loadWallet(path: string, opts: { create?: boolean } = {}): Promise<{ jwk: ArweaveJwk; address: string }> {
  if (!existsSync(path)) {
    if (!opts.create) throw new EngineError('INVALID_CONFIG', `wallet: ${path} does not exist; expected an Arweave JWK file`);
    const jwk = (await Arweave.init({}).wallets.generate()) as unknown as ArweaveJwk;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(jwk), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    return { jwk, address: addressOfJwk(jwk) };
  }
  let jwk: ArweaveJwk;
  try {
    jwk = JSON.parse(readFileSync(path, 'utf8')) as ArweaveJwk;
  } catch {
    throw new EngineError('INVALID_CONFIG', `wallet: ${path} is not JSON; expected an Arweave JWK file`);
  }
  if (jwk === null || typeof jwk !== 'object' || jwk['kty'] !== 'RSA' || typeof jwk['n'] !== 'string' || typeof jwk['d'] !== 'string') {
    throw new EngineError('INVALID_CONFIG', `wallet: ${path} is not an RSA private JWK; expected kty "RSA" with n and d`);
  }
  return { jwk, address: addressOfJwk(jwk) };
}
