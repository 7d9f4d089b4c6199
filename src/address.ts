import { EngineError } from './errors.ts';

/** A 43-character base64url Arweave address that decodes to exactly 32 bytes. */
export type ArweaveAddress = string & { readonly __brand: 'ArweaveAddress' };

const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

export function parseArweaveAddress(text: unknown, field = 'address'): ArweaveAddress {
  if (typeof text !== 'string' || !BASE64URL_43.test(text)) {
    throw new EngineError('INVALID_ADDRESS', `${field}: ${JSON.stringify(text)} is not an Arweave address; expected 43 base64url characters`);
  }
  const bytes = Buffer.from(text, 'base64url');
  // 43 chars carry 258 bits; the last char's two low bits must be zero for a canonical 32-byte value.
  if (bytes.length !== 32 || bytes.toString('base64url') !== text) {
    throw new EngineError('INVALID_ADDRESS', `${field}: ${JSON.stringify(text)} does not decode to 32 bytes`);
  }
  return text as ArweaveAddress;
}

export function isArweaveAddress(text: unknown): text is ArweaveAddress {
  try {
    parseArweaveAddress(text);
    return true;
  } catch {
    return false;
  }
}

/** The raw 32 bytes of an address (the bytes32 form used by the stETH pre-bridge). */
export const arweaveAddressToBytes = (address: ArweaveAddress): Uint8Array => new Uint8Array(Buffer.from(address, 'base64url'));

export function arweaveAddressFromBytes(bytes: Uint8Array, field = 'address'): ArweaveAddress {
  if (bytes.length !== 32) throw new EngineError('INVALID_ADDRESS', `${field}: ${bytes.length} bytes; expected 32`);
  return Buffer.from(bytes).toString('base64url') as ArweaveAddress;
}
