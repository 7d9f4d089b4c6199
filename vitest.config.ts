import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // One temp folder per run, removed at the end (test/support/temp-root.ts: first, so torn down
    // last); one Postgres server per run, shared by the files that need it (test/support/postgres.ts).
    globalSetup: ['test/support/temp-root.ts', 'test/support/postgres.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
