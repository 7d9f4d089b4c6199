import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { isTransferable, lastEndedTick, splitByYield, splitMint, supplyAt, tickEndMs, walkTicks, type AssetYield } from '../src/emission/index.ts';
import { AO_UNIT, derivedAo } from '../src/units.ts';
import { DAY_MS, tvlAt, type Scenario } from './scenario.ts';

/**
 * The exact part of a simulation: what each pool receives over the horizon, summed tick by tick
 * from the emission core (DESIGN.md §2–3). The horizon holds the ticks ending after `start` and at
 * or before `end`. Each tick: mint_k from the curve, split AR / bridges by the policy
 * (splitMint), then the bridge part between assets in proportion to TVL_usd · APR (splitByYield,
 * the ledger's own split). Amounts are bigint base units; nothing is rounded away:
 *   minted = arPool + Σ byAsset + carried           (checked at the end)
 * `carried` is bridge units no asset could take (every weight zero), carried to the next tick as
 * the ledger does, and still unallocated at the horizon's end.
 *
 * TVL is read once a day, at the day's start, and held for the day's ticks (a daily snapshot).
 * Days run from `start`: day i = (start + i·24 h, start + (i+1)·24 h], the last one cut at `end`;
 * a tick belongs to the day in which it ends.
 */
export interface DayRow {
  readonly startMs: number;
  readonly endMs: number;
  /** The last tick ended at or before endMs. */
  readonly lastTick: number;
  readonly ticks: number;
  readonly minted: bigint;
  readonly ar: bigint;
  readonly bridges: bigint;
  /** Per bridge asset, in the scenario's order. */
  readonly byAsset: readonly bigint[];
  readonly supply: bigint;
  readonly transferable: boolean;
  readonly tvlUsd: readonly number[];
  /** AO accrued by 1 USD deposited in each asset during the day: byAsset / 10^12 / tvlUsd (0 without TVL). */
  readonly aoPerUsd: readonly Decimal[];
}

export interface Pools {
  readonly firstTick: number;
  readonly lastTick: number;
  readonly ticks: number;
  readonly supplyAtStart: bigint;
  readonly supplyAtEnd: bigint;
  readonly minted: bigint;
  readonly arPool: bigint;
  readonly bridgePool: bigint;
  readonly byAsset: readonly bigint[];
  readonly carried: bigint;
  readonly days: readonly DayRow[];
  /**
   * AO accrued by 1 USD kept deposited in each asset over the whole horizon:
   *   Σ_days byAsset_day / TVL_day       (AO, not base units)
   * which is byAsset / TVL when TVL is constant.
   */
  readonly aoPerBridgeUsd: readonly Decimal[];
}

const D = Decimal.clone({ precision: 50 });
/** Deposits are given to splitByYield in micro-USD with price 1, so weight = TVL_usd · APR exactly as DESIGN.md §3 (deposits · price · APR). */
const USD_DECIMALS = 6;

const aprText = (apr: number): string => new D(apr).toDecimalPlaces(18).toFixed();

function yieldsForDay(scenario: Scenario, atMs: number): { tvlUsd: number[]; yields: AssetYield[] } {
  const tvlUsd = scenario.bridges.map((b) => tvlAt(b.tvl, atMs, scenario.startMs));
  const yields = scenario.bridges.map((b, i) => ({
    asset: b.asset,
    deposits: BigInt(new D(tvlUsd[i]!).mul(10 ** USD_DECIMALS).floor().toFixed()),
    decimals: USD_DECIMALS,
    priceUsd: '1',
    apr: aprText(b.apr),
  }));
  return { tvlUsd, yields };
}

export function accruePools(scenario: Scenario): Pools {
  const { genesisMs, policy, startMs, endMs } = scenario;
  const firstTick = lastEndedTick(startMs, genesisMs) + 1;
  const lastTick = lastEndedTick(endMs, genesisMs);
  const assets = scenario.bridges.length;
  const index = new Map(scenario.bridges.map((b, i) => [b.asset, i] as const));
  const totals = { minted: 0n, ar: 0n, byAsset: new Array<bigint>(assets).fill(0n) };
  const aoPerUsd = scenario.bridges.map(() => new D(0));
  let carried = 0n;
  const days: DayRow[] = [];
  const steps = lastTick >= firstTick ? walkTicks(policy.curve, firstTick, lastTick) : [][Symbol.iterator]();
  let pending = steps.next();
  for (let dayStart = startMs; dayStart < endMs; dayStart += DAY_MS) {
    const dayEnd = Math.min(dayStart + DAY_MS, endMs);
    const { tvlUsd, yields } = yieldsForDay(scenario, dayStart);
    // With one asset of non-zero weight the yield split gives it everything: skip the per-tick call.
    const live = yields.filter((y) => y.deposits > 0n && y.apr !== '0');
    const day = { ticks: 0, minted: 0n, ar: 0n, byAsset: new Array<bigint>(assets).fill(0n) };
    while (!pending.done && tickEndMs(pending.value.tick, genesisMs) <= dayEnd) {
      const { tick, mint } = pending.value;
      const split = splitMint(policy, tick, mint, genesisMs);
      const toBridges = split.bridges + carried;
      if (live.length === 1) {
        day.byAsset[index.get(live[0]!.asset)!]! += toBridges;
        carried = 0n;
      } else if (live.length > 1) {
        const parts = splitByYield(derivedAo(toBridges), live);
        for (const [asset, part] of parts.parts) day.byAsset[index.get(asset)!]! += part;
        carried = parts.carried;
      } else {
        carried = toBridges;
      }
      day.ticks++;
      day.minted += mint;
      day.ar += split.ar;
      pending = steps.next();
    }
    totals.minted += day.minted;
    totals.ar += day.ar;
    const dayAoPerUsd = day.byAsset.map((units, i) => (tvlUsd[i]! > 0 ? new D(units.toString()).div(AO_UNIT.toString()).div(tvlUsd[i]!) : new D(0)));
    for (let i = 0; i < assets; i++) {
      totals.byAsset[i]! += day.byAsset[i]!;
      aoPerUsd[i] = aoPerUsd[i]!.plus(dayAoPerUsd[i]!);
    }
    const dayLastTick = lastEndedTick(dayEnd, genesisMs);
    const supply = supplyAt(policy.curve, dayLastTick);
    days.push({
      startMs: dayStart,
      endMs: dayEnd,
      lastTick: dayLastTick,
      ticks: day.ticks,
      minted: day.minted,
      ar: day.ar,
      bridges: day.minted - day.ar,
      byAsset: day.byAsset,
      supply,
      transferable: isTransferable(policy, dayLastTick),
      tvlUsd,
      aoPerUsd: dayAoPerUsd,
    });
  }
  const supplyAtStart = supplyAt(policy.curve, firstTick - 1);
  const supplyAtEnd = supplyAt(policy.curve, Math.max(lastTick, firstTick - 1));
  const bridgePool = totals.minted - totals.ar;
  const allocated = totals.byAsset.reduce((a, b) => a + b, 0n);
  // Conservation (DESIGN.md §1): every unit minted in the horizon is in exactly one place.
  assert.equal(totals.minted, supplyAtEnd - supplyAtStart, 'minted over the horizon equals the supply increase of the curve');
  assert.equal(allocated + carried, bridgePool, 'the bridge pool is fully allocated to assets or carried');
  return {
    firstTick,
    lastTick,
    ticks: Math.max(0, lastTick - firstTick + 1),
    supplyAtStart,
    supplyAtEnd,
    minted: totals.minted,
    arPool: totals.ar,
    bridgePool,
    byAsset: totals.byAsset,
    carried,
    days,
    aoPerBridgeUsd: aoPerUsd,
  };
}
