/**
 * The directory sync engine: runs one provider round, diffs each page against the directory's
 * stored state (accounts, groups, memberships of its source) and writes exactly the changes with
 * their events — state and events in one transaction per page, so there is never one without the
 * other.
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
 * - One page is one short transaction, so the thread that runs the sync (the core's, which also
 *   serves SCIM) is never blocked for long; the network waits in between give everything else
 *   its turn.
 */
import { foldText } from '../scim/resources';
import type { NewEvent } from '../core/store/events';
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

const memberKey = (groupId: string, memberId: string): string => `${groupId}\u0000${memberId}`;

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
       RETURNING user_name, status`,
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
       RETURNING display_name`,
    ),
    // CROSS JOIN keeps json_each outside: otherwise SQLite may walk every membership of the source per page.
    liveMemberships: db.prepare<{ source_id: string; pairs: string }, { group_id: string; member_id: string }>(
      `SELECT m.group_id, m.member_id FROM json_each(@pairs) j
         CROSS JOIN memberships m ON m.source_id = @source_id AND m.group_id = j.value ->> 0 AND m.member_id = j.value ->> 1
        WHERE m.deleted_at IS NULL`,
    ),
    addMember: db.prepare(
      `INSERT INTO memberships (source_id, group_id, member_id, member_type, first_seen, last_seen)
       VALUES (@source_id, @group_id, @member_id, @member_type, @now, @now)
       ON CONFLICT (source_id, group_id, member_id) DO UPDATE SET deleted_at = NULL, first_seen = @now, last_seen = @now,
         member_type = excluded.member_type`,
    ),
    removeMember: db.prepare(
      `UPDATE memberships SET deleted_at = @now, last_seen = @now
        WHERE source_id = @source_id AND group_id = @group_id AND member_id = @member_id AND deleted_at IS NULL`,
    ),
    endMembershipsOfMember: db.prepare<{ source_id: string; member_id: string; now: string }, { group_id: string }>(
      `UPDATE memberships SET deleted_at = @now, last_seen = @now
        WHERE source_id = @source_id AND member_id = @member_id AND deleted_at IS NULL RETURNING group_id`,
    ),
    endMembershipsOfGroup: db.prepare<{ source_id: string; group_id: string; now: string }, { member_id: string }>(
      `UPDATE memberships SET deleted_at = @now, last_seen = @now
        WHERE source_id = @source_id AND group_id = @group_id AND deleted_at IS NULL RETURNING member_id`,
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
    liveMembershipKeys: db.prepare<
      [string, string, string, number],
      { group_id: string; member_id: string; member_type: 'User' | 'Group' }
    >(
      `SELECT group_id, member_id, member_type FROM memberships
        WHERE source_id = ? AND (group_id, member_id) > (?, ?) AND deleted_at IS NULL
        ORDER BY group_id, member_id LIMIT ?`,
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
  readonly seenUsers = new Set<string>();
  readonly seenGroups = new Set<string>();
  readonly seenMembers = new Set<string>();
  /** Labels for membership events, cached for the round. */
  private readonly userLabels = new Map<string, string>();
  private readonly groupLabels = new Map<string, string>();

  /**
   * @param baseline the directory's first sync: record the state it finds without per-object
   *   events (nothing *changed*: Rollcall only learned what already was; see docs/directories.md).
   */
  constructor(
    private readonly store: Store,
    private readonly directoryId: string,
    private readonly observedAt: () => string,
    private readonly baseline = false,
  ) {
    this.s = statementsFor(store);
  }

  /** Writes one page's changes and their events in one transaction; returns the number of events. */
  applyPage(page: SyncPage): number {
    return this.store.write(() => {
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
    });
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
      this.seenUsers.add(u.id);
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
        this.s.insertAccount.run({ source_id: this.directoryId, id: u.id, now, ...columns });
        events.push(this.event({ type: 'user.created', accountId: u.id, subject: u.userName, after: userSummary(u) }, now, u));
        continue;
      }
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
        { user_name: string | null; status: string | null } | undefined;
      if (!gone) continue;
      const label = gone.user_name ?? r.id;
      events.push(
        this.event({ type: 'user.deleted', accountId: r.id, subject: label, before: { userName: label, status: gone.status } }, now, r),
      );
      for (const m of this.s.endMembershipsOfMember.all({ source_id: this.directoryId, member_id: r.id, now })) {
        const group = this.groupLabel(m.group_id);
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
      this.seenGroups.add(g.id);
      this.groupLabels.set(g.id, g.displayName);
      const raw = canonicalJson(g.attributes);
      const row = existing.get(g.id);
      if (!row) {
        this.s.insertGroup.run({ source_id: this.directoryId, id: g.id, display_name: g.displayName, raw, now });
        events.push(
          this.event({ type: 'group.created', groupId: g.id, subject: g.displayName, after: { displayName: g.displayName } }, now, g),
        );
        continue;
      }
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
      const gone = this.s.deleteGroup.get({ source_id: this.directoryId, id: r.id, now }) as { display_name: string | null } | undefined;
      if (!gone) continue;
      const group = gone.display_name ?? r.id;
      const ended = this.s.endMembershipsOfGroup.all({ source_id: this.directoryId, group_id: r.id, now });
      this.loadUserLabels(ended.map((m) => m.member_id));
      for (const m of ended) {
        const member = this.userLabel(m.member_id);
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

  private applyMembers(members: DirMember[], now: string, events: NewEvent[]): void {
    const live = new Set(
      this.s.liveMemberships
        .all({ source_id: this.directoryId, pairs: JSON.stringify(members.map((m) => [m.groupId, m.memberId])) })
        .map((r) => memberKey(r.group_id, r.member_id)),
    );
    const added: DirMember[] = [];
    for (const m of members) {
      const key = memberKey(m.groupId, m.memberId);
      this.seenMembers.add(key);
      if (live.has(key)) continue;
      live.add(key); // the same membership twice in one page is one change
      added.push(m);
    }
    if (added.length === 0) return;
    if (this.baseline) {
      for (const m of added)
        this.s.addMember.run({ source_id: this.directoryId, group_id: m.groupId, member_id: m.memberId, member_type: m.memberType, now });
      return;
    }
    this.loadUserLabels(added.filter((m) => m.memberType === 'User').map((m) => m.memberId));
    this.loadGroupLabels(added.map((m) => m.groupId).concat(added.filter((m) => m.memberType === 'Group').map((m) => m.memberId)));
    for (const m of added) {
      this.s.addMember.run({ source_id: this.directoryId, group_id: m.groupId, member_id: m.memberId, member_type: m.memberType, now });
      const member = m.memberType === 'Group' ? this.groupLabel(m.memberId) : this.userLabel(m.memberId);
      const group = this.groupLabel(m.groupId);
      events.push(
        this.event(
          { type: 'group.member_added', groupId: m.groupId, accountId: m.memberId, subject: member, after: { group, member } },
          now,
          m,
        ),
      );
    }
  }

  private removeMembers(members: DirMember[], now: string, events: NewEvent[]): void {
    this.loadUserLabels(members.filter((m) => m.memberType === 'User').map((m) => m.memberId));
    this.loadGroupLabels(members.map((m) => m.groupId));
    for (const m of members) {
      const info = this.s.removeMember.run({ source_id: this.directoryId, group_id: m.groupId, member_id: m.memberId, now });
      if (info.changes === 0) continue;
      const member = m.memberType === 'Group' ? this.groupLabel(m.memberId) : this.userLabel(m.memberId);
      const group = this.groupLabel(m.groupId);
      events.push(
        this.event(
          { type: 'group.member_removed', groupId: m.groupId, accountId: m.memberId, subject: member, before: { group, member } },
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
    for (let afterGroup = '', afterMember = ''; ;) {
      // Raw rows (arrays): this walks every live membership of the source, a million at scale.
      const batch = this.s.liveMembershipKeys.raw(true).all(id, afterGroup, afterMember, DELETE_CHUNK * 20) as unknown as [
        string,
        string,
        'User' | 'Group',
      ][];
      if (batch.length === 0) break;
      [afterGroup, afterMember] = batch[batch.length - 1]!;
      const unseen = batch.filter(([g, m]) => !this.seenMembers.has(memberKey(g, m)));
      // Either way, a turn for everything else between chunks.
      yield unseen.length
        ? this.applyPage({ removedMembers: unseen.map(([groupId, memberId, memberType]) => ({ groupId, memberId, memberType })) })
        : 0;
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
  const syncId = store.write(() => {
    for (const r of s.running.all(directoryId)) {
      if (now().getTime() - Date.parse(r.heartbeat_at) < LEASE_MS) throw new SyncBusyError(directoryId, r.started_at);
      s.abandon.run({ id: r.id, now: startedAt });
    }
    baseline = s.anySuccess.get(directoryId) === undefined;
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
  const applier = new DirectoryApplier(store, directoryId, iso, baseline);
  let result: SyncResult | null = null;
  let status: SyncSummary['status'] = 'ok';
  report();
  const previousOnWait = options.http.onWait;
  options.http.onWait = (w) => {
    previousOnWait?.(w);
    waiting = `${w.reason}: retrying in ${Math.ceil(w.delayMs / 1000)} s`;
    report();
  };
  try {
    const rounds = provider.sync({
      cursor: options.full ? null : loadCursor(store, directoryId),
      full: options.full ?? false,
      http: options.http,
      signal,
      now,
    });
    for (;;) {
      const step = await rounds.next();
      if (step.done) {
        result = step.value;
        break;
      }
      const page = step.value;
      waiting = null;
      if (page.phase) phase = page.phase;
      counts.pages++;
      counts.users += page.users?.length ?? 0;
      counts.groups += page.groups?.length ?? 0;
      counts.memberships += page.members?.length ?? 0;
      counts.events += applier.applyPage(page);
      beat();
      report();
      // Give timers and sockets (the SCIM listener shares this thread) a turn between pages.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (result.mode === 'snapshot') {
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
