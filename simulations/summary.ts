import { formatAo } from '../src/units.ts';
import { toIso } from '../src/emission/index.ts';
import type { Simulation } from './simulate.ts';

/** The terminal summary: key figures (label, value) and one row per FDV. */
export interface SummaryTables {
  readonly figures: readonly (readonly [string, string])[];
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

const pct = (d: { mul(n: number): { toFixed(n: number): string } }): string => `${d.mul(100).toFixed(2)} %`;
/** FDVs as $1 B / $210 M, exact to 4 significant digits. */
const compactUsd = (x: number): string => (x >= 1e9 ? `$${+(x / 1e9).toPrecision(4)} B` : x >= 1e6 ? `$${+(x / 1e6).toPrecision(4)} M` : usd(x));
const usd = (x: number): string => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function summaryTables(sim: Simulation): SummaryTables {
  const { scenario: s, pools } = sim;
  const figures: [string, string][] = [
    ['scenario', s.name],
    ['horizon', `${toIso(s.startMs)} → ${toIso(s.endMs)} (${s.months.toSignificantDigits(6).toString()} months, ${pools.ticks.toLocaleString('en-US')} ticks)`],
    ['policy', `${s.policy.id}@${s.policy.version}`],
    ['supply at start', formatAo(pools.supplyAtStart)],
    ['supply at end', formatAo(pools.supplyAtEnd)],
    ['minted', formatAo(pools.minted)],
    ['AR pool', formatAo(pools.arPool)],
    ['AO per AR', `${sim.aoPerAr.toSignificantDigits(6).toString()} (${s.arSupply.toFixed()} AR at ${usd(s.arPriceUsd)})`],
    ['bridge pool', formatAo(pools.bridgePool)],
    ['calculator minted', `${sim.calculator.minted.toFixed(6)} AO (ao.arweave.net closed form; exact walk − calculator = ${sim.calculator.mintedDifference.mul(1e12).toFixed(0)} base units, ${sim.calculator.mintedDifferenceShare.mul(100).toSignificantDigits(3).toString()} %)`],
    ['calculator AR pool', `${sim.calculator.arPool.toFixed(6)} AO (exact walk − calculator = ${sim.calculator.arDifference.mul(1e12).toFixed(0)} base units)`],
    ['calculator AO per AR', `${sim.calculator.aoPerAr.toSignificantDigits(6).toString()} (1/3 of the calculator's mint)`],
  ];
  s.bridges.forEach((b, i) => {
    figures.push([`${b.asset} pool`, formatAo(pools.byAsset[i]!)]);
    figures.push([`${b.asset} AO per 0.01 % of pool`, sim.aoPerBridgePercent[i]!.div(100).toSignificantDigits(6).toString()]);
    figures.push([`${b.asset} AO per USD`, sim.aoPerBridgeUsd[i]!.toSignificantDigits(6).toString()]);
    const perUnit = sim.aoPerAssetUnit[i];
    if (perUnit !== undefined) figures.push([`${b.asset} AO per ${b.asset}`, `${perUnit.toSignificantDigits(6).toString()} (at ${usd(b.priceUsd!)})`]);
    if (b.onChain?.apr !== undefined) figures.push([`${b.asset} APR on chain`, `${b.apr} (${b.onChain.apr})`]);
    if (b.onChain?.priceUsd !== undefined) figures.push([`${b.asset} price on chain`, `${usd(b.priceUsd!)} (${b.onChain.priceUsd})`]);
  });
  if (pools.carried > 0n) figures.push(['bridge units unallocated (no TVL)', formatAo(pools.carried)]);
  if (sim.monteCarlo) {
    const mc = sim.monteCarlo;
    figures.push(['Monte Carlo', `${mc.runs} runs, seed ${mc.seed}, start FDV ${compactUsd(mc.startFdvUsd)}, σ ${mc.volatilityPerYear}/yr`]);
    figures.push(['  AR APY percentiles', mc.percentiles.map((p) => `p${p} ${pct(mc.arApy[p]!)}`).join(', ')]);
    s.bridges.forEach((b, i) => figures.push([`  ${b.asset} APY percentiles`, mc.percentiles.map((p) => `p${p} ${pct(mc.bridgeApy[i]![p]!)}`).join(', ')]));
  }
  if (sim.delegation) {
    // Yield delegation (delegation.ts): what each project receives, and what a holder delegating its pool's shares keeps.
    const d = sim.delegation;
    d.projects.forEach((p, j) => figures.push([`delegated to ${p}`, `${formatAo(d.totals[j]!)} (${formatAo(d.totals[j]! / BigInt(Math.max(1, d.days.length)))} a day on average)`]));
    for (const e of d.effective) {
      if (e.delegated.isZero()) continue;
      figures.push([`${e.pool} holder delegating ${pct(e.delegated)}`, `keeps ${e.keptAoPerUnit.toSignificantDigits(6).toString()} of ${e.aoPerUnit.toSignificantDigits(6).toString()} AO per ${e.pool === 'AR' ? 'AR' : 'USD'}`]);
    }
  }
  const header = ['FDV', 'AO price', 'AR APY', ...s.bridges.flatMap((b) => [`${b.asset} APY`, `${b.asset} APR`, `${b.asset} net`])];
  const rows = sim.rows.map((r) => [
    compactUsd(r.fdvUsd),
    usd(r.aoPriceUsd.toNumber()),
    pct(r.arApy),
    ...s.bridges.flatMap((b, i) => [pct(r.bridgeApy[i]!), `${(b.apr * 100).toFixed(2)} %`, pct(r.netBridgeApy[i]!)]),
  ]);
  return { figures, header, rows };
}
