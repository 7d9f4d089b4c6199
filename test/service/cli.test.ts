import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { DEVNET_GROUPS } from '../../devnet/cli.ts';
import { COMMAND_GROUPS, VERSION } from '../../src/service/cli.ts';
import { runBin } from '../support/child.ts';

/**
 * The CLI loads only the command group its arguments name; the top-level help comes from
 * COMMAND_GROUPS. These tests keep that table equal to what the groups really register.
 */
describe('cli', () => {
  it("COMMAND_GROUPS lists exactly the commands each group registers, with their real usage and description", async () => {
    for (const group of [...COMMAND_GROUPS, ...DEVNET_GROUPS.filter((g) => g.extends === undefined)]) {
      const program = new Command('ao-emission');
      (await group.load())(program);
      expect(program.commands.map((c) => ({ name: c.name(), usage: c.usage(), description: c.description() }))).toEqual(group.commands);
    }
  });

  it('the devnet group that extends ao adds exactly its node subcommand to the real ao group', async () => {
    const program = new Command('ao-emission');
    for (const group of COMMAND_GROUPS) if (group.commands.some((c) => c.name === 'ao')) (await group.load())(program);
    const before = program.commands.find((c) => c.name() === 'ao')!.commands.map((c) => c.name());
    for (const group of DEVNET_GROUPS) if (group.extends?.includes('ao')) (await group.load())(program);
    expect(before).not.toContain('node');
    expect(program.commands.find((c) => c.name() === 'ao')!.commands.map((c) => c.name())).toEqual([...before, 'node']);
  });

  it('--version prints the package version; --help lists every command; both exit 0', async () => {
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    expect(VERSION).toBe(version);
    expect(await runBin(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    for (const c of [...COMMAND_GROUPS, ...DEVNET_GROUPS].flatMap((g) => g.commands)) expect(help.stdout).toMatch(new RegExp(`\\n  ${c.name} `));
  });

  it('an unknown command exits 2 with a suggestion; a known one still runs from its own group', async () => {
    const typo = await runBin(['tikc', '1']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^ao-emission: unknown command 'tikc'\n\(Did you mean tick\?\)\n$/);
    const tick = await runBin(['tick', '1', '--json']);
    expect(tick.code).toBe(0);
    expect(JSON.parse(tick.stdout)).toMatchObject({ tick: 1 });
  });
});
