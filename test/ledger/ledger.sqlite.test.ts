import { ledgerSuite } from './suite.ts';

ledgerSuite({ dialect: 'sqlite', newUrl: async () => 'sqlite::memory:', runs: 60 });
// Small enough that random histories rewrite account_state between settlements, not only at them.
ledgerSuite({ dialect: 'sqlite', newUrl: async () => 'sqlite::memory:', runs: 60, deferAccounts: 3 });
