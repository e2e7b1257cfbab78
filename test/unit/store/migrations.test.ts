import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB_FILE_NAME, openDatabase, SchemaTooNewError, schemaVersion } from '../../../src/main/core/store/db';
import { migrations } from '../../../src/main/core/store/migrations/index';
import { tmpDataDir } from '../../helpers/tmp';

const tables = (db: Database.Database): string[] =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all()
    .map((r) => r.name);

describe('migrations', () => {
  it('creates the whole data model in an empty folder, with WAL and foreign keys', () => {
    const dir = path.join(tmpDataDir(), 'nested', 'data');
    const db = openDatabase(dir);
    expect(fs.existsSync(path.join(dir, DB_FILE_NAME))).toBe(true);
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'sources',
        'accounts',
        'groups',
        'memberships',
        'people',
        'person_links',
        'events',
        'scim_exchanges',
        'alerts',
        'alert_evidence',
        'alert_notes',
        'roles',
        'role_mappings',
        'account_roles',
        'settings',
      ]),
    );
    // Every table is STRICT (types enforced).
    const list = db
      .prepare<[], { name: string; strict: number }>(
        "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%'",
      )
      .all();
    expect(list.length).toBeGreaterThan(10);
    expect(list.filter((t) => t.strict !== 1)).toEqual([]);
    db.close();
  });

  it('reopens an existing database without re-running anything and keeps its data', () => {
    const dir = tmpDataDir();
    const first = openDatabase(dir);
    first.prepare("INSERT INTO settings (key, value) VALUES ('theme', 'dark')").run();
    first.close();
    const second = openDatabase(dir);
    expect(schemaVersion(second)).toBe(migrations.length);
    expect(second.prepare("SELECT value FROM settings WHERE key = 'theme'").pluck().get()).toBe('dark');
    second.close();
  });

  it('applies only the new migrations, in order, to an existing database', () => {
    const dir = tmpDataDir();
    openDatabase(dir).close();
    const extra = [
      ...migrations,
      { version: migrations.length + 1, name: 'add-a', up: 'CREATE TABLE a (x INTEGER) STRICT;' },
      { version: migrations.length + 2, name: 'fill-a', up: 'INSERT INTO a VALUES (42);' },
    ];
    const db = openDatabase(dir, { migrations: extra });
    expect(schemaVersion(db)).toBe(migrations.length + 2);
    expect(db.prepare('SELECT x FROM a').pluck().get()).toBe(42);
    db.close();
  });

  it('rolls back every migration of a run when one fails', () => {
    const dir = tmpDataDir();
    openDatabase(dir).close();
    const broken = [
      ...migrations,
      { version: migrations.length + 1, name: 'ok', up: 'CREATE TABLE b (x INTEGER) STRICT;' },
      { version: migrations.length + 2, name: 'bad', up: 'CREATE TABLE broken (;' },
    ];
    expect(() => openDatabase(dir, { migrations: broken })).toThrow();
    const db = openDatabase(dir);
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(tables(db)).not.toContain('b');
    db.close();
  });

  it('refuses a database written by a newer version, with a clear message, and leaves it untouched', () => {
    const dir = tmpDataDir();
    const raw = new Database(path.join(dir, DB_FILE_NAME));
    raw.pragma(`user_version = ${migrations.length + 5}`);
    raw.exec('CREATE TABLE future (x)');
    raw.close();
    const before = fs.readFileSync(path.join(dir, DB_FILE_NAME));
    let error: unknown;
    try {
      openDatabase(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect((error as Error).message).toMatch(
      new RegExp(`newer version of Rollcall.*schema ${migrations.length + 5}.*up to ${migrations.length}\\b`),
    );
    expect(fs.readFileSync(path.join(dir, DB_FILE_NAME)).equals(before)).toBe(true);
  });

  it('refuses a migration list with a gap (an ordered, immutable list)', () => {
    const dir = tmpDataDir();
    expect(() => openDatabase(dir, { migrations: [{ version: 2, name: 'x', up: '' }] })).toThrow(/expected 1/);
  });
});
