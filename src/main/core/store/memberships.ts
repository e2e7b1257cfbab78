/**
 * Writing memberships (migration 0003): one definition for every source — the SCIM service
 * provider and the directory sync engine both start and end memberships and create the unlisted
 * rows a member may need, and must do it the same way.
 */
import type Database from 'better-sqlite3';

export type MemberType = 'User' | 'Group';

export interface MembershipStatements {
  start: Database.Statement<[groupPk: number, memberPk: number, memberType: MemberType, now: string]>;
  end: Database.Statement<[now: string, groupPk: number, memberPk: number, memberType: MemberType]>;
  insertUnlistedAccount: Database.Statement<[{ source_id: string; id: string; now: string }]>;
  insertUnlistedGroup: Database.Statement<[{ source_id: string; id: string; now: string }]>;
}

function prepare(db: Database.Database): MembershipStatements {
  return {
    /** Starts a membership, or starts an ended one again (its `first_seen` is then now). Positional:
     *  a first sync runs a million of these, and binding by name costs measurably more. */
    start: db.prepare<[groupPk: number, memberPk: number, memberType: MemberType, now: string]>(
      `INSERT INTO memberships (group_pk, member_pk, member_type, first_seen) VALUES (?, ?, ?, ?)
       ON CONFLICT (group_pk, member_pk, member_type) DO UPDATE SET deleted_at = NULL, first_seen = excluded.first_seen`,
    ),
    /** Ends a live membership; `changes` is 0 when it was not live. */
    end: db.prepare<[now: string, groupPk: number, memberPk: number, memberType: MemberType]>(
      'UPDATE memberships SET deleted_at = ? WHERE group_pk = ? AND member_pk = ? AND member_type = ? AND deleted_at IS NULL',
    ),
    /**
     * A member that names no row gets an unlisted one: deleted, so no list, lookup or uniqueness
     * rule sees it, known only by its id; it becomes the object if the source lists that id later.
     */
    insertUnlistedAccount: db.prepare<[{ source_id: string; id: string; now: string }]>(
      `INSERT INTO accounts (source_id, id, active, status, raw, version, created_at, updated_at, first_seen, last_seen, deleted_at)
       VALUES (@source_id, @id, 0, 'unlisted', '{}', 1, @now, @now, @now, @now, @now)`,
    ),
    insertUnlistedGroup: db.prepare<[{ source_id: string; id: string; now: string }]>(
      `INSERT INTO groups (source_id, id, raw, version, created_at, updated_at, first_seen, last_seen, deleted_at)
       VALUES (@source_id, @id, '{}', 1, @now, @now, @now, @now, @now)`,
    ),
  };
}

const cache = new WeakMap<Database.Database, MembershipStatements>();

/** The membership statements of a connection, prepared once. */
export function membershipStatements(db: Database.Database): MembershipStatements {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = prepare(db)));
  return s;
}

/** The unlisted row of a member that names no row: its new key. */
export function insertUnlisted(s: MembershipStatements, type: MemberType, sourceId: string, id: string, now: string): number {
  const insert = type === 'User' ? s.insertUnlistedAccount : s.insertUnlistedGroup;
  return Number(insert.run({ source_id: sourceId, id, now }).lastInsertRowid);
}
