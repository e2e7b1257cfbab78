/**
 * Store: the database plus the repositories over it. Every write goes through `write`, an
 * IMMEDIATE transaction (so two processes sharing the file queue on the lock instead of failing
 * half-way), and every SQL statement is prepared with bound parameters.
 */
import path from 'node:path';
import { Checkpointer, SAFETY_AUTOCHECKPOINT_PAGES } from './checkpointer';
import { DB_FILE_NAME, openDatabase, schemaVersion, type Db, type OpenOptions } from './db';
import { EventLog } from './events';

export class Store {
  readonly events: EventLog;
  private closed = false;
  private readonly dataVersionStmt;

  private constructor(
    readonly db: Db,
    readonly dataDir: string,
  ) {
    this.events = new EventLog(db);
    // Prepared once: it is read on every SCIM request (connection cache validation).
    this.dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
  }

  private checkpointer: Checkpointer | undefined;

  /**
   * Opens the store. Long-running hosts (serve, the desktop core) pass `backgroundCheckpoints`, so
   * WAL checkpoints (and their fsync) run on a worker thread instead of inside a request's commit.
   */
  static open(dataDir: string, options?: OpenOptions & { backgroundCheckpoints?: boolean }): Store {
    const store = new Store(openDatabase(dataDir, options), dataDir);
    if (options?.backgroundCheckpoints && !options.readonly) {
      store.db.pragma(`wal_autocheckpoint = ${SAFETY_AUTOCHECKPOINT_PAGES}`);
      store.checkpointer = new Checkpointer(path.join(dataDir, DB_FILE_NAME));
    }
    return store;
  }

  /** Closes after the checkpoint worker has let go of the file, so the last close can tidy the WAL. */
  async closeGracefully(): Promise<void> {
    await this.checkpointer?.stop();
    this.close();
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Changes whenever another connection (another process) commits to the database. */
  dataVersion(): number {
    return this.dataVersionStmt.get() as number;
  }

  getSetting(key: string): string | undefined {
    const row = this.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(key);
    return row?.value;
  }

  setSetting(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.checkpointer?.stop();
    try {
      this.db.pragma('optimize');
    } finally {
      this.db.close();
    }
  }
}
