import { EngineError } from '../../errors.ts';

/**
 * The address operand of `audit statement` / `audit proof`: an Arweave address (43 base64url
 * characters, an AR holder or a recipient), a 0x EVM address (a stETH depositor; EIP-55 checksum
 * checked when mixed case, stored lower case as the Ethereum source writes it) or a base58 Solana
 * address (a SOL withdraw authority). Anything else is bad input (exit 2) rather than a statement
 * of nothing. Shape only for Arweave: the ledger's own keys are what a query can match.
 */
export type AddressKind = 'arweave' | 'evm' | 'solana';

const ARWEAVE = /^[A-Za-z0-9_-]{43}$/;
const EVM = /^0x[0-9a-fA-F]{40}$/;
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

export async function parseAuditAddress(text: string, field = 'address'): Promise<{ key: string; kind: AddressKind }> {
  if (/^0x/i.test(text)) {
    if (!EVM.test(text)) throw new EngineError('INVALID_ADDRESS', `${field}: ${JSON.stringify(text)} is not an EVM address; expected 0x and 40 hex digits`);
    const { getAddress } = await import('ethers');
    const lower = text.toLowerCase();
    const mixed = text.slice(2) !== lower.slice(2) && text.slice(2) !== text.slice(2).toUpperCase();
    if (mixed && getAddress(lower) !== text) throw new EngineError('INVALID_ADDRESS', `${field}: ${JSON.stringify(text)} has a bad EIP-55 checksum; expected ${getAddress(lower)}`);
    return { key: lower, kind: 'evm' };
  }
  if (ARWEAVE.test(text)) return { key: text, kind: 'arweave' };
  if (BASE58.test(text)) {
    const { PublicKey } = await import('@solana/web3.js');
    try {
      return { key: new PublicKey(text).toBase58(), kind: 'solana' };
    } catch {
      // Falls through to the one message below: base58 characters that are not a 32-byte key.
    }
  }
  throw new EngineError('INVALID_ADDRESS', `${field}: ${JSON.stringify(text)} is not an address; expected an Arweave address (43 base64url characters), a 0x EVM address or a base58 Solana address`);
}
