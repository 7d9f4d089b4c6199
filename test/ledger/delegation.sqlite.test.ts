import { delegationSuite } from './delegation-suite.ts';

delegationSuite({ dialect: 'sqlite', newUrl: async () => 'sqlite::memory:', runs: 40 });
