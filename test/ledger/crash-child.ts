// Child process of crash.test.ts: applies the crash history to a SQLite file until killed.
// usage: node --import tsx test/ledger/crash-child.ts <db path> <seed>
import { openLedger } from '../../src/ledger/index.ts';
import { CRASH_DEFER_ACCOUNTS, runCrashHistory } from './crash-history.ts';

const [path, seedText] = process.argv.slice(2);
const ledger = await openLedger({ url: `sqlite:${path}`, deferAccounts: CRASH_DEFER_ACCOUNTS });
await ledger.migrate();
process.stdout.write('ready\n');
await runCrashHistory(ledger, Number(seedText), (k) => process.stdout.write(`tick ${k}\n`));
await ledger.close();
process.stdout.write('done\n');
