import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Moves the SQLite ledger's WAL checkpoints off the writer's thread: a worker thread with its own
 * connection copies committed WAL frames into the database file (PRAGMA wal_checkpoint(PASSIVE),
 * which never blocks the writer or readers) whenever the writer has committed, so no tick pays
 * for copying the pages an earlier tick dirtied (a 16 MiB checkpoint inline cost up to ≈ 300 ms).
 * Durability is unchanged: a commit is durable in the WAL; the checkpoint only moves frames.
 * If the worker stops, `onStopped` lets the writer take its checkpoints back.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('wal_autocheckpoint = 0');
let wanted = false;
let running = false;
const run = () => {
  if (running) return;
  running = true;
  while (wanted) {
    wanted = false;
    db.pragma('wal_checkpoint(PASSIVE)');
  }
  running = false;
};
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  wanted = true;
  run();
});
`;

export class Checkpointer {
  readonly #worker: Worker;
  #stopped = false;

  constructor(path: string, onStopped: (error: unknown) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver } });
    // The writer's process must be free to exit whatever the worker does.
    this.#worker.unref();
    const stop = (error: unknown): void => {
      if (this.#stopped) return;
      this.#stopped = true;
      onStopped(error);
    };
    this.#worker.on('error', stop);
    this.#worker.on('exit', (code) => stop(code === 0 ? null : new Error(`checkpoint worker exited with ${code}`)));
  }

  /** The writer committed: checkpoint what is in the WAL (coalesced while one runs). */
  committed(): void {
    if (!this.#stopped) this.#worker.postMessage('checkpoint');
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    // Held while it closes: an unreferenced worker would let the process end before 'exit' arrives.
    this.#worker.ref();
    this.#worker.postMessage('close');
    await exited;
  }
}
