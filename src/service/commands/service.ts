import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EngineError } from '../../errors.ts';
import type { ArweaveJwk } from '../../ledger/ao/index.ts';

// The service, its config parser, the AO writer and the chain clients load when serve or demo
// runs, not when the CLI starts (see src/service/cli.ts).

const positive = (text: string, field: string, integer: boolean): number => {
  const n = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n)) || n < 0) {
    throw new EngineError('INVALID_ARGUMENT', `${field}: ${JSON.stringify(text)} is not a ${integer ? 'whole ' : ''}number >= 0`);
  }
  return n;
};

/** Records SIGTERM/SIGINT until end() (which returns the signal received, if any, and stops listening). */
function signalDuringStart(): { end(): NodeJS.Signals | null } {
  let received: NodeJS.Signals | null = null;
  const on = (signal: NodeJS.Signals) => (received = signal);
  process.on('SIGTERM', on);
  process.on('SIGINT', on);
  return {
    end() {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      return received;
    },
  };
}

export function registerServiceCommands(program: Command): void {
  program
    .command('serve')
    .description('run the minting service: a tick every 5 minutes (cron, aligned to genesis), catch-up after downtime, HTTP status')
    .requiredOption('--config <file>', 'JSON or YAML config (see config/example.yaml); AO_EMISSION_<SECTION>_<FIELD> variables override it')
    .option('--create', 'create the ledger if database.url names none (otherwise a missing ledger is an error: a typo must not start a second one)')
    .action(async (opts: { config: string; create?: boolean }) => {
      const [{ describeConfig, loadConfig }, { createLogger }] = await Promise.all([import('../config.ts'), import('../logger.ts')]);
      // Everything is validated before anything is opened or written.
      const config = loadConfig(opts.config);
      const { checkPortFree, requireLedger } = await import('../ledger-preflight.ts');
      await checkPortFree(config.http.host, config.http.port);
      await requireLedger(config.databaseUrl, { create: opts.create === true, field: config.databaseField });
      // A terminal gets human lines (pino-pretty); a pipe, a file or a log collector gets JSON.
      const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
      const destination = pretty ? (await import('pino-pretty')).default({ colorize: true, destination: 1, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name' }) : undefined;
      const log = createLogger({ level: config.logLevel, ...(destination ? { destination } : {}) });
      // The chain clients load only when serving (they are heavy, and other commands do not need them).
      const { LateSourceState, sourcesFromConfig } = await import('../sources.ts');
      const sourceState = new LateSourceState();
      const sources = sourcesFromConfig(config, sourceState);
      const ao = config.ao;
      const jwk = ao ? (JSON.parse(readFileSync(ao.signerKeyFile, 'utf8')) as ArweaveJwk) : null;
      log.info({ config: describeConfig(config) }, 'config loaded');
      // A signal while starting (opening the ledger, migrating) stops the service once it is up, exit 0.
      const early = signalDuringStart();
      const [{ systemClock }, { aoDeliverer }, { cronTrigger }, { startService }, { runUntilSignal }] = await Promise.all([
        import('../../clock.ts'),
        import('../delivery.ts'),
        import('../scheduler.ts'),
        import('../service.ts'),
        import('../signals.ts'),
      ]);
      const handle = await startService({
        databaseUrl: config.databaseUrl,
        deferAccounts: config.deferAccounts,
        genesisMs: config.genesisMs,
        policy: config.policy,
        policyChange: config.policyChange,
        settlementTicks: config.settlementTicks,
        sources,
        sourceState,
        clock: systemClock,
        log,
        trigger: cronTrigger(config.genesisMs),
        http: config.http,
        health: config.health,
        createDeliverer: ao && jwk ? (ledger) => aoDeliverer(ledger, { processId: ao.processId, muUrl: ao.muUrl, cuUrl: ao.cuUrl, jwk, log, batchesPerPass: ao.batchSize }) : null,
      });
      // runUntilSignal listens before the start-up listener goes, so no signal falls between them.
      const stopped = runUntilSignal(handle, log);
      const received = early.end();
      if (received !== null) {
        log.info({ signal: received }, 'signal received while starting; stopping');
        process.kill(process.pid, received);
      }
      process.exitCode = await stopped;
    });

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
        const { runDemo } = await import('../demo.ts');
        const summary = await runDemo({ speed, ticks: positive(opts.ticks, '--ticks', true), dataDir: opts.data, port, seed: positive(opts.seed, '--seed', true), onStarted: () => (started = true) });
        process.exitCode = summary.exitCode;
      } finally {
        process.off('SIGTERM', whileStarting);
        process.off('SIGINT', whileStarting);
      }
    });
}
