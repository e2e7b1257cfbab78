/**
 * Read models of the analysis layer: each function answers one contract call from the tables the
 * Analyzer maintains. Every list is a keyset page over an index (no OFFSET, no full scan); the
 * bench (`npm run bench -- analysis`) prints each query's plan and fails on a scan of `events`.
 */
import type { CallOutput, CallParsedInput } from '../../shared/contract';
import { InvalidInputError, NotFoundError } from '../core/dispatch';
import { InvalidCursorError, toApiEvent } from '../core/queries';
import type { Db } from '../core/store/db';
import type { EventRow } from '../core/store/events';
import type { Store } from '../core/store/store';
import { dayNumber, type Analyzer } from './analyzer';
import { parseAttributePath } from './roles';

type PersonStatus = 'active' | 'leaving' | 'gone';

interface PersonRow {
  id: number;
  display_name: string | null;
  primary_email: string | null;
  status: PersonStatus;
  account_count: number;
  directory_accounts: number;
  left_at: string | null;
  flagged: number;
  created_at: string;
  updated_at: string;
}

const PERSON_COLUMNS = `p.id, p.display_name, p.primary_email, p.status,
  coalesce(p.account_count, (SELECT count(*) FROM accounts a WHERE a.person_id = p.id)) AS account_count, p.directory_accounts, p.left_at,
  EXISTS (SELECT 1 FROM account_state s WHERE s.person_id = p.id AND s.flag IS NOT NULL) AS flagged, p.created_at, p.updated_at`;

const toPerson = (r: PersonRow) => ({
  id: r.id,
  displayName: r.display_name,
  primaryEmail: r.primary_email,
  status: r.status,
  accounts: r.account_count,
  managed: r.directory_accounts > 0,
  leftAt: r.left_at,
  flagged: r.flagged === 1,
});

function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string): { items: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, nextCursor: more ? cursorOf(items[items.length - 1]!) : null };
}

/** A cursor of text fields: base64url of a JSON array, checked on the way in. */
const encode = (parts: (string | number)[]): string => Buffer.from(JSON.stringify(parts)).toString('base64url');
function decode<T extends (string | number)[]>(cursor: string | undefined, shape: ('s' | 'n')[]): T | undefined {
  if (cursor === undefined) return undefined;
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError(`Invalid cursor "${cursor}"`);
  }
  if (!Array.isArray(parts) || parts.length !== shape.length || parts.some((p, i) => typeof p !== (shape[i] === 's' ? 'string' : 'number')))
    throw new InvalidCursorError(`Invalid cursor "${cursor}"`);
  return parts as T;
}

/** The end of a prefix range: every text that starts with `prefix` sorts below it. */
const prefixEnd = (prefix: string): string => `${prefix}\u{10FFFF}`;

// -------------------------------------------------------------------------------------------------
// People

export function searchPeople(db: Db, input: CallParsedInput<'searchPeople'>): CallOutput<'searchPeople'> {
  const q = input.query?.normalize('NFC').trim().toLowerCase() ?? '';
  // A person emptied by a move (0 accounts) is not listed; one the analyzer has not derived yet (null) is.
  const filters: string[] = ['(p.account_count IS NULL OR p.account_count > 0)'];
  const params: Record<string, unknown> = { limit: input.limit + 1 };
  if (input.status) {
    filters.push('p.status = @status');
    params.status = input.status;
  }
  if (input.flagged !== undefined) {
    filters.push(`${input.flagged ? '' : 'NOT '}EXISTS (SELECT 1 FROM account_state s WHERE s.person_id = p.id AND s.flag IS NOT NULL)`);
  }
  const extra = filters.join(' AND ');
  if (q === '') {
    // Everyone, by id (the order people were first seen).
    const after = decode<[number]>(input.cursor, ['n']);
    params.after = after?.[0] ?? 0;
    const rows = db
      .prepare<Record<string, unknown>, PersonRow>(
        `SELECT ${PERSON_COLUMNS} FROM people p WHERE p.id > @after AND ${extra} ORDER BY p.id LIMIT @limit`,
      )
      .all(params);
    const r = page(rows, input.limit, (last) => encode([last.id]));
    return { items: r.items.map(toPerson), nextCursor: r.nextCursor };
  }
  // Name prefix and email prefix: two index ranges, merged here by (term, id). A person whose
  // name and email both match is listed once, under the name. The email range is read only up to
  // the name range's last term when that one filled a page: below it nothing can make the page.
  const cursor = decode<[string, number]>(input.cursor, ['s', 'n']);
  Object.assign(params, { q, qEnd: prefixEnd(q), cTerm: cursor?.[0] ?? '', cId: cursor?.[1] ?? 0 });
  const byName = db
    .prepare<Record<string, unknown>, PersonRow & { term: string }>(
      `SELECT p.name_key AS term, ${PERSON_COLUMNS} FROM people p
        WHERE p.name_key >= @q AND p.name_key < @qEnd AND (p.name_key, p.id) > (@cTerm, @cId) AND ${extra}
        ORDER BY p.name_key, p.id LIMIT @limit`,
    )
    .all(params);
  const emailEnd = byName.length === input.limit + 1 ? byName[byName.length - 1]!.term : null;
  const byEmail = db
    .prepare<Record<string, unknown>, PersonRow & { term: string }>(
      `SELECT p.primary_email AS term, ${PERSON_COLUMNS} FROM people p
        WHERE p.primary_email >= @q AND p.primary_email < @qEnd AND (p.primary_email, p.id) > (@cTerm, @cId)
          AND (@emailEnd IS NULL OR p.primary_email <= @emailEnd)
          AND NOT (coalesce(p.name_key, '') >= @q AND coalesce(p.name_key, '') < @qEnd) AND ${extra}
        ORDER BY p.primary_email, p.id LIMIT @limit`,
    )
    .all({ ...params, emailEnd });
  const rows = [...byName, ...byEmail].sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : a.id - b.id)).slice(0, input.limit + 1);
  const r = page(rows, input.limit, (last) => encode([last.term, last.id]));
  return { items: r.items.map(toPerson), nextCursor: r.nextCursor };
}

/** The existing listPeople call, answered by the prefix search (its output is the person summary's subset). */
export function listPeople(db: Db, input: CallParsedInput<'listPeople'>): CallOutput<'listPeople'> {
  const r = searchPeople(db, { limit: input.limit, cursor: input.cursor, query: input.query });
  return {
    items: r.items.map(({ id, displayName, primaryEmail, status, accounts }) => ({ id, displayName, primaryEmail, status, accounts })),
    nextCursor: r.nextCursor,
  };
}

type EventJoined = EventRow & { source_name: string };

export function getPerson(db: Db, input: CallParsedInput<'getPerson'>): CallOutput<'getPerson'> {
  const row = db.prepare<[number], PersonRow>(`SELECT ${PERSON_COLUMNS} FROM people p WHERE p.id = ?`).get(input.id);
  if (!row) throw new NotFoundError(`Person ${input.id} not found`);
  const accounts = db
    .prepare<
      [number],
      {
        pk: number;
        source_id: string;
        source_name: string;
        kind: 'connection' | 'directory';
        app: string | null;
        id: string;
        user_name: string | null;
        display_name: string | null;
        email_key: string | null;
        status: string | null;
        active: number;
        deleted_at: string | null;
        first_seen: string;
        last_seen: string;
        flag: 'ambiguous' | 'conflicting_keys' | 'shared_key' | null;
        flag_people: string | null;
        manual: number;
      }
    >(
      `SELECT a.pk, a.source_id, s.name AS source_name, s.kind, s.app, a.id, a.user_name, a.display_name, a.email_key, a.status, a.active,
              a.deleted_at, a.first_seen, a.last_seen, st.flag, st.flag_people,
              EXISTS (SELECT 1 FROM person_links l WHERE l.source_id = a.source_id AND l.account_id = a.id AND l.kind = 'link') AS manual
         FROM accounts a JOIN sources s ON s.id = a.source_id LEFT JOIN account_state st ON st.account_pk = a.pk
        WHERE a.person_id = ? ORDER BY s.kind = 'directory' DESC, a.deleted_at IS NOT NULL, s.name, a.pk`,
    )
    .all(input.id);
  const groupsOf = db.prepare<[number], { id: string; name: string | null }>(
    `SELECT g.id, g.display_name AS name FROM memberships m JOIN groups g ON g.pk = m.group_pk
      WHERE m.member_pk = ? AND m.member_type = 'User' AND m.deleted_at IS NULL AND g.deleted_at IS NULL ORDER BY g.display_name`,
  );
  const rolesOf = db.prepare<[string, string], { id: number; name: string; billed: number; privileged: number; since: string }>(
    `SELECT r.id, r.name, r.billed, r.privileged, ar.since FROM account_roles ar JOIN roles r ON r.id = ar.role_id
      WHERE ar.source_id = ? AND ar.account_id = ? ORDER BY r.name`,
  );
  const before = decode<[number]>(input.eventsCursor, ['n'])?.[0] ?? Number.MAX_SAFE_INTEGER;
  const events = db
    .prepare<{ person: number; before: number; limit: number }, EventJoined>(
      `SELECT e.*, s.name AS source_name FROM events e JOIN sources s ON s.id = e.source_id
        WHERE e.seq IN (SELECT ae.seq FROM account_events ae
                         WHERE ae.account_pk IN (SELECT pk FROM accounts WHERE person_id = @person) AND ae.seq < @before
                         ORDER BY ae.seq DESC LIMIT @limit)
        ORDER BY e.seq DESC`,
    )
    .all({ person: input.id, before, limit: input.eventsLimit + 1 });
  const timeline = page(events, input.eventsLimit, (last) => encode([last.seq]));
  return {
    person: { ...toPerson(row), createdAt: row.created_at, updatedAt: row.updated_at },
    accounts: accounts.map((a) => ({
      sourceId: a.source_id,
      sourceName: a.source_name,
      sourceKind: a.kind,
      app: a.app,
      accountId: a.id,
      userName: a.user_name,
      displayName: a.display_name,
      email: a.email_key,
      status: a.status,
      active: a.active === 1 && a.deleted_at === null,
      deleted: a.deleted_at !== null,
      firstSeen: a.first_seen,
      lastSeen: a.last_seen,
      deletedAt: a.deleted_at,
      groups: groupsOf.all(a.pk),
      roles: rolesOf
        .all(a.source_id, a.id)
        .map((r) => ({ id: r.id, name: r.name, billed: r.billed === 1, privileged: r.privileged === 1, since: r.since })),
      link: a.manual === 1 ? ('manual' as const) : ('auto' as const),
      flag: a.flag ? { kind: a.flag, people: JSON.parse(a.flag_people ?? '[]') as number[] } : null,
    })),
    events: { items: timeline.items.map(toApiEvent), nextCursor: timeline.nextCursor },
  };
}

function accountRef(db: Db, sourceId: string, accountId: string): { pk: number; person_id: number | null } {
  const a = db
    .prepare<[string, string], { pk: number; person_id: number | null; status: string | null }>(
      'SELECT pk, person_id, status FROM accounts WHERE source_id = ? AND id = ?',
    )
    .get(sourceId, accountId);
  if (!a || a.status === 'unlisted') throw new NotFoundError(`Account ${accountId} of source ${sourceId} not found`);
  return a;
}

/** Manual link: wins over every key, survives syncs and re-correlation. */
export function linkAccount(
  store: Store,
  analyzer: Analyzer,
  input: CallParsedInput<'linkAccount'>,
  now: string,
): CallOutput<'linkAccount'> {
  return store.write(() => {
    const db = store.db;
    const a = accountRef(db, input.sourceId, input.accountId);
    if (!db.prepare('SELECT 1 FROM people WHERE id = ?').get(input.personId)) throw new NotFoundError(`Person ${input.personId} not found`);
    db.prepare("DELETE FROM person_links WHERE source_id = ? AND account_id = ? AND (kind = 'link' OR person_id = ?)").run(
      input.sourceId,
      input.accountId,
      input.personId,
    );
    db.prepare(
      "INSERT INTO person_links (source_id, account_id, person_id, kind, created_at, created_by) VALUES (?, ?, ?, 'link', ?, NULL)",
    ).run(input.sourceId, input.accountId, input.personId, now);
    const after = analyzer.reanalyse([a.pk]);
    return { personId: after.get(a.pk) ?? input.personId, previousPersonId: a.person_id };
  });
}

/** Manual unlink: the account never joins that person again by its keys (a link can still put it back). */
export function unlinkAccount(
  store: Store,
  analyzer: Analyzer,
  input: CallParsedInput<'unlinkAccount'>,
  now: string,
): CallOutput<'unlinkAccount'> {
  return store.write(() => {
    const db = store.db;
    const a = accountRef(db, input.sourceId, input.accountId);
    db.prepare("DELETE FROM person_links WHERE source_id = ? AND account_id = ? AND kind = 'link'").run(input.sourceId, input.accountId);
    if (a.person_id !== null) {
      db.prepare(
        `INSERT INTO person_links (source_id, account_id, person_id, kind, created_at, created_by) VALUES (?, ?, ?, 'unlink', ?, NULL)
         ON CONFLICT (source_id, account_id, person_id) DO UPDATE SET kind = 'unlink', created_at = excluded.created_at`,
      ).run(input.sourceId, input.accountId, a.person_id, now);
    }
    const after = analyzer.reanalyse([a.pk]);
    return { personId: after.get(a.pk)!, previousPersonId: a.person_id };
  });
}

// -------------------------------------------------------------------------------------------------
// Audit trail

export function listAuditTrail(db: Db, input: CallParsedInput<'listAuditTrail'>): CallOutput<'listAuditTrail'> {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: input.limit + 1 };
  const cursor = decode<[string, number]>(input.cursor, ['s', 'n']);
  if (cursor) {
    where.push('(x.at, x.seq) < (@cAt, @cSeq)');
    params.cAt = cursor[0];
    params.cSeq = cursor[1];
  }
  if (input.personId !== undefined) {
    where.push('x.account_pk IN (SELECT pk FROM accounts WHERE person_id = @person)');
    params.person = input.personId;
  }
  if (input.sourceId !== undefined) {
    where.push('x.source_id = @source');
    params.source = input.sourceId;
  }
  if (input.groupId !== undefined) {
    const pk = db
      .prepare<[string, string], number>('SELECT pk FROM groups WHERE source_id = ? AND id = ?')
      .pluck()
      .get(input.sourceId!, input.groupId);
    if (pk === undefined) throw new NotFoundError(`Group ${input.groupId} of source ${input.sourceId!} not found`);
    where.push('x.group_pk = @group');
    params.group = pk;
  }
  if (input.roleId !== undefined) {
    where.push('x.role_id = @role');
    params.role = input.roleId;
  }
  if (input.types !== undefined) {
    const names = input.types.map((t, i) => {
      params[`type${i}`] = t;
      return `@type${i}`;
    });
    where.push(`x.type IN (${names.join(', ')})`);
  }
  if (input.from !== undefined) {
    where.push('x.at >= @from');
    params.from = new Date(input.from).toISOString();
  }
  if (input.to !== undefined) {
    where.push('x.at < @to');
    params.to = new Date(input.to).toISOString();
  }
  const rows = db
    .prepare<Record<string, unknown>, EventJoined & { audit_at: string }>(
      `SELECT e.*, s.name AS source_name, x.at AS audit_at FROM
         (SELECT x.seq, x.at FROM audit_events x ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY x.at DESC, x.seq DESC LIMIT @limit) x
         JOIN events e ON e.seq = x.seq JOIN sources s ON s.id = e.source_id
        ORDER BY x.at DESC, x.seq DESC`,
    )
    .all(params);
  const r = page(rows, input.limit, (last) => encode([last.audit_at, last.seq]));
  return { items: r.items.map(toApiEvent), nextCursor: r.nextCursor };
}

// -------------------------------------------------------------------------------------------------
// Seats

const dayAfter = (day: string): string => new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString().slice(0, 10);

export function getSeatSeries(db: Db, input: CallParsedInput<'getSeatSeries'>): CallOutput<'getSeatSeries'> {
  const days: string[] = [];
  for (let d = input.from; d <= input.to; d = dayAfter(d)) days.push(d);
  const from = dayNumber(`${input.from}T00:00:00.000Z`);
  const where = ['d.day <= @to'];
  const params: Record<string, unknown> = { to: dayNumber(`${input.to}T00:00:00.000Z`) };
  if (input.sourceIds) {
    where.push(`d.source_id IN (${input.sourceIds.map((id, i) => ((params[`s${i}`] = id), `@s${i}`)).join(', ')})`);
  }
  if (input.role !== undefined) {
    // through the role index: one range per role id
    where.push('d.role_id IN (SELECT id FROM roles WHERE name = @role COLLATE NOCASE)');
    params.role = input.role;
  }
  // One row per series with its deltas as JSON arrays, in day order: a year of 50 apps is ~70,000
  // deltas, and building them into arrays inside SQLite is about 3x faster than a row each.
  const rows = db
    .prepare<Record<string, unknown>, [string, number, string, string, string]>(
      `SELECT d.source_id, d.role_id, json_group_array(d.day ORDER BY d.day), json_group_array(d.active ORDER BY d.day),
              json_group_array(d.idle ORDER BY d.day)
         FROM seat_deltas d WHERE ${where.join(' AND ')} GROUP BY d.source_id, d.role_id`,
    )
    .raw(true)
    .all(params);
  const sources = new Map(
    db
      .prepare<[], { id: string; app: string | null; name: string }>("SELECT id, app, name FROM sources WHERE kind = 'connection'")
      .all()
      .map((s) => [s.id, s.app ?? s.name]),
  );
  const roles = new Map(
    db
      .prepare<[], { id: number; name: string; billed: number; privileged: number; seats_purchased: number | null }>(
        'SELECT id, name, billed, privileged, seats_purchased FROM roles',
      )
      .all()
      .map((r) => [r.id, r]),
  );
  const series = new Map<string, CallOutput<'getSeatSeries'>['series'][number]>();
  // Per series: the running totals at the days that have a row (-1: no row that day), then carried forward.
  const set = new Map<string, Int8Array>();
  for (const [sourceId, roleId, dayJson, activeJson, idleJson] of rows) {
    const dayList = JSON.parse(dayJson) as number[];
    const activeList = JSON.parse(activeJson) as number[];
    const idleList = JSON.parse(idleJson) as number[];
    const role = roleId === 0 ? undefined : roles.get(roleId);
    const s: CallOutput<'getSeatSeries'>['series'][number] = {
      sourceId,
      app: sources.get(sourceId) ?? sourceId,
      roleId: roleId === 0 ? null : roleId,
      role: role?.name ?? null,
      billed: role ? role.billed === 1 : true,
      privileged: role ? role.privileged === 1 : false,
      purchased: role?.seats_purchased ?? null,
      active: new Array<number>(days.length).fill(0),
      idle: new Array<number>(days.length).fill(0),
    };
    const marks = new Int8Array(days.length);
    const key = `${sourceId}\u0000${roleId}`;
    series.set(key, s);
    set.set(key, marks);
    let runActive = 0;
    let runIdle = 0;
    for (let k = 0; k < dayList.length; k++) {
      runActive += activeList[k]!;
      runIdle += idleList[k]!;
      // Days before the range set the starting point (the last of them wins).
      const i = dayList[k]! < from ? 0 : dayList[k]! - from;
      s.active[i] = runActive;
      s.idle[i] = runIdle;
      marks[i] = 1;
    }
  }
  for (const [key, s] of series) {
    const marks = set.get(key)!;
    for (let k = 1; k < days.length; k++) {
      if (marks[k]) continue;
      s.active[k] = s.active[k - 1]!;
      s.idle[k] = s.idle[k - 1]!;
    }
  }
  const out = [...series.values()].filter((s) => s.active.some((n) => n !== 0) || s.purchased !== null);
  out.sort((a, b) => a.app.localeCompare(b.app) || (a.role ?? '\uffff').localeCompare(b.role ?? '\uffff'));
  return { days, series: out };
}

/** Current seats per app and role (the Seats page table): the running totals of seat_deltas. */
export function getSeats(db: Db): CallOutput<'getSeats'> {
  const rows = db
    .prepare<
      [],
      { app: string; source_id: string; role: string | null; billed: number; active: number; idle: number; purchased: number | null }
    >(
      `SELECT coalesce(s.app, s.name) AS app, t.source_id, r.name AS role, coalesce(r.billed, 1) AS billed, t.active, t.idle,
              r.seats_purchased AS purchased
         FROM (SELECT source_id, role_id, sum(active) AS active, sum(idle) AS idle FROM seat_deltas GROUP BY source_id, role_id) t
         JOIN sources s ON s.id = t.source_id AND s.removed_at IS NULL
         LEFT JOIN roles r ON r.id = t.role_id
        WHERE t.active <> 0 OR r.seats_purchased IS NOT NULL
        ORDER BY app, r.name`,
    )
    .all();
  return {
    rows: rows.map((r) => ({
      app: r.app,
      sourceId: r.source_id,
      role: r.role,
      billed: r.billed === 1,
      active: Math.max(0, r.active),
      idle: Math.max(0, r.idle),
      purchased: r.purchased,
    })),
  };
}

// -------------------------------------------------------------------------------------------------
// Time to deprovision

const HOUR = 3_600_000;
function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
const hours = (ms: number | null): number | null => (ms === null ? null : Math.round((ms / HOUR) * 100) / 100);

export function getDeprovisionStats(db: Db, input: CallParsedInput<'getDeprovisionStats'>, now: Date): CallOutput<'getDeprovisionStats'> {
  const where = ['d.done_at IS NOT NULL'];
  const params: Record<string, unknown> = {};
  let sourceFilter = '';
  if (input.sourceIds) {
    sourceFilter = `d.source_id IN (${input.sourceIds.map((id, i) => ((params[`s${i}`] = id), `@s${i}`)).join(', ')})`;
    where.push(sourceFilter);
  }
  if (input.from !== undefined) {
    where.push('d.done_at >= @from');
    params.from = new Date(input.from).toISOString();
  }
  if (input.to !== undefined) {
    where.push('d.done_at < @to');
    params.to = new Date(input.to).toISOString();
  }
  const done = db
    .prepare<Record<string, unknown>, { source_id: string; duration_ms: number }>(
      `SELECT d.source_id, d.duration_ms FROM deprovisions d WHERE ${where.join(' AND ')}`,
    )
    .all(params);
  const openWhere = `d.done_at IS NULL AND d.cancelled_at IS NULL${sourceFilter ? ` AND ${sourceFilter}` : ''}`;
  const openCounts = db
    .prepare<Record<string, unknown>, { source_id: string; n: number }>(
      `SELECT d.source_id, count(*) AS n FROM deprovisions d WHERE ${openWhere} GROUP BY d.source_id`,
    )
    .all(params);
  const openRows =
    input.openLimit === 0
      ? []
      : db
          .prepare<
            Record<string, unknown>,
            { source_id: string; person_id: number; display_name: string | null; id: string; user_name: string | null; left_at: string }
          >(
            `SELECT d.source_id, d.person_id, p.display_name, a.id, a.user_name, d.left_at FROM deprovisions d
                 JOIN accounts a ON a.pk = d.account_pk JOIN people p ON p.id = d.person_id
                WHERE ${openWhere} ORDER BY d.left_at LIMIT @openLimit`,
          )
          .all({ ...params, openLimit: input.openLimit });
  const connections = db
    .prepare<[], { id: string; app: string; removed_at: string | null }>(
      "SELECT id, coalesce(app, name) AS app, removed_at FROM sources WHERE kind = 'connection'",
    )
    .all();
  const names = new Map(connections.map((s) => [s.id, s.app]));
  const live = connections.filter((c) => c.removed_at === null).map((c) => c.id);
  const apps = new Map<string, CallOutput<'getDeprovisionStats'>['apps'][number]>();
  const durations = new Map<string, number[]>();
  const app = (id: string) => {
    let a = apps.get(id);
    if (!a) {
      a = {
        sourceId: id,
        app: names.get(id) ?? id,
        completed: 0,
        medianHours: null,
        p90Hours: null,
        maxHours: null,
        open: 0,
        openAccounts: [],
      };
      apps.set(id, a);
      durations.set(id, []);
    }
    return a;
  };
  // Every app asked for (all live connections by default) is listed, with zeros where nothing happened.
  for (const id of input.sourceIds ?? live) if (names.has(id)) app(id);
  for (const d of done) {
    app(d.source_id);
    durations.get(d.source_id)!.push(d.duration_ms);
  }
  for (const [id, list] of durations) {
    list.sort((x, y) => x - y);
    const a = apps.get(id)!;
    a.completed = list.length;
    a.medianHours = hours(median(list));
    a.p90Hours = hours(percentile(list, 0.9));
    a.maxHours = hours(list.length ? list[list.length - 1]! : null);
  }
  for (const c of openCounts) app(c.source_id).open = c.n;
  for (const o of openRows) {
    app(o.source_id).openAccounts.push({
      personId: o.person_id,
      personName: o.display_name,
      accountId: o.id,
      userName: o.user_name,
      leftAt: o.left_at,
      hoursOpen: hours(Math.max(0, now.getTime() - Date.parse(o.left_at)))!,
    });
  }
  return { apps: [...apps.values()].sort((a, b) => a.app.localeCompare(b.app)) };
}

/** Median hours from leaving to deprovisioned, over what completed in the last 90 days (all apps). */
export function medianHoursToDeprovision(db: Db, now: Date): number | null {
  const since = new Date(now.getTime() - 90 * 86_400_000).toISOString();
  const list = db
    .prepare<[string], number>('SELECT duration_ms FROM deprovisions WHERE done_at >= ? AND done_at IS NOT NULL')
    .pluck()
    .all(since)
    .sort((a, b) => a - b);
  return hours(median(list));
}

/** The existing getDashboard call, its seat and deprovisioning figures from the analysis. */
export function getDashboard(db: Db, now: Date): CallOutput<'getDashboard'> {
  const openAlerts = { high: 0, medium: 0, low: 0 };
  for (const r of db
    .prepare<[], { severity: 'high' | 'medium' | 'low'; n: number }>(
      `SELECT severity, count(*) AS n FROM alerts WHERE status <> 'resolved' GROUP BY severity`,
    )
    .all())
    openAlerts[r.severity] = r.n;
  const billed = getSeats(db).rows.filter((s) => s.billed);
  const sources = db
    .prepare<[], { kind: string; n: number }>('SELECT kind, count(*) AS n FROM sources WHERE removed_at IS NULL GROUP BY kind')
    .all();
  return {
    openAlerts,
    activeSeats: billed.reduce((n, s) => n + s.active, 0),
    idleSeats: billed.reduce((n, s) => n + s.idle, 0),
    eventsLast24h:
      db
        .prepare<[string], number>('SELECT count(*) FROM events WHERE occurred_at >= ?')
        .pluck()
        .get(new Date(now.getTime() - 24 * HOUR).toISOString()) ?? 0,
    medianHoursToDeprovision: medianHoursToDeprovision(db, now),
    sources: {
      connections: sources.find((s) => s.kind === 'connection')?.n ?? 0,
      directories: sources.find((s) => s.kind === 'directory')?.n ?? 0,
    },
  };
}

export function getAnalysisSummary(db: Db, analyzer: Analyzer, now: Date): CallOutput<'getAnalysisSummary'> {
  const openAlerts = { high: 0, medium: 0, low: 0 };
  for (const r of db
    .prepare<[], { severity: 'high' | 'medium' | 'low'; n: number }>(
      `SELECT severity, count(*) AS n FROM alerts WHERE status <> 'resolved' GROUP BY severity`,
    )
    .all())
    openAlerts[r.severity] = r.n;
  const seats = getSeats(db).rows;
  const since = new Date(now.getTime() - 24 * HOUR).toISOString();
  const people = { active: 0, leaving: 0, gone: 0, flagged: 0 };
  for (const r of db
    .prepare<[], { status: PersonStatus; n: number }>(
      'SELECT status, count(*) AS n FROM people WHERE account_count IS NULL OR account_count > 0 GROUP BY status',
    )
    .all())
    people[r.status] = r.n;
  people.flagged =
    db.prepare<[], number>('SELECT count(*) FROM (SELECT DISTINCT person_id FROM account_state WHERE flag IS NOT NULL)').pluck().get() ?? 0;
  const head = db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck().get() ?? 0;
  return {
    openAlerts,
    seats: {
      active: seats.reduce((n, s) => n + s.active, 0),
      billed: seats.filter((s) => s.billed).reduce((n, s) => n + s.active, 0),
      idle: seats.filter((s) => s.billed).reduce((n, s) => n + s.idle, 0),
    },
    medianHoursToDeprovision: medianHoursToDeprovision(db, now),
    eventsLast24h: db.prepare<[string], number>('SELECT count(*) FROM events WHERE occurred_at >= ?').pluck().get(since) ?? 0,
    people,
    analysisBehind: Math.max(0, head - analyzer.cursor),
  };
}

// -------------------------------------------------------------------------------------------------
// Role maps

function connection(db: Db, sourceId: string): { id: string; app: string | null } {
  const s = db
    .prepare<[string], { id: string; kind: string; app: string | null }>(
      'SELECT id, kind, app FROM sources WHERE id = ? AND removed_at IS NULL',
    )
    .get(sourceId);
  if (!s) throw new NotFoundError(`Source ${sourceId} not found`);
  if (s.kind !== 'connection')
    throw new InvalidInputError(`Source ${sourceId} is a directory; role maps belong to apps (SCIM connections)`, [
      { path: 'sourceId', message: 'not a connection' },
    ]);
  return s;
}

export function getRoleMap(db: Db, sourceId: string): CallOutput<'getRoleMap'> {
  const s = connection(db, sourceId);
  const roles = db
    .prepare<[string], { id: number; name: string; billed: number; privileged: number; seats_purchased: number | null }>(
      'SELECT id, name, billed, privileged, seats_purchased FROM roles WHERE source_id = ? AND removed_at IS NULL ORDER BY name',
    )
    .all(sourceId);
  const mappings = db.prepare<[number], { kind: 'group' | 'attribute'; attribute: string | null; match: string }>(
    'SELECT kind, attribute, match FROM role_mappings WHERE role_id = ? ORDER BY id',
  );
  return {
    sourceId,
    app: s.app,
    roles: roles.map((r) => ({
      id: r.id,
      name: r.name,
      billed: r.billed === 1,
      privileged: r.privileged === 1,
      seatsPurchased: r.seats_purchased,
      mappings: mappings
        .all(r.id)
        .map((m) =>
          m.kind === 'group'
            ? { kind: 'group' as const, group: m.match }
            : { kind: 'attribute' as const, attribute: m.attribute!, value: m.match },
        ),
    })),
  };
}

/**
 * Replaces a connection's role map. Roles keep their ids by name (history and seat series stay
 * attached); a role left out is retired (removed_at), never deleted, so its past grants still
 * name it. The analyzer then derives every account's roles again and writes the role events.
 */
export function setRoleMap(store: Store, analyzer: Analyzer, input: CallParsedInput<'setRoleMap'>, now: string): CallOutput<'setRoleMap'> {
  const db = store.db;
  connection(db, input.sourceId);
  const issues: { path: string; message: string }[] = [];
  input.roles.forEach((r, i) =>
    r.mappings.forEach((m, j) => {
      if (m.kind !== 'attribute') return;
      try {
        parseAttributePath(m.attribute);
      } catch (err) {
        issues.push({ path: `roles.${i}.mappings.${j}.attribute`, message: (err as Error).message });
      }
    }),
  );
  if (issues.length)
    throw new InvalidInputError(`Invalid role map for ${input.sourceId}: ${issues.map((i) => i.message).join('; ')}`, issues);
  store.write(() => {
    const existing = new Map(
      db
        .prepare<[string], { id: number; name: string }>('SELECT id, name FROM roles WHERE source_id = ?')
        .all(input.sourceId)
        .map((r) => [r.name.toLowerCase(), r.id]),
    );
    const kept = new Set<number>();
    const insertMapping = db.prepare('INSERT INTO role_mappings (role_id, kind, attribute, match) VALUES (?, ?, ?, ?)');
    const insertRole = db.prepare('INSERT INTO roles (source_id, name, billed, privileged, seats_purchased) VALUES (?, ?, ?, ?, ?)');
    const updateRole = db.prepare(
      'UPDATE roles SET name = ?, billed = ?, privileged = ?, seats_purchased = ?, removed_at = NULL WHERE id = ?',
    );
    const clearMappings = db.prepare('DELETE FROM role_mappings WHERE role_id = ?');
    const retire = db.prepare('UPDATE roles SET removed_at = coalesce(removed_at, ?) WHERE id = ?');
    const owned = new Set(existing.values());
    const names = new Set<string>();
    const refuse = (message: string): never => {
      throw new InvalidInputError(message, [{ path: 'roles', message }]);
    };
    for (const r of input.roles) {
      const key = r.name.toLowerCase();
      // Two entries for one role would silently become one (the second wins): refused.
      if (names.has(key)) refuse(`The role name "${r.name}" is listed twice (names are compared case-insensitively)`);
      names.add(key);
      if (r.id !== undefined && !owned.has(r.id))
        throw new InvalidInputError(`Role ${r.id} is not a role of ${input.sourceId}`, [
          { path: 'roles', message: `unknown role id ${r.id}` },
        ]);
      const named = existing.get(r.name.toLowerCase());
      if (r.id !== undefined && named !== undefined && named !== r.id)
        throw new InvalidInputError(`Another role of ${input.sourceId} is already called "${r.name}"`, [
          { path: 'roles', message: `name "${r.name}" taken by role ${named}` },
        ]);
      // By id (a rename keeps the role and its history), else by name.
      let id = r.id ?? named;
      if (id !== undefined && kept.has(id)) refuse(`Role ${id} is listed twice (by its id, or by a name it had)`);
      if (id === undefined) {
        id = Number(insertRole.run(input.sourceId, r.name, r.billed ? 1 : 0, r.privileged ? 1 : 0, r.seatsPurchased).lastInsertRowid);
      } else {
        updateRole.run(r.name, r.billed ? 1 : 0, r.privileged ? 1 : 0, r.seatsPurchased, id);
      }
      // The name now belongs to this role (a later entry naming the old name is another role).
      for (const [n, v] of existing) if (v === id) existing.delete(n);
      existing.set(key, id);
      kept.add(id);
      clearMappings.run(id);
      for (const m of r.mappings) {
        if (m.kind === 'group') insertMapping.run(id, 'group', null, m.group);
        else insertMapping.run(id, 'attribute', m.attribute, m.value);
      }
    }
    for (const id of owned) {
      if (kept.has(id)) continue;
      clearMappings.run(id);
      retire.run(now, id);
    }
    analyzer.rolesChanged(input.sourceId);
  });
  return getRoleMap(db, input.sourceId);
}

// -------------------------------------------------------------------------------------------------
// Idle seats (issue #7, Seats page)

/**
 * App accounts still active although their person left every directory (the open deprovisionings),
 * longest idle first, with the roles they hold. A keyset page over `deprovisions_open` (one app) or
 * `deprovisions_open_left` (all apps). `billedOnly` keeps accounts holding a billed role or no mapped
 * role (counted as billed, like the seat series).
 */
export function listIdleSeats(db: Db, input: CallParsedInput<'listIdleSeats'>, now: Date): CallOutput<'listIdleSeats'> {
  const where = ['d.done_at IS NULL', 'd.cancelled_at IS NULL'];
  const params: Record<string, unknown> = { limit: input.limit + 1 };
  if (input.sourceId !== undefined) {
    where.push('d.source_id = @source');
    params.source = input.sourceId;
  }
  const cursor = decode<[string, number]>(input.cursor, ['s', 'n']);
  if (cursor) {
    where.push('(d.left_at > @cLeft OR (d.left_at = @cLeft AND d.id > @cId))');
    params.cLeft = cursor[0];
    params.cId = cursor[1];
  }
  if (input.billedOnly) {
    where.push(
      `(NOT EXISTS (SELECT 1 FROM account_roles ar WHERE ar.source_id = a.source_id AND ar.account_id = a.id)
        OR EXISTS (SELECT 1 FROM account_roles ar JOIN roles r ON r.id = ar.role_id
                    WHERE ar.source_id = a.source_id AND ar.account_id = a.id AND r.billed = 1))`,
    );
  }
  const rows = db
    .prepare<
      Record<string, unknown>,
      {
        id: number;
        source_id: string;
        app: string;
        person_id: number;
        display_name: string | null;
        primary_email: string | null;
        account_id: string;
        user_name: string | null;
        left_at: string;
      }
    >(
      `SELECT d.id, d.source_id, coalesce(s.app, s.name) AS app, d.person_id, p.display_name, p.primary_email, a.id AS account_id,
              a.user_name, d.left_at
         FROM deprovisions d JOIN accounts a ON a.pk = d.account_pk JOIN people p ON p.id = d.person_id JOIN sources s ON s.id = d.source_id
        WHERE ${where.join(' AND ')}
        ORDER BY d.left_at, d.id LIMIT @limit`,
    )
    .all(params);
  const rolesOf = db.prepare<[string, string], { name: string; billed: number }>(
    `SELECT r.name, r.billed FROM account_roles ar JOIN roles r ON r.id = ar.role_id
      WHERE ar.source_id = ? AND ar.account_id = ? ORDER BY r.name`,
  );
  const r = page(rows, input.limit, (last) => encode([last.left_at, last.id]));
  return {
    items: r.items.map((x) => ({
      sourceId: x.source_id,
      app: x.app,
      personId: x.person_id,
      personName: x.display_name,
      personEmail: x.primary_email,
      accountId: x.account_id,
      userName: x.user_name,
      leftAt: x.left_at,
      idleHours: hours(Math.max(0, now.getTime() - Date.parse(x.left_at)))!,
      roles: rolesOf.all(x.source_id, x.account_id).map((role) => ({ name: role.name, billed: role.billed === 1 })),
    })),
    nextCursor: r.nextCursor,
  };
}
