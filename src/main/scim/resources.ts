/**
 * SCIM Users and Groups of one connection in store mode: validation of what the IdP sends, the
 * state in SQLite (accounts, groups, memberships) and the events each change produces — written in
 * the same transaction, so there is never a change without its event or an event without its change.
 *
 * Stored shape: `raw` is the resource as the IdP set it, minus what the service provider owns
 * (`id`, `meta`, User `groups`, Group `members`) and minus `password` (write-only, never kept).
 * Group members live in `memberships` (a 10,000-member group must not be rewritten as one JSON blob
 * on every PATCH); a User's `groups` is derived from them.
 */
import { uuidv7 } from '../core/ids';
import type { NewEvent } from '../core/store/events';
import { insertUnlisted, membershipStatements, type MembershipStatements } from '../core/store/memberships';
import type { Store } from '../core/store/store';
import { badRequest, conflict, notFound, preconditionFailed } from './errors';
import { fastNormalize } from './normalize-fast';
import { applyPatch, deepEqual, type JsonObject } from './patch';
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, type ResourceTypeName } from './schema';

export interface StoredUser {
  pk: number;
  id: string;
  user_name: string;
  external_id: string | null;
  display_name: string | null;
  active: number;
  raw: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface StoredGroup {
  pk: number;
  id: string;
  display_name: string;
  external_id: string | null;
  raw: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Member {
  value: string;
  type: 'User' | 'Group';
  display?: string;
}

/** A membership row of a group, with its member's id. */
interface StoredMemberRow {
  member_pk: number;
  member_type: 'User' | 'Group';
  member_id: string;
}

export interface WriteContext {
  connectionId: string;
  exchangeId: number | null;
  /**
   * When set, events are collected here instead of appended: the SCIM listener logs the exchange
   * row once it knows the answer, then appends these with its id, all in the same transaction.
   */
  pendingEvents?: NewEvent[];
  now: string;
  actor: string | null;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasSchema = (schemas: unknown, id: string): boolean =>
  Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === id.toLowerCase());

/** Keys the service provider owns; what the client sends for them is ignored (or checked). */
const USER_SP_KEYS = new Set(['id', 'meta', 'groups', 'password']);
const GROUP_SP_KEYS = new Set(['id', 'meta', 'members']);

export const etagOf = (version: number): string => `W/"${version}"`;

/**
 * The folding case-insensitive SCIM comparisons use (filter.ts compareStrings): NFC, then lower
 * case. Stored resources keep a folded copy of their JSON so that a filter value can be looked for
 * inside SQLite before any resource is parsed.
 */
export const foldText = (s: string): string => s.normalize('NFC').toLowerCase();

/** userName / displayName uniqueness key: case-insensitive (caseExact false in RFC 7643). */
export const uniqueKey = (s: string): string => s.normalize('NFC').toLowerCase();

/**
 * Turns a client's resource body into the stored shape, with the same coercions as PATCH (string
 * booleans, a one-element array for a single value, canonical attribute names) by applying it as a
 * no-path `add` to an empty resource.
 */
export function normalizeBody(body: unknown, type: ResourceTypeName): JsonObject {
  if (!isObject(body)) throw badRequest('invalidSyntax', `The request body must be a JSON object (a SCIM ${type})`);
  const core = type === 'User' ? USER_SCHEMA : GROUP_SCHEMA;
  if (body.schemas !== undefined && !hasSchema(body.schemas, core)) {
    throw badRequest('invalidSyntax', `"schemas" must include ${core}`);
  }
  const spKeys = type === 'User' ? USER_SP_KEYS : GROUP_SP_KEYS;
  const value: JsonObject = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === 'schemas' || spKeys.has(k.toLowerCase()) || v === null) continue;
    value[k] = v;
  }
  const resource =
    fastNormalize(value, type, core) ?? applyPatch({ schemas: [core] }, type, { Operations: [{ op: 'add', value }] }).resource;
  // Keep extension URNs the client declared even when we do not know them (never reject them).
  const declared = Array.isArray(body.schemas) ? body.schemas.filter((s): s is string => typeof s === 'string') : [];
  const schemas = resource.schemas as string[];
  for (const s of declared) if (!hasSchema(schemas, s)) schemas.push(s);
  for (const key of Object.keys(resource)) {
    if (key.toLowerCase().startsWith('urn:') && isObject(resource[key]) && !hasSchema(schemas, key)) schemas.push(key);
  }
  if (type === 'User') {
    const userName = resource.userName;
    if (typeof userName !== 'string' || userName.trim() === '') throw badRequest('invalidValue', 'userName is required');
    if (resource.active !== undefined && typeof resource.active !== 'boolean') {
      throw badRequest('invalidValue', '"active" must be a boolean');
    }
  } else {
    const displayName = resource.displayName;
    if (typeof displayName !== 'string' || displayName.trim() === '') throw badRequest('invalidValue', 'displayName is required');
  }
  return resource;
}

/** Members listed in a Group body or PATCH result, validated. */
export function membersOf(value: unknown): Member[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest('invalidValue', '"members" must be an array');
  const seen = new Map<string, Member>();
  for (const m of value) {
    if (!isObject(m) || typeof m.value !== 'string' || m.value === '') {
      throw badRequest('invalidValue', 'Each member needs a "value" (the member\'s id)');
    }
    const type = typeof m.type === 'string' && m.type.toLowerCase() === 'group' ? 'Group' : 'User';
    seen.set(m.value, { value: m.value, type, ...(typeof m.display === 'string' ? { display: m.display } : {}) });
  }
  return [...seen.values()];
}

/** Attribute-level difference of two stored resources: extension attributes as `urn:…:attr`. */
export function diffAttributes(before: JsonObject, after: JsonObject): { before: JsonObject; after: JsonObject } {
  const flat = (r: JsonObject): Map<string, unknown> => {
    const m = new Map<string, unknown>();
    for (const [k, v] of Object.entries(r)) {
      if (k === 'schemas') continue;
      if (k.toLowerCase().startsWith('urn:') && isObject(v)) for (const [ek, ev] of Object.entries(v)) m.set(`${k}:${ek}`, ev);
      else m.set(k, v);
    }
    return m;
  };
  const a = flat(before);
  const b = flat(after);
  const out = { before: {} as JsonObject, after: {} as JsonObject };
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    if (!deepEqual(a.get(key), b.get(key))) {
      if (a.has(key)) out.before[key] = a.get(key);
      if (b.has(key)) out.after[key] = b.get(key);
    }
  }
  return out;
}

/** The folded `value` of every email of a stored user (what account_emails holds). */
export function emailKeys(r: JsonObject): string[] {
  const emails = Array.isArray(r.emails) ? r.emails : [];
  const keys = new Set<string>();
  for (const e of emails) if (isObject(e) && typeof e.value === 'string' && e.value !== '') keys.add(foldText(e.value));
  return [...keys];
}

function primaryEmail(r: JsonObject): string | null {
  const emails = Array.isArray(r.emails) ? r.emails.filter(isObject) : [];
  const pick = emails.find((e) => e.primary === true) ?? emails.find((e) => e.type === 'work') ?? emails[0];
  return typeof pick?.value === 'string' ? pick.value.trim().toLowerCase() : null;
}

function displayNameOf(r: JsonObject): string | null {
  if (typeof r.displayName === 'string') return r.displayName;
  const name = isObject(r.name) ? r.name : undefined;
  if (typeof name?.formatted === 'string') return name.formatted;
  const parts = [name?.givenName, name?.familyName].filter((p): p is string => typeof p === 'string');
  return parts.length ? parts.join(' ') : null;
}

function employeeNumber(r: JsonObject): string | null {
  const ext = Object.entries(r).find(([k]) => k.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase())?.[1];
  return isObject(ext) && typeof ext.employeeNumber === 'string' ? ext.employeeNumber : null;
}

/** The summary kept in user.created / user.deleted events (not the whole resource). */
function userSummary(r: JsonObject): JsonObject {
  const s: JsonObject = { userName: r.userName, active: r.active !== false };
  const dn = displayNameOf(r);
  if (dn) s.displayName = dn;
  const email = primaryEmail(r);
  if (email) s.email = email;
  if (typeof r.externalId === 'string') s.externalId = r.externalId;
  return s;
}

export class ScimResources {
  private readonly s;
  private readonly m: MembershipStatements;

  constructor(private readonly store: Store) {
    const db = store.db;
    this.m = membershipStatements(db);
    this.s = {
      userById: db.prepare<[string, string], StoredUser>('SELECT * FROM accounts WHERE source_id = ? AND id = ? AND deleted_at IS NULL'),
      userByName: db.prepare<[string, string], StoredUser>(
        'SELECT * FROM accounts WHERE source_id = ? AND user_name_key = ? AND deleted_at IS NULL',
      ),
      insertUser: db.prepare(
        `INSERT INTO accounts (source_id, id, user_name, user_name_key, external_id, email_key, employee_number, display_name,
           active, status, raw, raw_fold, version, created_at, updated_at, first_seen, last_seen)
         VALUES (@source_id, @id, @user_name, @user_name_key, @external_id, @email_key, @employee_number, @display_name,
           @active, @status, @raw, @raw_fold, 1, @now, @now, @now, @now)`,
      ),
      updateUser: db.prepare(
        `UPDATE accounts SET user_name = @user_name, user_name_key = @user_name_key, external_id = @external_id,
           email_key = @email_key, employee_number = @employee_number, display_name = @display_name, active = @active,
           status = @status, raw = @raw, raw_fold = @raw_fold, version = version + 1, updated_at = @now, last_seen = @now
         WHERE source_id = @source_id AND id = @id AND deleted_at IS NULL`,
      ),
      deleteUser: db.prepare('UPDATE accounts SET deleted_at = ?, last_seen = ? WHERE source_id = ? AND id = ? AND deleted_at IS NULL'),
      // Relay mode: the mirror takes the app's ids, which may name a deleted or unlisted row.
      anyUserById: db.prepare<[string, string], StoredUser>('SELECT * FROM accounts WHERE source_id = ? AND id = ?'),
      reviveUser: db.prepare(
        `UPDATE accounts SET user_name = @user_name, user_name_key = @user_name_key, external_id = @external_id,
           email_key = @email_key, employee_number = @employee_number, display_name = @display_name, active = @active,
           status = @status, raw = @raw, raw_fold = @raw_fold, version = version + 1, created_at = @now, updated_at = @now,
           first_seen = @now, last_seen = @now, deleted_at = NULL
         WHERE source_id = @source_id AND id = @id`,
      ),
      groupById: db.prepare<[string, string], StoredGroup>('SELECT * FROM groups WHERE source_id = ? AND id = ? AND deleted_at IS NULL'),
      groupByName: db.prepare<[string, string], StoredGroup>(
        'SELECT * FROM groups WHERE source_id = ? AND display_name_key = ? AND deleted_at IS NULL',
      ),
      insertGroup: db.prepare(
        `INSERT INTO groups (source_id, id, display_name, display_name_key, external_id, raw, raw_fold, version, created_at, updated_at, first_seen, last_seen)
         VALUES (@source_id, @id, @display_name, @display_name_key, @external_id, @raw, @raw_fold, 1, @now, @now, @now, @now)`,
      ),
      updateGroup: db.prepare(
        `UPDATE groups SET display_name = @display_name, display_name_key = @display_name_key, external_id = @external_id,
           raw = @raw, raw_fold = @raw_fold, version = version + 1, updated_at = @now, last_seen = @now
         WHERE source_id = @source_id AND id = @id AND deleted_at IS NULL`,
      ),
      bumpGroup: db.prepare<[string, string, number]>(
        'UPDATE groups SET version = version + 1, updated_at = ?, last_seen = ? WHERE pk = ?',
      ),
      deleteGroup: db.prepare('UPDATE groups SET deleted_at = ?, last_seen = ? WHERE source_id = ? AND id = ? AND deleted_at IS NULL'),
      anyGroupById: db.prepare<[string, string], StoredGroup>('SELECT * FROM groups WHERE source_id = ? AND id = ?'),
      reviveGroup: db.prepare(
        `UPDATE groups SET display_name = @display_name, display_name_key = @display_name_key, external_id = @external_id,
           raw = @raw, raw_fold = @raw_fold, version = version + 1, created_at = @now, updated_at = @now, first_seen = @now,
           last_seen = @now, deleted_at = NULL
         WHERE source_id = @source_id AND id = @id`,
      ),
      // A group's members with their ids, in one query: a member is an accounts row (User) or a
      // groups row (Group) by its pk. `live` is 0 for a deleted (or unlisted) member, which has no display.
      members: db.prepare<[number], StoredMemberRow & { live: number; display: string | null }>(
        `SELECT m.member_pk, m.member_type, COALESCE(a.id, mg.id) AS member_id,
                CASE m.member_type WHEN 'User' THEN a.pk IS NOT NULL AND a.deleted_at IS NULL
                                   ELSE mg.pk IS NOT NULL AND mg.deleted_at IS NULL END AS live,
                CASE m.member_type WHEN 'User' THEN COALESCE(a.display_name, a.user_name) ELSE mg.display_name END AS display
           FROM memberships m
           LEFT JOIN accounts a ON m.member_type = 'User' AND a.pk = m.member_pk
           LEFT JOIN groups mg ON m.member_type = 'Group' AND mg.pk = m.member_pk
          WHERE m.group_pk = ? AND m.deleted_at IS NULL
          ORDER BY member_id`,
      ),
      memberIds: db.prepare<[number], StoredMemberRow>(
        `SELECT m.member_pk, m.member_type, COALESCE(a.id, mg.id) AS member_id
           FROM memberships m
           LEFT JOIN accounts a ON m.member_type = 'User' AND a.pk = m.member_pk
           LEFT JOIN groups mg ON m.member_type = 'Group' AND mg.pk = m.member_pk
          WHERE m.group_pk = ? AND m.deleted_at IS NULL
          ORDER BY member_id`,
      ),
      memberIdsAmong: db.prepare<[{ source_id: string; group_pk: number; ids: string }], StoredMemberRow>(
        `SELECT m.member_pk, m.member_type, x.id AS member_id
           FROM (SELECT a.pk, a.id, 'User' AS type FROM accounts a
                  WHERE a.source_id = @source_id AND a.id IN (SELECT value FROM json_each(@ids))
                 UNION ALL
                 SELECT mg.pk, mg.id, 'Group' FROM groups mg
                  WHERE mg.source_id = @source_id AND mg.id IN (SELECT value FROM json_each(@ids))) x
           JOIN memberships m ON m.group_pk = @group_pk AND m.member_pk = x.pk AND m.member_type = x.type AND m.deleted_at IS NULL
          ORDER BY x.id`,
      ),
      // The groups of a member id, whatever type the memberships give it: a User member is the
      // accounts row with that id, a Group member the groups row (as when memberships were keyed by
      // the member's id alone). The caller's own row's pk is passed when known (@user_pk/@group_pk),
      // else resolved by id.
      groupsOfMember: db.prepare<
        [{ source_id: string; id: string; user_pk: number | null; group_pk: number | null }],
        { group_pk: number; group_id: string; display_name: string; member_pk: number; member_type: 'User' | 'Group' }
      >(
        `SELECT m.group_pk, g.id AS group_id, g.display_name, m.member_pk, m.member_type
           FROM memberships m
           JOIN groups g ON g.pk = m.group_pk AND g.deleted_at IS NULL
          WHERE m.deleted_at IS NULL
            AND ((m.member_type = 'User'
                  AND m.member_pk = COALESCE(@user_pk, (SELECT pk FROM accounts WHERE source_id = @source_id AND id = @id)))
              OR (m.member_type = 'Group'
                  AND m.member_pk = COALESCE(@group_pk, (SELECT pk FROM groups WHERE source_id = @source_id AND id = @id))))
          ORDER BY g.display_name`,
      ),
      // The groups of a page of users: by their pks, plus (as above) Group memberships naming their ids.
      groupsOfMembers: db.prepare<
        [{ source_id: string; pks: string; ids: string }],
        { member_id: string; group_id: string; display_name: string }
      >(
        `SELECT x.id AS member_id, g.id AS group_id, g.display_name
           FROM (SELECT a.pk, a.id, 'User' AS type FROM accounts a WHERE a.pk IN (SELECT value FROM json_each(@pks))
                 UNION ALL
                 SELECT mg.pk, mg.id, 'Group' FROM groups mg
                  WHERE mg.source_id = @source_id AND mg.id IN (SELECT value FROM json_each(@ids))) x
           JOIN memberships m ON m.member_pk = x.pk AND m.member_type = x.type AND m.deleted_at IS NULL
           JOIN groups g ON g.pk = m.group_pk AND g.deleted_at IS NULL
          ORDER BY x.id, g.display_name`,
      ),
      // Many member ids to their rows, deleted or not; name is the userName / displayName of a live one.
      resolveUsers: db.prepare<[string, string], { id: string; pk: number; name: string | null }>(
        `SELECT id, pk, CASE WHEN deleted_at IS NULL THEN user_name END AS name
           FROM accounts WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))`,
      ),
      resolveGroups: db.prepare<[string, string], { id: string; pk: number; name: string | null }>(
        `SELECT id, pk, CASE WHEN deleted_at IS NULL THEN display_name END AS name
           FROM groups WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))`,
      ),
      insertEmail: db.prepare('INSERT OR IGNORE INTO account_emails (source_id, value_key, account_pk) VALUES (?, ?, ?)'),
      deleteEmail: db.prepare('DELETE FROM account_emails WHERE source_id = ? AND value_key = ? AND account_pk = ?'),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  getUser(connectionId: string, id: string): StoredUser {
    const row = this.s.userById.get(connectionId, id);
    if (!row) throw notFound(`User ${id} not found`);
    return row;
  }

  getGroup(connectionId: string, id: string): StoredGroup {
    const row = this.s.groupById.get(connectionId, id);
    if (!row) throw notFound(`Group ${id} not found`);
    return row;
  }

  /** A group's members, ordered by id, with the display name of those that exist (one query). */
  membersOfGroup(groupPk: number): Member[] {
    return this.s.members.all(groupPk).map((m) => ({
      value: m.member_id,
      type: m.member_type,
      // A live member's name (null only if it has none); nothing for a deleted or unlisted one.
      ...(m.live ? { display: m.display as string } : {}),
    }));
  }

  /** The groups of many users in one query (a list page), by user id. */
  groupsOfUsers(connectionId: string, users: readonly Pick<StoredUser, 'pk' | 'id'>[]): Map<string, { value: string; display: string }[]> {
    const out = new Map<string, { value: string; display: string }[]>();
    if (users.length === 0) return out;
    const rows = this.s.groupsOfMembers.all({
      source_id: connectionId,
      pks: JSON.stringify(users.map((u) => u.pk)),
      ids: JSON.stringify(users.map((u) => u.id)),
    });
    for (const r of rows) {
      let list = out.get(r.member_id);
      if (!list) out.set(r.member_id, (list = []));
      list.push({ value: r.group_id, display: r.display_name });
    }
    return out;
  }

  /** A group's current members as stored (ids and types, no display names), ordered by id. */
  private storedMembers(groupPk: number): Member[] {
    return this.s.memberIds.all(groupPk).map((m) => ({ value: m.member_id, type: m.member_type }));
  }

  /** Those of a group's current members whose id is one of `ids` (whatever their type), ordered by id. */
  private storedMembersAmong(connectionId: string, groupPk: number, ids: string[]): Member[] {
    if (ids.length === 0) return [];
    return this.s.memberIdsAmong
      .all({ source_id: connectionId, group_pk: groupPk, ids: JSON.stringify(ids) })
      .map((m) => ({ value: m.member_id, type: m.member_type }));
  }

  groupsOfUser(connectionId: string, user: Pick<StoredUser, 'pk' | 'id'>): { value: string; display: string }[] {
    return this.s.groupsOfMember
      .all({ source_id: connectionId, id: user.id, user_pk: user.pk, group_pk: null })
      .map((g) => ({ value: g.group_id, display: g.display_name }));
  }

  // -------------------------------------------------------------------------------------------
  // Users

  createUser(ctx: WriteContext, body: unknown): StoredUser {
    const resource = normalizeBody(body, 'User');
    this.assertUserNameFree(ctx.connectionId, resource.userName as string, undefined);
    const id = uuidv7();
    const columns = this.userColumns(resource);
    const info = this.s.insertUser.run({ source_id: ctx.connectionId, id, now: ctx.now, ...columns });
    this.writeEmails(ctx.connectionId, Number(info.lastInsertRowid), [], emailKeys(resource));
    this.append(ctx, [{ type: 'user.created', accountId: id, subject: resource.userName as string, after: userSummary(resource) }]);
    // The row as inserted (no read-back: this is the hot path of every provisioning run).
    return {
      pk: Number(info.lastInsertRowid),
      id,
      user_name: columns.user_name,
      external_id: columns.external_id,
      display_name: columns.display_name,
      active: columns.active,
      raw: columns.raw,
      version: 1,
      created_at: ctx.now,
      updated_at: ctx.now,
    };
  }

  replaceUser(ctx: WriteContext, id: string, body: unknown, ifMatch: string | undefined): StoredUser {
    const current = this.getUser(ctx.connectionId, id);
    checkIfMatch(ifMatch, current.version);
    if (isObject(body) && body.id !== undefined && body.id !== null && body.id !== id) {
      throw badRequest('mutability', `"id" is read-only: the body says ${JSON.stringify(body.id)}, the URL ${id}`);
    }
    return this.saveUser(ctx, current, normalizeBody(body, 'User'));
  }

  patchUser(ctx: WriteContext, id: string, body: unknown, ifMatch: string | undefined): StoredUser {
    const current = this.getUser(ctx.connectionId, id);
    checkIfMatch(ifMatch, current.version);
    const before = JSON.parse(current.raw) as JsonObject;
    // `id` and `groups` are visible to PATCH (Okta repeats id; read-only values must match).
    // `groups` (read-only, derived from memberships) is shown to the PATCH engine only when the
    // request names it, to reject changes to it; other PATCHes cannot touch it.
    const view: JsonObject = { ...before, id };
    if (/groups/i.test(JSON.stringify(body))) {
      const groups = this.groupsOfUser(ctx.connectionId, current).map((g) => ({ value: g.value, display: g.display }));
      if (groups.length) view.groups = groups;
    }
    const { resource, changed } = applyPatch(view, 'User', body);
    if (!changed) return current;
    delete resource.id;
    delete resource.groups;
    delete resource.password;
    return this.saveUser(ctx, current, normalizeBody(resource, 'User'));
  }

  deleteUser(ctx: WriteContext, id: string, ifMatch: string | undefined): void {
    const current = this.getUser(ctx.connectionId, id);
    checkIfMatch(ifMatch, current.version);
    const events: Omit<NewEvent, 'sourceId' | 'observedAt'>[] = [];
    const groups = this.s.groupsOfMember.all({ source_id: ctx.connectionId, id, user_pk: current.pk, group_pk: null });
    for (const g of groups) {
      this.m.end.run(ctx.now, g.group_pk, g.member_pk, g.member_type);
      // The group's member list changed: new version (ETag) and lastModified, as for a PATCH.
      this.s.bumpGroup.run(ctx.now, ctx.now, g.group_pk);
      events.push({
        type: 'group.member_removed',
        groupId: g.group_id,
        accountId: id,
        subject: current.user_name,
        before: { group: g.display_name, member: current.user_name },
      });
    }
    this.s.deleteUser.run(ctx.now, ctx.now, ctx.connectionId, id);
    events.push({
      type: 'user.deleted',
      accountId: id,
      subject: current.user_name,
      before: userSummary(JSON.parse(current.raw) as JsonObject),
    });
    this.append(ctx, events);
  }

  private saveUser(ctx: WriteContext, current: StoredUser, next: JsonObject): StoredUser {
    const before = JSON.parse(current.raw) as JsonObject;
    if (deepEqual(before, next)) return current;
    if (uniqueKey(next.userName as string) !== uniqueKey(current.user_name)) {
      this.assertUserNameFree(ctx.connectionId, next.userName as string, current.id);
    }
    this.s.updateUser.run({ source_id: ctx.connectionId, id: current.id, now: ctx.now, ...this.userColumns(next) });
    this.writeEmails(ctx.connectionId, current.pk, emailKeys(before), emailKeys(next));
    const { active: wasActiveRaw, ...beforeRest } = before;
    const { active: isActiveRaw, ...afterRest } = next;
    const wasActive = wasActiveRaw !== false;
    const isActive = isActiveRaw !== false;
    const events: Omit<NewEvent, 'sourceId' | 'observedAt'>[] = [];
    const diff = diffAttributes(beforeRest, afterRest);
    const subject = next.userName as string;
    if (Object.keys(diff.before).length + Object.keys(diff.after).length > 0) {
      events.push({ type: 'user.updated', accountId: current.id, subject, before: diff.before, after: diff.after });
    }
    if (wasActive !== isActive) {
      events.push({
        type: isActive ? 'user.reactivated' : 'user.deactivated',
        accountId: current.id,
        subject,
        before: { active: wasActive },
        after: { active: isActive },
      });
    }
    this.append(ctx, events);
    return this.getUser(ctx.connectionId, current.id);
  }

  /** Keeps account_emails equal to the account's folded email values. */
  private writeEmails(connectionId: string, accountPk: number, before: string[], after: string[]): void {
    const next = new Set(after);
    const old = new Set(before);
    for (const v of old) if (!next.has(v)) this.s.deleteEmail.run(connectionId, v, accountPk);
    for (const v of next) if (!old.has(v)) this.s.insertEmail.run(connectionId, v, accountPk);
  }

  private userColumns(r: JsonObject) {
    const userName = r.userName as string;
    const raw = JSON.stringify(r);
    return {
      user_name: userName,
      user_name_key: uniqueKey(userName),
      external_id: typeof r.externalId === 'string' ? r.externalId : null,
      email_key: primaryEmail(r),
      employee_number: employeeNumber(r),
      display_name: displayNameOf(r),
      active: r.active === false ? 0 : 1,
      status: r.active === false ? 'inactive' : 'active',
      raw,
      raw_fold: foldText(raw),
    };
  }

  private assertUserNameFree(connectionId: string, userName: string, selfId: string | undefined): void {
    const other = this.s.userByName.get(connectionId, uniqueKey(userName));
    if (other && other.id !== selfId) throw conflict(`userName "${userName}" is already taken (case-insensitively)`);
  }

  // -------------------------------------------------------------------------------------------
  // Groups

  createGroup(ctx: WriteContext, body: unknown): StoredGroup {
    const members = isObject(body) ? membersOf(body.members) : [];
    const resource = normalizeBody(body, 'Group');
    this.assertDisplayNameFree(ctx.connectionId, resource.displayName as string, undefined);
    const id = uuidv7();
    const info = this.s.insertGroup.run({ source_id: ctx.connectionId, id, now: ctx.now, ...this.groupColumns(resource) });
    this.append(ctx, [
      { type: 'group.created', groupId: id, subject: resource.displayName as string, after: { displayName: resource.displayName } },
    ]);
    this.applyMembers(ctx, { pk: Number(info.lastInsertRowid), id }, resource.displayName as string, [], members);
    return this.getGroup(ctx.connectionId, id);
  }

  replaceGroup(ctx: WriteContext, id: string, body: unknown, ifMatch: string | undefined): StoredGroup {
    const current = this.getGroup(ctx.connectionId, id);
    checkIfMatch(ifMatch, current.version);
    if (isObject(body) && body.id !== undefined && body.id !== null && body.id !== id) {
      throw badRequest('mutability', `"id" is read-only: the body says ${JSON.stringify(body.id)}, the URL ${id}`);
    }
    // PUT replaces the member list too (RFC 7644 §3.5.1); members absent means none.
    const members = isObject(body) ? membersOf(body.members) : [];
    return this.saveGroup(ctx, current, normalizeBody(body, 'Group'), members);
  }

  patchGroup(ctx: WriteContext, id: string, body: unknown, ifMatch: string | undefined): StoredGroup {
    const current = this.getGroup(ctx.connectionId, id);
    checkIfMatch(ifMatch, current.version);
    const raw = JSON.parse(current.raw) as JsonObject;
    // The usual IdP request (add/remove members in batches) skips the general PATCH engine, whose
    // merge rules are quadratic in the size of the group. When it only adds and removes, only the
    // members it names matter: the rest of the group (maybe 10,000 members) is neither read nor
    // changed, and the difference written is the same.
    const named = namedMemberValues(body);
    if (named !== undefined) {
      const touched = this.storedMembersAmong(ctx.connectionId, current.pk, named);
      const fast = memberOnlyPatch(body, touched);
      if (fast !== undefined) {
        if (fast === touched) return current;
        return this.saveGroup(ctx, current, raw, fast, touched);
      }
    }
    const currentMembers = this.storedMembers(current.pk);
    const fast = memberOnlyPatch(body, currentMembers);
    if (fast !== undefined) {
      if (fast === currentMembers) return current;
      return this.saveGroup(ctx, current, raw, fast, currentMembers);
    }
    const view: JsonObject = { ...raw, id };
    if (currentMembers.length) view.members = currentMembers;
    const { resource, changed } = applyPatch(view, 'Group', body);
    if (!changed) return current;
    const members = membersOf(resource.members);
    delete resource.id;
    delete resource.members;
    return this.saveGroup(ctx, current, normalizeBody(resource, 'Group'), members, currentMembers);
  }

  deleteGroup(ctx: WriteContext, id: string, ifMatch: string | undefined): void {
    const current = this.getGroup(ctx.connectionId, id);
    checkIfMatch(ifMatch, current.version);
    const members = this.storedMembers(current.pk);
    this.applyMembers(ctx, current, current.display_name, members, []);
    // A deleted group also leaves the groups it was a member of, as a deleted user does.
    const parents: Omit<NewEvent, 'sourceId' | 'observedAt'>[] = [];
    for (const p of this.s.groupsOfMember.all({ source_id: ctx.connectionId, id, user_pk: null, group_pk: current.pk })) {
      if (p.group_pk === current.pk) continue; // a member of itself: already removed above
      this.m.end.run(ctx.now, p.group_pk, p.member_pk, p.member_type);
      this.s.bumpGroup.run(ctx.now, ctx.now, p.group_pk);
      parents.push({
        type: 'group.member_removed',
        groupId: p.group_id,
        accountId: id,
        subject: current.display_name,
        before: { group: p.display_name, member: current.display_name },
      });
    }
    this.append(ctx, parents);
    this.s.deleteGroup.run(ctx.now, ctx.now, ctx.connectionId, id);
    this.append(ctx, [
      { type: 'group.deleted', groupId: id, subject: current.display_name, before: { displayName: current.display_name } },
    ]);
  }

  private saveGroup(
    ctx: WriteContext,
    current: StoredGroup,
    next: JsonObject,
    members: Member[],
    oldMembers: Member[] = this.storedMembers(current.pk),
  ): StoredGroup {
    const before = JSON.parse(current.raw) as JsonObject;
    const attributesChanged = !deepEqual(before, next);
    if (attributesChanged) {
      if (uniqueKey(next.displayName as string) !== uniqueKey(current.display_name)) {
        this.assertDisplayNameFree(ctx.connectionId, next.displayName as string, current.id);
      }
      this.s.updateGroup.run({ source_id: ctx.connectionId, id: current.id, now: ctx.now, ...this.groupColumns(next) });
      const diff = diffAttributes(before, next);
      this.append(ctx, [
        { type: 'group.updated', groupId: current.id, subject: next.displayName as string, before: diff.before, after: diff.after },
      ]);
    }
    const membersChanged = this.applyMembers(ctx, current, next.displayName as string, oldMembers, members);
    if (membersChanged && !attributesChanged) this.s.bumpGroup.run(ctx.now, ctx.now, current.pk);
    return this.getGroup(ctx.connectionId, current.id);
  }

  /** Writes the difference between two member lists, one event per member added or removed. */
  private applyMembers(
    ctx: WriteContext,
    group: Pick<StoredGroup, 'pk' | 'id'>,
    groupName: string,
    before: Member[],
    after: Member[],
  ): boolean {
    const old = new Map(before.map((m) => [m.value, m]));
    const next = new Map(after.map((m) => [m.value, m]));
    const added = after.filter((m) => !old.has(m.value));
    const removed = before.filter((m) => !next.has(m.value));
    if (added.length === 0 && removed.length === 0) return false;
    const rows = this.memberRows(ctx, [...added, ...removed]);
    const groupId = group.id;
    const events: Omit<NewEvent, 'sourceId' | 'observedAt'>[] = [];
    for (const m of added) {
      const row = rows.get(`${m.type}:${m.value}`)!;
      this.m.start.run(group.pk, row.pk, m.type, ctx.now);
      const who = row.name ?? m.value;
      events.push({ type: 'group.member_added', groupId, accountId: m.value, subject: who, after: { group: groupName, member: who } });
    }
    for (const m of removed) {
      const row = rows.get(`${m.type}:${m.value}`)!;
      this.m.end.run(ctx.now, group.pk, row.pk, m.type);
      const who = row.name ?? m.value;
      events.push({ type: 'group.member_removed', groupId, accountId: m.value, subject: who, before: { group: groupName, member: who } });
    }
    this.append(ctx, events);
    return true;
  }

  /**
   * The rows of many members (`Type:id` → pk, and the userName / displayName of a live one), in one
   * query per type. A member that names no row gets an unlisted one: deleted, so no list, lookup or
   * uniqueness rule sees it, and known only by its id (which the group's members still show).
   */
  private memberRows(ctx: WriteContext, members: Member[]): Map<string, { pk: number; name: string | null }> {
    const out = new Map<string, { pk: number; name: string | null }>();
    for (const type of ['User', 'Group'] as const) {
      const ids = members.filter((m) => m.type === type).map((m) => m.value);
      if (ids.length === 0) continue;
      const resolve = type === 'User' ? this.s.resolveUsers : this.s.resolveGroups;
      for (const r of resolve.all(ctx.connectionId, JSON.stringify(ids))) out.set(`${type}:${r.id}`, { pk: r.pk, name: r.name });
      for (const id of ids) {
        const key = `${type}:${id}`;
        if (!out.has(key)) out.set(key, { pk: insertUnlisted(this.m, type, ctx.connectionId, id, ctx.now), name: null });
      }
    }
    return out;
  }

  private groupColumns(r: JsonObject) {
    const displayName = r.displayName as string;
    const raw = JSON.stringify(r);
    return {
      display_name: displayName,
      display_name_key: uniqueKey(displayName),
      external_id: typeof r.externalId === 'string' ? r.externalId : null,
      raw,
      raw_fold: foldText(raw),
    };
  }

  private assertDisplayNameFree(connectionId: string, displayName: string, selfId: string | undefined): void {
    const other = this.s.groupByName.get(connectionId, uniqueKey(displayName));
    if (other && other.id !== selfId) throw conflict(`A group named "${displayName}" already exists (case-insensitively)`);
  }

  // -------------------------------------------------------------------------------------------
  // Relay mode: the mirror of the app's state. Ids are the app's; the attributes are what the app
  // answered (or, when it answered without the resource, what the request set). The mirror
  // follows the app: a live row that holds the same userName / displayName under another id is a
  // stale copy of something the app replaced, and is deleted (with its events) rather than
  // refused. Events are the same as in store mode.

  /** The app holds User `id` with these attributes now. */
  mirrorUser(ctx: WriteContext, id: string, resource: unknown): StoredUser {
    const next = normalizeBody(resource, 'User');
    const other = this.s.userByName.get(ctx.connectionId, uniqueKey(next.userName as string));
    if (other && other.id !== id) this.deleteUser(ctx, other.id, undefined);
    const current = this.s.userById.get(ctx.connectionId, id);
    if (current) return this.saveUser(ctx, current, next);
    const columns = this.userColumns(next);
    const old = this.s.anyUserById.get(ctx.connectionId, id);
    if (old) {
      this.s.reviveUser.run({ source_id: ctx.connectionId, id, now: ctx.now, ...columns });
      this.writeEmails(ctx.connectionId, old.pk, emailKeys(JSON.parse(old.raw) as JsonObject), emailKeys(next));
    } else {
      const info = this.s.insertUser.run({ source_id: ctx.connectionId, id, now: ctx.now, ...columns });
      this.writeEmails(ctx.connectionId, Number(info.lastInsertRowid), [], emailKeys(next));
    }
    this.append(ctx, [{ type: 'user.created', accountId: id, subject: next.userName as string, after: userSummary(next) }]);
    return this.getUser(ctx.connectionId, id);
  }

  /** The app holds Group `id` with these attributes now, and these members (undefined: unchanged). */
  mirrorGroup(ctx: WriteContext, id: string, resource: unknown, members: Member[] | undefined): StoredGroup {
    const next = normalizeBody(resource, 'Group');
    const name = next.displayName as string;
    const other = this.s.groupByName.get(ctx.connectionId, uniqueKey(name));
    if (other && other.id !== id) this.deleteGroup(ctx, other.id, undefined);
    const current = this.s.groupById.get(ctx.connectionId, id);
    if (current) {
      const old = this.storedMembers(current.pk);
      return this.saveGroup(ctx, current, next, members ?? old, old);
    }
    const old = this.s.anyGroupById.get(ctx.connectionId, id);
    let pk: number;
    if (old) {
      this.s.reviveGroup.run({ source_id: ctx.connectionId, id, now: ctx.now, ...this.groupColumns(next) });
      pk = old.pk;
    } else {
      pk = Number(this.s.insertGroup.run({ source_id: ctx.connectionId, id, now: ctx.now, ...this.groupColumns(next) }).lastInsertRowid);
    }
    this.append(ctx, [{ type: 'group.created', groupId: id, subject: name, after: { displayName: name } }]);
    this.applyMembers(ctx, { pk, id }, name, [], members ?? []);
    return this.getGroup(ctx.connectionId, id);
  }

  /** The app applied this PATCH to `id`; false when the mirror does not hold it. */
  mirrorPatch(ctx: WriteContext, type: ResourceTypeName, id: string, body: unknown): boolean {
    if (type === 'User') {
      if (!this.s.userById.get(ctx.connectionId, id)) return false;
      this.patchUser(ctx, id, body, undefined);
    } else {
      if (!this.s.groupById.get(ctx.connectionId, id)) return false;
      this.patchGroup(ctx, id, body, undefined);
    }
    return true;
  }

  /** The app deleted `id` (nothing to do when the mirror never held it). */
  mirrorDelete(ctx: WriteContext, type: ResourceTypeName, id: string): void {
    if (type === 'User') {
      if (this.s.userById.get(ctx.connectionId, id)) this.deleteUser(ctx, id, undefined);
    } else if (this.s.groupById.get(ctx.connectionId, id)) this.deleteGroup(ctx, id, undefined);
  }

  /** The ids of the live groups a user is a live member of. */
  groupIdsOfUser(connectionId: string, id: string): string[] {
    return this.s.groupsOfMember.all({ source_id: connectionId, id, user_pk: null, group_pk: null }).map((g) => g.group_id);
  }

  /** The mirror's userName of a user (for labels), or undefined. */
  userNameOf(connectionId: string, id: string): string | undefined {
    return this.s.userById.get(connectionId, id)?.user_name;
  }

  private append(ctx: WriteContext, events: Omit<NewEvent, 'sourceId' | 'observedAt'>[]): void {
    if (events.length === 0) return;
    const full = events.map((e) => ({
      ...e,
      sourceId: ctx.connectionId,
      observedAt: ctx.now,
      exchangeId: ctx.exchangeId,
      actor: e.actor ?? ctx.actor,
    }));
    if (ctx.pendingEvents) ctx.pendingEvents.push(...full);
    else this.store.events.append(full);
  }
}

const MEMBER_FILTER_PATH = /^\s*members\s*\[\s*value\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\]\s*$/i;

/**
 * The member values a PATCH names when each of its operations adds or removes members (a value
 * list or `members[value eq "…"]`), else undefined. Only a pre-check: memberOnlyPatch decides
 * whether the request takes the fast path; on these requests its result depends on no other member.
 */
export function namedMemberValues(body: unknown): string[] | undefined {
  if (!isObject(body) || !Array.isArray(body.Operations)) return undefined;
  const values: string[] = [];
  for (const op of body.Operations) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') return undefined;
    const name = op.op.toLowerCase();
    if (name !== 'add' && name !== 'remove') return undefined;
    const filtered = MEMBER_FILTER_PATH.exec(op.path);
    if (filtered) {
      try {
        values.push(JSON.parse(`"${filtered[1]!}"`) as string);
      } catch {
        return undefined;
      }
      continue;
    }
    if (op.path.trim().toLowerCase() !== 'members' || !Array.isArray(op.value)) return undefined;
    for (const v of op.value) {
      if (!isObject(v) || typeof v.value !== 'string') return undefined;
      values.push(v.value);
    }
  }
  return values;
}

/**
 * The member list after a PATCH that only adds, removes or replaces `members` — the shape IdPs
 * send for group membership (Entra: `{"op":"Add","path":"members","value":[…]}`, Okta:
 * `remove` with `members[value eq "…"]`). Returns the current list itself when nothing changes,
 * and undefined for anything else, which then goes through the general PATCH engine (same result,
 * more work).
 */
export function memberOnlyPatch(body: unknown, current: Member[]): Member[] | undefined {
  if (!isObject(body)) return undefined;
  for (const k of Object.keys(body)) if (k !== 'schemas' && k !== 'Operations') return undefined;
  if (body.schemas !== undefined && !hasSchema(body.schemas, 'urn:ietf:params:scim:api:messages:2.0:PatchOp')) return undefined;
  const ops = body.Operations;
  if (!Array.isArray(ops) || ops.length === 0 || ops.length > 1000) return undefined;
  const members = new Map(current.map((m) => [m.value, m]));
  let changed = false;
  const listed = (value: unknown): Member[] | undefined => {
    if (!Array.isArray(value) || value.length === 0) return undefined;
    const out: Member[] = [];
    for (const v of value) {
      if (!isObject(v) || typeof v.value !== 'string' || v.value === '') return undefined;
      for (const k of Object.keys(v)) if (k !== 'value' && k !== 'display' && k !== 'type' && k !== '$ref') return undefined;
      if (v.type !== undefined && (typeof v.type !== 'string' || !/^(user|group)$/i.test(v.type))) return undefined;
      out.push({ value: v.value, type: typeof v.type === 'string' && v.type.toLowerCase() === 'group' ? 'Group' : 'User' });
    }
    return out;
  };
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') return undefined;
    for (const k of Object.keys(op)) if (k !== 'op' && k !== 'path' && k !== 'value') return undefined;
    const name = op.op.toLowerCase();
    const filtered = MEMBER_FILTER_PATH.exec(op.path);
    if (filtered) {
      if (name !== 'remove' || op.value !== undefined) return undefined;
      let id: string;
      try {
        id = JSON.parse(`"${filtered[1]!}"`) as string;
      } catch {
        return undefined; // not a valid string (e.g. "a\q"): the general engine answers 400
      }
      changed = members.delete(id) || changed;
      continue;
    }
    if (op.path.trim().toLowerCase() !== 'members') return undefined;
    const list = listed(op.value);
    if (!list) return undefined;
    if (name === 'add') {
      for (const m of list) {
        if (members.has(m.value)) continue;
        members.set(m.value, m);
        changed = true;
      }
    } else if (name === 'remove') {
      for (const m of list) changed = members.delete(m.value) || changed;
    } else if (name === 'replace') {
      const next = new Map(list.map((m) => [m.value, members.get(m.value) ?? m]));
      if (next.size !== members.size || [...next.keys()].some((k) => !members.has(k))) changed = true;
      members.clear();
      for (const [k, m] of next) members.set(k, m);
    } else return undefined;
  }
  return changed ? [...members.values()] : current;
}

/** If-Match (RFC 7644 §3.14): `*` or a list of ETags, one of which must be the current version. */
export function checkIfMatch(header: string | undefined, version: number): void {
  if (header === undefined) return;
  const current = etagOf(version);
  const tags = header.split(',').map((t) => t.trim());
  const strip = (t: string): string => t.replace(/^W\//, '');
  if (tags.includes('*') || tags.some((t) => strip(t) === strip(current))) return;
  throw preconditionFailed(`The resource changed: its version is ${current}, the request expected ${header}`);
}
