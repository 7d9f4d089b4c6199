// Child process of crash.test.ts: the local AO node, SIGKILLed just before its N-th store statement
// when AO_EMISSION_CRASH_AT=N (../crash-at-statement.ts; counting starts after the replay).
// usage: node --import tsx test/ledger/delivery/ao/crash-node.ts <db file> <minter address> <port>
import { armStatementKill } from '../../crash-at-statement.ts';
import { startLocalAoNode } from '../../../../devnet/ao-node/server.ts';

const [dbPath, minter, port] = process.argv.slice(2);
const node = await startLocalAoNode({ dbPath: dbPath!, minter: minter!, port: Number(port) });
armStatementKill();
process.stdout.write(`${JSON.stringify({ event: 'ready', url: node.url, processId: node.processId, replayed: node.replayed })}\n`);
process.on('SIGTERM', () => void node.stop().then(() => process.exit(0)));
