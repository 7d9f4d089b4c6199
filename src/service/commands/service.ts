import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ArweaveJwk } from '../../ledger/delivery/ao/index.ts';

// The service, its config parser, the AO writer and the chain clients load when serve
// runs, not when the CLI starts (see src/service/cli.ts).

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
      const { LateSourceState, delegationSourceFromConfig, sourcesFromConfig } = await import('../sources.ts');
      const sourceState = new LateSourceState();
      const sources = sourcesFromConfig(config, sourceState);
      const delegationSource = delegationSourceFromConfig(config);
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
        delegationSource,
        sourceState,
        clock: systemClock,
        log,
        trigger: cronTrigger(config.genesisMs),
        http: config.http,
        health: config.health,
        createDeliverer: ao && jwk ? (ledger) => aoDeliverer(ledger, { processId: ao.processId, muUrl: ao.muUrl, cuUrl: ao.cuUrl, jwk, log, batchesPerPass: ao.batchesPerPass }) : null,
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
}
