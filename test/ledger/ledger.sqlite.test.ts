import { ledgerSuite } from './suite.ts';

ledgerSuite({ dialect: 'sqlite', newUrl: async () => 'sqlite::memory:', runs: 60 });
