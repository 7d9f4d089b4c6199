import type { Command } from 'commander';
import { EngineError } from '../../errors.ts';
import { DEFAULT_DATABASE_URL, openLedger } from '../../ledger/index.ts';
import { redactUrl } from '../../redact-url.ts';
import { writeJson } from '../output.ts';

/** `ao-emission db init --database URL` makes a new ledger; `db migrate [--database URL]` applies the drizzle-kit migrations (idempotent, creates too). */
export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('The ledger database');
  db.command('init')
    .description('Create a new, empty ledger (refuses if one exists there: use migrate to upgrade it)')
    .requiredOption('--database <url>', 'sqlite:<path> or postgres://…')
    .option('--json', 'print JSON')
    .action(async (opts: { database: string; json?: boolean }) => {
      const { requireLedger } = await import('../ledger-preflight.ts');
      const exists = await requireLedger(opts.database, { create: false }).then(
        () => true,
        (error: unknown) => {
          if (error instanceof EngineError && error.code === 'INVALID_CONFIG' && /no ledger at/.test(error.message)) return false;
          throw error;
        },
      );
      if (exists) throw new EngineError('INVALID_ARGUMENT', `--database: a ledger already exists at ${redactUrl(opts.database)}; \`ao-emission db migrate\` upgrades it`);
      const ledger = await openLedger({ url: opts.database });
      try {
        await ledger.migrate();
        const result = { database: redactUrl(opts.database), dialect: ledger.dialect, created: true };
        if (opts.json) writeJson(result);
        else process.stdout.write(`created a new ledger at ${result.database} (${result.dialect})\n`);
      } finally {
        await ledger.close();
      }
    });

  db.command('migrate')
    .description('Create or upgrade the ledger schema (safe to run again)')
    .option('--database <url>', 'sqlite:<path>, sqlite::memory: or postgres://…', DEFAULT_DATABASE_URL)
    .option('--json', 'print JSON')
    .action(async (opts: { database: string; json?: boolean }) => {
      const ledger = await openLedger({ url: opts.database });
      try {
        await ledger.migrate();
        const result = { database: redactUrl(opts.database), dialect: ledger.dialect, lastAppliedTick: await ledger.lastAppliedTick() };
        if (opts.json) writeJson(result);
        else process.stdout.write(`migrated ${result.database} (${result.dialect}); ledger at tick ${result.lastAppliedTick}\n`);
      } finally {
        await ledger.close();
      }
    });
}
