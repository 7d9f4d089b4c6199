/**
 * The SQLite ledger's pool → account key → id map of every account (sqlite-db.ts): loaded by the
 * first lookup inside a transaction (≈ 1 s and ≈ 100 MiB at 1 M accounts) and kept in step by the
 * ledger's own inserts, so a tick reads each changed account's account_state row by rowid instead
 * of probing the (pool, account) text index first. Exact, or absent: dropped on rollback (its
 * inserts did not happen), when another connection has committed and when SQL writes the accounts
 * table directly; reloaded on next use. (Measured, and not kept: a full copy of every account in
 * memory made ticks slower, not faster, at 1 M accounts: the collector's work on ≈ 300 MiB of small
 * objects outweighed the reads it saved.)
 */
export class AccountIds {
  #byPool: Map<string, Map<string, number>> | null = null;

  get loaded(): boolean {
    return this.#byPool !== null;
  }

  /** Loads the map from (id, pool, account) rows unless it is already loaded. */
  ensure(rows: () => Iterable<readonly [number, string, string]>): void {
    if (this.#byPool !== null) return;
    const byPool = new Map<string, Map<string, number>>();
    for (const [id, pool, account] of rows()) this.#keysOf(byPool, pool).set(account, id);
    this.#byPool = byPool;
  }

  drop(): void {
    this.#byPool = null;
  }

  /** The id of an account; undefined when it has none (or the map is not loaded). */
  idOf(pool: string, account: string): number | undefined {
    return this.#byPool?.get(pool)?.get(account);
  }

  /** Records an inserted account, when the map is loaded. */
  add(pool: string, account: string, id: number): void {
    if (this.#byPool !== null) this.#keysOf(this.#byPool, pool).set(account, id);
  }

  #keysOf(byPool: Map<string, Map<string, number>>, pool: string): Map<string, number> {
    let keys = byPool.get(pool);
    if (keys === undefined) byPool.set(pool, (keys = new Map()));
    return keys;
  }
}
