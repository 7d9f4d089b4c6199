// The local AO node as a process: `node --import tsx devnet/ao-node/main.ts --db FILE --minter ADDRESS
// [--port N] [--max-supply UNITS] [--name NAME] [--ticker TICKER] [--logo TXID] [--gate RULE] [--events]`. Prints one JSON line
// {"event":"ready","url","processId","replayed"} when it listens, and with --events one line per
// scheduled message; stops on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startLocalAoNode } from './server.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    minter: { type: 'string' },
    port: { type: 'string', default: '0' },
    'max-supply': { type: 'string' },
    name: { type: 'string' },
    ticker: { type: 'string' },
    logo: { type: 'string' },
    gate: { type: 'string' },
    events: { type: 'boolean', default: false },
  },
});
if (values.db === undefined || values.minter === undefined) {
  process.stderr.write('usage: devnet/ao-node/main.ts --db FILE --minter ADDRESS [--port N] [--max-supply UNITS] [--events]\n');
  process.exit(2);
}
const line = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value)}\n`);
const node = await startLocalAoNode({
  dbPath: values.db,
  minter: values.minter,
  port: Number(values.port),
  ...(values['max-supply'] !== undefined && { maxSupply: values['max-supply'] }),
  ...(values.name !== undefined && { name: values.name }),
  ...(values.ticker !== undefined && { ticker: values.ticker }),
  ...(values.logo !== undefined && { logo: values.logo }),
  ...(values.gate !== undefined && { gate: values.gate }),
  ...(values.events && { onScheduled: (e: object) => line({ event: 'scheduled', ...e }) }),
});
line({ event: 'ready', url: node.url, processId: node.processId, replayed: node.replayed });
const shutdown = (): void => void node.stop().then(() => process.exit(0));
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
