import type { Command } from 'commander';
import { DEFAULT_DATABASE_URL, openLedger } from '../../ledger/index.ts';
import { writeJson } from '../output.ts';

/** A database URL fit to print: the password of a postgres:// URL is masked. */
export const redactUrl = (url: string): string => url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^@/]*@/, '$1***@');

/** `ao-emission db migrate [--database URL]`: applies the ledger's drizzle-kit migrations (idempotent). */
export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('The ledger database');
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
