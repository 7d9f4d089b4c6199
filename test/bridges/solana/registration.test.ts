import { describe, expect, it } from 'vitest';
import { parseRegistrationMemo } from '../../../src/bridges/solana/registration.ts';
import { aprFromRewards, configDecimal } from '../../../src/bridges/solana/yield-quote.ts';

const address = Buffer.alloc(32, 3).toString('base64url');
const signer = 'F7SpXoLrfsfLsrbfsSHCrd7yGK3zWXk1FykbF82oYFYB';

describe('parseRegistrationMemo', () => {
  it('accepts exactly "ao:<43-char Arweave address>" signed by one key', () => {
    expect(parseRegistrationMemo({ text: `ao:${address}`, signers: [signer] })).toEqual({ ok: true, signer, recipient: address });
  });

  it.each([
    [`ao:${address}`, [], 'memo lists 0 signers; expected exactly 1 (the withdraw authority)'],
    [`ao:${address}`, [signer, signer], 'memo lists 2 signers; expected exactly 1 (the withdraw authority)'],
    [`ao: ${address}`, [signer], 'is not an Arweave address'],
    [`ao:${address}x`, [signer], 'is not an Arweave address'],
    [`${address}`, [signer], 'does not start with "ao:"'],
    ['ao:' + Buffer.alloc(32, 3).toString('base64url').slice(0, 42) + 'B', [signer], 'does not decode to 32 bytes'],
  ])('refuses %j signed by %j: %s', (text, signers, reason) => {
    const verdict = parseRegistrationMemo({ text, signers });
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.reason).toContain(reason);
  });
});

describe('aprFromRewards', () => {
  it('annualises the paid rate by the bank’s slots per year (365.242199 d at 400 ms = 78,892,314.984 slots)', () => {
    // 1,000 lamports on a 10^9 base = 10^-6 per epoch; 78,892,314.984 / 432,000 = 182.6210995 epochs a year.
    expect(aprFromRewards([{ amount: 1000n, postBalance: 1_000_001_000n }], 432_000)).toBe('0.0001826210995');
    // Pooled, not averaged: (3,000 + 1,000) / (2·10^9 + 10^9) · 78,892,314.984 / 32 = 3.287179791.
    expect(aprFromRewards([{ amount: 3000n, postBalance: 2_000_003_000n }, { amount: 1000n, postBalance: 1_000_001_000n }], 32)).toBe('3.287179791');
  });

  it('returns null when no sample was paid, so the source falls back to the inflation rate', () => {
    expect(aprFromRewards([], 432_000)).toBeNull();
    expect(aprFromRewards([{ amount: 0n, postBalance: 5n }], 432_000)).toBeNull();
  });
});

describe('configDecimal', () => {
  it('keeps up to 18 decimals, canonical, and refuses more with INVALID_ARGUMENT', () => {
    expect(configDecimal('150.250', 'priceUsd')).toBe('150.25');
    expect(configDecimal('0.000000000000000001', 'apr')).toBe('0.000000000000000001');
    expect(() => configDecimal('-1', 'apr')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => configDecimal('1e3', 'apr')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
