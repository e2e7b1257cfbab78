/**
 * The four compliance reports: their columns (documented in docs/exports.md) and the rows, read
 * from SQLite with `stmt.iterate()` (one row in memory at a time) and encoded as CSV records.
 *
 * Each report means what the screen showing the same thing means: `offboarding` is the
 * `deprovisions` table the deprovisioning stats are computed from, `access-changes` is the audit
 * trail (`audit_events`, as listAuditTrail), `seats` is getSeatSeries itself.
 */
import { getSeatSeries } from '../../analysis/queries';
import type { Db } from '../store/db';
import { ACCESS_CHANGE_TYPES, type ReportName } from '../../../shared/exports-contract';
import { boolCell, numberCell, record, sqlNumber, sqlRecord, sqlText, sqlTime, textCell, timeCell, type Column } from './csv';

export interface ResolvedFilters {
  from: string;
  to: string;
  sourceId?: string;
  personId?: number;
  types?: string[];
}

export interface Report {
  name: ReportName;
  title: string;
  columns: Column[];
  /** CSV records (each ending in CRLF), in the report's order. Runs inside the caller's read transaction. */
  records(db: Db, f: ResolvedFilters): Iterable<string>;
}

const col = (name: string, kind: Column['kind'], doc: string): Column => ({ name, kind, doc });
const n = numberCell;
const t = textCell;
const opt = (v: string | null): string => (v === null ? '' : textCell(v));
const HOUR = 3_600_000;
/** Hours with two decimals, rounded as the deprovisioning stats round them. */
const hours = (ms: number | null): number | null => (ms === null ? null : Math.round((ms / HOUR) * 100) / 100);

function sourceNames(db: Db): Map<string, string> {
  return new Map(
    db
      .prepare<[], { id: string; label: string }>('SELECT id, coalesce(app, name) AS label FROM sources')
      .all()
      .map((s) => [s.id, s.label]),
  );
}

function inList(prefix: string, values: readonly string[], params: Record<string, unknown>): string {
  return values.map((v, i) => ((params[`${prefix}${i}`] = v), `@${prefix}${i}`)).join(', ');
}

/**
 * The WHERE terms (and their parameters) of a report's common filters: the range on `at`, the
 * source on `source`, and `person` — the report's own condition on @person — when a person is given.
 */
function filterTerms(f: ResolvedFilters, at: string, source: string, person: string): { where: string[]; params: Record<string, unknown> } {
  const where = [`${at} >= @from`, `${at} < @to`];
  const params: Record<string, unknown> = { from: f.from, to: f.to };
  if (f.sourceId !== undefined) {
    where.push(`${source} = @source`);
    params.source = f.sourceId;
  }
  if (f.personId !== undefined) {
    where.push(person);
    params.person = f.personId;
  }
  return { where, params };
}

// -------------------------------------------------------------------------------------------------

const eventsReport: Report = {
  name: 'events',
  title: 'Event log',
  columns: [
    col('seq', 'number', 'Position in the append-only log (the hash chain order).'),
    col('occurred_at', 'time', 'When it happened at the source (the IdP’s time where known).'),
    col('observed_at', 'time', 'When Rollcall recorded it.'),
    col('type', 'text', 'user.created, user.updated, user.deactivated, … role.granted, relay.failed.'),
    col('source_id', 'text', 'The connection (app) or directory it came from.'),
    col('source_name', 'text', 'That source’s app name (connections) or name (directories).'),
    col('account_id', 'text', 'The account’s id at the source, when the event concerns one.'),
    col('group_id', 'text', 'The group’s id at the source, when the event concerns one.'),
    col('person_id', 'number', 'The person, on events the analysis wrote (role events); empty otherwise.'),
    col('subject', 'text', 'What the event is about, readable (userName, group name).'),
    col('actor', 'text', 'Who made the change, where the source says.'),
    col('before', 'text', 'State before (JSON), as stored.'),
    col('after', 'text', 'State after (JSON), as stored.'),
    col('exchange_id', 'number', 'The SCIM exchange it came from (request log), if any.'),
    col('prev_hash', 'text', 'Hash of the previous event (SHA-256, hex).'),
    col('hash', 'text', 'This event’s hash: SHA-256 over prev_hash and its content.'),
  ],
  *records(db, f) {
    // A person's events are their accounts' (as the timeline's listEvents): account_events.
    const { where, params } = filterTerms(
      f,
      'e.occurred_at',
      'e.source_id',
      'e.seq IN (SELECT ae.seq FROM account_events ae WHERE ae.account_pk IN (SELECT pk FROM accounts WHERE person_id = @person))',
    );
    if (f.types) where.push(`e.type IN (${inList('type', f.types, params)})`);
    const line = sqlRecord([
      sqlNumber('e.seq'),
      sqlTime('e.occurred_at'),
      sqlTime('e.observed_at'),
      sqlText('e.type'),
      sqlText('e.source_id'),
      sqlText('coalesce(s.app, s.name)'),
      sqlText('e.account_id'),
      sqlText('e.group_id'),
      sqlNumber('e.person_id'),
      sqlText('e.subject'),
      sqlText('e.actor'),
      sqlText('e.before'),
      sqlText('e.after'),
      sqlNumber('e.exchange_id'),
      sqlText('e.prev_hash'),
      sqlText('e.hash'),
    ]);
    // By the occurred_at index: the rows come in its order, nothing is sorted or held.
    yield* db
      .prepare<Record<string, unknown>, string>(
        `SELECT ${line} FROM events e LEFT JOIN sources s ON s.id = e.source_id WHERE ${where.join(' AND ')} ORDER BY e.occurred_at, e.seq`,
      )
      .pluck()
      .iterate(params);
  },
};

// -------------------------------------------------------------------------------------------------

const offboardingReport: Report = {
  name: 'offboarding',
  title: 'Offboarding evidence',
  columns: [
    col('person_id', 'number', 'The person who left.'),
    col('person_name', 'text', 'Their display name.'),
    col('person_email', 'text', 'Their primary email.'),
    col('left_at', 'time', 'When they stopped being active in every directory (directory deactivation time).'),
    col('directory_event_seq', 'number', 'Evidence: the directory event (user.deactivated / user.deleted) that made them leave.'),
    col('app', 'text', 'The app whose account had to go.'),
    col('source_id', 'text', 'That app’s connection id.'),
    col('account_id', 'text', 'The app account’s id.'),
    col('user_name', 'text', 'The app account’s userName.'),
    col(
      'status',
      'text',
      'done (deprovisioned), failed (a relayed deprovisioning was refused and it is still active), pending, or cancelled (they came back first).',
    ),
    col('deprovisioned_at', 'time', 'When the app account was deactivated or deleted (done only).'),
    col('hours_to_deprovision', 'number', 'Hours from left_at to deprovisioned_at, two decimals (done only).'),
    col('app_event_seq', 'number', 'Evidence: the app event that deprovisioned it (done), or the relay.failed event (failed).'),
    col('cancelled_at', 'time', 'When the person became active again before the account went (cancelled only).'),
  ],
  *records(db, f) {
    const { where, params } = filterTerms(f, 'd.left_at', 'd.source_id', 'd.person_id = @person');
    const names = sourceNames(db);
    // Failed deprovisionings: the relay's alerts, keyed by connection and account (few; read once).
    const failed = new Map<string, { opened: string; seq: number | null }[]>();
    for (const a of db
      .prepare<[], { key: string; opened_at: string; seq: number | null }>(
        `SELECT a.dedupe_key AS key, a.opened_at, (SELECT min(ev.event_seq) FROM alert_evidence ev WHERE ev.alert_id = a.id) AS seq
           FROM alerts a WHERE a.rule = 'deprovision_failed' ORDER BY a.opened_at`,
      )
      .all()) {
      const list = failed.get(a.key) ?? [];
      list.push({ opened: a.opened_at, seq: a.seq });
      failed.set(a.key, list);
    }
    const directoryEvent = db
      .prepare<[number, string], number>(
        `SELECT e.seq FROM accounts a JOIN sources s ON s.id = a.source_id AND s.kind = 'directory'
           JOIN account_events ae ON ae.account_pk = a.pk JOIN events e ON e.seq = ae.seq
          WHERE a.person_id = ? AND e.type IN ('user.deactivated', 'user.deleted') AND e.occurred_at <= ?
          ORDER BY e.occurred_at DESC, e.seq DESC LIMIT 1`,
      )
      .pluck();
    const appEvent = db
      .prepare<[number, string], number>(
        `SELECT e.seq FROM account_events ae JOIN events e ON e.seq = ae.seq
          WHERE ae.account_pk = ? AND e.type IN ('user.deactivated', 'user.deleted') AND e.occurred_at <= ?
          ORDER BY e.occurred_at DESC, e.seq DESC LIMIT 1`,
      )
      .pluck();
    const rows = db.prepare<
      Record<string, unknown>,
      {
        person_id: number;
        display_name: string | null;
        primary_email: string | null;
        left_at: string;
        source_id: string;
        account_pk: number;
        account_id: string;
        user_name: string | null;
        done_at: string | null;
        duration_ms: number | null;
        cancelled_at: string | null;
      }
    >(
      `SELECT d.person_id, p.display_name, p.primary_email, d.left_at, d.source_id, d.account_pk, a.id AS account_id, a.user_name,
                d.done_at, d.duration_ms, d.cancelled_at
           FROM deprovisions d JOIN accounts a ON a.pk = d.account_pk JOIN people p ON p.id = d.person_id
          WHERE ${where.join(' AND ')} ORDER BY d.left_at, d.person_id, d.id`,
    );
    // Rows of one person come together (ordered by left_at, person): their directory evidence once.
    let lastPerson = -1;
    let lastLeft = '';
    let dirSeq: number | null = null;
    for (const r of rows.iterate(params)) {
      if (r.person_id !== lastPerson || r.left_at !== lastLeft) {
        dirSeq = directoryEvent.get(r.person_id, r.left_at) ?? null;
        lastPerson = r.person_id;
        lastLeft = r.left_at;
      }
      let status: 'done' | 'failed' | 'pending' | 'cancelled';
      let appSeq: number | null = null;
      if (r.done_at !== null) {
        status = 'done';
        appSeq = appEvent.get(r.account_pk, r.done_at) ?? null;
      } else if (r.cancelled_at !== null) status = 'cancelled';
      else {
        const failure = failed.get(`deprovision_failed:${r.source_id}:${r.account_id}`)?.find((x) => x.opened >= r.left_at);
        status = failure ? 'failed' : 'pending';
        appSeq = failure?.seq ?? null;
      }
      yield record([
        n(r.person_id),
        opt(r.display_name),
        opt(r.primary_email),
        timeCell(r.left_at),
        n(dirSeq),
        opt(names.get(r.source_id) ?? null),
        t(r.source_id),
        t(r.account_id),
        opt(r.user_name),
        status,
        timeCell(r.done_at),
        n(r.done_at !== null ? hours(r.duration_ms) : null),
        n(appSeq),
        timeCell(r.cancelled_at),
      ]);
    }
  },
};

// -------------------------------------------------------------------------------------------------

const accessChangesReport: Report = {
  name: 'access-changes',
  title: 'Access changes (roles and groups)',
  columns: [
    col('at', 'time', 'When the change happened at the source.'),
    col('seq', 'number', 'The event’s position in the log.'),
    col('type', 'text', 'role.granted, role.revoked, group.member_added or group.member_removed.'),
    col('change', 'text', 'grant or revoke.'),
    col('app', 'text', 'The app (or directory) the change happened in.'),
    col('source_id', 'text', 'Its source id.'),
    col('account_id', 'text', 'The account whose access changed.'),
    col('subject', 'text', 'That account, readable (userName).'),
    col('person_id', 'number', 'The person the account belongs to (now).'),
    col('person_name', 'text', 'Their display name.'),
    col('role', 'text', 'The role granted or revoked (role events).'),
    col('group_id', 'text', 'The group joined or left (group events).'),
    col('group_name', 'text', 'That group’s name.'),
    col('before', 'text', 'Before (JSON): the account’s roles, or the membership.'),
    col('after', 'text', 'After (JSON).'),
    col('actor', 'text', 'Who made the change, where the source says.'),
    col('exchange_id', 'number', 'The SCIM exchange it came from (the cause), if any.'),
  ],
  *records(db, f) {
    const { where, params } = filterTerms(f, 'x.at', 'x.source_id', 'x.account_pk IN (SELECT pk FROM accounts WHERE person_id = @person)');
    where.push(`x.type IN (${inList('type', f.types ?? ACCESS_CHANGE_TYPES, params)})`);
    const role = `(CASE WHEN x.type IN ('role.granted', 'role.revoked') THEN coalesce(json_extract(e.after, '$.role'), json_extract(e.before, '$.role')) END)`;
    const change = `(CASE WHEN x.type IN ('role.granted', 'group.member_added') THEN 'grant' WHEN x.type IN ('role.revoked', 'group.member_removed') THEN 'revoke' ELSE '' END)`;
    const line = sqlRecord([
      sqlTime('x.at'),
      sqlNumber('x.seq'),
      sqlText('x.type'),
      change,
      sqlText('coalesce(s.app, s.name)'),
      sqlText('x.source_id'),
      sqlText('e.account_id'),
      sqlText('e.subject'),
      sqlNumber('a.person_id'),
      sqlText('p.display_name'),
      sqlText(role),
      sqlText('e.group_id'),
      sqlText('g.display_name'),
      sqlText('e.before'),
      sqlText('e.after'),
      sqlText('e.actor'),
      sqlNumber('e.exchange_id'),
    ]);
    // audit_events is its own index on (at, seq): rows come in order, each joined by primary keys.
    yield* db
      .prepare<Record<string, unknown>, string>(
        `SELECT ${line} FROM audit_events x JOIN events e ON e.seq = x.seq LEFT JOIN sources s ON s.id = x.source_id
           LEFT JOIN accounts a ON a.pk = x.account_pk LEFT JOIN people p ON p.id = a.person_id LEFT JOIN groups g ON g.pk = x.group_pk
          WHERE ${where.join(' AND ')} ORDER BY x.at, x.seq`,
      )
      .pluck()
      .iterate(params);
  },
};

// -------------------------------------------------------------------------------------------------

const DAY = 86_400_000;

const seatsReport: Report = {
  name: 'seats',
  title: 'Seats per day, app and role',
  columns: [
    col('day', 'text', 'UTC day (YYYY-MM-DD), the seats held at its end.'),
    col('app', 'text', 'The app.'),
    col('source_id', 'text', 'Its connection id.'),
    col('role', 'text', 'The role (empty: accounts no role mapping covers).'),
    col('role_billed', 'bool', 'true when the role is a paid seat.'),
    col('active', 'number', 'Active accounts holding the role that day.'),
    col('billed', 'number', 'Billed seats in use: active when role_billed, else 0.'),
    col('purchased', 'number', 'Seats purchased for the role (empty: not set).'),
    col('idle', 'number', 'Active accounts of people who left every directory (seats to reclaim).'),
  ],
  *records(db, f) {
    // The days the range touches: from's day through the day of the last instant before `to`.
    const firstDay = f.from.slice(0, 10);
    const lastDay = new Date(Date.parse(f.to) - 1).toISOString().slice(0, 10);
    if (lastDay < firstDay) return;
    if (Date.parse(lastDay) - Date.parse(firstDay) > 3660 * DAY) throw new RangeError('The seats report covers at most ten years at once');
    const series = getSeatSeries(db, { from: firstDay, to: lastDay, sourceIds: f.sourceId === undefined ? undefined : [f.sourceId] });
    for (let i = 0; i < series.days.length; i++) {
      const day = series.days[i]!;
      for (const s of series.series) {
        const active = s.active[i]!;
        yield record([
          day,
          t(s.app),
          t(s.sourceId),
          opt(s.role),
          boolCell(s.billed),
          n(active),
          n(s.billed ? active : 0),
          n(s.purchased),
          n(s.idle[i]!),
        ]);
      }
    }
  },
};

export const reports: Record<ReportName, Report> = {
  events: eventsReport,
  offboarding: offboardingReport,
  'access-changes': accessChangesReport,
  seats: seatsReport,
};
