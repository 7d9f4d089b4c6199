import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src/errors.ts';
import { parseScenario } from '../../simulations/scenario.ts';
import { simulate } from '../../simulations/simulate.ts';
import { summaryTables } from '../../simulations/summary.ts';
import { delegationCsv, parseDelegationScenario } from '../../simulations/delegation.ts';

/** The delegation scenario: AO per day per project and the holder's effective yield, from the exact pool amounts. */
const base = {
  start: '2025-03-14T00:00:00Z',
  months: 1,
  ar: { supply: '65000000', priceUsd: 30 },
  bridges: [
    { asset: 'stETH', tvlUsd: 320000000, apr: 0.03 },
    { asset: 'DAI', tvlUsd: 100000000, apr: 0.05 },
  ],
  ao: { fdvUsd: 1e10 },
};

describe('delegation scenario', () => {
  it('gives each project floor(pool AO of the day · share) per pool and day; the holders keep the rest; pool totals unchanged', () => {
    // The scenario file's `delegation` field; simulate() gives the result beside the pools.
    const sim = simulate(parseScenario({ ...base, delegation: { projects: ['PI', 'APUS'], shares: { AR: { PI: 0.25 }, stETH: { PI: 0.1, APUS: 0.4 } } } }));
    const pools = sim.pools;
    const r = sim.delegation!;
    expect(r.days).toHaveLength(pools.days.length);
    for (const [i, day] of r.days.entries()) {
      const p = pools.days[i]!;
      // PI: floor(ar · 2500/10000) + floor(stETH · 1000/10000); APUS: floor(stETH · 4000/10000); DAI all kept.
      expect(day.perProject).toEqual([(p.ar * 2500n) / 10_000n + (p.byAsset[0]! * 1000n) / 10_000n, (p.byAsset[0]! * 4000n) / 10_000n]);
      expect(day.kept[2]).toBe(p.byAsset[1]);
      expect(day.perProject.reduce((a, b) => a + b, 0n) + day.kept.reduce((a, b) => a + b, 0n)).toBe(p.ar + p.bridges);
    }
    expect(r.totals[0]).toBe(r.days.reduce((t, day) => t + day.perProject[0]!, 0n));
    // A holder delegating 25 % of its AR yield keeps 75 % of the AO per AR (to within the daily floors).
    const ar = r.effective[0]!;
    expect(ar.delegated.toNumber()).toBe(0.25);
    expect(ar.keptAoPerUnit.div(ar.aoPerUnit).toNumber()).toBeCloseTo(0.75, 9);
    expect(r.effective[1]!.keptAoPerUnit.div(r.effective[1]!.aoPerUnit).toNumber()).toBeCloseTo(0.5, 9);
    expect(r.effective[2]!.keptAoPerUnit.eq(r.effective[2]!.aoPerUnit)).toBe(true);
    expect(ar.aoPerUnit.eq(sim.aoPerAr)).toBe(true);
    expect(simulate(parseScenario(base)).delegation).toBeUndefined();
    // The terminal summary names each project's total and the kept yield of a delegating holder.
    const figures = new Map(summaryTables(sim).figures);
    expect(figures.get('delegated to PI')).toMatch(/^[\d,]+\.\d{12} AO \([\d,]+\.\d{12} AO a day on average\)$/);
    expect(figures.get('AR holder delegating 25.00 %')).toMatch(/^keeps [\d.e-]+ of [\d.e-]+ AO per AR$/);
    expect(figures.has('DAI holder delegating 0.00 %')).toBe(false);
    const csv = delegationCsv(r).split('\n');
    expect(csv[0]).toBe('day_start,day_end,PI_ao,APUS_ao');
    expect(csv[1]).toMatch(/^2025-03-14T00:00:00\.000Z,2025-03-15T00:00:00\.000Z,\d+\.\d{12},\d+\.\d{12}$/);
  });

  it('refuses shares above 100 %, unknown pools and projects, in one line naming the field', () => {
    expect(() => parseScenario({ ...base, delegation: { projects: ['PI'], shares: { SOL: { PI: 0.1 } } } })).toThrow(/^delegation\.shares\.SOL: not a pool of the scenario; expected one of AR, stETH, DAI$/);
    const bad = (input: unknown, message: RegExp) => {
      const e = (() => {
        try {
          parseDelegationScenario(input, ['stETH']);
        } catch (error) {
          return error;
        }
      })();
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe('INVALID_SCENARIO');
      expect((e as EngineError).message).toMatch(message);
    };
    bad({ projects: ['PI', 'APUS'], shares: { AR: { PI: 0.6, APUS: 0.5 } } }, /^delegation\.shares\.AR: the shares add up to 110 %, above 100 %$/);
    bad({ projects: ['PI'], shares: { SOL: { PI: 0.1 } } }, /^delegation\.shares\.SOL: not a pool of the scenario; expected one of AR, stETH$/);
    bad({ projects: ['PI'], shares: { AR: { X: 0.1 } } }, /^delegation\.shares\.AR\.X: not one of the projects \(PI\)$/);
    bad({ projects: ['PI'], shares: { AR: { PI: 1.5 } } }, /^delegation\.shares\.AR\.PI: /);
  });
});
