/**
 * The one place that opens Rollcall's SQLite database.
 *
 * WAL (readers never block the writer, the CLI and a running `serve` share the file),
 * foreign keys on, synchronous=NORMAL (durable across process crashes; in WAL a power cut may lose
 * the last transactions but never corrupts), a busy timeout so a second process waits for the lock
 * instead of failing, and the versioned migrations.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations as defaultMigrations, type Migration } from './migrations/index';

export type Db = Database.Database;

export const DB_FILE_NAME = 'rollcall.db';

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly supported: number,
    file: string,
  ) {
    super(
      `The database ${file} was written by a newer version of Rollcall (schema ${found}; this version understands up to ${supported}). ` +
        'Upgrade Rollcall, or point --data-dir at another folder. The file was not modified.',
    );
    this.name = 'SchemaTooNewError';
  }
}

export interface OpenOptions {
  /** Test seam: a different migration list. */
  migrations?: readonly Migration[];
  readonly?: boolean;
}

export function openDatabase(dataDir: string, options: OpenOptions = {}): Db {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DB_FILE_NAME);
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    db.pragma('busy_timeout = 5000');
    const list = options.migrations ?? defaultMigrations;
    // Checked before anything else touches the file, so a newer database is left byte-for-byte as it was.
    const found = schemaVersion(db);
    if (found > list.length) throw new SchemaTooNewError(found, list.length, file);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // 64 MiB of page cache (SQLite's default is 2 MiB): a directory sync diffs a 100,000-user,
    // 1,000,000-membership source page by page, and with the default cache most index lookups
    // miss and go back to the file. Pages are cached only as they are used.
    db.pragma('cache_size = -65536');
    migrate(db, list, file);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Applies the migrations the database has not seen, all in one transaction: either the database
 * ends at the latest version or it is left exactly as it was.
 */
export function migrate(db: Db, list: readonly Migration[], file = 'database'): number {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} has version ${m.version}, expected ${i + 1}`);
  });
  const latest = list.length;
  const current = schemaVersion(db);
  if (current > latest) throw new SchemaTooNewError(current, latest, file);
  if (current === latest) return current;
  const apply = db.transaction(() => {
    // Re-read inside the write transaction: another process may have migrated meanwhile.
    const now = schemaVersion(db);
    if (now > latest) throw new SchemaTooNewError(now, latest, file);
    for (const m of list.slice(now)) {
      db.exec(m.up);
      db.pragma(`user_version = ${m.version}`);
    }
  });
  apply.immediate();
  db.pragma('optimize');
  return latest;
}
