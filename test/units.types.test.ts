import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ArweaveSource } from '../src/bridges/arweave/source.ts';
import { parseWinston } from '../src/bridges/arweave/wire.ts';
import type { EthereumSource } from '../src/bridges/ethereum/source.ts';
import type { createSolanaSource } from '../src/bridges/solana/source.ts';
import type { Snapshot, Source } from '../src/bridges/types.ts';
import { mintAt } from '../src/emission/curve.ts';
import { AO_MAINNET } from '../src/emission/policy.ts';
import { DEPLOYED_CURVE } from '../src/emission/preset-curves.ts';
import { splitMint } from '../src/emission/split.ts';
import { splitCredit } from '../src/ledger/distribution/delegation-step.ts';
import { emptyBook, owedStep, tickStep } from '../src/ledger/distribution/index.ts';
import type { AccountView, AppliedTick, Conservation, LedgerWeightUpdate, PoolStep, PoolTotals, SettlementResult, TickRecord } from '../src/ledger/index.ts';
import { aoUnits, lamports, wei, winston } from '../src/units.ts';
import type { AoUnits, Lamports, PoolWeight, Wei, Winston } from '../src/units.ts';

/**
 * The unit brands end to end (issue #18). Most of this file is checked by the compiler, not at run
 * time: `npx tsc --noEmit -p .` includes test/, so each `@ts-expect-error` below fails the type-check
 * the day the line it guards compiles (a wei credited as AO, AO units taken as a weight).
 */
const aWei = wei(10n ** 18n, 'test');
const anAo = aoUnits(1_000n, 'test');
const update = (weight: PoolWeight): LedgerWeightUpdate => ({ account: 'a', recipient: null, weight });
type WeightOf<S extends Source> = Awaited<ReturnType<S['snapshot']>>['updates'][number]['weight'];

describe('unit brands', () => {
  it("a source's updates carry its pool's unit: AR winston, the Ethereum bridges wei, SOL lamports", () => {
    expectTypeOf<WeightOf<ArweaveSource>>().toEqualTypeOf<Winston>();
    expectTypeOf<WeightOf<EthereumSource>>().toEqualTypeOf<Wei>();
    expectTypeOf<WeightOf<ReturnType<typeof createSolanaSource>>>().toEqualTypeOf<Lamports>();
    // The edge brands what it decodes: a node's balance is winston from there on.
    expectTypeOf(parseWinston('5', 'balance')).toEqualTypeOf<Winston>();
    expect(parseWinston('5', 'balance')).toBe(5n);
    const ar: Snapshot<Winston> = { pool: 'ar', pin: { chain: 'arweave', height: '1', hash: 'h', timeMs: 0 }, complete: false, updates: [{ account: 'a', recipient: null, weight: winston(1n) }], cursor: 'c', notes: [] };
    // @ts-expect-error an AR snapshot's winston are not wei
    const asWei: Snapshot<Wei> = ar;
    expect(asWei).toBe(ar);
  });

  it('the ledger takes a weight of any pool unit, and never AO units or a raw bigint as one', () => {
    expect([update(winston(1n)), update(aWei), update(lamports(1n))].map((u) => u.weight)).toEqual([1n, 10n ** 18n, 1n]);
    // @ts-expect-error AO units are not a pool weight
    update(anAo);
    // @ts-expect-error a bigint of no unit is not a pool weight
    update(1n);
    // @ts-expect-error the mint is AO units, never a weight
    update(mintAt(DEPLOYED_CURVE, 1));
  });

  it('an AO amount is never a weight: wei cannot be minted, split, credited or summed as AO', () => {
    // @ts-expect-error wei is not an AO amount to split
    splitMint(AO_MAINNET, 1, aWei);
    expect(() =>
      // @ts-expect-error a pool's amount P_k is AO units, not wei (and at run time the supply check refuses it)
      tickStep([emptyBook('steth')], new Map([['steth', aWei]]), 1, aoUnits(0n), anAo),
    ).toThrow(/law has minted/);
    // @ts-expect-error a weight is not a credit to split
    splitCredit(aWei, []);
    // @ts-expect-error a settlement total is AO units
    const total: SettlementResult['total'] = aWei;
    expect(total).toBe(aWei);
    expect(splitMint(AO_MAINNET, 1, anAo).ar + splitMint(AO_MAINNET, 1, anAo).bridges).toBe(anAo);
  });

  it('the ledger and the emission hand out AO units', () => {
    expectTypeOf(mintAt(DEPLOYED_CURVE, 1)).toEqualTypeOf<AoUnits>();
    expectTypeOf(splitMint(AO_MAINNET, 1, anAo).bridges).toEqualTypeOf<AoUnits>();
    expectTypeOf(owedStep('ar', 'a', 0n, 0n)).toEqualTypeOf<AoUnits>();
    expectTypeOf<AppliedTick['mint']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<AppliedTick['split']['bridges']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<AppliedTick['bridgeCarryOut']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<PoolStep['amount']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<SettlementResult['total']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<SettlementResult['delegated']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<SettlementResult['projects'][number]['total']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<AccountView['settled']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<AccountView['unsettled']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<PoolTotals['minted']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<PoolTotals['credited']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<TickRecord['mint']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<Conservation['minted']>().toEqualTypeOf<AoUnits>();
    expectTypeOf<Conservation['credited']>().toEqualTypeOf<AoUnits>();
  });
});
