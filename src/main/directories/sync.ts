/**
 * The directory sync engine: runs one provider round, diffs each page against the directory's
 * stored state (accounts, groups, memberships of its source) and writes exactly the changes with
 * their events — state and events in one transaction (a page; several pages on a baseline, which
 * emits no events), so there is never one without the other.
 *
 * Why this shape:
 * - Unchanged data writes nothing. A user whose stable attributes, status and columns are as
 *   stored is skipped after one indexed batch read per page; `last_seen` therefore means "last
 *   changed" for directory rows, and "still present" is the last successful snapshot's time.
 * - A round is idempotent. The cursor is stored only after the whole round succeeded; a round
 *   interrupted by a crash or a network failure is run again from the old cursor, and what was
 *   already applied diffs as unchanged and emits nothing a second time.
 * - A snapshot deletes what it did not see, but only after the provider finished the round: a
 *   round that fails half-way deletes nothing.
 * - One page is one short transaction, so the SCIM listener (another thread or process writing to
 *   the same database) never waits long for the write lock. The baseline, which emits nothing,
 *   writes several pages per transaction, sized to hold the lock for about 200 ms.
 */
import { foldText } from '../scim/resources';
import type { NewEvent } from '../core/store/events';
import { insertUnlisted, membershipStatements, type MembershipStatements, type MemberType } from '../core/store/memberships';
import type { Store } from '../core/store/store';
import type { HttpClient } from './http';
import type { DirGroup, DirMember, DirUser, DirectoryProvider, RemovedObject, SyncPage, SyncPhase, SyncResult } from './types';

export type SyncTrigger = 'schedule' | 'manual' | 'cli';

export interface SyncCounts {
  pages: number;
  users: number;
  groups: number;
  memberships: number;
  events: number;
}

export interface SyncProgress extends SyncCounts {
  syncId: number;
  directoryId: string;
  phase: SyncPhase | 'starting' | 'deletions' | 'done' | 'failed';
  /** Set while the provider waits out a rate limit or retries. */
  waiting: string | null;
  /** Why the sync failed (phase `failed`). */
  error: string | null;
  /** The directory's first sync: state is recorded without per-object events. */
  baseline: boolean;
}

export interface SyncSummary extends SyncCounts {
  syncId: number;
  baseline: boolean;
  directory: string;
  status: 'ok' | 'failed' | 'cancelled';
  mode: 'snapshot' | 'delta' | null;
  error: string | null;
  startedAt: string;
  finishedAt: string;
}

export interface RunSyncOptions {
  store: Store;
  directoryId: string;
  provider: DirectoryProvider;
  http: HttpClient;
  trigger: SyncTrigger;
  full?: boolean;
  signal?: AbortSignal;
  now?: () => Date;
  onProgress?: (progress: SyncProgress) => void;
}

/** Another process (or this one) is syncing the directory right now. */
export class SyncBusyError extends Error {
  constructor(directoryId: string, since: string) {
    super(`directory ${directoryId} is already being synced (since ${since})`);
    this.name = 'SyncBusyError';
  }
}

/** A running sync renews its lease at least this often; a lapsed lease means the process died. */
const HEARTBEAT_MS = 10_000;
const LEASE_MS = 120_000;
/** Rows per transaction when a snapshot ends and the unseen are deleted. */
const DELETE_CHUNK = 500;
/** How long one baseline transaction should hold the write lock, and its cap in rows. */
const BASELINE_TRANSACTION_MS = Number(process.env.ROLLCALL_BASELINE_MS ?? 200);
const BASELINE_BATCH_MAX_ROWS = 200_000;

/** JSON with object keys sorted: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** Top-level attribute differences: before/after hold only the keys that changed (absent → null). */
export function diffAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } | null {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const x = before[key] ?? null;
    const y = after[key] ?? null;
    if (canonicalJson(x) === canonicalJson(y)) continue;
    b[key] = x;
    a[key] = y;
  }
  return Object.keys(a).length === 0 ? null : { before: b, after: a };
}

interface AccountRow {
  pk: number;
  id: string;
  user_name: string | null;
  external_id: string | null;
  email_key: string | null;
  employee_number: string | null;
  display_name: string | null;
  active: number;
  status: string | null;
  raw: string;
  last_sign_in_at: string | null;
  deleted_at: string | null;
}

interface GroupRow {
  pk: number;
  id: string;
  display_name: string | null;
  raw: string;
  deleted_at: string | null;
}

/** A membership by the integer keys it is stored under (migration 0003). */
interface MemberRef {
  groupPk: number;
  memberPk: number;
  memberType: MemberType;
}

/** A member within its group, as one number: exact for any key below 2^52. */
const memberKey = (memberPk: number, memberType: MemberType): number => memberPk * 2 + (memberType === 'Group' ? 1 : 0);

function userSummary(u: DirUser): Record<string, unknown> {
  const s: Record<string, unknown> = { userName: u.userName, status: u.status, active: u.active };
  if (u.displayName) s.displayName = u.displayName;
  if (u.email) s.email = u.email;
  if (u.externalId) s.externalId = u.externalId;
  if (u.employeeNumber) s.employeeNumber = u.employeeNumber;
  return s;
}

function statements(store: Store) {
  const db = store.db;
  return {
    accountsById: db.prepare<[string, string], AccountRow>(
      `SELECT pk, id, user_name, external_id, email_key, employee_number, display_name, active, status, raw, last_sign_in_at, deleted_at
         FROM accounts WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))`,
    ),
    insertAccount: db.prepare(
      `INSERT INTO accounts (source_id, id, user_name, external_id, email_key, employee_number, display_name, active, status, raw,
         version, created_at, updated_at, first_seen, last_seen, last_sign_in_at)
       VALUES (@source_id, @id, @user_name, @external_id, @email_key, @employee_number, @display_name, @active, @status, @raw,
         1, @now, @now, @now, @now, @last_sign_in_at)`,
    ),
    updateAccount: db.prepare(
      `UPDATE accounts SET user_name = @user_name, external_id = @external_id, email_key = @email_key,
         employee_number = @employee_number, display_name = @display_name, active = @active, status = @status, raw = @raw,
         version = version + 1, updated_at = @now, last_seen = @now, last_sign_in_at = @last_sign_in_at, deleted_at = NULL
       WHERE pk = @pk`,
    ),
    touchSignIn: db.prepare('UPDATE accounts SET last_sign_in_at = ? WHERE pk = ?'),
    deleteAccount: db.prepare(
      `UPDATE accounts SET deleted_at = @now, active = 0, updated_at = @now, last_seen = @now, version = version + 1
        WHERE source_id = @source_id AND id = @id AND deleted_at IS NULL
       RETURNING pk, user_name, status`,
    ),
    // Keys of ids in any state: a deleted or unlisted row is reused, never duplicated.
    accountPks: db.prepare<[string, string], { id: string; pk: number }>(
      'SELECT id, pk FROM accounts WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    groupPks: db.prepare<[string, string], { id: string; pk: number }>(
      'SELECT id, pk FROM groups WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    groupsById: db.prepare<[string, string], GroupRow>(
      'SELECT pk, id, display_name, raw, deleted_at FROM groups WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    insertGroup: db.prepare(
      `INSERT INTO groups (source_id, id, display_name, raw, version, created_at, updated_at, first_seen, last_seen)
       VALUES (@source_id, @id, @display_name, @raw, 1, @now, @now, @now, @now)`,
    ),
    updateGroup: db.prepare(
      `UPDATE groups SET display_name = @display_name, raw = @raw, version = version + 1, updated_at = @now, last_seen = @now,
         deleted_at = NULL WHERE pk = @pk`,
    ),
    deleteGroup: db.prepare(
      `UPDATE groups SET deleted_at = @now, updated_at = @now, last_seen = @now, version = version + 1
        WHERE source_id = @source_id AND id = @id AND deleted_at IS NULL
       RETURNING pk, display_name`,
    ),
    isLiveMember: db
      .prepare<[number, number, MemberType], number>(
        'SELECT 1 FROM memberships WHERE group_pk = ? AND member_pk = ? AND member_type = ? AND deleted_at IS NULL',
      )
      .pluck(),
    // A deleted user's or group's live memberships, with the ids and names their events need.
    membershipsOfMember: db.prepare<[number, MemberType], { group_pk: number; group_id: string; group_name: string | null }>(
      `SELECT m.group_pk, g.id AS group_id, g.display_name AS group_name FROM memberships m JOIN groups g ON g.pk = m.group_pk
        WHERE m.member_pk = ? AND m.member_type = ? AND m.deleted_at IS NULL ORDER BY g.id`,
    ),
    membershipsOfGroup: db.prepare<[number], { member_pk: number; member_type: MemberType; member_id: string; member_name: string | null }>(
      `SELECT m.member_pk, m.member_type, COALESCE(a.id, mg.id) AS member_id, COALESCE(a.user_name, mg.display_name) AS member_name
         FROM memberships m
         LEFT JOIN accounts a ON m.member_type = 'User' AND a.pk = m.member_pk
         LEFT JOIN groups mg ON m.member_type = 'Group' AND mg.pk = m.member_pk
        WHERE m.group_pk = ? AND m.deleted_at IS NULL ORDER BY member_id`,
    ),
    // Ids and names of memberships given by keys ([group_pk, member_pk, member_type] triples).
    describeMemberships: db.prepare<
      [string],
      { group_pk: number; member_pk: number; member_type: MemberType; group_id: string; member_id: string }
    >(
      `SELECT g.pk AS group_pk, j.value ->> 1 AS member_pk, j.value ->> 2 AS member_type, g.id AS group_id,
              COALESCE(a.id, mg.id) AS member_id
         FROM json_each(?) j
         CROSS JOIN groups g ON g.pk = j.value ->> 0
         LEFT JOIN accounts a ON j.value ->> 2 = 'User' AND a.pk = j.value ->> 1
         LEFT JOIN groups mg ON j.value ->> 2 = 'Group' AND mg.pk = j.value ->> 1`,
    ),
    userNames: db.prepare<[string, string], { id: string; user_name: string | null }>(
      'SELECT id, user_name FROM accounts WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    groupNames: db.prepare<[string, string], { id: string; display_name: string | null }>(
      'SELECT id, display_name FROM groups WHERE source_id = ? AND id IN (SELECT value FROM json_each(?))',
    ),
    liveAccountIds: db.prepare<[string, string, number], { id: string }>(
      'SELECT id FROM accounts WHERE source_id = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?',
    ),
    liveGroupIds: db.prepare<[string, string, number], { id: string }>(
      'SELECT id FROM groups WHERE source_id = ? AND deleted_at IS NULL AND id > ? ORDER BY id LIMIT ?',
    ),
    // The source's groups in key order (any state: a deleted group's memberships are ended with it).
    groupPksAfter: db.prepare<[string, number, number], { pk: number }>(
      'SELECT pk FROM groups WHERE source_id = ? AND pk > ? ORDER BY pk LIMIT ?',
    ),
    liveMembershipKeys: db.prepare<[string], unknown>(
      `SELECT m.group_pk, m.member_pk, m.member_type FROM json_each(?) j CROSS JOIN memberships m ON m.group_pk = j.value
        WHERE m.deleted_at IS NULL`,
    ),
    cursor: db.prepare<[string], { cursor: string }>('SELECT cursor FROM directory_cursors WHERE source_id = ?'),
    saveCursor: db.prepare(
      `INSERT INTO directory_cursors (source_id, cursor, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (source_id) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
    ),
    running: db.prepare<[string], { id: number; started_at: string; heartbeat_at: string }>(
      "SELECT id, started_at, heartbeat_at FROM directory_syncs WHERE source_id = ? AND status = 'running' ORDER BY id DESC",
    ),
    abandon: db.prepare(
      "UPDATE directory_syncs SET status = 'failed', finished_at = @now, error = 'interrupted: the process running it stopped' WHERE id = @id",
    ),
    startSync: db.prepare(
      `INSERT INTO directory_syncs (source_id, trigger, full, baseline, status, started_at, heartbeat_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`,
    ),
    anyAccount: db.prepare<[string], { pk: number }>('SELECT pk FROM accounts WHERE source_id = ? LIMIT 1'),
    anyGroup: db.prepare<[string], { pk: number }>('SELECT pk FROM groups WHERE source_id = ? LIMIT 1'),
    anySuccess: db.prepare<[string], { id: number }>("SELECT id FROM directory_syncs WHERE source_id = ? AND status = 'ok' LIMIT 1"),
    heartbeat: db.prepare(
      'UPDATE directory_syncs SET heartbeat_at = @now, pages = @pages, users = @users, groups = @groups, memberships = @memberships, events = @events WHERE id = @id',
    ),
    finishSync: db.prepare(
      `UPDATE directory_syncs SET status = @status, mode = @mode, finished_at = @now, heartbeat_at = @now, pages = @pages,
         users = @users, groups = @groups, memberships = @memberships, events = @events, error = @error WHERE id = @id`,
    ),
  };
}

type Statements = ReturnType<typeof statements>;
const statementCache = new WeakMap<Store, Statements>();
function statementsFor(store: Store): Statements {
  let s = statementCache.get(store);
  if (!s) statementCache.set(store, (s = statements(store)));
  return s;
}

/** Applies pages to one directory's stored state. Exposed for tests; runSync is the way in. */
export class DirectoryApplier {
  private readonly s: Statements;
  private readonly m: MembershipStatements;
  readonly seenUsers = new Set<string>();
  readonly seenGroups = new Set<string>();
  /**
   * Memberships listed this round, by group key: a full round of a large directory holds a million,
   * and small-integer sets per group take a fraction of the memory of one set of composite keys.
   */
  readonly seenMembers = new Map<number, Set<number>>();
  /** Integer keys of ids met this round (memberships are stored by them). */
  private readonly userPks = new Map<string, number>();
  private readonly groupPks = new Map<string, number>();
  /** Labels for membership events, cached for the round. */
  private readonly userLabels = new Map<string, string>();
  private readonly groupLabels = new Map<string, string>();

  /**
   * @param baseline the directory's first sync: record the state it finds without per-object
   *   events (nothing *changed*: Rollcall only learned what already was; see docs/directories.md).
   * @param trackSeen remember what the round listed, for deleteUnseen. A baseline into an empty
   *   directory has nothing to delete and skips the bookkeeping (a million memberships' worth).
   */
  constructor(
    private readonly store: Store,
    private readonly directoryId: string,
    private readonly observedAt: () => string,
    private readonly baseline = false,
    readonly trackSeen = true,
  ) {
    this.s = statementsFor(store);
    this.m = membershipStatements(store.db);
  }

  /** Writes one page's changes and their events in one transaction; returns the number of events. */
  applyPage(page: SyncPage): number {
    return this.applyPages([page]);
  }

  /** Writes several pages in one transaction (the baseline batches pages: see runSync). */
  applyPages(pages: SyncPage[]): number {
    return this.store.write(() => pages.reduce((n, page) => n + this.write(page), 0));
  }

  private write(page: SyncPage): number {
    {
      const events: NewEvent[] = [];
      const now = this.observedAt();
      if (page.users?.length) this.applyUsers(page.users, now, events);
      if (page.removedUsers?.length) this.removeUsers(page.removedUsers, now, events);
      if (page.groups?.length) this.applyGroups(page.groups, now, events);
      if (page.removedGroups?.length) this.removeGroups(page.removedGroups, now, events);
      if (page.members?.length) this.applyMembers(page.members, now, events);
      if (page.removedMembers?.length) this.removeMembers(page.removedMembers, now, events);
      if (this.baseline) return 0;
      if (events.length) this.store.events.append(events);
      return events.length;
    }
  }

  private event(
    e: Omit<NewEvent, 'sourceId' | 'observedAt'>,
    now: string,
    at: { occurredAt?: string | null; actor?: string | null },
  ): NewEvent {
    return { ...e, sourceId: this.directoryId, observedAt: now, occurredAt: at.occurredAt ?? now, actor: at.actor ?? null };
  }

  private applyUsers(users: DirUser[], now: string, events: NewEvent[]): void {
    const existing = new Map(this.s.accountsById.all(this.directoryId, JSON.stringify(users.map((u) => u.id))).map((r) => [r.id, r]));
    for (const u of users) {
      if (this.trackSeen) this.seenUsers.add(u.id);
      this.userLabels.set(u.id, u.userName);
      const raw = canonicalJson(u.attributes);
      const columns = {
        user_name: u.userName,
        external_id: u.externalId,
        email_key: u.email ? foldText(u.email) : null,
        employee_number: u.employeeNumber,
        display_name: u.displayName,
        active: u.active ? 1 : 0,
        status: u.status,
        raw,
        last_sign_in_at: u.lastSignInAt,
      };
      const row = existing.get(u.id);
      if (!row) {
        const pk = this.s.insertAccount.run({ source_id: this.directoryId, id: u.id, now, ...columns }).lastInsertRowid;
        this.userPks.set(u.id, Number(pk));
        if (!this.baseline)
          events.push(this.event({ type: 'user.created', accountId: u.id, subject: u.userName, after: userSummary(u) }, now, u));
        continue;
      }
      this.userPks.set(u.id, row.pk);
      const same =
        row.deleted_at === null &&
        row.raw === raw &&
        row.active === columns.active &&
        row.status === columns.status &&
        row.user_name === columns.user_name &&
        row.external_id === columns.external_id &&
        row.email_key === columns.email_key &&
        row.employee_number === columns.employee_number &&
        row.display_name === columns.display_name;
      if (same) {
        if (row.last_sign_in_at !== columns.last_sign_in_at) this.s.touchSignIn.run(columns.last_sign_in_at, row.pk);
        continue;
      }
      this.s.updateAccount.run({ pk: row.pk, now, ...columns });
      if (row.deleted_at !== null) {
        events.push(this.event({ type: 'user.created', accountId: u.id, subject: u.userName, after: userSummary(u) }, now, u));
        continue;
      }
      const diff = diffAttributes(
        {
          ...parseObject(row.raw),
          status: row.status,
          userName: row.user_name,
          displayName: row.display_name,
          email: row.email_key,
          externalId: row.external_id,
          employeeNumber: row.employee_number,
        },
        {
          ...u.attributes,
          status: u.status,
          userName: u.userName,
          displayName: u.displayName,
          email: columns.email_key,
          externalId: u.externalId,
          employeeNumber: u.employeeNumber,
        },
      );
      const activeChanged = row.active !== columns.active;
      if (activeChanged) {
        // One event tells the deactivation (or reactivation) with everything that changed with it.
        events.push(
          this.event(
            {
              type: columns.active ? 'user.reactivated' : 'user.deactivated',
              accountId: u.id,
              subject: u.userName,
              before: diff?.before ?? { status: row.status },
              after: diff?.after ?? { status: u.status },
            },
            now,
            u,
          ),
        );
      } else if (diff) {
        events.push(
          this.event({ type: 'user.updated', accountId: u.id, subject: u.userName, before: diff.before, after: diff.after }, now, u),
        );
      }
    }
  }

  private removeUsers(removed: RemovedObject[], now: string, events: NewEvent[]): void {
    for (const r of removed) {
      const gone = this.s.deleteAccount.get({ source_id: this.directoryId, id: r.id, now }) as
        { pk: number; user_name: string | null; status: string | null } | undefined;
      if (!gone) continue;
      const label = gone.user_name ?? r.id;
      events.push(
        this.event({ type: 'user.deleted', accountId: r.id, subject: label, before: { userName: label, status: gone.status } }, now, r),
      );
      for (const m of this.s.membershipsOfMember.all(gone.pk, 'User')) {
        this.m.end.run(now, m.group_pk, gone.pk, 'User');
        const group = m.group_name ?? m.group_id;
        events.push(
          this.event(
            { type: 'group.member_removed', groupId: m.group_id, accountId: r.id, subject: label, before: { group, member: label } },
            now,
            r,
          ),
        );
      }
    }
  }

  private applyGroups(groups: DirGroup[], now: string, events: NewEvent[]): void {
    const existing = new Map(this.s.groupsById.all(this.directoryId, JSON.stringify(groups.map((g) => g.id))).map((r) => [r.id, r]));
    for (const g of groups) {
      if (this.trackSeen) this.seenGroups.add(g.id);
      this.groupLabels.set(g.id, g.displayName);
      const raw = canonicalJson(g.attributes);
      const row = existing.get(g.id);
      if (!row) {
        const pk = this.s.insertGroup.run({ source_id: this.directoryId, id: g.id, display_name: g.displayName, raw, now }).lastInsertRowid;
        this.groupPks.set(g.id, Number(pk));
        if (!this.baseline)
          events.push(
            this.event({ type: 'group.created', groupId: g.id, subject: g.displayName, after: { displayName: g.displayName } }, now, g),
          );
        continue;
      }
      this.groupPks.set(g.id, row.pk);
      if (row.deleted_at === null && row.raw === raw && row.display_name === g.displayName) continue;
      this.s.updateGroup.run({ pk: row.pk, display_name: g.displayName, raw, now });
      if (row.deleted_at !== null) {
        events.push(
          this.event({ type: 'group.created', groupId: g.id, subject: g.displayName, after: { displayName: g.displayName } }, now, g),
        );
        continue;
      }
      const diff = diffAttributes(
        { ...parseObject(row.raw), displayName: row.display_name },
        { ...g.attributes, displayName: g.displayName },
      );
      if (diff)
        events.push(
          this.event({ type: 'group.updated', groupId: g.id, subject: g.displayName, before: diff.before, after: diff.after }, now, g),
        );
    }
  }

  private removeGroups(removed: RemovedObject[], now: string, events: NewEvent[]): void {
    for (const r of removed) {
      const gone = this.s.deleteGroup.get({ source_id: this.directoryId, id: r.id, now }) as
        { pk: number; display_name: string | null } | undefined;
      if (!gone) continue;
      const group = gone.display_name ?? r.id;
      for (const m of this.s.membershipsOfGroup.all(gone.pk)) {
        this.m.end.run(now, gone.pk, m.member_pk, m.member_type);
        const member = m.member_name ?? m.member_id;
        events.push(
          this.event(
            { type: 'group.member_removed', groupId: r.id, accountId: m.member_id, subject: member, before: { group, member } },
            now,
            r,
          ),
        );
      }
      events.push(this.event({ type: 'group.deleted', groupId: r.id, subject: group, before: { displayName: group } }, now, r));
    }
  }

  /**
   * The integer keys of these ids (users or groups of this directory), from this round's map or one
   * batched read; an id no row has yet gets an unlisted row when `create` is set (a member nobody
   * listed: see migration 0003), and is left out otherwise.
   */
  private pks(type: MemberType, ids: Iterable<string>, now: string, create: boolean): Map<string, number> {
    const known = type === 'User' ? this.userPks : this.groupPks;
    const missing = new Set<string>();
    for (const id of ids) if (!known.has(id)) missing.add(id);
    if (missing.size > 0) {
      const stmt = type === 'User' ? this.s.accountPks : this.s.groupPks;
      for (const r of stmt.all(this.directoryId, JSON.stringify([...missing]))) {
        known.set(r.id, r.pk);
        missing.delete(r.id);
      }
      if (create) for (const id of missing) known.set(id, insertUnlisted(this.m, type, this.directoryId, id, now));
    }
    return known;
  }

  /** Members by their keys, in page order; members whose group or member has no row are left out unless `create`. */
  private refs(members: DirMember[], now: string, create: boolean): (MemberRef & { m: DirMember })[] {
    const out: (MemberRef & { m: DirMember })[] = [];
    const resolve = (m: DirMember): boolean => {
      const groupPk = this.groupPks.get(m.groupId);
      const memberPk = (m.memberType === 'User' ? this.userPks : this.groupPks).get(m.memberId);
      if (groupPk === undefined || memberPk === undefined) return false;
      out.push({ groupPk, memberPk, memberType: m.memberType, m });
      return true;
    };
    // Most ids are already known this round (users and groups come before their members): one map
    // lookup each, and the database only for the rest.
    const unresolved = members.filter((m) => !resolve(m));
    if (unresolved.length === 0) return out;
    const ids = (type: MemberType) => unresolved.filter((m) => m.memberType === type).map((m) => m.memberId);
    this.pks('Group', unresolved.map((m) => m.groupId).concat(ids('Group')), now, create);
    this.pks('User', ids('User'), now, create);
    for (const m of unresolved) resolve(m);
    return out;
  }

  private applyMembers(members: DirMember[], now: string, events: NewEvent[]): void {
    const refs = this.refs(members, now, true);
    if (this.baseline && !this.trackSeen) {
      // Into an empty directory: nothing to compare with, and an upsert writes a repeated
      // membership once.
      for (const r of refs) this.m.start.run(r.groupPk, r.memberPk, r.memberType, now);
      return;
    }
    // The first sync upserts without reading: nothing is live yet, except what an interrupted
    // first attempt wrote, which the upsert rewrites unchanged.
    const page = new Map<number, Set<number>>();
    const added: DirMember[] = [];
    for (const r of refs) {
      const key = memberKey(r.memberPk, r.memberType);
      let inPage = page.get(r.groupPk);
      if (!inPage) page.set(r.groupPk, (inPage = new Set()));
      if (inPage.has(key)) continue; // the same membership twice in one page is one change
      inPage.add(key);
      let seen = this.seenMembers.get(r.groupPk);
      if (!seen) this.seenMembers.set(r.groupPk, (seen = new Set()));
      seen.add(key);
      // One primary-key probe each (a million in a full reconcile: cheaper than any batched form).
      if (!this.baseline && this.s.isLiveMember.get(r.groupPk, r.memberPk, r.memberType) !== undefined) continue;
      this.m.start.run(r.groupPk, r.memberPk, r.memberType, now);
      if (!this.baseline) added.push(r.m);
    }
    this.membershipEvents('group.member_added', added, now, events);
  }

  private removeMembers(members: DirMember[], now: string, events: NewEvent[]): void {
    this.endMemberships(this.refs(members, now, false), now, events);
  }

  /** Ends the memberships that are live, one `group.member_removed` each. */
  private endMemberships(refs: (MemberRef & { m: DirMember })[], now: string, events: NewEvent[]): void {
    const ended = refs.filter((r) => this.m.end.run(now, r.groupPk, r.memberPk, r.memberType).changes > 0).map((r) => r.m);
    this.membershipEvents('group.member_removed', ended, now, events);
  }

  /** One event per membership that started or ended, named by the group's and member's labels. */
  private membershipEvents(
    type: 'group.member_added' | 'group.member_removed',
    members: DirMember[],
    now: string,
    events: NewEvent[],
  ): void {
    if (members.length === 0) return;
    this.loadUserLabels(members.filter((m) => m.memberType === 'User').map((m) => m.memberId));
    this.loadGroupLabels(members.map((m) => m.groupId).concat(members.filter((m) => m.memberType === 'Group').map((m) => m.memberId)));
    for (const m of members) {
      const member = m.memberType === 'Group' ? this.groupLabel(m.memberId) : this.userLabel(m.memberId);
      const group = this.groupLabel(m.groupId);
      const labels = { group, member };
      events.push(
        this.event(
          {
            type,
            groupId: m.groupId,
            accountId: m.memberId,
            subject: member,
            ...(type === 'group.member_added' ? { after: labels } : { before: labels }),
          },
          now,
          m,
        ),
      );
    }
  }

  private loadUserLabels(ids: string[]): void {
    const missing = [...new Set(ids.filter((id) => !this.userLabels.has(id)))];
    if (missing.length === 0) return;
    for (const r of this.s.userNames.all(this.directoryId, JSON.stringify(missing))) this.userLabels.set(r.id, r.user_name ?? r.id);
  }

  private loadGroupLabels(ids: string[]): void {
    const missing = [...new Set(ids.filter((id) => !this.groupLabels.has(id)))];
    if (missing.length === 0) return;
    for (const r of this.s.groupNames.all(this.directoryId, JSON.stringify(missing))) this.groupLabels.set(r.id, r.display_name ?? r.id);
  }

  private userLabel(id: string): string {
    return this.userLabels.get(id) ?? id;
  }

  private groupLabel(id: string): string {
    if (!this.groupLabels.has(id)) this.loadGroupLabels([id]);
    return this.groupLabels.get(id) ?? id;
  }

  /**
   * After a complete snapshot: whatever is stored as live and was not seen is gone. Walks the
   * live rows in keyset order and deletes in small transactions; returns the events written.
   */
  *deleteUnseen(): Generator<number, void, void> {
    const id = this.directoryId;
    for (let afterGroup = 0; ;) {
      // The source's groups a chunk at a time, then their live memberships by primary key: this
      // walks every live membership of the source, a million at scale, as raw rows.
      const groups = this.s.groupPksAfter.all(id, afterGroup, DELETE_CHUNK).map((r) => r.pk);
      if (groups.length === 0) break;
      afterGroup = groups[groups.length - 1]!;
      const rows = this.s.liveMembershipKeys.raw(true).all(JSON.stringify(groups)) as [number, number, MemberType][];
      const unseen = rows.filter(([g, m, t]) => !this.seenMembers.get(g)?.has(memberKey(m, t)));
      for (let i = 0; i < unseen.length; i += DELETE_CHUNK) {
        const chunk = unseen.slice(i, i + DELETE_CHUNK);
        yield this.store.write(() => {
          const now = this.observedAt();
          const refs = this.s.describeMemberships.all(JSON.stringify(chunk)).map((r) => ({
            groupPk: r.group_pk,
            memberPk: r.member_pk,
            memberType: r.member_type,
            m: { groupId: r.group_id, memberId: r.member_id, memberType: r.member_type },
          }));
          const events: NewEvent[] = [];
          this.endMemberships(refs, now, events);
          if (this.baseline || events.length === 0) return 0;
          this.store.events.append(events);
          return events.length;
        });
      }
      // Either way, a turn for everything else between chunks.
      if (unseen.length === 0) yield 0;
    }
    for (const [stmt, seen, kind] of [
      [this.s.liveGroupIds, this.seenGroups, 'groups'],
      [this.s.liveAccountIds, this.seenUsers, 'users'],
    ] as const) {
      for (let after = ''; ;) {
        const batch = stmt.all(id, after, DELETE_CHUNK * 4);
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!.id;
        const unseen = batch.filter((r) => !seen.has(r.id)).map((r) => ({ id: r.id }));
        for (let i = 0; i < unseen.length; i += DELETE_CHUNK) {
          const chunk = unseen.slice(i, i + DELETE_CHUNK);
          yield this.applyPage(kind === 'groups' ? { removedGroups: chunk } : { removedUsers: chunk });
        }
      }
    }
  }
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The cursor the last successful round stored, or null. */
export function loadCursor(store: Store, directoryId: string): unknown {
  const row = statementsFor(store).cursor.get(directoryId);
  if (!row) return null;
  try {
    return JSON.parse(row.cursor) as unknown;
  } catch {
    return null;
  }
}

/** Errors shown to the user and stored: one line, never a credential (http.ts already redacts URLs). */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 1000);
}

/**
 * One sync round of one directory: takes the lease, runs the provider, applies every page,
 * deletes what a snapshot did not list, stores the cursor, records the result. Never throws for
 * a provider or network failure (the summary says `failed` and why); throws SyncBusyError when
 * another sync of the same directory holds the lease.
 */
export async function runSync(options: RunSyncOptions): Promise<SyncSummary> {
  const { store, directoryId, provider } = options;
  const now = options.now ?? (() => new Date());
  const iso = () => now().toISOString();
  const s = statementsFor(store);
  const startedAt = iso();

  let baseline = false;
  let startedEmpty = false;
  const syncId = store.write(() => {
    for (const r of s.running.all(directoryId)) {
      if (now().getTime() - Date.parse(r.heartbeat_at) < LEASE_MS) throw new SyncBusyError(directoryId, r.started_at);
      s.abandon.run({ id: r.id, now: startedAt });
    }
    baseline = s.anySuccess.get(directoryId) === undefined;
    startedEmpty = baseline && s.anyAccount.get(directoryId) === undefined && s.anyGroup.get(directoryId) === undefined;
    return Number(
      s.startSync.run(directoryId, options.trigger, options.full ? 1 : 0, baseline ? 1 : 0, startedAt, startedAt).lastInsertRowid,
    );
  });

  const counts: SyncCounts = { pages: 0, users: 0, groups: 0, memberships: 0, events: 0 };
  let phase: SyncProgress['phase'] = 'starting';
  let waiting: string | null = null;
  let error: string | null = null;
  const report = () => options.onProgress?.({ syncId, directoryId, phase, waiting, error, baseline, ...counts });
  let lastBeat = Date.now();
  const beat = () => {
    if (Date.now() - lastBeat < HEARTBEAT_MS) return;
    lastBeat = Date.now();
    s.heartbeat.run({ id: syncId, now: iso(), ...counts });
  };

  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const applier = new DirectoryApplier(store, directoryId, iso, baseline, !(baseline && startedEmpty));
  let result: SyncResult | null = null;
  let status: SyncSummary['status'] = 'ok';
  report();
  const previousOnWait = options.http.onWait;
  options.http.onWait = (w) => {
    previousOnWait?.(w);
    waiting = `${w.reason}: retrying in ${Math.ceil(w.delayMs / 1000)} s`;
    report();
  };
  let pending: SyncPage[] = [];
  let pendingRows = 0;
  // The baseline writes several pages per transaction (fewer commits, each rewriting fewer index
  // pages per row), sized from the last one so that a transaction holds the write lock for about
  // BASELINE_TRANSACTION_MS on any machine: the SCIM listener waits for that lock.
  let batchRows = 1;
  const flush = () => {
    if (pending.length === 0) return;
    const started = performance.now();
    counts.events += applier.applyPages(pending);
    const msPerRow = (performance.now() - started) / Math.max(1, pendingRows);
    batchRows = Math.max(1, Math.min(BASELINE_BATCH_MAX_ROWS, Math.floor(BASELINE_TRANSACTION_MS / Math.max(msPerRow, 1e-4))));
    pending = [];
    pendingRows = 0;
  };
  try {
    const rounds = provider.sync({
      cursor: options.full ? null : loadCursor(store, directoryId),
      full: options.full ?? false,
      http: options.http,
      signal,
      now,
    });
    let next = rounds.next();
    for (;;) {
      const step = await next;
      if (step.done) {
        result = step.value;
        break;
      }
      // Ask for the next page before writing this one: the network and the directory's server work
      // while this thread writes. (A failure of that request is seen when it is awaited.)
      next = rounds.next();
      next.catch(() => undefined);
      const page = step.value;
      waiting = null;
      if (page.phase) phase = page.phase;
      counts.pages++;
      counts.users += page.users?.length ?? 0;
      counts.groups += page.groups?.length ?? 0;
      counts.memberships += page.members?.length ?? 0;
      if (baseline) {
        pending.push(page);
        pendingRows += (page.users?.length ?? 0) + (page.groups?.length ?? 0) + (page.members?.length ?? 0);
        if (pendingRows >= batchRows) flush();
      } else counts.events += applier.applyPage(page);
      beat();
      report();
      // Give timers and sockets (the SCIM listener shares this thread) a turn between pages.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    flush();
    // A first sync into an empty directory wrote everything there is: nothing can be unseen, and
    // walking a million memberships to find that out is skipped.
    if (result.mode === 'snapshot' && applier.trackSeen) {
      phase = 'deletions';
      report();
      for (const written of applier.deleteUnseen()) {
        counts.events += written;
        beat();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  } catch (err) {
    status = signal.aborted ? 'cancelled' : 'failed';
    error = describe(err);
  } finally {
    options.http.onWait = previousOnWait;
  }

  const finishedAt = iso();
  store.write(() => {
    if (status === 'ok' && result) s.saveCursor.run(directoryId, JSON.stringify(result.cursor ?? null), finishedAt);
    s.finishSync.run({ id: syncId, status, mode: result?.mode ?? null, now: finishedAt, error, ...counts });
  });
  phase = status === 'ok' ? 'done' : 'failed';
  waiting = null;
  report();
  return { syncId, directory: directoryId, status, baseline, mode: result?.mode ?? null, error, startedAt, finishedAt, ...counts };
}
