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

  private constructor(
    readonly db: Db,
    readonly dataDir: string,
  ) {
    this.events = new EventLog(db);
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
    return this.db.pragma('data_version', { simple: true }) as number;
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
