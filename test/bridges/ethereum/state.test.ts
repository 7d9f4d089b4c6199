import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseArweaveAddress } from '../../../src/address.ts';
import type { EngineError } from '../../../src/errors.ts';
import { TOPIC_USER_STAKED, TOPIC_USER_WITHDRAWN, STETH_POOL_TOPIC } from '../../../src/bridges/ethereum/abi.ts';
import { applyLog, countedOf, decodeCursor, depositorChanges, DEPOSITOR_KIND, DUE_KIND, dueChanges, encodeCursor, mature, parseDepositorValue, recipientFromWord } from '../../../src/bridges/ethereum/state.ts';
import type { ScanState } from '../../../src/bridges/ethereum/state.ts';
import type { RawLog } from '../../../src/bridges/ethereum/decode.ts';

const PRE = '0x' + '11'.repeat(20);
const USER = '0x' + 'ab'.repeat(20);
const AR = parseArweaveAddress('Q9b1H4lqd0-n5MG2nR8g2m6P0e3vXk1bI7Cq6fQ5J8Y');
const arHex = Buffer.from(AR, 'base64url').toString('hex');
const empty = (): ScanState => ({ chainId: 1, pool: 'steth', kind: 'pools', preBridge: PRE, block: 10n, hash: '0x' + '22'.repeat(32), totalDeposited: 0n, depositors: new Map(), stored: new Set(), count: 0, reset: false, rebase: null, countedTick: 0, dueAdded: new Map() });
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

describe('depositorChanges (source state)', () => {
  const OTHER = '0x' + 'cd'.repeat(20);
  const GONE = '0x' + 'ef'.repeat(20);

  it('returns a row for each touched depositor, a delete for one left with nothing, and keeps the row count', () => {
    const s = empty();
    s.count = 2; // USER and GONE were stored
    s.stored.add(USER).add(GONE);
    s.depositors.set(USER, { deposited: 5n, recipient: AR });
    s.depositors.set(GONE, { deposited: 0n, recipient: null });
    s.depositors.set(OTHER, { deposited: 0n, recipient: null }); // met, never stored, still empty: no row
    const delta = depositorChanges(s, new Set([USER, GONE, OTHER]));
    expect(delta).toEqual({
      reset: false,
      changes: [
        { kind: DEPOSITOR_KIND, key: USER, value: JSON.stringify(['5', AR]) },
        { kind: DEPOSITOR_KIND, key: GONE, value: null },
      ],
    });
    expect(s.count).toBe(1);
    expect(parseDepositorValue(USER, delta.changes[0]!.value!)).toEqual({ deposited: 5n, recipient: AR });
  });

  it('returns every depositor of a reset state, touched or not, and counts them afresh', () => {
    const s = { ...empty(), reset: true, count: 7 };
    s.depositors.set(USER, { deposited: 5n, recipient: null });
    s.depositors.set(OTHER, { deposited: 0n, recipient: AR });
    s.depositors.set(GONE, { deposited: 0n, recipient: null });
    expect(depositorChanges(s, new Set()).changes.map((c) => c.key)).toEqual([USER, OTHER]); // by key
    expect(s.count).toBe(2);
  });

  it('refuses a stored row that is not [deposited wei, recipient or null], naming the depositor', () => {
    expect(() => parseDepositorValue(USER, '["-1",null]')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(`depositor ${USER}`) }));
  });
});

describe('cursor', () => {
  it('is the same size whether 1 or 1,000 depositors are behind it (they are source-state rows)', () => {
    const one = { ...empty(), count: 1, totalDeposited: 5n * 10n ** 18n };
    const many = { ...empty(), count: 9, totalDeposited: 5n * 10n ** 18n };
    for (let i = 0; i < 1_000; i++) many.depositors.set('0x' + i.toString(16).padStart(40, '0'), { deposited: 1n, recipient: AR });
    expect(encodeCursor(many).length).toBe(encodeCursor(one).length);
    const back = decodeCursor(encodeCursor(many), { chainId: 1, preBridge: PRE });
    expect(back).toMatchObject({ block: 10n, count: 9, totalDeposited: 5n * 10n ** 18n, reset: false });
    expect(back.depositors.size).toBe(0);
  });

  it('reads a version-1 cursor (every depositor inside) as a reset state, so its depositors become rows once', () => {
    const v1 = JSON.stringify({ v: 1, chainId: 1, preBridge: PRE, block: '10', hash: '0x' + '22'.repeat(32), totalDeposited: '5', depositors: { [USER]: ['5', AR] }, rebase: null });
    const s = decodeCursor(v1, { chainId: 1, preBridge: PRE });
    expect(s.reset).toBe(true);
    expect(depositorChanges(s, new Set()).changes).toEqual([{ kind: DEPOSITOR_KIND, key: USER, value: JSON.stringify(['5', AR]) }]);
    expect(() => decodeCursor(v1.replace('"totalDeposited":"5"', '"totalDeposited":"6"'), { chainId: 1, preBridge: PRE })).toThrow(/sum to 5 wei/);
  });

  it.each([
    ['not JSON', 'nope', 'steth cursor: "nope" is not JSON; expected the cursor of an earlier steth snapshot'],
    ['a wrong version', JSON.stringify({ v: 3 }), /^steth cursor: v: .*; expected the cursor of an earlier steth snapshot$/],
  ])('refuses %s with INVALID_ARGUMENT naming the field', (_what, text, message) => {
    expect(() => decodeCursor(text, { chainId: 1, preBridge: PRE })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: typeof message === 'string' ? message : expect.stringMatching(message) }));
  });

  it('refuses a cursor of another chain or contract', () => {
    const text = encodeCursor({ ...empty(), count: 1, totalDeposited: 5n });
    expect(() => decodeCursor(text, { chainId: 5, preBridge: PRE })).toThrow(/is for chain 1/);
  });
});

describe('the deposit delay in the scan state', () => {
  // Deposits due at tick 300 (this snapshot counts through tick 10): queued; the weight is deposited − queued.
  const due = (tick: number) => () => tick;

  it('queues a deposit due after the counted tick, and a withdrawal takes the latest queued first, then the counted part', () => {
    const s = { ...empty(), countedTick: 10 };
    applyLog(s, log(TOPIC_USER_STAKED, 30n, arHex), null, new Set(), due(5)); // due by tick 10: counts at once
    applyLog(s, log(TOPIC_USER_STAKED, 20n, arHex), null, new Set(), due(300));
    applyLog(s, log(TOPIC_USER_STAKED, 7n, arHex), null, new Set(), due(301));
    const d = s.depositors.get(USER)!;
    expect(d.queued).toEqual([{ tick: 300, amount: 20n }, { tick: 301, amount: 7n }]);
    expect(countedOf(d)).toBe(30n);
    // 35 = 7 (tick 301) + 20 (tick 300) from the queue, then 8 from the counted 30.
    applyLog(s, log(TOPIC_USER_WITHDRAWN, 35n, arHex), null, new Set(), due(302));
    expect(d).toEqual({ deposited: 22n, recipient: AR });
    expect(countedOf(d)).toBe(22n);
    expect([...s.dueAdded]).toEqual([[300, new Set([USER])], [301, new Set([USER])]]); // hints; the rows are merged later
  });

  it('counts exactly the queued deposits due at or before the tick', () => {
    const d = { deposited: 10n, recipient: null, queued: [{ tick: 5, amount: 3n }, { tick: 6, amount: 4n }] };
    expect(mature(d, 4)).toBe(false);
    expect(mature(d, 5)).toBe(true);
    expect(d.queued).toEqual([{ tick: 6, amount: 4n }]);
    expect(countedOf(d)).toBe(6n);
    expect(mature(d, 6)).toBe(true);
    expect(d).toEqual({ deposited: 10n, recipient: null });
  });

  it('keeps the queue in the depositor row (and reads it back), and the due rows: consumed ones deleted, new ones merged', () => {
    const queued = { deposited: 10n, recipient: AR, queued: [{ tick: 300, amount: 4n }] };
    expect(parseDepositorValue(USER, JSON.stringify(['10', AR, [[300, '4']]]))).toEqual(queued);
    expect(() => parseDepositorValue(USER, JSON.stringify(['3', AR, [[300, '4']]]))).toThrow(/queues more than the 3 deposited/);
    const s = { ...empty(), countedTick: 10 };
    s.depositors.set(USER, queued);
    s.dueAdded.set(300, new Set([USER]));
    const OTHER = '0x' + 'cd'.repeat(20);
    expect(dueChanges(s, [9, 10], new Map([[300, [OTHER]]]))).toEqual([
      { kind: DUE_KIND, key: '9', value: null },
      { kind: DUE_KIND, key: '10', value: null },
      { kind: DUE_KIND, key: '300', value: JSON.stringify([USER, OTHER]) },
    ]);
  });

  it('a cursor carries the tick counted through (fixed size), and none when nothing was ever queued', () => {
    expect(JSON.parse(encodeCursor({ ...empty(), countedTick: 1234 })).countedTick).toBe(1234);
    expect(JSON.parse(encodeCursor(empty()))).not.toHaveProperty('countedTick');
    expect(decodeCursor(encodeCursor({ ...empty(), countedTick: 1234 }), { chainId: 1, preBridge: PRE }).countedTick).toBe(1234);
  });
});
