import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseArweaveAddress } from '../../../src/address.ts';
import type { EngineError } from '../../../src/errors.ts';
import { TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN, STETH_POOL_TOPIC } from '../../../src/bridges/ethereum/abi.ts';
import { applyLog, decodeCursor, encodeCursor, recipientFromWord } from '../../../src/bridges/ethereum/state.ts';
import type { ScanState } from '../../../src/bridges/ethereum/state.ts';
import type { RawLog } from '../../../src/bridges/ethereum/decode.ts';

const PRE = '0x' + '11'.repeat(20);
const USER = '0x' + 'ab'.repeat(20);
const AR = parseArweaveAddress('Q9b1H4lqd0-n5MG2nR8g2m6P0e3vXk1bI7Cq6fQ5J8Y');
const arHex = Buffer.from(AR, 'base64url').toString('hex');
const empty = (): ScanState => ({ chainId: 1, preBridge: PRE, block: 10n, hash: '0x' + '22'.repeat(32), totalDeposited: 0n, depositors: new Map(), rebase: null });
const log = (topic: string, amount: bigint, arWord: string, block = 11n): RawLog => ({
  address: PRE,
  topics: [topic, STETH_POOL_TOPIC, '0x' + '0'.repeat(24) + USER.slice(2)],
  data: '0x' + amount.toString(16).padStart(64, '0') + arWord,
  blockNumber: block,
  blockHash: '0x' + '33'.repeat(32),
  logIndex: 0n,
  transactionHash: '0x' + '44'.repeat(32),
});

describe('recipientFromWord', () => {
  it('reads the raw 32 bytes an Arweave address encodes', () => {
    expect(recipientFromWord(arHex)).toBe(AR);
  });
  it('names no recipient for the zero word (no address given, emergency eject)', () => {
    expect(recipientFromWord('0'.repeat(64))).toBeNull();
  });
  it('names no recipient for 32 bytes of base64url text (the address pasted as text, truncated)', () => {
    expect(recipientFromWord(Buffer.from(AR.slice(0, 32), 'latin1').toString('hex'))).toBeNull();
  });
  it('round-trips every 32-byte value that is not all base64url characters (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        fc.pre(bytes.some((b) => !/[A-Za-z0-9_-]/.test(String.fromCharCode(b))));
        expect(Buffer.from(recipientFromWord(Buffer.from(bytes).toString('hex'))!, 'base64url')).toEqual(Buffer.from(bytes));
      }),
    );
  });
});

describe('applyLog', () => {
  it('keeps the latest non-zero valid recipient across stake and withdraw events', () => {
    const s = empty();
    const touched = new Set<string>();
    applyLog(s, log(TOPIC_USER_STAKED, 100n, arHex), null, touched);
    applyLog(s, log(TOPIC_USER_STAKED, 50n, '0'.repeat(64)), null, touched);
    applyLog(s, log(TOPIC_USER_WITHDRAWN, 30n, '0'.repeat(64)), null, touched);
    expect(s.depositors.get(USER)).toEqual({ deposited: 120n, recipient: AR });
    expect(s.totalDeposited).toBe(120n);
    expect([...touched]).toEqual([USER]);
  });

  it('fails with SNAPSHOT_MISMATCH when a withdrawal exceeds the indexed deposit', () => {
    const s = empty();
    applyLog(s, log(TOPIC_USER_STAKED, 10n, arHex), null, new Set());
    try {
      applyLog(s, log(TOPIC_USER_WITHDRAWN, 11n, arHex), null, new Set());
      expect.unreachable();
    } catch (e) {
      expect((e as EngineError).code).toBe('SNAPSHOT_MISMATCH');
    }
  });

  it('ignores other pools', () => {
    const s = empty();
    const other = { ...log(TOPIC_USER_STAKED, 10n, arHex), topics: [TOPIC_USER_STAKED, '0x' + '0'.repeat(63) + '1', '0x' + '0'.repeat(24) + USER.slice(2)] };
    expect(applyLog(s, other, null, new Set())).toBe('ignored');
    expect(s.totalDeposited).toBe(0n);
  });
});

describe('cursor', () => {
  it('round-trips the state, dropping depositors with nothing deposited and no recipient', () => {
    const s = empty();
    s.depositors.set(USER, { deposited: 5n, recipient: AR });
    s.depositors.set('0x' + 'cd'.repeat(20), { deposited: 0n, recipient: null });
    s.depositors.set('0x' + 'ef'.repeat(20), { deposited: 0n, recipient: AR });
    s.totalDeposited = 5n;
    const back = decodeCursor(encodeCursor(s), { chainId: 1, preBridge: PRE });
    expect([...back.depositors]).toEqual([
      [USER, { deposited: 5n, recipient: AR }],
      ['0x' + 'ef'.repeat(20), { deposited: 0n, recipient: AR }],
    ]);
    expect(back.block).toBe(10n);
  });

  it.each([
    ['not JSON', 'nope', 'steth cursor: "nope" is not JSON; expected the cursor of an earlier steth snapshot'],
    ['a wrong version', JSON.stringify({ v: 2 }), 'steth cursor: v: Invalid input: expected 1; expected the cursor of an earlier steth snapshot'],
  ])('refuses %s with INVALID_ARGUMENT naming the field', (_what, text, message) => {
    expect(() => decodeCursor(text, { chainId: 1, preBridge: PRE })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message }));
  });

  it('refuses a cursor of another chain or contract, and one whose total disagrees with its depositors', () => {
    const s = empty();
    s.depositors.set(USER, { deposited: 5n, recipient: null });
    s.totalDeposited = 5n;
    const text = encodeCursor(s);
    expect(() => decodeCursor(text, { chainId: 5, preBridge: PRE })).toThrow(/is for chain 1/);
    expect(() => decodeCursor(text.replace('"totalDeposited":"5"', '"totalDeposited":"6"'), { chainId: 1, preBridge: PRE })).toThrow(/sum to 5 wei/);
  });
});
