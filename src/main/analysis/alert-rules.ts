/**
 * The alert rules (SPEC "Alerts", issue #6), as Analyzer rules: evaluated incrementally inside the
 * analyzer's transaction when events and state change (`onBatch`), and on the analyzer's timer for
 * what expires without any new event (`tick`: an SLA, a silent source, a sign-in that gets old).
 *
 * Every alert has one dedupe key per rule, person and app (or source), so a condition seen again
 * adds evidence to the open alert instead of opening another; every rule resolves its alerts
 * automatically when the condition clears (the alert keeps how long it was open); each rule has
 * its own settings (src/shared/contract.ts `alertSettingsSchema`), read once per batch or tick.
 *
 * Two rules live in the relay instead (src/main/relay/relay.ts): *deprovision failed* and
 * *upstream credentials rejected* are raised by the exchange that shows them, in its transaction.
 * This module links their alerts to the person once the analyzer knows who the account belongs to.
 *
 * Cost: batch work is bounded by what the batch touched (its events, accounts and people); tick
 * work reads open deprovisionings, open alerts and the sources, plus one bounded page of people for
 * the inactive-seat walk — never a scan of events or of all accounts.
 */
import { ALERT_RULES, type AlertSettings } from '../../shared/contract';
import { raiseAlert, readAlertSettings, resolveAlert } from '../core/alerts';
import type { Db } from '../core/store/db';
import { parseStored } from '../directories/registry';
import type { AnalysisRule } from './analyzer';

const HOUR = 3_600_000;
/** People each walk (orphaned accounts, inactive seats) looks at per tick: a full pass over 100,000 people takes 100 ticks. */
export const PEOPLE_PAGE = 1_000;
/** Newly overdue deprovisionings the offboarding-gap tick raises alerts for per tick, at most. */
export const GAP_PAGE = 500;

const key = (rule: string, ...parts: (string | number | null)[]): string => [rule, ...parts.map((p) => p ?? '-')].join(':');

function statements(db: Db) {
  return {
    person: db.prepare<
      [number],
      {
        id: number;
        display_name: string | null;
        primary_email: string | null;
        status: string;
        directory_accounts: number;
        directory_active: number;
        left_at: string | null;
      }
    >('SELECT id, display_name, primary_email, status, directory_accounts, directory_active, left_at FROM people WHERE id = ?'),
    source: db.prepare<[string], { id: string; kind: string; name: string; app: string | null }>(
      'SELECT id, kind, name, app FROM sources WHERE id = ?',
    ),
    stateOf: db.prepare<[string, string], { account_pk: number; person_id: number | null; live: number; kind: string }>(
      `SELECT s.account_pk, s.person_id, s.live, s.kind FROM accounts a JOIN account_state s ON s.account_pk = a.pk
        WHERE a.source_id = ? AND a.id = ?`,
    ),
    statePk: db.prepare<[number], { account_pk: number; source_id: string; person_id: number | null; live: number; kind: string }>(
      'SELECT account_pk, source_id, person_id, live, kind FROM account_state WHERE account_pk = ?',
    ),
    personApps: db.prepare<[number], { account_pk: number; source_id: string; live: number }>(
      "SELECT account_pk, source_id, live FROM account_state WHERE person_id = ? AND kind = 'connection'",
    ),
    openForPerson: db.prepare<[number, string], { id: number; dedupe_key: string; source_id: string | null; details: string }>(
      "SELECT id, dedupe_key, source_id, details FROM alerts WHERE person_id = ? AND rule = ? AND status <> 'resolved'",
    ),
    openOfRule: db.prepare<
      [string],
      { id: number; dedupe_key: string; person_id: number | null; source_id: string | null; details: string }
    >("SELECT id, dedupe_key, person_id, source_id, details FROM alerts WHERE rule = ? AND status <> 'resolved'"),
    isOpen: db.prepare<[string], number>("SELECT 1 FROM alerts WHERE dedupe_key = ? AND status <> 'resolved'").pluck(),
    anyDirectorySynced: db
      .prepare<[], number>(
        `SELECT 1 FROM directory_syncs d JOIN sources s ON s.id = d.source_id
          WHERE d.status = 'ok' AND s.removed_at IS NULL LIMIT 1`,
      )
      .pluck(),
    // Through deprovisions_open_left (0005): the open ones whose person left in (after, due].
    // Through deprovisions_open_left (0005), in (left_at, id) order from a marker: the open ones whose
    // person left in (marker, due], a page at a time.
    newlyOverdue: db.prepare<
      { left: string; id: number; due: string; limit: number },
      { id: number; person_id: number; source_id: string; left_at: string }
    >(
      `SELECT id, person_id, source_id, left_at FROM deprovisions
        WHERE done_at IS NULL AND cancelled_at IS NULL AND left_at <= @due
          AND (left_at > @left OR (left_at = @left AND id > @id))
        ORDER BY left_at, id LIMIT @limit`,
    ),
    personOverdueGaps: db.prepare<[number, string], { person_id: number; source_id: string; left_at: string; n: number }>(
      `SELECT person_id, source_id, min(left_at) AS left_at, count(*) AS n FROM deprovisions
        WHERE person_id = ? AND done_at IS NULL AND cancelled_at IS NULL AND left_at <= ?
        GROUP BY person_id, source_id`,
    ),
    openGapFor: db
      .prepare<[number, string], number>(
        'SELECT 1 FROM deprovisions WHERE person_id = ? AND source_id = ? AND done_at IS NULL AND cancelled_at IS NULL LIMIT 1',
      )
      .pluck(),
    leaveEvidence: db
      .prepare<[number], number>(
        `SELECT max(e.seq) FROM account_state d JOIN account_events ae ON ae.account_pk = d.account_pk JOIN events e ON e.seq = ae.seq
        WHERE d.person_id = ? AND d.kind = 'directory' AND e.type IN ('user.deactivated', 'user.deleted')`,
      )
      .pluck(),
    connections: db.prepare<[], { id: string; name: string; app: string | null; created_at: string; paused: number }>(
      "SELECT id, name, app, created_at, paused FROM sources WHERE kind = 'connection' AND removed_at IS NULL",
    ),
    directories: db.prepare<[], { id: string; name: string; config: string; created_at: string; paused: number }>(
      "SELECT id, name, config, created_at, paused FROM sources WHERE kind = 'directory' AND removed_at IS NULL",
    ),
    lastRequest: db
      .prepare<[string], string | null>('SELECT max(received_at) FROM scim_exchanges WHERE connection_id = ? AND authorized = 1')
      .pluck(),
    lastSync: db
      .prepare<[string], string | null>("SELECT max(finished_at) FROM directory_syncs WHERE source_id = ? AND status = 'ok'")
      .pluck(),
    maxSeq: db.prepare<[], number | null>('SELECT max(seq) FROM events').pluck(),
    observedAt: db.prepare<[number], string>('SELECT observed_at FROM events WHERE seq = ?').pluck(),
    // Through events_type (type, seq): only the window's deactivations and deletions are read.
    deprovisionsBetween: db.prepare<[number, number], { seq: number; source_id: string; observed_at: string }>(
      `SELECT seq, source_id, observed_at FROM events INDEXED BY events_type
        WHERE type IN ('user.deactivated', 'user.deleted') AND seq >= ? AND seq < ? ORDER BY seq`,
    ),
    roleBilled: db.prepare<[number], number>('SELECT billed FROM roles WHERE id = ?').pluck(),
    peoplePage: db.prepare<[number, number], number>('SELECT id FROM people WHERE id > ? ORDER BY id LIMIT ?').pluck(),
    seatsOfPeople: db.prepare<[number, number], { person_id: number; source_id: string; seat_roles: string; last_sign_in: string | null }>(
      `SELECT s.person_id, s.source_id, s.seat_roles,
              (SELECT max(a.last_sign_in_at) FROM account_state d JOIN accounts a ON a.pk = d.account_pk
                WHERE d.person_id = s.person_id AND d.kind = 'directory') AS last_sign_in
         FROM account_state s
        WHERE s.person_id > ? AND s.person_id <= ? AND s.kind = 'connection' AND s.live = 1 AND s.seat_roles <> '[]'`,
    ),
    openInRange: db.prepare<[string, number, number], { dedupe_key: string; person_id: number; source_id: string }>(
      `SELECT dedupe_key, person_id, source_id FROM alerts
        WHERE rule = ? AND status <> 'resolved' AND person_id > ? AND person_id <= ?`,
    ),
    orphansInRange: db.prepare<[number, number], { person_id: number; source_id: string; n: number }>(
      `SELECT s.person_id, s.source_id, count(*) AS n FROM account_state s JOIN people p ON p.id = s.person_id
        WHERE s.person_id > ? AND s.person_id <= ? AND s.kind = 'connection' AND s.live = 1 AND p.directory_accounts = 0
        GROUP BY s.person_id, s.source_id`,
    ),
    meta: db.prepare<[string], string>('SELECT value FROM analysis_meta WHERE key = ?').pluck(),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO analysis_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    linkRelayAlerts: db.prepare(
      `UPDATE alerts SET person_id = (SELECT a.person_id FROM accounts a
                                       WHERE a.source_id = alerts.source_id AND a.id = json_extract(alerts.details, '$.accountId'))
        WHERE rule = 'deprovision_failed' AND person_id IS NULL AND status <> 'resolved'`,
    ),
  };
}
type Statements = ReturnType<typeof statements>;

const cache = new WeakMap<Db, Statements>();
function stmts(db: Db): Statements {
  let s = cache.get(db);
  if (!s) cache.set(db, (s = statements(db)));
  return s;
}

function personLabel(s: Statements, id: number | null): string {
  if (id === null) return 'Someone';
  const p = s.person.get(id);
  return p?.display_name ?? p?.primary_email ?? `Person ${id}`;
}

function appLabel(s: Statements, sourceId: string): string {
  const src = s.source.get(sourceId);
  return src?.app ?? src?.name ?? sourceId;
}

const hoursBetween = (from: string, to: Date): number => Math.round(((to.getTime() - Date.parse(from)) / HOUR) * 10) / 10;

// ---------------------------------------------------------------------------------------------

/** Offboarding gap: gone from every directory, an app account still active past the SLA. */
function offboardingGap(): AnalysisRule {
  const rule = ALERT_RULES.offboardingGap;
  const open = (
    db: Db,
    now: Date,
    settings: AlertSettings['offboardingGap'],
    rows: { person_id: number; source_id: string; left_at: string; n: number }[],
  ) => {
    const s = stmts(db);
    for (const r of rows) {
      const k = key(rule, r.person_id, r.source_id);
      if (s.isOpen.get(k) !== undefined) continue;
      const evidence = s.leaveEvidence.get(r.person_id);
      raiseAlert(db, {
        rule,
        severity: settings.severity,
        dedupeKey: k,
        title: `${personLabel(s, r.person_id)} left ${hoursBetween(r.left_at, now)} h ago and is still active in ${appLabel(s, r.source_id)}`,
        personId: r.person_id,
        sourceId: r.source_id,
        details: { leftAt: r.left_at, accounts: r.n, slaHours: settings.slaHours },
        evidence: typeof evidence === 'number' ? [evidence] : [],
        at: now.toISOString(),
      });
    }
  };
  return {
    name: rule,
    onBatch(ctx) {
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).offboardingGap;
      const due = new Date(ctx.now.getTime() - settings.slaHours * HOUR).toISOString();
      for (const person of ctx.people) {
        // Cleared: every app account of theirs in that app was deprovisioned (or they came back).
        for (const a of s.openForPerson.all(person, rule)) {
          if (a.source_id === null || s.openGapFor.get(person, a.source_id) === undefined)
            resolveAlert(ctx.db, a.dedupe_key, ctx.now.toISOString());
        }
        if (settings.enabled) open(ctx.db, ctx.now, settings, s.personOverdueGaps.all(person, due));
      }
    },
    tick(ctx) {
      // Only the deprovisionings that crossed the SLA since the last tick (an index range on
      // left_at): a tick costs what became overdue, not every open deprovisioning. Alerts are
      // resolved by onBatch, since a deprovisioning only closes when the analyzer sees its account go.
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).offboardingGap;
      const due = new Date(ctx.now.getTime() - settings.slaHours * HOUR).toISOString();
      const markerKey = `gap_due:${settings.slaHours}`;
      let marker = { left: '', id: 0 };
      try {
        marker = { ...marker, ...(JSON.parse(s.meta.get(markerKey) ?? '{}') as Partial<typeof marker>) };
      } catch {
        // an older marker: start over (raising is idempotent)
      }
      // A disabled rule keeps its place: turned on again, it raises what became overdue meanwhile.
      if (!settings.enabled) return;
      // A page per tick: after an import with thousands overdue at once, the thread (and the write
      // lock) are held for a page, and the rest follows on the next ticks.
      const rows = s.newlyOverdue.all({ ...marker, due, limit: GAP_PAGE });
      const groups = new Map<string, { person_id: number; source_id: string; left_at: string; n: number }>();
      for (const r of rows) {
        const k = `${r.person_id}:${r.source_id}`;
        const g = groups.get(k);
        if (g) g.n++;
        else groups.set(k, { person_id: r.person_id, source_id: r.source_id, left_at: r.left_at, n: 1 });
      }
      open(ctx.db, ctx.now, settings, [...groups.values()]);
      const last = rows[rows.length - 1];
      const next =
        rows.length < GAP_PAGE || last === undefined ? { left: due, id: Number.MAX_SAFE_INTEGER } : { left: last.left_at, id: last.id };
      s.setMeta.run(markerKey, JSON.stringify(next));
    },
  };
}

/**
 * Orphaned account: an active app account whose person has no account in any directory. Evaluated
 * for the people a batch touched, and by a walk over all people (one page per tick) so that app
 * accounts already there are judged once the first directory has been read.
 */
function orphanedAccount(): AnalysisRule {
  const rule = ALERT_RULES.orphanedAccount;
  const raise = (db: Db, settings: AlertSettings['orphanedAccount'], personId: number, sourceId: string, n: number, at: string) => {
    const s = stmts(db);
    const k = key(rule, personId, sourceId);
    if (s.isOpen.get(k) !== undefined) return;
    raiseAlert(db, {
      rule,
      severity: settings.severity,
      dedupeKey: k,
      title: `${personLabel(s, personId)} has an active ${appLabel(s, sourceId)} account but no account in any directory`,
      personId,
      sourceId,
      details: { accounts: n },
      at,
    });
  };
  return {
    name: rule,
    onBatch(ctx) {
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).orphanedAccount;
      // Until a directory has been read, every app account would look orphaned.
      const directoryKnown = s.anyDirectorySynced.get() !== undefined;
      const people = new Set(ctx.people);
      for (const pk of ctx.accounts) {
        const st = s.statePk.get(pk);
        if (st?.kind === 'connection' && st.person_id !== null) people.add(st.person_id);
      }
      const at = ctx.now.toISOString();
      for (const id of people) {
        const p = s.person.get(id);
        if (!p) continue;
        const bySource = new Map<string, number>();
        for (const a of s.personApps.all(id)) if (a.live === 1) bySource.set(a.source_id, (bySource.get(a.source_id) ?? 0) + 1);
        for (const a of s.openForPerson.all(id, rule)) {
          if (p.directory_accounts > 0 || a.source_id === null || !bySource.has(a.source_id)) resolveAlert(ctx.db, a.dedupe_key, at);
        }
        if (!settings.enabled || !directoryKnown || p.directory_accounts > 0) continue;
        for (const [sourceId, n] of bySource) raise(ctx.db, settings, id, sourceId, n, at);
      }
    },
    tick(ctx) {
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).orphanedAccount;
      const { after, upTo, last } = walkPage(s, 'orphan_after');
      if (upTo === after) return;
      const at = ctx.now.toISOString();
      const found = new Set<string>();
      if (settings.enabled && s.anyDirectorySynced.get() !== undefined) {
        for (const r of s.orphansInRange.all(after, upTo)) {
          found.add(key(rule, r.person_id, r.source_id));
          raise(ctx.db, settings, r.person_id, r.source_id, r.n, at);
        }
      }
      for (const a of s.openInRange.all(rule, after, upTo)) if (!found.has(a.dedupe_key)) resolveAlert(ctx.db, a.dedupe_key, at);
      s.setMeta.run('orphan_after', String(last ? 0 : upTo));
    },
  };
}

/** The next page of the people walk called `name`: ids in (after, upTo]; `last` when the walk ends with it. */
function walkPage(s: Statements, name: string): { after: number; upTo: number; last: boolean } {
  const after = Number(s.meta.get(name) ?? 0);
  const page = s.peoplePage.all(after, PEOPLE_PAGE);
  return { after, upTo: page.length ? page[page.length - 1]! : after, last: page.length < PEOPLE_PAGE };
}

/** Reactivation: an app account reactivated while its person is not active in any directory. */
function reactivation(): AnalysisRule {
  const rule = ALERT_RULES.reactivation;
  return {
    name: rule,
    onBatch(ctx) {
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).reactivation;
      const at = ctx.now.toISOString();
      for (const person of ctx.people) {
        const p = s.person.get(person);
        const live = new Set(
          s.personApps
            .all(person)
            .filter((a) => a.live === 1)
            .map((a) => a.source_id),
        );
        for (const a of s.openForPerson.all(person, rule)) {
          if (!p || p.directory_active > 0 || a.source_id === null || !live.has(a.source_id)) resolveAlert(ctx.db, a.dedupe_key, at);
        }
      }
      if (!settings.enabled) return;
      for (const e of ctx.events) {
        if (e.type !== 'user.reactivated' || e.account_id === null) continue;
        const st = s.stateOf.get(e.source_id, e.account_id);
        if (!st || st.kind !== 'connection' || st.person_id === null || st.live !== 1) continue;
        const p = s.person.get(st.person_id);
        if (!p || p.directory_accounts === 0 || p.directory_active > 0) continue;
        raiseAlert(ctx.db, {
          rule,
          severity: settings.severity,
          dedupeKey: key(rule, st.person_id, e.source_id),
          title: `${personLabel(s, st.person_id)} was reactivated in ${appLabel(s, e.source_id)} after leaving every directory`,
          personId: st.person_id,
          sourceId: e.source_id,
          details: { accountId: e.account_id, leftAt: p.left_at, actor: e.actor },
          evidence: [e.seq],
          at,
        });
      }
    },
  };
}

/** Privileged role granted: a role flagged privileged; resolved when it is revoked. */
function privilegedRoleGranted(): AnalysisRule {
  const rule = ALERT_RULES.privilegedRoleGranted;
  return {
    name: rule,
    onBatch(ctx) {
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).privilegedRoleGranted;
      const at = ctx.now.toISOString();
      for (const e of ctx.events) {
        if (e.type !== 'role.granted' && e.type !== 'role.revoked') continue;
        const side = JSON.parse((e.type === 'role.granted' ? e.after : e.before) ?? '{}') as {
          role?: string;
          roleId?: number;
          privileged?: boolean;
        };
        if (side.roleId === undefined) continue;
        const person = e.person_id ?? (e.account_id ? (s.stateOf.get(e.source_id, e.account_id)?.person_id ?? null) : null);
        const k = key(rule, person, e.source_id, e.account_id, side.roleId);
        if (e.type === 'role.revoked') {
          resolveAlert(ctx.db, k, at);
          continue;
        }
        if (!settings.enabled || !side.privileged) continue;
        raiseAlert(ctx.db, {
          rule,
          severity: settings.severity,
          dedupeKey: k,
          title: `${personLabel(s, person)} was granted the privileged role ${side.role ?? side.roleId} in ${appLabel(s, e.source_id)}`,
          personId: person,
          sourceId: e.source_id,
          details: { accountId: e.account_id, role: side.role, roleId: side.roleId, actor: e.actor },
          evidence: [e.seq],
          at,
        });
      }
    },
  };
}

/** Silent source: no SCIM traffic to a connection, or no successful sync of a directory, for too long. */
function silentSource(): AnalysisRule {
  const rule = ALERT_RULES.silentSource;
  return {
    name: rule,
    tick(ctx) {
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).silentSource;
      const at = ctx.now.toISOString();
      const judge = (id: string, since: string, limitMs: number, paused: boolean, title: string, details: Record<string, unknown>) => {
        const k = key(rule, id);
        const silent = !paused && ctx.now.getTime() - Date.parse(since) > limitMs;
        if (!silent) {
          resolveAlert(ctx.db, k, at);
          return;
        }
        if (!settings.enabled) return;
        raiseAlert(ctx.db, { rule, severity: settings.severity, dedupeKey: k, title, sourceId: id, details, at, refresh: true });
      };
      for (const c of s.connections.all()) {
        const last = s.lastRequest.get(c.id) ?? null;
        const since = last ?? c.created_at;
        judge(
          c.id,
          since,
          settings.connectionQuietHours * HOUR,
          c.paused === 1,
          last
            ? `No SCIM request to ${c.app ?? c.name} for ${hoursBetween(since, ctx.now)} h`
            : `${c.app ?? c.name} has had no SCIM request since it was added ${hoursBetween(since, ctx.now)} h ago`,
          { lastRequestAt: last, quietHours: settings.connectionQuietHours },
        );
      }
      for (const d of s.directories.all()) {
        const last = s.lastSync.get(d.id) ?? null;
        const since = last ?? d.created_at;
        const interval = parseStored(d.config).intervalMinutes;
        judge(
          d.id,
          since,
          interval * 60_000 * settings.directoryMissedSyncs,
          d.paused === 1,
          last ? `${d.name} has not synced successfully for ${hoursBetween(since, ctx.now)} h` : `${d.name} has never synced successfully`,
          { lastSyncAt: last, intervalMinutes: interval, missedSyncs: settings.directoryMissedSyncs },
        );
      }
    },
  };
}

/**
 * The first event seq observed at or after `at` (events are appended in time order, so observed_at
 * grows with seq): a binary search of primary-key lookups, not a scan.
 */
function firstSeqSince(s: Statements, at: string): number {
  let lo = 1;
  let hi = (s.maxSeq.get() ?? 0) + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const observed = s.observedAt.get(mid);
    // A gap in seq (none expected) is treated as "before": the search still ends.
    if (observed === undefined || observed < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Mass deprovisioning: more than N deactivations/deletions from one source within a window.
 *
 * Counted incrementally: a sliding window per source of the deprovisioning events the analyzer has
 * consumed (it consumes each event once, in order), seeded once from the database — the window's
 * deprovisioning events through the events_type index — so a restart does not forget a burst. A
 * batch costs its own events; re-counting the window from the log on every batch would cost the
 * whole window each time (seconds during a burst).
 */
function massDeprovisioning(): AnalysisRule {
  const rule = ALERT_RULES.massDeprovisioning;
  const windows = new Map<string, { t: number; seq: number }[]>();
  let seeded: { db: Db; windowMinutes: number } | null = null;
  const isDeprovision = (type: string): boolean => type === 'user.deactivated' || type === 'user.deleted';

  const prune = (now: Date, windowMinutes: number): void => {
    const start = now.getTime() - windowMinutes * 60_000;
    for (const [source, list] of windows) {
      let i = 0;
      while (i < list.length && list[i]!.t < start) i++;
      if (i === list.length) windows.delete(source);
      else if (i > 0) list.splice(0, i);
    }
  };
  const add = (source: string, t: number, seq: number): void => {
    let list = windows.get(source);
    if (!list) windows.set(source, (list = []));
    list.push({ t, seq });
  };
  /** The window's deprovisioning events already in the log before `beforeSeq` (once per database and window size). */
  const seed = (db: Db, now: Date, windowMinutes: number, beforeSeq: number): void => {
    if (seeded && seeded.db === db && seeded.windowMinutes === windowMinutes) return;
    windows.clear();
    const s = stmts(db);
    const fromSeq = firstSeqSince(s, new Date(now.getTime() - windowMinutes * 60_000).toISOString());
    for (const e of s.deprovisionsBetween.iterate(fromSeq, beforeSeq)) add(e.source_id, Date.parse(e.observed_at), e.seq);
    seeded = { db, windowMinutes };
  };

  return {
    name: rule,
    onBatch(ctx) {
      const settings = readAlertSettings(ctx.store).massDeprovisioning;
      const first = ctx.events[0];
      if (first === undefined) return;
      seed(ctx.db, ctx.now, settings.windowMinutes, first.seq);
      const touched = new Set<string>();
      for (const e of ctx.events) {
        if (!isDeprovision(e.type)) continue;
        add(e.source_id, Date.parse(e.observed_at), e.seq);
        touched.add(e.source_id);
      }
      if (touched.size === 0) return;
      prune(ctx.now, settings.windowMinutes);
      if (!settings.enabled) return;
      const s = stmts(ctx.db);
      for (const sourceId of touched) {
        const list = windows.get(sourceId) ?? [];
        if (list.length <= settings.threshold) continue;
        raiseAlert(ctx.db, {
          rule,
          severity: settings.severity,
          dedupeKey: key(rule, sourceId),
          title: `${list.length} deactivations or deletions from ${appLabel(s, sourceId)} within ${settings.windowMinutes} min — check its mapping and scope`,
          sourceId,
          details: { count: list.length, threshold: settings.threshold, windowMinutes: settings.windowMinutes },
          evidence: list.slice(0, 20).map((x) => x.seq),
          at: ctx.now.toISOString(),
        });
      }
    },
    tick(ctx) {
      const s = stmts(ctx.db);
      const open = s.openOfRule.all(rule);
      if (open.length === 0) return;
      const settings = readAlertSettings(ctx.store).massDeprovisioning;
      seed(ctx.db, ctx.now, settings.windowMinutes, (s.maxSeq.get() ?? 0) + 1);
      prune(ctx.now, settings.windowMinutes);
      for (const a of open) {
        if (a.source_id === null || (windows.get(a.source_id)?.length ?? 0) <= settings.threshold) {
          resolveAlert(ctx.db, a.dedupe_key, ctx.now.toISOString());
        }
      }
    },
  };
}

/**
 * Inactive seat: a billed app seat whose person has not signed in to any directory for N days
 * (only where a directory reports sign-ins). A walk over people, one page per tick.
 */
function inactiveSeat(): AnalysisRule {
  const rule = ALERT_RULES.inactiveSeat;
  return {
    name: rule,
    tick(ctx) {
      const s = stmts(ctx.db);
      const settings = readAlertSettings(ctx.store).inactiveSeat;
      const { after, upTo, last } = walkPage(s, 'inactive_seat_after');
      const page = upTo === after ? [] : [upTo];
      const at = ctx.now.toISOString();
      const cutoff = new Date(ctx.now.getTime() - settings.days * 24 * HOUR).toISOString();
      const billed = new Map<number, boolean>();
      const isBilled = (roleId: number): boolean => {
        if (roleId === 0) return true; // an unmapped seat counts as paid until the admin says otherwise
        let b = billed.get(roleId);
        if (b === undefined) billed.set(roleId, (b = s.roleBilled.get(roleId) === 1));
        return b;
      };
      const stale = new Set<string>();
      if (settings.enabled && page.length) {
        for (const r of s.seatsOfPeople.all(after, upTo)) {
          if (r.last_sign_in === null || r.last_sign_in >= cutoff) continue;
          if (!(JSON.parse(r.seat_roles) as number[]).some(isBilled)) continue;
          const k = key(rule, r.person_id, r.source_id);
          stale.add(k);
          if (s.isOpen.get(k) !== undefined) continue;
          raiseAlert(ctx.db, {
            rule,
            severity: settings.severity,
            dedupeKey: k,
            title: `${personLabel(s, r.person_id)} holds a paid ${appLabel(s, r.source_id)} seat but has not signed in for over ${settings.days} days`,
            personId: r.person_id,
            sourceId: r.source_id,
            details: { lastSignInAt: r.last_sign_in, days: settings.days },
            at,
          });
        }
      }
      if (page.length) {
        for (const a of s.openInRange.all(rule, after, upTo)) if (!stale.has(a.dedupe_key)) resolveAlert(ctx.db, a.dedupe_key, at);
      }
      // The walk starts over after the last person.
      s.setMeta.run('inactive_seat_after', String(last ? 0 : upTo));
    },
  };
}

/** The relay's deprovision-failed alerts get their person once the account is correlated. */
function linkRelayAlerts(): AnalysisRule {
  return {
    name: 'link_relay_alerts',
    onBatch(ctx) {
      if (ctx.events.some((e) => e.type === 'relay.failed') || ctx.accounts.size > 0) stmts(ctx.db).linkRelayAlerts.run();
    },
  };
}

/** Every alert rule, in evaluation order. */
export function alertRules(): AnalysisRule[] {
  return [
    offboardingGap(),
    orphanedAccount(),
    reactivation(),
    privilegedRoleGranted(),
    silentSource(),
    massDeprovisioning(),
    inactiveSeat(),
    linkRelayAlerts(),
  ];
}
