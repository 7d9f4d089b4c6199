import type { Command } from 'commander';
import { parseArweaveAddress } from '../src/address.ts';
import { EngineError } from '../src/errors.ts';
import type { CommandGroup } from '../src/service/cli.ts';
import { writeJson } from '../src/service/output.ts';

/**
 * The development network's commands, added to the CLI by bin/ao-emission.js: `demo` (what `npm
 * start` runs) and `ao node` (the local AO node). They load Hardhat, solc, arlocal, litesvm and
 * wasmoon, which are devDependencies: in a production install (`npm install --omit=dev`) they are
 * absent, and these commands say so in one line while every other command works.
 */

const PROCESS_ID = /^[A-Za-z0-9_-]{43}$/;

const positive = (text: string, field: string, integer: boolean): number => {
  const n = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n)) || n < 0) {
    throw new EngineError('INVALID_ARGUMENT', `${field}: ${JSON.stringify(text)} is not a ${integer ? 'whole ' : ''}number >= 0`);
  }
  return n;
};


/** Imports a devnet module; a package missing because the install omitted devDependencies is one clear line. */
async function devDependency<T>(command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec((error as Error).message)?.[1] ?? 'a development dependency';
    throw new EngineError('INVALID_ARGUMENT', `${command}: needs the development dependencies (${missing} is not installed); run npm install without --omit=dev`);
  }
}

function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the service on an embedded local network (arlocal, Hardhat, litesvm, local AO node) with an accelerated clock; what `npm start` runs')
    .option('--speed <n>', 'ticks per second of simulated time', '5')
    .option('--ticks <n>', 'stop after this many ticks (0 = run until Ctrl-C)', '288')
    .option('--data <dir>', 'folder for the demo ledger, AO node state and logs (recreated each run)', './data')
    .option('--port <n>', 'HTTP status port on 127.0.0.1 (0 = any free port)', '0')
    .option('--seed <n>', 'seed of the demo population and its activity', '1')
    .action(async (opts: { speed: string; ticks: string; data: string; port: string; seed: string }) => {
      const speed = positive(opts.speed, '--speed', false);
      if (speed === 0 || speed > 1000) throw new EngineError('INVALID_ARGUMENT', `--speed: ${opts.speed} must be in (0, 1000] ticks per second`);
      const port = positive(opts.port, '--port', true);
      if (port > 65_535) throw new EngineError('INVALID_ARGUMENT', `--port: ${opts.port} is not a port (0..65535)`);
      // Until the service is up (its own listener then stops it gracefully), a signal ends the demo
      // at once with exit 0: nothing is worth keeping from a half-started local network. Once it is
      // up, a further signal (npm forwards the terminal's Ctrl-C a second time) must not cut off the
      // final delivery and reconciliation, which are bounded: it is ignored.
      let started = false;
      const whileStarting = (signal: NodeJS.Signals) => {
        if (started || process.listenerCount(signal) > 1) return;
        process.stderr.write(`ao-emission: ${signal} while starting the local network; stopped\n`);
        process.exit(0);
      };
      process.on('SIGTERM', whileStarting);
      process.on('SIGINT', whileStarting);
      try {
        const { runDemo } = await devDependency('demo', () => import('./demo.ts'));
        const summary = await runDemo({ speed, ticks: positive(opts.ticks, '--ticks', true), dataDir: opts.data, port, seed: positive(opts.seed, '--seed', true), onStarted: () => (started = true) });
        process.exitCode = summary.exitCode;
      } finally {
        process.off('SIGTERM', whileStarting);
        process.off('SIGINT', whileStarting);
      }
    });
}

function registerAoNodeCommand(program: Command): void {
  const ao = program.commands.find((c) => c.name() === 'ao');
  if (ao === undefined) throw new EngineError('INTERNAL_ERROR', 'ao node: the ao command group is not registered');
  ao.command('node')
    .description('Run the local AO node (MU + SU + CU for the token process on 127.0.0.1; see devnet/ao-node/README.md) until interrupted.')
    .requiredOption('--db <file>', 'SQLite file of the node (created if missing)')
    .requiredOption('--minter <address>', 'the address allowed to Mint-Batch')
    .option('--port <n>', 'port (0 picks a free one)', '0')
    .option('--max-supply <units>', 'max supply in base units', '21000000000000000000')
    .option('--gate <rule>', "the token's transfer gate: mintCount:N or supplyShare:P/Q", 'mintCount:100000')
    .option('--logo <txid>', "the token's Logo (an Arweave transaction id); none by default")
    .option('--flps <names>', 'also spawn the yield-delegation process with PI and these comma-separated FLP projects (ao/delegation.lua, ao/flp.lua)')
    .action(async (opts: { db: string; minter: string; port: string; maxSupply: string; gate: string; logo?: string; flps?: string }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new EngineError('INVALID_ARGUMENT', `--port: ${JSON.stringify(opts.port)} is not a port; expected 0..65535`);
      if (!/^(0|[1-9][0-9]{0,77})$/.test(opts.maxSupply)) throw new EngineError('INVALID_AMOUNT', `--max-supply: ${JSON.stringify(opts.maxSupply)} is not a decimal string of base units`);
      parseArweaveAddress(opts.minter, '--minter');
      const { startLocalAoNode } = await devDependency('ao node', () => import('./ao-node/server.ts'));
      if (!/^(mintCount:(0|[1-9][0-9]{0,14})|supplyShare:(0|[1-9][0-9]{0,8})\/[1-9][0-9]{0,8})$/.test(opts.gate)) {
        throw new EngineError('INVALID_ARGUMENT', `--gate: ${JSON.stringify(opts.gate)} is not a gate rule; expected mintCount:N or supplyShare:P/Q`);
      }
      if (opts.logo !== undefined && !PROCESS_ID.test(opts.logo)) throw new EngineError('INVALID_ARGUMENT', `--logo: ${JSON.stringify(opts.logo)} is not a transaction id; expected 43 base64url characters`);
      const flps = opts.flps === undefined ? undefined : opts.flps.split(',').map((n) => n.trim());
      if (flps !== undefined && flps.some((n) => n.length === 0 || n.length > 64)) throw new EngineError('INVALID_ARGUMENT', `--flps: ${JSON.stringify(opts.flps)} is not a list of names; expected e.g. "APUS,Botega" (1..64 characters each)`);
      const node = await startLocalAoNode({ dbPath: opts.db, minter: opts.minter, port, maxSupply: opts.maxSupply, gate: opts.gate, ...(opts.logo !== undefined && { logo: opts.logo }), ...(flps !== undefined && { delegation: { flps } }) });
      writeJson({ url: node.url, processId: node.processId, replayed: node.replayed, ...(flps !== undefined && { delegationProcessId: node.delegationProcessId, projects: node.projects }) });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await node.stop();
    });
}

export const DEVNET_GROUPS: readonly CommandGroup[] = [
  {
    commands: [{ name: 'demo', usage: '[options]', description: 'the service on an embedded local network (arlocal, Hardhat, litesvm, local AO node) with an accelerated clock; what `npm start` runs' }],
    load: async () => registerDemoCommand,
  },
  { commands: [], extends: ['ao'], load: async () => registerAoNodeCommand },
];
