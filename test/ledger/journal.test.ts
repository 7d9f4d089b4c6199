import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, canonicalJson, chainHash, encodeEntry, entryHash } from '../../src/ledger/index.ts';
import type { JournalEntry } from '../../src/ledger/index.ts';
import { decodeChanges, encodeChanges } from '../../src/ledger/index.ts';

const entry: JournalEntry = {
  tick: 1,
  startMs: 0,
  endMs: 300_000,
  mint: 34_137_577_002_053n,
  splitAr: 34_137_577_002_053n,
  splitBridges: 0n,
  bridgeCarryIn: 0n,
  bridgeCarryOut: 0n,
  policyLabel: 'ao-mainnet@1',
  policy: { id: 'ao-mainnet', version: 1 },
  notes: ['a "quoted", note'],
  pools: [],
  changes: [
    { pool: 'steth', account: '0xb', oldWeight: 0n, newWeight: 5n, oldRecipient: null, newRecipient: 'R' },
    { pool: 'ar', account: 'z', oldWeight: 7n, newWeight: 0n, oldRecipient: 'Q', newRecipient: 'Q' },
    { pool: 'ar', account: 'a', oldWeight: 1n, newWeight: 2n, oldRecipient: null, newRecipient: null },
  ],
};

describe('journal encoding', () => {
  it('canonicalJson sorts keys, writes bigints as strings, keeps null, drops undefined', () => {
    expect(canonicalJson({ b: 1n, a: [null, 'x'], c: undefined, d: { z: true, y: 2 } })).toBe('{"a":[null,"x"],"b":"1","d":{"y":2,"z":true}}');
  });

  it('encodeEntry is canonicalJson of the entry with changes as sorted [pool, account, old, new, oldRecipient, newRecipient] tuples', () => {
    const generic = canonicalJson({
      ...entry,
      changes: [
        ['ar', 'a', 1n, 2n, null, null],
        ['ar', 'z', 7n, 0n, 'Q', 'Q'],
        ['steth', '0xb', 0n, 5n, null, 'R'],
      ],
    });
    expect(encodeEntry(entry)).toBe(generic);
  });

  it('encodeEntry equals canonicalJson for any keys and recipients (quotes, unicode, control characters, "$&" and other replacement patterns)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('$&', "a$'b", '$`', '$$', '$1'), fc.stringMatching(/^[\w\-.:+/=@ ]{0,20}$/));
    const change = fc.record({ pool: text, account: text, oldWeight: fc.bigInt({ min: 0n }), newWeight: fc.bigInt({ min: 0n }), oldRecipient: fc.option(text), newRecipient: fc.option(text) });
    const byPoolAccount = (a: { pool: string; account: string }, b: { pool: string; account: string }): number =>
      a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : a.account < b.account ? -1 : a.account > b.account ? 1 : 0;
    fc.assert(
      fc.property(fc.array(change, { maxLength: 8 }), (changes) => {
        const generic = canonicalJson({ ...entry, changes: [...changes].sort(byPoolAccount).map((c) => [c.pool, c.account, c.oldWeight, c.newWeight, c.oldRecipient, c.newRecipient]) });
        expect(encodeEntry({ ...entry, changes })).toBe(generic);
      }),
      { numRuns: 500 },
    );
  });

  it('hash_k = sha256(prevHash bytes ‖ UTF-8 canonical entry), genesis prevHash = 64 zeros', () => {
    const expected = createHash('sha256').update(Buffer.alloc(32)).update(encodeEntry(entry), 'utf8').digest('hex');
    expect(GENESIS_HASH).toBe('0'.repeat(64));
    expect(entryHash(GENESIS_HASH, entry)).toBe(expected);
    expect(chainHash(expected, 'x')).toBe(createHash('sha256').update(Buffer.from(expected, 'hex')).update('x').digest('hex'));
    expect(() => chainHash('xyz', 'x')).toThrow(/64 lowercase hex/);
  });

  it('the change log round-trips and is ordered by account id', () => {
    const changes = [
      { accountId: 9, oldWeight: 1n, newWeight: 0n },
      { accountId: 2, oldWeight: 0n, newWeight: 10n ** 30n, recipient: null },
      { accountId: 5, oldWeight: 3n, newWeight: 3n, recipient: 'R' },
    ];
    const text = encodeChanges(changes);
    expect(text).toBe('[[2,"0","1000000000000000000000000000000",null],[5,"3","3","R"],[9,"1","0"]]');
    expect(decodeChanges(text)).toEqual([changes[1], changes[2], changes[0]]);
  });
});
