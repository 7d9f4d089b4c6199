import { defineConfig } from 'drizzle-kit';

/**
 * One logical schema, two dialects (src/ledger/store/schema/). drizzle-kit handles one dialect per run:
 *   npx drizzle-kit generate                          → drizzle/sqlite/
 *   DRIZZLE_DIALECT=postgres npx drizzle-kit generate → drizzle/postgres/
 * The ledger applies the folder for its dialect (src/ledger/migrate.ts).
 */
const postgres = process.env['DRIZZLE_DIALECT'] === 'postgres';

export default defineConfig({
  dialect: postgres ? 'postgresql' : 'sqlite',
  schema: postgres ? './src/ledger/store/schema/postgres.ts' : './src/ledger/store/schema/sqlite.ts',
  out: postgres ? './drizzle/postgres' : './drizzle/sqlite',
  strict: true,
  verbose: true,
});
