import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';

/** A scheduled message as the node persists it: the signed item itself, its slot and its time. */
export interface StoredMessage {
  readonly processId: string;
  readonly seq: number;
  readonly id: string;
  readonly timestampMs: number;
  /** The signed ANS-104 data item, byte for byte (anyone can re-verify it). */
  readonly raw: Buffer;
  /** JSON of the result, null until evaluated (a crash between scheduling and evaluation). */
  readonly result: string | null;
}

/**
 * The node's durable state (SQLite, WAL, synchronous=FULL: a message the node has answered for
 * survives a kill or a power cut). Tables: processes (id, spec) and messages (the schedule: one
 * row per message, ordered by seq within its process, with the result once evaluated).
 */
export class NodeStore {
  readonly #db: SqliteDatabase;
  readonly #insert: Statement<[string, number, string, number, Buffer]>;
  readonly #setResult: Statement<[string, string]>;
  readonly #byId: Statement<[string]>;
  readonly #nextSeq: Statement<[string]>;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS processes (id TEXT PRIMARY KEY, spec TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS messages (
        process_id TEXT NOT NULL REFERENCES processes(id),
        seq INTEGER NOT NULL,
        id TEXT NOT NULL UNIQUE,
        timestamp_ms INTEGER NOT NULL,
        raw BLOB NOT NULL,
        result TEXT,
        PRIMARY KEY (process_id, seq)
      );`);
    this.#insert = this.#db.prepare('INSERT INTO messages (process_id, seq, id, timestamp_ms, raw, result) VALUES (?, ?, ?, ?, ?, NULL)');
    this.#setResult = this.#db.prepare('UPDATE messages SET result = ? WHERE id = ?');
    this.#byId = this.#db.prepare('SELECT process_id AS processId, seq, id, timestamp_ms AS timestampMs, raw, result FROM messages WHERE id = ?');
    this.#nextSeq = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM messages WHERE process_id = ?');
  }

  /** Records a process's spec once; a different spec under the same id is a programmer error upstream. */
  ensureProcess(id: string, spec: string): void {
    this.#db.prepare('INSERT INTO processes (id, spec) VALUES (?, ?) ON CONFLICT (id) DO NOTHING').run(id, spec);
  }

  /** Assigns the next slot and persists the message (the scheduler's job); returns the slot. */
  schedule(processId: string, id: string, timestampMs: number, raw: Buffer): number {
    return this.#db.transaction(() => {
      const { seq } = this.#nextSeq.get(processId) as { seq: number };
      this.#insert.run(processId, seq, id, timestampMs, raw);
      return seq;
    })();
  }

  setResult(id: string, resultJson: string): void {
    this.#setResult.run(resultJson, id);
  }

  get(id: string): StoredMessage | null {
    return (this.#byId.get(id) as StoredMessage | undefined) ?? null;
  }

  /** The process's schedule in order, for replay after a restart. */
  *scheduleOf(processId: string): IterableIterator<StoredMessage> {
    yield* this.#db
      .prepare('SELECT process_id AS processId, seq, id, timestamp_ms AS timestampMs, raw, result FROM messages WHERE process_id = ? ORDER BY seq')
      .iterate(processId) as IterableIterator<StoredMessage>;
  }

  /** The latest assigned slot of the process (0 before its first message). */
  lastSlot(processId: string): number {
    return (this.#db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM messages WHERE process_id = ?').get(processId) as { seq: number }).seq;
  }

  messageCount(processId: string): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM messages WHERE process_id = ?').get(processId) as { n: number }).n;
  }

  close(): void {
    this.#db.close();
  }
}
