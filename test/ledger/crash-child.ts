// Child process of crash.test.ts: applies the crash history to a ledger until it is done or kills
// itself at the statement AO_EMISSION_CRASH_AT (crash-at-statement.ts).
// usage: node --import tsx test/ledger/crash-child.ts <database url> <history seed>
import { armStatementKill, statementsExecuted } from './crash-at-statement.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { CRASH_DEFER_ACCOUNTS, runCrashHistory } from './crash-history.ts';

const [url, seedText] = process.argv.slice(2);
const ledger = await openLedger({ url: url!, deferAccounts: CRASH_DEFER_ACCOUNTS });
await ledger.migrate();
armStatementKill();
await runCrashHistory(ledger, Number(seedText), (k) => process.stdout.write(`tick ${k}\n`));
const statements = statementsExecuted();
await ledger.close();
process.stdout.write(`statements ${statements}\ndone\n`);
