import type { Logger } from './logger.ts';
import type { ServiceHandle } from './service.ts';

/**
 * Runs until SIGTERM or SIGINT (or `done` resolves), then stops gracefully: the tick in progress
 * finishes (or, if still taking snapshots, never starts), the outbox state is written, the leader
 * lock and the database are released. Resolves with the exit code (0). A second signal while
 * stopping is logged and ignored: the stop is already as fast as it can be without losing a tick.
 */
export async function runUntilSignal(handle: ServiceHandle, log: Logger, done?: Promise<unknown>): Promise<number> {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals | null>((resolve) => {
    onSignal = (signal) => resolve(signal);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  const reason = await Promise.race([signalled, (done ?? new Promise(() => undefined)).then(() => null)]);
  log.info({ signal: reason }, reason === null ? 'finished; stopping' : 'signal received; finishing the tick in progress');
  const ignore = (signal: NodeJS.Signals) => log.warn({ signal }, 'already stopping');
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  process.on('SIGTERM', ignore);
  process.on('SIGINT', ignore);
  try {
    await handle.stop();
  } finally {
    process.off('SIGTERM', ignore);
    process.off('SIGINT', ignore);
  }
  return 0;
}
