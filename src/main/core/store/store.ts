/**
 * Store: the database plus the repositories over it. Every write goes through `write`, an
 * IMMEDIATE transaction (so two processes sharing the file queue on the lock instead of failing
 * half-way), and every SQL statement is prepared with bound parameters.
 */
import { openDatabase, schemaVersion, type Db, type OpenOptions } from './db';
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

  static open(dataDir: string, options?: OpenOptions): Store {
    return new Store(openDatabase(dataDir, options), dataDir);
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
    try {
      this.db.pragma('optimize');
    } finally {
      this.db.close();
    }
  }
}
