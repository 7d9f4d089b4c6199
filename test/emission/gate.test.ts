import { describe, expect, it } from 'vitest';
import { MAX_SUPPLY, supplyAt } from '../../src/emission/curve.ts';
import { gateSupply, gateTick, isTransferable } from '../../src/emission/gate.ts';
import { AO_ANNOUNCED, AO_MAINNET, AO_MAINNET_V1, policyFromData, policyToData } from '../../src/emission/policy.ts';
import { tickEndMs } from '../../src/emission/ticks.ts';
import { walkDeployed } from './support/reference-law.ts';

describe('the transferability gate', () => {
  it('deployed: closed at MintCount 99,999, open from 100,000 (the tick ending 2025-02-08T23:20:00Z, ≈ 15.19 % minted)', () => {
    // The process refuses transfers while MintCount < 100000; one mint per tick, so tick k leaves MintCount = k.
    expect(gateTick(AO_MAINNET)).toBe(100_000);
    expect(isTransferable(AO_MAINNET, 99_999)).toBe(false);
    expect(isTransferable(AO_MAINNET, 100_000)).toBe(true);
    expect(new Date(tickEndMs(100_000)).toISOString()).toBe('2025-02-08T23:20:00.000Z');
    let supply = 0n;
    walkDeployed(100_000, (_k, _mint, remaining) => (supply = MAX_SUPPLY - remaining));
    expect(gateSupply(AO_MAINNET)).toBe(supply);
    // 15.187 % ≈ 15.19 %: not the first tick whose supply reaches 15 % (that is earlier, below).
    expect((supply * 100_000n) / MAX_SUPPLY).toBe(15_187n);
    expect(supplyAt(AO_MAINNET.curve, 99_000) * 100n > 15n * MAX_SUPPLY).toBe(true);
  });

  it('announced: the first tick whose supply reaches 15 % of 21 M, tick 99,975 (2025-02-08T21:15:00Z)', () => {
    const k = gateTick(AO_ANNOUNCED)!;
    expect(k).toBe(99_975);
    expect(new Date(tickEndMs(k)).toISOString()).toBe('2025-02-08T21:15:00.000Z');
    expect(supplyAt(AO_ANNOUNCED.curve, k) * 100n >= 15n * MAX_SUPPLY).toBe(true);
    expect(supplyAt(AO_ANNOUNCED.curve, k - 1) * 100n < 15n * MAX_SUPPLY).toBe(true);
    expect(gateTick(AO_MAINNET_V1)).toBe(99_975);
  });

  it('never opens when the curve cannot mint the share asked for, and says so (null), instead of searching forever', () => {
    const data = { ...policyToData(AO_MAINNET), id: 'all', gate: { supplyShare: '1/1' } };
    expect(gateTick(policyFromData(data))).toBeNull();
    expect(isTransferable(policyFromData(data), 10_000_000)).toBe(false);
  });

  it('is closed at tick 0 under every law', () => {
    for (const p of [AO_MAINNET, AO_ANNOUNCED]) expect(isTransferable(p, 0)).toBe(false);
  });
});
