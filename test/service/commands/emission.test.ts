import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../../bin/ao-emission.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process, as a user or a script would. */
const cli = (...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });

describe('ao-emission tick / gate / schedule', () => {
  it('prints tick 1 as JSON with every amount a decimal string of base units', async () => {
    const run = await cli('tick', '1', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      tick: 1,
      start: '2024-02-27T18:00:00.000Z',
      end: '2024-02-27T18:05:00.000Z',
      mint: '34137577002053',
      supply: '34137577002053',
      remaining: '20999965862422997947',
      transferable: false,
      policy: 'ao-mainnet',
      policyVersion: 1,
      split: { ar: '34137577002053', bridges: '0' },
    });
  });

  it('finds the tick containing an instant, splits by the chosen policy, and shows AO with 12 decimals for people', async () => {
    const [at, flat, human] = await Promise.all([
      cli('tick', '--at', '2025-02-08T21:14:59Z', '--json'),
      cli('tick', '40000', '--policy', 'flat:36/64', '--json'),
      cli('tick', '1'),
    ]);
    const gateTick = JSON.parse(at.stdout);
    expect(gateTick.tick).toBe(99_975);
    expect(gateTick.transferable).toBe(true);
    const t = JSON.parse(flat.stdout);
    expect(BigInt(t.split.ar)).toBe((BigInt(t.mint) * 36n) / 100n);
    expect(BigInt(t.split.ar) + BigInt(t.split.bridges)).toBe(BigInt(t.mint));
    expect(human.stdout).toMatch(/mint\s+34\.137577002053 AO/);
    expect(human.stdout).toMatch(/remaining\s+20,999,965\.862422997947 AO/);
  });

  it('reports the gate tick and a schedule whose cumulative AR share is printed per period', async () => {
    const [gate, schedule, csv] = await Promise.all([
      cli('gate', '--json'),
      cli('schedule', '--from', '2024-02-27T18:00:00Z', '--to', '2025-02-27T18:00:00Z', '--every', '30d', '--json'),
      cli('schedule', '--from', '2024-06-18T00:00:00Z', '--to', '2024-06-19T00:00:00Z', '--every', '1h', '--csv'),
    ]);
    expect(JSON.parse(gate.stdout)).toEqual({ tick: 99_975, end: '2025-02-08T21:15:00.000Z', supply: '3150008088034346202' });
    const rows = JSON.parse(schedule.stdout);
    expect(rows).toHaveLength(13);
    expect(rows[0].cumulativeArShare).toBe('1.00000000');
    expect(Number(rows.at(-1).cumulativeArShare)).toBeLessThan(0.6);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('start,end,lastTick,ticks,supply,minted,ar,bridges,cumulativeAr,cumulativeArShare,transferable');
    expect(lines).toHaveLength(25);
    // 2024-06-18 15:00–16:00 is the first hour of bridge rewards: its 12 ticks give AR floor(mint/3) each.
    const hour16 = lines.find((l: string) => l.startsWith('2024-06-18T15:00:00.000Z'))!.split(',');
    expect(BigInt(hour16[6]!) * 3n).toBeLessThanOrEqual(BigInt(hour16[5]!));
  });

  it('rejects bad input with one line on stderr naming the argument, exit code 2 and no stack trace', async () => {
    const cases: [string[], RegExp][] = [
      [['tick', '-5'], /tick: "-5" is not a tick/],
      [['tick', '1.5'], /tick: "1.5" is not a tick/],
      [['tick', '0'], /tick: "0" is not a tick; expected a whole number >= 1/],
      [['tick', '1', '--policy', 'flat:x'], /--policy: "flat:x" is not a policy/],
      [['tick', '--at', '2024-02-30T00:00:00Z'], /--at: "2024-02-30T00:00:00Z" is not a valid date/],
      [['tick', '--at', '2020-01-01T00:00:00Z'], /before genesis/],
      [['tick', '3', '--bogus'], /unknown option '--bogus'/],
      [['schedule', '--from', '2024-01-01', '--to', '2024-02-01', '--every', '7m'], /--every: 7m is not a multiple/],
      [['schedule', '--from', '2024-01-01', '--to', '2024-02-01'], /required option '--every <period>' not specified/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => cli(...args)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(' ')).toBe(2);
      expect(run.stderr).toMatch(cases[i]![1]);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
      expect(run.stdout).toBe('');
    });
  });
});
