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

  it('0003 re-keys memberships by integer keys, keeping every row and a member nobody listed', () => {
    const dir = tmpDataDir();
    const v2 = openDatabase(dir, { migrations: migrations.slice(0, 2) });
    const t = (m: number) => `2026-01-0${m}T00:00:00.000Z`;
    v2.exec(`
      INSERT INTO sources (id, kind, provider, name, slug, created_at, updated_at) VALUES ('c1', 'connection', 'okta', 'App', 'app', 'x', 'x');
      INSERT INTO sources (id, kind, provider, name, created_at, updated_at) VALUES ('d1', 'directory', 'google', 'Dir', 'x', 'x');
      INSERT INTO accounts (source_id, id, user_name, raw, created_at, updated_at, first_seen, last_seen)
        VALUES ('c1', 'u1', 'ann', '{}', 'x', 'x', 'x', 'x'), ('d1', 'u1', 'ann@d', '{}', 'x', 'x', 'x', 'x');
      INSERT INTO groups (source_id, id, display_name, raw, created_at, updated_at, first_seen, last_seen)
        VALUES ('c1', 'g1', 'Admins', '{}', 'x', 'x', 'x', 'x'), ('d1', 'g1', 'All', '{}', 'x', 'x', 'x', 'x'),
               ('d1', 'g2', 'Sub', '{}', 'x', 'x', 'x', 'x');
      INSERT INTO memberships (source_id, group_id, member_id, member_type, first_seen, last_seen, deleted_at) VALUES
        ('c1', 'g1', 'u1', 'User', '${t(1)}', '${t(1)}', NULL),
        ('c1', 'g1', 'ghost', 'User', '${t(2)}', '${t(2)}', NULL),
        ('d1', 'g1', 'u1', 'User', '${t(3)}', '${t(4)}', '${t(4)}'),
        ('d1', 'g1', 'g2', 'Group', '${t(5)}', '${t(5)}', NULL),
        ('d1', 'g1', 'ext', 'User', '${t(6)}', '${t(6)}', NULL),
        ('d1', 'g1', 'lost-group', 'Group', '${t(7)}', '${t(7)}', NULL);
    `);
    const before = v2
      .prepare('SELECT source_id, group_id, member_id, member_type, first_seen, last_seen, deleted_at FROM memberships ORDER BY 1, 2, 3')
      .all();
    v2.close();

    const db = openDatabase(dir);
    expect(schemaVersion(db)).toBe(migrations.length);
    const after = db
      .prepare('SELECT source_id, group_id, member_id, member_type, first_seen, last_seen, deleted_at FROM membership_ids ORDER BY 1, 2, 3')
      .all();
    expect(after).toEqual(before);
    expect(before).toHaveLength(6);
    // the members nobody listed became deleted, unlisted rows: present for their id, seen by nothing else
    expect(
      db.prepare("SELECT source_id, id, status, active, deleted_at FROM accounts WHERE status = 'unlisted' ORDER BY source_id, id").all(),
    ).toEqual([
      { source_id: 'c1', id: 'ghost', status: 'unlisted', active: 0, deleted_at: t(2) },
      { source_id: 'd1', id: 'ext', status: 'unlisted', active: 0, deleted_at: t(6) },
    ]);
    expect(db.prepare('SELECT source_id, id, deleted_at FROM groups WHERE deleted_at IS NOT NULL').all()).toEqual([
      { source_id: 'd1', id: 'lost-group', deleted_at: t(7) },
    ]);
    expect(db.prepare("SELECT name FROM pragma_table_info('memberships') ORDER BY cid").pluck().all()).toEqual([
      'group_pk',
      'member_pk',
      'member_type',
      'first_seen',
      'deleted_at',
    ]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('0004 adds the analysis tables to a database with people, roles and events, keeping every row', () => {
    const dir = tmpDataDir();
    const v3 = openDatabase(dir, { migrations: migrations.slice(0, 3) });
    v3.exec(`
      INSERT INTO sources (id, kind, provider, name, slug, created_at, updated_at) VALUES ('c1', 'connection', 'okta', 'App', 'app', 'x', 'x');
      INSERT INTO people (id, display_name, primary_email, status, created_at, updated_at) VALUES (7, 'Ann', 'ann@acme.com', 'leaving', 'x', 'x');
      INSERT INTO accounts (source_id, id, user_name, raw, created_at, updated_at, first_seen, last_seen, person_id)
        VALUES ('c1', 'u1', 'ann', '{}', 'x', 'x', 'x', 'x', 7);
      INSERT INTO roles (id, source_id, name, billed, seats_purchased) VALUES (3, 'c1', 'Editor', 1, 10);
      INSERT INTO role_mappings (role_id, kind, match) VALUES (3, 'group', 'Editors');
      INSERT INTO account_roles (source_id, account_id, role_id, since) VALUES ('c1', 'u1', 3, 'x');
    `);
    v3.close();
    const db = openDatabase(dir);
    expect(schemaVersion(db)).toBe(migrations.length);
    expect(db.prepare('SELECT id, display_name, status, account_count, directory_accounts, left_at FROM people').all()).toEqual([
      { id: 7, display_name: 'Ann', status: 'leaving', account_count: null, directory_accounts: 0, left_at: null },
    ]);
    expect(db.prepare('SELECT name, seats_purchased, removed_at FROM roles').all()).toEqual([
      { name: 'Editor', seats_purchased: 10, removed_at: null },
    ]);
    expect(db.prepare('SELECT count(*) FROM account_roles').pluck().get()).toBe(1);
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'account_state',
        'account_events',
        'audit_events',
        'seat_deltas',
        'deprovisions',
        'analysis_meta',
        'analysis_walks',
      ]),
    );
    // the analysis tables are STRICT like every other
    expect(() => db.prepare("INSERT INTO seat_deltas (source_id, role_id, day, active) VALUES ('c1', 'x', '2026-01-01', 1)").run()).toThrow(
      /cannot store TEXT value in INTEGER column/,
    );
    // no index was added to the tables the SCIM listener and the sync write (their write cost is unchanged)
    const indexesOn = (table: string) =>
      db
        .prepare<[string], string>("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name")
        .pluck()
        .all(table);
    expect(indexesOn('events')).toEqual(['events_occurred', 'events_person', 'events_source', 'events_type']);
    expect(indexesOn('accounts')).toEqual([
      'accounts_email',
      'accounts_external_id',
      'accounts_page',
      'accounts_person',
      'accounts_user_name',
    ]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
