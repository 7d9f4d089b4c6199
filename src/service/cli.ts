import { Command, CommanderError } from 'commander';
import { EngineError, isInputError } from '../errors.ts';
import { registerEmissionCommands } from './commands/emission.ts';
import { registerServiceCommands } from './commands/service.ts';
import { registerAoCommands } from './commands/ao.ts';
import { registerSimulateCommand } from './commands/simulate.ts';
import { registerDbCommands } from './commands/db.ts';
import { registerAuditCommands } from './commands/audit.ts';

/**
 * The `ao-emission` CLI. Exit codes: 0 success, 1 a runtime failure (I/O, a check that found a
 * divergence), 2 bad input (arguments, config). Failures print one line on stderr, no stack
 * (set AO_EMISSION_DEBUG=1 for the stack).
 */
export function buildProgram(): Command {
  const program = new Command('ao-emission')
    .description('Mint AO on its smooth-halving curve, credit holders exactly pro rata, audit the history.')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'ao-emission: ')) });
  registerEmissionCommands(program);
  registerServiceCommands(program);
  registerAoCommands(program);
  registerSimulateCommand(program);
  registerDbCommands(program);
  registerAuditCommands(program);
  return program;
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
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
