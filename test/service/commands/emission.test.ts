import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { walkDeployed } from '../../emission/support/reference-law.ts';
import { runBin } from '../../support/child.ts';

/** Runs the real CLI in a child process, as a user or a script would. */
const cli = (...args: string[]) => runBin(args);

// Tick 1 of the deployed law: 21·10^18 × 1.647321875·10^-6 = 34,593,759,375,000 exactly.
const DEPLOYED_TICK_1 = 34_593_759_375_000n;

describe('ao-emission tick / gate / schedule / drift', () => {
  it('prints tick 1 of the deployed law (the default) as JSON with every amount a decimal string of base units', async () => {
    const run = await cli('tick', '1', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      tick: 1,
      start: '2024-02-27T18:00:00.000Z',
      end: '2024-02-27T18:05:00.000Z',
      mint: DEPLOYED_TICK_1.toString(),
      supply: DEPLOYED_TICK_1.toString(),
      remaining: (21n * 10n ** 18n - DEPLOYED_TICK_1).toString(),
      transferable: false,
      policy: 'ao-mainnet',
      policyVersion: 2,
      split: { ar: DEPLOYED_TICK_1.toString(), bridges: '0' },
    });
  });

  it('selects the law with --policy: ao-announced and ao-mainnet@1 mint floor(21·10^18 · 1425 / 876,600,000) at tick 1', async () => {
    const [announced, v1, human] = await Promise.all([cli('tick', '1', '--policy', 'ao-announced', '--json'), cli('tick', '1', '--policy', 'ao-mainnet@1', '--json'), cli('tick', '1', '--policy', 'ao-announced')]);
    const floor = (21n * 10n ** 18n * 1425n) / 876_600_000n;
    expect(JSON.parse(announced.stdout)).toMatchObject({ mint: floor.toString(), policy: 'ao-announced', policyVersion: 1 });
    expect(JSON.parse(v1.stdout)).toMatchObject({ mint: floor.toString(), policy: 'ao-mainnet', policyVersion: 1 });
    expect(human.stdout).toMatch(/mint\s+34\.137577002053 AO/);
    expect(human.stdout).toMatch(/policy\s+ao-announced@1/);
  });

  it('finds the tick containing an instant, splits by the chosen policy, and shows AO with 12 decimals for people', async () => {
    const [at, before, flat, human] = await Promise.all([
      cli('tick', '--at', '2025-02-08T23:19:59Z', '--json'),
      cli('tick', '99999', '--json'),
      cli('tick', '40000', '--policy', 'flat:36/64', '--json'),
      cli('tick', '1'),
    ]);
    const gateTick = JSON.parse(at.stdout);
    expect(gateTick.tick).toBe(100_000);
    expect(gateTick.transferable).toBe(true);
    expect(JSON.parse(before.stdout).transferable).toBe(false);
    const t = JSON.parse(flat.stdout);
    expect(BigInt(t.split.ar)).toBe((BigInt(t.mint) * 36n) / 100n);
    expect(BigInt(t.split.ar) + BigInt(t.split.bridges)).toBe(BigInt(t.mint));
    expect(human.stdout).toMatch(/mint\s+34\.593759375000 AO/);
    expect(human.stdout).toMatch(/transferable\s+no \(gate at tick 100,000\)/);
  });

  it('reports the gate under each law and a schedule whose cumulative AR share is printed per period', async () => {
    const [gate, announcedGate, schedule, csv] = await Promise.all([
      cli('gate', '--json'),
      cli('gate', '--json', '--policy', 'ao-announced'),
      cli('schedule', '--from', '2024-02-27T18:00:00Z', '--to', '2025-02-27T18:00:00Z', '--every', '30d', '--json'),
      cli('schedule', '--from', '2024-06-18T00:00:00Z', '--to', '2024-06-19T00:00:00Z', '--every', '1h', '--csv'),
    ]);
    let supply = 0n;
    walkDeployed(100_000, (_k, _mint, remaining) => (supply = 21n * 10n ** 18n - remaining));
    expect(JSON.parse(gate.stdout)).toEqual({ policy: 'ao-mainnet@2', rule: 'mintCount 100000', tick: 100_000, end: '2025-02-08T23:20:00.000Z', supply: supply.toString(), supplyShare: '0.151879' }); // 3,189,465.38 AO / 21 M
    expect(JSON.parse(announcedGate.stdout)).toMatchObject({ policy: 'ao-announced@1', rule: 'supplyShare 15/100', tick: 99_975, end: '2025-02-08T21:15:00.000Z', supply: '3150008088034346202' });
    const rows = JSON.parse(schedule.stdout);
    expect(rows).toHaveLength(13);
    expect(rows[0].cumulativeArShare).toBe('1.00000000');
    expect(Number(rows.at(-1).cumulativeArShare)).toBeLessThan(0.6);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('start,end,lastTick,ticks,supply,minted,ar,bridges,cumulativeAr,cumulativeArShare,transferable');
    expect(lines).toHaveLength(25);
    // 2024-06-18 15:00–16:00 is the first hour of bridge rewards: its 12 ticks give AR nearest(mint/3) each.
    const hour16 = lines.find((l: string) => l.startsWith('2024-06-18T15:00:00.000Z'))!.split(',');
    const [minted, ar] = [BigInt(hour16[5]!), BigInt(hour16[6]!)];
    expect(ar * 3n - minted <= 12n && minted - ar * 3n <= 12n).toBe(true);
  });

  it('prints the drift of the deployed float64 arithmetic from the exact one and from the announced law, per tick and cumulative', async () => {
    const [json, human] = await Promise.all([cli('drift', '--from', '1', '--to', '3', '--json'), cli('drift', '--from', '1', '--to', '500')]);
    const rows = JSON.parse(json.stdout);
    expect(rows).toHaveLength(3);
    // Tick 1: float64 and exact agree (21·10^18 · r is an integer); the announced law mints floor(21·10^18 · 1425 / 876,600,000).
    expect(rows[0]).toEqual({
      tick: 1,
      deployed: DEPLOYED_TICK_1.toString(),
      exact: DEPLOYED_TICK_1.toString(),
      announced: '34137577002053',
      deployedMinusExact: '0',
      cumulativeDeployedMinusExact: '0',
      deployedMinusAnnounced: (DEPLOYED_TICK_1 - 34_137_577_002_053n).toString(),
      cumulativeDeployedMinusAnnounced: (DEPLOYED_TICK_1 - 34_137_577_002_053n).toString(),
    });
    let cumulative = 0n;
    for (const r of rows) {
      cumulative += BigInt(r.deployedMinusAnnounced);
      expect(r.cumulativeDeployedMinusAnnounced).toBe(cumulative.toString());
    }
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/ticks 1\.\.500: float64 and exact mints differ on \d+ of 500 ticks/);
    expect(human.stdout).toMatch(/460 rows not shown/);
  });

  it('rejects bad input with one line on stderr naming the argument, exit code 2 and no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['tick', '-5'], /tick: "-5" is not a tick/],
      [['tick', '1.5'], /tick: "1.5" is not a tick/],
      [['tick', '0'], /tick: "0" is not a tick; expected a whole number >= 1/],
      [['tick', '9007199254740991'], /tick: 9007199254740991 is not a tick; expected an integer from 1 to 10,000,000,000/],
      [['tick', '1', '--policy', 'flat:x'], /--policy: "flat:x" is not a policy/],
      [['tick', '1', '--policy', 'ao-mainnet@7'], /--policy: "ao-mainnet@7" is not a policy; expected ao-mainnet, ao-announced/],
      [['gate', '--policy', 'mainnet'], /--policy: "mainnet" is not a policy/],
      [['schedule', '--from', '2024-01-01', '--to', '2024-02-01', '--every', '1d', '--policy', 'x'], /--policy: "x" is not a policy/],
      [['drift', '--from', '5', '--to', '2'], /to: 2 is before from 5/],
      [['drift', '--from', '1', '--to', '2000001'], /to: 2,000,001 ticks is more than 1,000,000/],
      [['tick', '--at', '2024-02-30T00:00:00Z'], /--at: "2024-02-30T00:00:00Z" is not a valid date/],
      [['tick', '--at', '2020-01-01T00:00:00Z'], /before genesis/],
      [['tick', '3', '--bogus'], /unknown option '--bogus'/],
      [['schedule', '--from', '2024-01-01', '--to', '2024-02-01', '--every', '7m'], /--every: 7m is not a multiple/],
      [['schedule', '--from', '2024-01-01', '--to', '2024-02-01'], /required option '--every <period>' not specified/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    // Four at a time: each is a full CLI start, and the 2-core machine is shared.
    const runs: Awaited<ReturnType<typeof cli>>[] = [];
    for (let i = 0; i < cases.length; i += 4) runs.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => cli(...args)))));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(' ')).toBe(2);
      expect(run.stderr).toMatch(cases[i]![1]);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
      expect(run.stdout).toBe('');
    });
  });

  it('refuses a policy object with a bad rate or arithmetic, or an unknown preset, in a scenario file: one line naming the field, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ao-emission-policy-'));
    const scenario = (policy: unknown) => JSON.stringify({ start: '2024-06-18T15:00:00Z', months: 1, policy, ar: { supply: '65000000', priceUsd: 30 }, bridges: [{ asset: 'stETH', tvlUsd: 3.2e8, apr: 0.03 }], ao: { fdvUsd: 1e9 } });
    const law = { id: 'x', version: 1, rate: '1647321875/1000000000000000', arithmetic: 'float64-half-even', gate: { mintCount: 100000 }, phases: [{ ar: '1/3', rounding: 'half-even' }] };
    const cases: [unknown, RegExp][] = [
      ['ao-mainnet@9', /policy: "ao-mainnet@9" is not a policy/],
      [{ ...law, rate: '1/1' }, /policy\.rate: 1\/1 is not a per-tick rate; expected a fraction strictly between 0 and 1/],
      [{ ...law, rate: '0/7' }, /policy\.rate: 0\/7 is not a per-tick rate/],
      [{ ...law, arithmetic: 'float32' }, /policy\.arithmetic: /],
    ];
    const runs = await Promise.all(
      cases.map(([policy], i) => {
        const file = join(dir, `s${i}.json`);
        writeFileSync(file, scenario(policy));
        return cli('simulate', file, '--json', '--out', join(dir, `out${i}`));
      }),
    );
    runs.forEach((run, i) => {
      expect(run.code, String(i)).toBe(2);
      expect(run.stderr).toMatch(cases[i]![1]);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    });
    rmSync(dir, { recursive: true, force: true });
  });
});
