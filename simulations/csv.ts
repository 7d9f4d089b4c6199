import type { FullResults } from './results.ts';

/**
 * CSV files with every number the report charts, one file per series, from the same data as
 * results.json (amounts in base units, analytic figures as numbers). RFC 4180 quoting.
 */
const cell = (v: unknown): string => {
  const text = v === null || v === undefined ? '' : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const table = (header: readonly string[], rows: readonly (readonly unknown[])[]): string => [header, ...rows].map((r) => r.map(cell).join(',')).join('\n') + '\n';

export function csvFiles(r: FullResults): Record<string, string> {
  const assets = Object.keys(r.aprs);
  const files: Record<string, string> = {
    'days.csv': table(
      ['start', 'end', 'lastTick', 'ticks', 'minted', 'ar', 'bridges', ...assets.map((a) => `bridge_${a}`), 'supply', 'transferable', 'cumulativeAr', 'cumulativeBridges', 'aoPerAr', ...assets.flatMap((a) => [`aoPerBridgePercent_${a}`, `aoPerBridgeUsd_${a}`, `tvlUsd_${a}`])],
      r.days.map((d) => [d.start, d.end, d.lastTick, d.ticks, d.minted, d.ar, d.bridges, ...assets.map((a) => d.byAsset[a]), d.supply, d.transferable, d.cumulativeAr, d.cumulativeBridges, d.aoPerAr, ...assets.flatMap((a) => [d.aoPerBridgePercent[a], d.aoPerBridgeUsd[a], d.tvlUsd[a]])]),
    ),
    'curve.csv': table(['end', 'lastTick', 'minted', 'supply'], r.curve.map((p) => [p.end, p.lastTick, p.minted, p.supply])),
    'rows.csv': table(
      ['fdvUsd', 'aoPriceUsd', 'arApy', ...assets.flatMap((a) => [`bridgeApy_${a}`, `apr_${a}`, `netBridgeApy_${a}`])],
      r.rows.map((row) => [row.fdvUsd, row.aoPriceUsd, row.arApy, ...assets.flatMap((a) => [row.bridgeApy[a], r.aprs[a], row.netBridgeApy[a]])]),
    ),
    'sweep.csv': table(['fdvUsd', 'arPriceUsd', 'tvlUsd', 'arApy', ...assets.map((a) => `bridgeApy_${a}`)], r.sweepPoints.map((p) => [p.fdvUsd, p.arPriceUsd, p.tvlUsd, p.arApy, ...assets.map((a) => p.bridgeApy[a])])),
  };
  if (r.monteCarloDays && r.monteCarlo) {
    const ps = Object.keys(r.monteCarlo.arApy);
    files['monte-carlo.csv'] = table(
      ['end', ...ps.map((p) => `aoPriceUsd_${p}`), ...ps.map((p) => `arReturn_${p}`), ...assets.flatMap((a) => ps.map((p) => `bridgeReturn_${a}_${p}`))],
      r.monteCarloDays.map((d) => [d.end, ...ps.map((p) => d.aoPriceUsd[p]), ...ps.map((p) => d.arReturn[p]), ...assets.flatMap((a) => ps.map((p) => d.bridgeReturn[a]![p]))]),
    );
  }
  return files;
}
