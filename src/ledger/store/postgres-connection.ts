import type pg from 'pg';

/**
 * A transaction's connection whose writes may run behind it: writeBehind starts a write and
 * returns, and every later statement on the connection waits for it first, so a failed write is
 * the next statement's failure (COMMIT's at the latest). Settlement uses it for its credits: the
 * server ingests one page's COPY while the ledger computes the next page (postgres-db.ts).
 */
export class TxConnection {
  #behind: Promise<void> = Promise.resolve();

  constructor(readonly client: pg.PoolClient) {}

  /** pg's query, after the writes behind. */
  readonly query = ((...args: unknown[]) => this.#behind.then(() => (this.client.query as (...a: unknown[]) => unknown).apply(this.client, args))) as unknown as pg.PoolClient['query'];

  writeBehind(write: (client: pg.PoolClient) => Promise<void>): void {
    const run = this.#behind.then(() => write(this.client));
    // Its failure is reported by the next statement; marked handled so none is left unhandled meanwhile.
    run.catch(() => undefined);
    this.#behind = run;
  }

  /** Once every write behind has ended, failed or not (before a ROLLBACK). */
  async quiet(): Promise<void> {
    await this.#behind.catch(() => undefined);
  }
}

/** What the Postgres store's statements run on: the pool, a connection, or a transaction's connection. */
export type Queryable = pg.Pool | pg.PoolClient | TxConnection;
