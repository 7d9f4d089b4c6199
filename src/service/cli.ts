import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EngineError, isInputError } from '../errors.ts';

/**
 * The `ao-emission` CLI. Exit codes: 0 success (and after SIGINT/SIGTERM), 1 a runtime failure
 * (I/O, a check that found a divergence), 2 bad input (arguments, config). Failures print one line
 * on stderr, no stack (set AO_EMISSION_DEBUG=1 for the stack).
 *
 * Start-up is kept short by loading only the command group the arguments name: each group's
 * module (and the chain clients, drivers and simulators behind it) is imported when one of its
 * commands runs. The top-level help lists every command from COMMANDS below;
 * test/service/cli.test.ts checks that list against the groups' real registrations.
 */
export interface CommandGroup {
  /** Top-level command names the group registers, with the usage and description help shows. */
  readonly commands: readonly { readonly name: string; readonly usage: string; readonly description: string }[];
  /** Top-level commands of other groups this group adds subcommands to (loaded after them). */
  readonly extends?: readonly string[];
  readonly load: () => Promise<(program: Command) => void>;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  {
    commands: [
      { name: 'tick', usage: '[options] [k]', description: 'mint, supply and split of one tick' },
      { name: 'gate', usage: '[options]', description: 'the tick at which AO becomes transferable under the law (ao-mainnet: MintCount 100,000)' },
      { name: 'schedule', usage: '[options]', description: 'supply and AR/bridge parts per period' },
      { name: 'drift', usage: '[options]', description: 'per tick and cumulative: the deployed float64 mint against the exact mint of the same rate, and against the announced law (base units)' },
    ],
    load: async () => (await import('./commands/emission.ts')).registerEmissionCommands,
  },
  {
    commands: [
      { name: 'serve', usage: '[options]', description: 'run the minting service: a tick every 5 minutes (cron, aligned to genesis), catch-up after downtime, HTTP status' },
    ],
    load: async () => (await import('./commands/service.ts')).registerServiceCommands,
  },
  {
    commands: [{ name: 'ao', usage: '[options] [command]', description: 'The AO token process: reconciliation (and, in a development install, the local AO node).' }],
    load: async () => (await import('./commands/ao.ts')).registerAoCommands,
  },
  {
    commands: [{ name: 'simulate', usage: '[options] <scenario>', description: 'yield/APY simulation of a scenario file: summary, report.html, results.json, CSV' }],
    load: async () => (await import('./commands/simulate.ts')).registerSimulateCommand,
  },
  {
    commands: [{ name: 'db', usage: '[options] [command]', description: 'The ledger database' }],
    load: async () => (await import('./commands/db.ts')).registerDbCommands,
  },
  {
    commands: [{ name: 'audit', usage: '[options] [command]', description: 'Verify, replay and prove the distribution history' }],
    load: async () => (await import('./commands/audit.ts')).registerAuditCommands,
  },
];

export const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Options of the program itself that take no value; the first other argument names the command. */
const commandName = (argv: readonly string[]): string | undefined => argv.find((a) => !a.startsWith('-') && a !== 'help');

/**
 * The program with the group named by argv registered for real and every other command as a
 * help-only entry. `all` registers every group (for tests that compare the help entries). `extra`
 * are groups from outside src/ (devnet/cli.ts: the demo and the local AO node), after the built-in ones.
 */
export async function buildProgram(argv: readonly string[] = [], options: { all?: boolean; extra?: readonly CommandGroup[] } = {}): Promise<Command> {
  const program = new Command('ao-emission')
    .description('Mint AO on its smooth-halving curve, credit holders exactly pro rata, audit the history.')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'ao-emission: ')) });
  const name = commandName(argv);
  for (const group of [...COMMAND_GROUPS, ...(options.extra ?? [])]) {
    if (options.all || group.commands.some((c) => c.name === name) || (name !== undefined && group.extends?.includes(name))) {
      (await group.load())(program);
      continue;
    }
    for (const c of group.commands) program.command(c.name).usage(c.usage).description(c.description).helpOption(false).allowUnknownOption();
  }
  return program;
}

export async function runCli(argv: readonly string[], extra: readonly CommandGroup[] = []): Promise<number> {
  try {
    const program = await buildProgram(argv, { extra });
    await program.parseAsync(argv as string[], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      return 2;
    }
    if (error instanceof EngineError) {
      process.stderr.write(`ao-emission: ${error.message}\n`);
      return isInputError(error) ? 2 : 1;
    }
    process.stderr.write(`ao-emission: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env['AO_EMISSION_DEBUG']) process.stderr.write(`${(error as Error)?.stack}\n`);
    return 1;
  }
}
