import { AO_ANNOUNCED, AO_MAINNET, MAX_SUPPLY, projectedSupply, supplyAt, TICK_MS, type Policy, policyLabel } from '../../emission/index.ts';
import { AO_UNIT } from '../../units.ts';

/**
 * The supply chart of the overview: the deployed law (AO_MAINNET) and the announced law
 * (AO_ANNOUNCED) over 20 years, each with the current tick marked. The lines use the closed form
 * projectedSupply (the exact walk costs ≈ 7 ms a point at these ticks, and the lines differ from it
 * by a few base units); the marked points are the exact supplyAt of the last applied tick.
 */
const YEARS = 20;
const POINTS = 240;
const TICKS_PER_YEAR = (365.25 * 86_400_000) / TICK_MS;
export const LAWS: readonly { readonly name: string; readonly policy: Policy }[] = [
  { name: 'deployed', policy: AO_MAINNET },
  { name: 'announced', policy: AO_ANNOUNCED },
];

const wholeAo = (units: bigint): number => Number(units / AO_UNIT);
let lines: { name: string; data: [number, number][] }[] | undefined;

function curveLines(): { name: string; data: [number, number][] }[] {
  lines ??= LAWS.map(({ name, policy }) => ({
    name: `${name} (${policyLabel(policy)})`,
    data: Array.from({ length: POINTS + 1 }, (_, i): [number, number] => {
      const tick = Math.round((i * YEARS * TICKS_PER_YEAR) / POINTS);
      return [Number((tick / TICKS_PER_YEAR).toFixed(3)), projectedSupply(policy.curve, tick).div(AO_UNIT.toString()).round().toNumber()];
    }),
  }));
  return lines;
}

export interface HereMark {
  readonly law: string;
  readonly tick: number;
  /** Exact supply at the tick, base units. */
  readonly supply: bigint;
}

export const hereMarks = (tick: number): HereMark[] => LAWS.map(({ name, policy }) => ({ law: name, tick, supply: tick > 0 ? supplyAt(policy.curve, tick) : 0n }));

/** The ECharts option: two lines in whole AO against years since genesis, and the "you are here" points. */
export function supplyOption(marks: readonly HereMark[]): unknown {
  const here = marks.map((m) => [Number((m.tick / TICKS_PER_YEAR).toFixed(4)), wholeAo(m.supply)]);
  return {
    animation: false,
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 40, bottom: 40 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'value', name: 'years since genesis', nameLocation: 'middle', nameGap: 26, max: YEARS },
    yAxis: { type: 'value', name: 'AO', max: wholeAo(MAX_SUPPLY) },
    series: [
      ...curveLines().map((l) => ({ type: 'line', name: l.name, showSymbol: false, data: l.data })),
      { type: 'scatter', name: 'you are here', symbolSize: 12, data: here, z: 5 },
    ],
  };
}
