/**
 * The Analyzer: turns new events and new state into people, roles, seats and deprovisioning
 * records, incrementally, in small transactions (docs/analysis.md has the why of each choice).
 *
 * One chunk = one IMMEDIATE transaction that
 *   1. reads events after the persisted cursor (at most `maxEvents`), indexes them
 *      (account_events, audit_events) and marks the accounts they touch as dirty;
 *   2. adds accounts written without events (a directory's baseline: person_id IS NULL past a
 *      persisted key marker) and accounts of resumable walks (a role map or the correlation
 *      settings changed);
 *   3. re-analyses each dirty account *from its state* (correlation, live or not, roles), and
 *      each person touched (status, seats, deprovisioning);
 *   4. appends the role events that follows, runs the rules' `onBatch`, and advances the cursor.
 * Work per chunk is capped by events and by dirty accounts, and the account cap adapts so a chunk
 * takes about `budgetMs`; between chunks the event loop gets a turn.
 */
import { performance } from 'node:perf_hooks';
import type { Db } from '../core/store/db';
import type { EventRow, NewEvent } from '../core/store/events';

/** An event as the analyzer and its rules see it (the hash chain's columns left out). */
export type AnalysedEvent = Omit<EventRow, 'prev_hash' | 'hash'>;
import type { Store } from '../core/store/store';
import {
  accountKeys,
  correlationSettingsSchema,
  DEFAULT_CORRELATION,
  emailNormalizer,
  type AccountKeys,
  type CorrelationSettings,
  type EmailNormalizer,
} from './correlation';
import { loadRoleMap, rolesOf, type RoleMap } from './roles';

export interface RuleContext {
  readonly db: Db;
  readonly store: Store;
  /** The events this batch consumed, oldest first (role events the analyzer wrote come in a later batch). */
  readonly events: readonly AnalysedEvent[];
  readonly now: Date;
  /** People whose accounts or status were re-derived in this batch (or by a manual link / unlink: then `events` is empty). */
  readonly people: ReadonlySet<number>;
  /** Accounts (accounts.pk) re-analysed in this batch. */
  readonly accounts: ReadonlySet<number>;
}

export interface TickContext {
  readonly db: Db;
  readonly store: Store;
  readonly now: Date;
}

/**
 * The extension point for alert rules. `onBatch` runs inside the analyzer's transaction, after
 * people, roles and seats are up to date for the batch, so what a rule writes commits with the
 * cursor advance (a rule that throws is rolled back to its savepoint and logged; the batch
 * commits). `tick` runs on the analyzer's timer in its own transaction, for time-based checks
 * (an SLA that expires without any new event).
 */
export interface AnalysisRule {
  readonly name: string;
  onBatch?(ctx: RuleContext): void;
  tick?(ctx: TickContext): void;
}

export interface AnalyzerOptions {
  now?: () => Date;
  log?: (message: string) => void;
  /** Events read per transaction at most (default 2000). */
  maxEvents?: number;
  /** Target duration of one transaction (default 40 ms); the dirty-account cap adapts to it. */
  budgetMs?: number;
  /**
   * Where `schedule` sends its work instead of running it on this thread (the core's analysis
   * worker): this object then only serves what the API does inside its own transactions.
   */
  delegate?: (delayMs: number) => void;
}

export interface ChunkResult {
  events: number;
  accounts: number;
  people: number;
  roleEvents: number;
  ms: number;
  /** Of which the COMMIT. */
  commitMs: number;
}

interface Touch {
  /** When the change happened (the causing event's occurred_at, or the row's updated_at). */
  at: string;
  seq: number | null;
  exchangeId: number | null;
  actor: string | null;
  /** Re-correlation walk: an account alone in its person may move to a better match. */
  mayMove?: boolean;
  /** Correlate even if the keys did not change (manual link / unlink, a key found to be shared). */
  recorrelate?: boolean;
}

interface AccountRow {
  pk: number;
  source_id: string;
  id: string;
  user_name: string | null;
  external_id: string | null;
  email_key: string | null;
  employee_number: string | null;
  display_name: string | null;
  active: number;
  status: string | null;
  raw: string;
  deleted_at: string | null;
  person_id: number | null;
  updated_at: string;
}

interface StateRow {
  account_pk: number;
  source_id: string;
  kind: 'connection' | 'directory';
  person_id: number | null;
  email: string | null;
  external_id: string | null;
  employee_number: string | null;
  source_key: string | null;
  present: number;
  live: number;
  inactive_since: string | null;
  seat_roles: string;
  seat_idle: number;
  label: string | null;
  flag: string | null;
  flag_people: string | null;
}

interface PersonRow {
  id: number;
  display_name: string | null;
  directory_accounts: number;
  directory_active: number;
  left_at: string | null;
}

type Flag = 'ambiguous' | 'conflicting_keys' | 'shared_key' | null;

const AUDIT_TYPES = new Set(['group.member_added', 'group.member_removed']);
const ACCOUNT_TYPES = /^(user\.|group\.member_)/;
/** A UTC day as days since 1970-01-01 (seat_deltas.day). */
export const dayNumber = (iso: string): number => Math.floor(Date.parse(iso) / 86_400_000);
const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function statements(db: Db) {
  return {
    meta: db.prepare<[string], { value: string }>('SELECT value FROM analysis_meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO analysis_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    maxSeq: db.prepare<[], { m: number | null }>('SELECT max(seq) AS m FROM events'),
    eventsAfter: db.prepare<[number, number], AnalysedEvent>(
      `SELECT seq, type, source_id, account_id, group_id, person_id, subject, occurred_at, observed_at, actor, before, after, exchange_id
         FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    accountPk: db.prepare<[string, string], number>('SELECT pk FROM accounts WHERE source_id = ? AND id = ?').pluck(),
    groupPk: db.prepare<[string, string], number>('SELECT pk FROM groups WHERE source_id = ? AND id = ?').pluck(),
    sourceKind: db.prepare<[string], 'connection' | 'directory'>('SELECT kind FROM sources WHERE id = ?').pluck(),
    insertAccountEvent: db.prepare<[number, number]>('INSERT OR IGNORE INTO account_events (account_pk, seq) VALUES (?, ?)'),
    insertAudit: db.prepare(
      `INSERT OR IGNORE INTO audit_events (seq, at, type, source_id, account_pk, group_pk, role_id)
       VALUES (@seq, @at, @type, @source_id, @account_pk, @group_pk, @role_id)`,
    ),
    hasGroupMappings: db
      .prepare<[string], number>(
        `SELECT 1 FROM role_mappings m JOIN roles r ON r.id = m.role_id WHERE r.source_id = ? AND r.removed_at IS NULL AND m.kind = 'group' LIMIT 1`,
      )
      .pluck(),
    nullPersonAfter: db
      .prepare<[number, number], number>('SELECT pk FROM accounts WHERE person_id IS NULL AND pk > ? ORDER BY pk LIMIT ?')
      .pluck(),
    anyNullPersonAfter: db.prepare<[number], number>('SELECT 1 FROM accounts WHERE person_id IS NULL AND pk > ? LIMIT 1').pluck(),
    walks: db.prepare<[], { name: string; source_id: string | null; after_pk: number }>(
      'SELECT name, source_id, after_pk FROM analysis_walks ORDER BY started_at, name',
    ),
    anyWalk: db.prepare<[], number>('SELECT 1 FROM analysis_walks LIMIT 1').pluck(),
    anyPending: db.prepare<[], number>('SELECT 1 FROM analysis_pending LIMIT 1').pluck(),
    pending: db.prepare<
      [number],
      {
        account_pk: number;
        at: string;
        seq: number | null;
        exchange_id: number | null;
        actor: string | null;
        may_move: number;
        recorrelate: number;
      }
    >('SELECT * FROM analysis_pending ORDER BY account_pk LIMIT ?'),
    unpend: db.prepare<[number]>('DELETE FROM analysis_pending WHERE account_pk = ?'),
    pend: db.prepare<[number, string, number | null, number | null, string | null, number, number]>(
      `INSERT INTO analysis_pending (account_pk, at, seq, exchange_id, actor, may_move, recorrelate) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account_pk) DO UPDATE SET at = excluded.at, seq = excluded.seq, exchange_id = excluded.exchange_id,
         actor = excluded.actor, may_move = max(may_move, excluded.may_move), recorrelate = max(recorrelate, excluded.recorrelate)`,
    ),
    startWalk: db.prepare<[string, string | null, string]>(
      `INSERT INTO analysis_walks (name, source_id, after_pk, started_at) VALUES (?, ?, 0, ?)
       ON CONFLICT (name) DO UPDATE SET after_pk = 0, started_at = excluded.started_at`,
    ),
    advanceWalk: db.prepare<[number, string]>('UPDATE analysis_walks SET after_pk = ? WHERE name = ?'),
    endWalk: db.prepare<[string]>('DELETE FROM analysis_walks WHERE name = ?'),
    walkSource: db
      .prepare<[string, number, number], number>(
        'SELECT pk FROM accounts WHERE source_id = ? AND deleted_at IS NULL AND pk > ? ORDER BY pk LIMIT ?',
      )
      .pluck(),
    walkAll: db.prepare<[number, number], number>('SELECT pk FROM accounts WHERE pk > ? ORDER BY pk LIMIT ?').pluck(),
    account: db.prepare<[number], AccountRow>(
      `SELECT pk, source_id, id, user_name, external_id, email_key, employee_number, display_name, active, status, raw, deleted_at,
              person_id, updated_at FROM accounts WHERE pk = ?`,
    ),
    state: db.prepare<[number], StateRow>('SELECT * FROM account_state WHERE account_pk = ?'),
    upsertState: db.prepare(
      `INSERT INTO account_state (account_pk, source_id, kind, person_id, email, external_id, employee_number, source_key, present, live,
         inactive_since, label, flag, flag_people, analysed_at)
       VALUES (@account_pk, @source_id, @kind, @person_id, @email, @external_id, @employee_number, @source_key, @present, @live,
         @inactive_since, @label, @flag, @flag_people, @now)
       ON CONFLICT (account_pk) DO UPDATE SET person_id = excluded.person_id, email = excluded.email, external_id = excluded.external_id,
         employee_number = excluded.employee_number, source_key = excluded.source_key, present = excluded.present, live = excluded.live,
         inactive_since = excluded.inactive_since, label = excluded.label, flag = excluded.flag, flag_people = excluded.flag_people, analysed_at = excluded.analysed_at`,
    ),
    updateStateNarrow: db.prepare(
      `UPDATE account_state SET present = @present, live = @live, inactive_since = @inactive_since, label = @label, analysed_at = @now
        WHERE account_pk = @account_pk`,
    ),
    setAccountPerson: db.prepare<[number, number]>('UPDATE accounts SET person_id = ? WHERE pk = ?'),
    byEmail: db
      .prepare<[string, number], number>(
        'SELECT DISTINCT person_id FROM account_state WHERE email = ? AND account_pk <> ? AND person_id IS NOT NULL',
      )
      .pluck(),
    byExternal: db
      .prepare<{ v: string; pk: number }, number>(
        `SELECT person_id FROM account_state WHERE external_id = @v AND account_pk <> @pk AND person_id IS NOT NULL
         UNION SELECT person_id FROM account_state WHERE source_key = @v AND account_pk <> @pk AND person_id IS NOT NULL`,
      )
      .pluck(),
    byEmployee: db
      .prepare<[string, number], number>(
        'SELECT DISTINCT person_id FROM account_state WHERE employee_number = ? AND account_pk <> ? AND person_id IS NOT NULL',
      )
      .pluck(),
    holdsInSource: db
      .prepare<[number, string, number], number>(
        'SELECT 1 FROM account_state WHERE person_id = ? AND source_id = ? AND account_pk <> ? AND present = 1 LIMIT 1',
      )
      .pluck(),
    sameEmail: db.prepare<[string, number], number>('SELECT account_pk FROM account_state WHERE email = ? AND account_pk <> ?').pluck(),
    personSize: db.prepare<[number], number>('SELECT count(*) FROM account_state WHERE person_id = ?').pluck(),
    links: db.prepare<[string, string], { person_id: number; kind: 'link' | 'unlink' }>(
      'SELECT person_id, kind FROM person_links WHERE source_id = ? AND account_id = ?',
    ),
    insertPerson: db.prepare<[string | null, string | null, string, string]>(
      `INSERT INTO people (display_name, primary_email, status, created_at, updated_at) VALUES (?, ?, 'active', ?, ?)`,
    ),
    person: db.prepare<[number], PersonRow>(
      'SELECT id, display_name, directory_accounts, directory_active, left_at FROM people WHERE id = ?',
    ),
    personCounts: db.prepare<[number], { n: number; dirs: number; dir_active: number; app_active: number }>(
      `SELECT count(*) AS n, coalesce(sum(kind = 'directory'), 0) AS dirs, coalesce(sum(kind = 'directory' AND live = 1), 0) AS dir_active,
              coalesce(sum(kind = 'connection' AND live = 1), 0) AS app_active
         FROM account_state WHERE person_id = ?`,
    ),
    personLabel: db.prepare<[number], { display_name: string | null; email: string | null; user_name: string | null }>(
      `SELECT a.display_name, coalesce(a.email_key, CASE WHEN instr(a.user_name, '@') > 1 THEN lower(a.user_name) END) AS email, a.user_name
         FROM account_state s JOIN accounts a ON a.pk = s.account_pk
        WHERE s.person_id = ? ORDER BY s.kind = 'directory' DESC, s.live DESC, s.present DESC, a.pk DESC LIMIT 1`,
    ),
    updatePerson: db.prepare(
      `UPDATE people SET display_name = @display_name, primary_email = @primary_email, name_key = @name_key, status = @status,
         account_count = @n, directory_accounts = @dirs, directory_active = @dir_active, app_active = @app_active, left_at = @left_at,
         updated_at = @now
       WHERE id = @id`,
    ),
    personApps: db.prepare<[number], StateRow>("SELECT * FROM account_state WHERE person_id = ? AND kind = 'connection'"),
    setSeats: db.prepare<[string, number, number]>('UPDATE account_state SET seat_roles = ?, seat_idle = ? WHERE account_pk = ?'),
    seatDelta: db.prepare<[string, number, number, number, number]>(
      `INSERT INTO seat_deltas (source_id, role_id, day, active, idle) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (source_id, role_id, day) DO UPDATE SET active = active + excluded.active, idle = idle + excluded.idle`,
    ),
    accountGroups: db.prepare<[number], { id: string; name: string | null }>(
      `SELECT g.id, coalesce(g.display_name_key, lower(g.display_name)) AS name
         FROM memberships m JOIN groups g ON g.pk = m.group_pk
        WHERE m.member_pk = ? AND m.member_type = 'User' AND m.deleted_at IS NULL AND g.deleted_at IS NULL`,
    ),
    accountRoles: db.prepare<[string, string], { role_id: number }>(
      'SELECT role_id FROM account_roles WHERE source_id = ? AND account_id = ?',
    ),
    grantRole: db.prepare<[string, string, number, string]>(
      'INSERT OR IGNORE INTO account_roles (source_id, account_id, role_id, since) VALUES (?, ?, ?, ?)',
    ),
    revokeRole: db.prepare<[string, string, number]>('DELETE FROM account_roles WHERE source_id = ? AND account_id = ? AND role_id = ?'),
    roleName: db.prepare<[number], { name: string; billed: number; privileged: number }>(
      'SELECT name, billed, privileged FROM roles WHERE id = ?',
    ),
    openDeprovision: db.prepare<[number], { id: number; left_at: string }>(
      'SELECT id, left_at FROM deprovisions WHERE account_pk = ? AND done_at IS NULL AND cancelled_at IS NULL',
    ),
    insertDeprovision: db.prepare(
      `INSERT INTO deprovisions (account_pk, source_id, person_id, left_at, done_at, duration_ms)
       VALUES (@account_pk, @source_id, @person_id, @left_at, @done_at, @duration_ms)`,
    ),
    closeDeprovision: db.prepare<[string, number, number]>('UPDATE deprovisions SET done_at = ?, duration_ms = ? WHERE id = ?'),
    cancelDeprovision: db.prepare<[string, number]>('UPDATE deprovisions SET cancelled_at = ? WHERE id = ?'),
    cancelPersonDeprovisions: db.prepare<[string, number]>(
      'UPDATE deprovisions SET cancelled_at = ? WHERE person_id = ? AND done_at IS NULL AND cancelled_at IS NULL',
    ),
  };
}
type Statements = ReturnType<typeof statements>;

/** What the account phase hands to the person and seat phases. */
interface Analysed {
  pk: number;
  sourceId: string;
  kind: 'connection' | 'directory';
  personId: number;
  previousPerson: number | null;
  wasLive: boolean;
  live: boolean;
  /** Seats this account should hold now (connections): role ids, 0 for none; [] when not live. */
  seatRoles: number[] | null;
  oldSeatRoles: number[];
  oldSeatIdle: boolean;
  at: string;
}

export class Analyzer {
  private readonly s: Statements;
  private readonly rules: AnalysisRule[] = [];
  private readonly now: () => Date;
  private readonly log: (message: string) => void;
  private readonly maxEvents: number;
  private readonly budgetMs: number;
  private maxDirty = 200;
  private msPerUnit = 0.2;
  private kinds = new Map<string, 'connection' | 'directory'>();
  private roleMaps = new Map<string, RoleMap>();
  private groupMapped = new Map<string, boolean>();
  private normalizeText = '';
  private rolesVersion: string | null = null;
  private normalize: EmailNormalizer = emailNormalizer(DEFAULT_CORRELATION);
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Set by the core when a worker thread runs the chunks (see AnalyzerOptions.delegate); cleared if it dies. */
  delegate: ((delayMs: number) => void) | null;

  constructor(
    private readonly store: Store,
    options: AnalyzerOptions = {},
  ) {
    this.s = statements(store.db);
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? ((m) => console.error(m));
    this.maxEvents = options.maxEvents ?? 2000;
    this.budgetMs = options.budgetMs ?? 40;
    this.delegate = options.delegate ?? null;
  }

  addRule(rule: AnalysisRule): () => void {
    this.rules.push(rule);
    return () => {
      const i = this.rules.indexOf(rule);
      if (i >= 0) this.rules.splice(i, 1);
    };
  }

  /** The last event seq the analyzer has processed. */
  get cursor(): number {
    return Number(this.s.meta.get('cursor')?.value ?? 0);
  }

  /** Cheap read-only check: new events, unanalysed accounts, or a walk in progress. */
  hasWork(): boolean {
    if ((this.s.maxSeq.get()?.m ?? 0) > this.cursor) return true;
    if (this.s.anyNullPersonAfter.get(Number(this.s.meta.get('null_after')?.value ?? 0)) !== undefined) return true;
    return this.s.anyWalk.get() !== undefined || this.s.anyPending.get() !== undefined;
  }

  /** Runs chunks until there is nothing left, yielding to the event loop between chunks. */
  async runUntilIdle(): Promise<void> {
    while (this.running) await this.running;
    const drain = async (): Promise<void> => {
      while (!this.stopped && this.hasWork()) {
        this.runChunk();
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    this.running = drain();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }

  /** Runs soon (debounced): after writes, and on the core's timer. */
  schedule(delayMs = 100): void {
    if (this.stopped) return;
    if (this.delegate) {
      this.delegate(delayMs);
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.runUntilIdle().catch((err: unknown) =>
        this.log(`rollcall: analysis failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      );
    }, delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** stop(), then waits for a chunk loop in progress to end. */
  async close(): Promise<void> {
    this.stop();
    while (this.running) await this.running;
  }

  /** Time-based evaluation: each rule's `tick` in one transaction (savepoint per rule). */
  tick(now: Date = this.now()): void {
    const rules = this.rules.filter((r) => r.tick);
    if (rules.length === 0) return;
    this.store.write(() => {
      for (const rule of rules) this.guard(rule, () => rule.tick!({ db: this.store.db, store: this.store, now }));
    });
  }

  getCorrelationSettings(): CorrelationSettings {
    const text = this.s.meta.get('correlation')?.value;
    if (!text) return DEFAULT_CORRELATION;
    let stored: unknown;
    try {
      stored = JSON.parse(text);
    } catch {
      // a hand-edited or damaged value: the defaults, rather than a failing API call and a stalled analyzer
      return DEFAULT_CORRELATION;
    }
    const parsed = correlationSettingsSchema.safeParse(stored);
    return parsed.success ? parsed.data : DEFAULT_CORRELATION;
  }

  /** New settings; every account is correlated again (a walk), manual links kept. */
  setCorrelationSettings(settings: CorrelationSettings): void {
    this.store.write(() => {
      this.s.setMeta.run('correlation', JSON.stringify(settings));
      this.s.startWalk.run('correlation', null, this.now().toISOString());
    });
    this.schedule(0);
  }

  /** A connection's role map changed: its accounts' roles are derived again (a walk). Call inside the write. */
  rolesChanged(sourceId: string): void {
    this.s.startWalk.run(`roles:${sourceId}`, sourceId, this.now().toISOString());
    this.s.setMeta.run('roles_version', `${Date.now()}-${Math.random()}`);
    this.roleMaps.delete(sourceId);
    this.groupMapped.delete(sourceId);
    this.schedule(0);
  }

  /**
   * Re-analyses these accounts now, inside the caller's write transaction (manual link / unlink).
   * Returns the people they belong to afterwards.
   */
  reanalyse(pks: readonly number[]): Map<number, number> {
    if (!this.store.db.inTransaction) throw new Error('Analyzer.reanalyse must run inside Store.write');
    this.refreshSettings();
    const at = this.now().toISOString();
    const dirty = new Map<number, Touch>(pks.map((pk) => [pk, { at, seq: null, exchangeId: null, actor: null, recorrelate: true }]));
    const now = this.now();
    const result = this.analyse(dirty, now);
    // The rules see a manual change like any batch (without events: none was written).
    this.runRules([], now, result.people, result.analysed);
    return new Map(result.analysed.map((a) => [a.pk, a.personId]));
  }

  private runRules(events: readonly AnalysedEvent[], now: Date, people: ReadonlySet<number>, analysed: readonly Analysed[]): void {
    if (!this.rules.some((r) => r.onBatch)) return;
    const ctx: RuleContext = { db: this.store.db, store: this.store, events, now, people, accounts: new Set(analysed.map((a) => a.pk)) };
    for (const rule of this.rules) if (rule.onBatch) this.guard(rule, () => rule.onBatch!(ctx));
  }

  /** One bounded chunk in one transaction. */
  runChunk(): ChunkResult {
    const started = performance.now();
    let inner = started;
    const out = this.store.write(() => {
      const now = this.now();
      this.refreshSettings();
      const cursor = this.cursor;
      const dirty = new Map<number, Touch>();
      // Accounts an earlier chunk had no time for come first.
      for (const p of this.s.pending.all(this.maxDirty)) {
        this.s.unpend.run(p.account_pk);
        dirty.set(p.account_pk, {
          at: p.at,
          seq: p.seq,
          exchangeId: p.exchange_id,
          actor: p.actor,
          mayMove: p.may_move === 1,
          recorrelate: p.recorrelate === 1,
        });
      }
      const consumed: AnalysedEvent[] = [];
      let last = cursor;
      // Events in slices sized to the room left for dirty accounts: reading 2,000 events to use 20
      // would cost more than analysing them.
      const eventDeadline = started + this.budgetMs * 0.3;
      while (
        consumed.length < this.maxEvents &&
        dirty.size < this.maxDirty &&
        (consumed.length === 0 || performance.now() < eventDeadline)
      ) {
        const want = Math.min(this.maxEvents - consumed.length, Math.max(32, 2 * (this.maxDirty - dirty.size)));
        const events = this.s.eventsAfter.all(last, want);
        for (const e of events) {
          if (dirty.size >= this.maxDirty) break;
          this.indexEvent(e, dirty, now);
          consumed.push(e);
          last = e.seq;
        }
        if (events.length < want) break;
      }
      // State written without events: a directory's baseline. Marked by person_id IS NULL past a key marker.
      if (dirty.size < this.maxDirty) {
        let after = Number(this.s.meta.get('null_after')?.value ?? 0);
        const pks = this.s.nullPersonAfter.all(after, this.maxDirty - dirty.size);
        for (const pk of pks) {
          if (!dirty.has(pk)) dirty.set(pk, { at: '', seq: null, exchangeId: null, actor: null });
          after = pk;
        }
        if (pks.length > 0) this.s.setMeta.run('null_after', String(after));
      }
      // Walks: a role map or the correlation settings changed.
      for (const w of this.s.walks.all()) {
        if (dirty.size >= this.maxDirty) break;
        const room = this.maxDirty - dirty.size;
        const pks = w.source_id !== null ? this.s.walkSource.all(w.source_id, w.after_pk, room) : this.s.walkAll.all(w.after_pk, room);
        const iso = now.toISOString();
        for (const pk of pks)
          if (!dirty.has(pk)) dirty.set(pk, { at: iso, seq: null, exchangeId: null, actor: null, mayMove: w.name === 'correlation' });
        if (pks.length < room) this.s.endWalk.run(w.name);
        else this.s.advanceWalk.run(pks[pks.length - 1]!, w.name);
      }
      const { analysed, people, roleEvents } = this.analyse(dirty, now, started + this.budgetMs * 0.6);
      this.runRules(consumed, now, people, analysed);
      if (last !== cursor) this.s.setMeta.run('cursor', String(last));
      inner = performance.now();
      return { events: consumed.length, accounts: analysed.length, people: people.size, roleEvents };
    });
    const ended = performance.now();
    const ms = ended - started;
    // The account cap follows the measured cost of work (an exponential average per account and
    // per event), so a chunk takes about budgetMs on this machine, whatever the mix.
    const units = out.accounts + out.events / 8;
    if (units >= 8) this.msPerUnit = 0.7 * this.msPerUnit + 0.3 * (ms / units);
    this.maxDirty = Math.max(10, Math.min(1000, Math.floor(this.budgetMs / this.msPerUnit)));
    return { ...out, ms, commitMs: ended - inner };
  }

  // ---------------------------------------------------------------------------------------------

  private guard(rule: AnalysisRule, fn: () => void): void {
    try {
      // A nested transaction is a savepoint: a failing rule leaves nothing half-written.
      this.store.db.transaction(fn)();
    } catch (err) {
      this.log(`rollcall: analysis rule ${rule.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
  }

  /** Settings another process may have changed: correlation, and the role maps' version. */
  private refreshSettings(): void {
    // Role maps are cached until one changes (setRoleMap bumps roles_version, in any process);
    // checked here so a manual link (reanalyse) derives roles from the current map too.
    const rolesVersion = this.s.meta.get('roles_version')?.value ?? '';
    if (rolesVersion !== this.rolesVersion) {
      this.rolesVersion = rolesVersion;
      this.roleMaps.clear();
      this.groupMapped.clear();
    }
    const text = this.s.meta.get('correlation')?.value ?? '';
    if (text === this.normalizeText) return;
    this.normalizeText = text;
    this.normalize = emailNormalizer(this.getCorrelationSettings());
  }

  private kindOf(sourceId: string): 'connection' | 'directory' {
    let k = this.kinds.get(sourceId);
    if (!k) {
      k = this.s.sourceKind.get(sourceId) ?? 'connection';
      this.kinds.set(sourceId, k);
    }
    return k;
  }

  private roleMap(sourceId: string): RoleMap {
    let m = this.roleMaps.get(sourceId);
    if (!m) this.roleMaps.set(sourceId, (m = loadRoleMap(this.store.db, sourceId)));
    return m;
  }

  private indexEvent(e: AnalysedEvent, dirty: Map<number, Touch>, now: Date): void {
    if (e.type === 'role.granted' || e.type === 'role.revoked') return; // the analyzer's own: indexed when written
    let accountPk: number | null = null;
    if (e.account_id !== null && ACCOUNT_TYPES.test(e.type)) {
      accountPk = this.s.accountPk.get(e.source_id, e.account_id) ?? null;
      if (accountPk !== null) {
        this.s.insertAccountEvent.run(accountPk, e.seq);
        const prev = dirty.get(accountPk);
        // The latest change wins as the cause; its time is when it happened at the source.
        if (!prev || prev.at <= e.occurred_at || prev.seq === null)
          dirty.set(accountPk, { at: e.occurred_at, seq: e.seq, exchangeId: e.exchange_id, actor: e.actor });
      }
    }
    if (AUDIT_TYPES.has(e.type)) {
      this.s.insertAudit.run({
        seq: e.seq,
        at: e.occurred_at,
        type: e.type,
        source_id: e.source_id,
        account_pk: accountPk,
        group_pk: e.group_id !== null ? (this.s.groupPk.get(e.source_id, e.group_id) ?? null) : null,
        role_id: null,
      });
    }
    // A renamed group may change the roles of all its members: derive the app's roles again.
    if (e.type === 'group.updated' && this.kindOf(e.source_id) === 'connection') {
      let mapped = this.groupMapped.get(e.source_id);
      if (mapped === undefined) this.groupMapped.set(e.source_id, (mapped = this.s.hasGroupMappings.get(e.source_id) !== undefined));
      if (mapped) this.s.startWalk.run(`roles:${e.source_id}`, e.source_id, now.toISOString());
    }
  }

  /**
   * Analyses the dirty accounts, then their people and seats. Past `deadline` (performance.now())
   * the remaining accounts are deferred to analysis_pending, in this transaction: the chunk stays
   * within its time budget whatever the mix, and nothing consumed is lost.
   */
  private analyse(
    dirty: Map<number, Touch>,
    now: Date,
    deadline = Number.POSITIVE_INFINITY,
  ): { analysed: Analysed[]; people: Set<number>; roleEvents: number } {
    const nowIso = now.toISOString();
    const analysed: Analysed[] = [];
    // People to derive again, with their row as it was before this batch.
    const touchedPeople = new Map<number, PersonRow | null>();
    const newEvents: NewEvent[] = [];
    /** The account (pk) of each new role event. */
    const roleEventAccount: number[] = [];
    const remember = (id: number | null) => {
      if (id !== null && !touchedPeople.has(id)) touchedPeople.set(id, this.s.person.get(id) ?? null);
    };

    // 1. Accounts: directory accounts first, so an app account written in the same batch as its
    // person's directory account (or before a baseline) is matched against it.
    const queue: { a: AccountRow; touch: Touch; kind: 'connection' | 'directory' }[] = [];
    for (const [pk, touch] of dirty) {
      const a = this.s.account.get(pk);
      if (!a || a.status === 'unlisted') continue; // a member id nobody listed: not an account of anyone
      queue.push({ a, touch, kind: this.kindOf(a.source_id) });
    }
    queue.sort((x, y) => (x.kind === y.kind ? x.a.pk - y.a.pk : x.kind === 'directory' ? -1 : 1));
    for (let qi = 0; qi < queue.length; qi++) {
      const { a, touch, kind } = queue[qi]!;
      if (qi > 0 && (qi & 7) === 0 && performance.now() > deadline) {
        for (const rest of queue.slice(qi)) {
          const t = rest.touch;
          this.s.pend.run(rest.a.pk, t.at || rest.a.updated_at, t.seq, t.exchangeId, t.actor, t.mayMove ? 1 : 0, t.recorrelate ? 1 : 0);
        }
        break;
      }
      const pk = a.pk;
      const at = touch.at || a.updated_at;
      const state = this.s.state.get(pk);
      const keys = accountKeys(a, kind, this.normalize);
      const present = a.deleted_at === null;
      const live = present && a.active === 1;
      const label = a.display_name ?? a.user_name;
      const previousPerson = state?.person_id ?? a.person_id;
      const sameKeys =
        state !== undefined &&
        state.email === keys.email &&
        state.external_id === keys.externalId &&
        state.employee_number === keys.employeeNumber &&
        state.source_key === keys.sourceKey;
      // Most changes (an attribute, a group, a status) leave the keys alone, and a person, once
      // assigned, is kept: correlation runs only when the keys changed, or when asked to.
      let correlation: { personId: number; flag: Flag; flagPeople: number[] };
      if (sameKeys && state.person_id !== null && !touch.mayMove && !touch.recorrelate)
        correlation = {
          personId: state.person_id,
          flag: state.flag as Flag,
          flagPeople: JSON.parse(state.flag_people ?? '[]') as number[],
        };
      else correlation = this.correlate(a, kind, keys, previousPerson, touch.mayMove === true, nowIso);
      const { personId, flag, flagPeople } = correlation;
      const wasLive = state ? state.live === 1 : false;
      const inactiveSince = live ? null : state && state.live === 0 ? (state.inactive_since ?? at) : at;
      const flagText = flagPeople.length ? JSON.stringify(flagPeople) : null;
      const personChanged =
        !state ||
        state.person_id !== personId ||
        state.live !== (live ? 1 : 0) ||
        state.present !== (present ? 1 : 0) ||
        state.email !== keys.email ||
        state.label !== label ||
        state.flag !== flag;
      if (state && sameKeys && state.person_id === personId && state.flag === flag && state.flag_people === flagText) {
        // nothing indexed changed: a narrow update that touches no index
        if (
          state.live !== (live ? 1 : 0) ||
          state.present !== (present ? 1 : 0) ||
          state.inactive_since !== inactiveSince ||
          state.label !== label
        )
          this.s.updateStateNarrow.run({
            account_pk: pk,
            present: present ? 1 : 0,
            live: live ? 1 : 0,
            inactive_since: inactiveSince,
            label,
            now: nowIso,
          });
      } else {
        this.s.upsertState.run({
          account_pk: pk,
          source_id: a.source_id,
          kind,
          person_id: personId,
          email: keys.email,
          external_id: keys.externalId,
          employee_number: keys.employeeNumber,
          source_key: keys.sourceKey,
          present: present ? 1 : 0,
          live: live ? 1 : 0,
          inactive_since: inactiveSince,
          label,
          flag,
          flag_people: flagText,
          now: nowIso,
        });
      }
      if (personChanged) {
        remember(previousPerson);
        remember(personId);
      }
      if (a.person_id !== personId) this.s.setAccountPerson.run(personId, pk);
      if (flag === 'shared_key' && keys.email && state?.flag !== 'shared_key') {
        // Two people share this email: every other account that went by it is looked at again
        // (it stays where it is, flagged as ambiguous).
        for (const other of this.s.sameEmail.all(keys.email, pk)) {
          if (dirty.has(other)) continue;
          const row = this.s.account.get(other);
          if (!row) continue;
          const t: Touch = { at: '', seq: null, exchangeId: null, actor: null, recorrelate: true };
          dirty.set(other, t);
          queue.push({ a: row, touch: t, kind: this.kindOf(row.source_id) });
        }
      }

      let seatRoles: number[] | null = null;
      if (kind === 'connection') {
        const before = newEvents.length;
        const roles = this.deriveRoles(a, present, personId, touch, nowIso, newEvents);
        for (let k = before; k < newEvents.length; k++) roleEventAccount.push(pk);
        seatRoles = live ? (roles.length ? roles : [0]) : [];
        if (previousPerson !== null && previousPerson !== personId) {
          // moved to another person: its open deprovisioning belonged to the old one
          for (const d of this.s.openDeprovision.all(pk)) this.s.cancelDeprovision.run(nowIso, d.id);
        }
        if (wasLive && !live) {
          for (const d of this.s.openDeprovision.all(pk)) {
            this.s.closeDeprovision.run(at, Math.max(0, Date.parse(at) - Date.parse(d.left_at)), d.id);
          }
        }
      }
      analysed.push({
        pk,
        sourceId: a.source_id,
        kind,
        personId,
        previousPerson,
        wasLive,
        live,
        seatRoles,
        oldSeatRoles: state ? (JSON.parse(state.seat_roles) as number[]) : [],
        oldSeatIdle: state?.seat_idle === 1,
        at,
      });
    }

    // 2. People whose accounts changed in a way that matters to them: status, and what a change of
    // status means for seats and deprovisioning.
    const byPerson = new Map<number, Analysed[]>();
    for (const x of analysed) {
      const list = byPerson.get(x.personId) ?? [];
      list.push(x);
      byPerson.set(x.personId, list);
    }
    const idleOf = new Map<number, boolean>();
    const flipped = new Map<number, string>();
    const appsCache = new Map<number, StateRow[]>();
    const personApps = (id: number): StateRow[] => {
      let list = appsCache.get(id);
      if (!list) appsCache.set(id, (list = this.s.personApps.all(id)));
      return list;
    };
    for (const [id, before] of touchedPeople) {
      const mine = byPerson.get(id) ?? [];
      const dirAt = mine.filter((x) => x.kind === 'directory').map((x) => x.at);
      const t = (dirAt.length ? dirAt : mine.map((x) => x.at)).reduce((m, x) => (x > m ? x : m), '') || nowIso;
      const c = this.s.personCounts.get(id)!;
      const wasIdle = before !== null && before.directory_accounts > 0 && before.directory_active === 0;
      const isIdle = c.dirs > 0 && c.dir_active === 0;
      idleOf.set(id, isIdle);
      if (wasIdle !== isIdle) flipped.set(id, t);
      let leftAt = before?.left_at ?? null;
      if (!wasIdle && isIdle) {
        leftAt = t;
        for (const acc of personApps(id)) {
          if (acc.live === 1) this.openDeprovision(acc, id, t);
          else if (acc.inactive_since !== null && acc.inactive_since >= t) {
            this.s.insertDeprovision.run({
              account_pk: acc.account_pk,
              source_id: acc.source_id,
              person_id: id,
              left_at: t,
              done_at: acc.inactive_since,
              duration_ms: Date.parse(acc.inactive_since) - Date.parse(t),
            });
          }
        }
      } else if (wasIdle && !isIdle) {
        leftAt = null;
        this.s.cancelPersonDeprovisions.run(nowIso, id);
      } else if (wasIdle && isIdle) {
        // still gone from every directory: an app account that is live now and was not (re-provisioned,
        // or moved to this person) must go too
        for (const x of mine) {
          if (x.kind !== 'connection' || !x.live || (x.wasLive && x.previousPerson === id)) continue;
          const acc = this.s.state.get(x.pk)!;
          this.openDeprovision(acc, id, x.wasLive ? (leftAt ?? x.at) : x.at);
        }
      }
      if (!isIdle) leftAt = null;
      const label = this.s.personLabel.get(id);
      const status =
        c.dir_active > 0 ? 'active' : c.dirs > 0 ? (c.app_active > 0 ? 'leaving' : 'gone') : c.app_active > 0 ? 'active' : 'gone';
      // A name from an account; without one, the name the person already has, then a userName.
      const displayName = label?.display_name ?? before?.display_name ?? label?.user_name ?? null;
      this.s.updatePerson.run({
        id,
        display_name: displayName,
        primary_email: label?.email ?? null,
        name_key: displayName ? displayName.normalize('NFC').toLowerCase() : null,
        status,
        n: c.n,
        dirs: c.dirs,
        dir_active: c.dir_active,
        app_active: c.app_active,
        left_at: leftAt,
        now: nowIso,
      });
    }

    // 3. Seats: every app account analysed holds the seats it should, idle when its person is; the
    // other app accounts of a person whose idleness flipped follow.
    const idleCache = new Map<number, boolean>();
    const personIdle = (id: number): boolean => {
      const known = idleOf.get(id) ?? idleCache.get(id);
      if (known !== undefined) return known;
      const p = this.s.person.get(id);
      const idle = p !== undefined && p.directory_accounts > 0 && p.directory_active === 0;
      idleCache.set(id, idle);
      return idle;
    };
    const handled = new Set<number>();
    for (const x of analysed) {
      if (x.seatRoles === null) continue;
      handled.add(x.pk);
      this.applySeats(x.pk, x.sourceId, x.oldSeatRoles, x.oldSeatIdle, x.seatRoles, personIdle(x.personId), x.at);
    }
    for (const [id, t] of flipped) {
      const idle = idleOf.get(id)!;
      for (const acc of personApps(id)) {
        if (handled.has(acc.account_pk)) continue;
        const roles = JSON.parse(acc.seat_roles) as number[];
        this.applySeats(acc.account_pk, acc.source_id, roles, acc.seat_idle === 1, roles, idle, t);
      }
    }

    if (newEvents.length) {
      // The analyzer's own events are indexed as they are written (it is their only writer), and
      // skipped when the cursor reaches them.
      const seqs = this.store.events.append(newEvents);
      newEvents.forEach((e, i) => {
        const pk = roleEventAccount[i]!;
        const side = (e.type === 'role.granted' ? e.after : e.before) as { roleId: number };
        this.s.insertAccountEvent.run(pk, seqs[i]!);
        this.s.insertAudit.run({
          seq: seqs[i]!,
          at: e.occurredAt ?? e.observedAt,
          type: e.type,
          source_id: e.sourceId,
          account_pk: pk,
          group_pk: null,
          role_id: side.roleId,
        });
      });
    }
    return { analysed, people: new Set(touchedPeople.keys()), roleEvents: newEvents.length };
  }

  /** Moves an account's seats from what seat_deltas counts for it to what it holds now. */
  private applySeats(pk: number, sourceId: string, oldRoles: number[], oldIdle: boolean, roles: number[], idle: boolean, at: string): void {
    const newIdle = roles.length > 0 && idle;
    if (sameList(roles, oldRoles) && (oldIdle === newIdle || roles.length === 0)) return;
    const day = dayNumber(at);
    const delta = new Map<number, [number, number]>();
    for (const r of oldRoles) delta.set(r, [-1, oldIdle ? -1 : 0]);
    for (const r of roles) {
      const d = delta.get(r) ?? [0, 0];
      delta.set(r, [d[0] + 1, d[1] + (newIdle ? 1 : 0)]);
    }
    for (const [role, [act, idl]] of delta) if (act !== 0 || idl !== 0) this.s.seatDelta.run(sourceId, role, day, act, idl);
    this.s.setSeats.run(JSON.stringify(roles), newIdle ? 1 : 0, pk);
  }

  private openDeprovision(acc: StateRow, personId: number, leftAt: string): void {
    if (this.s.openDeprovision.get(acc.account_pk)) return;
    this.s.insertDeprovision.run({
      account_pk: acc.account_pk,
      source_id: acc.source_id,
      person_id: personId,
      left_at: leftAt,
      done_at: null,
      duration_ms: null,
    });
  }

  /**
   * The person of an account (docs/analysis.md, "Correlation"): a manual link wins; otherwise the
   * account keeps the person it has (renames, re-hires and flapping keys never split a person),
   * unless it has none or is alone in its person and a walk allows a move; a new account joins
   * the one person its highest-priority key points to. Keys pointing to several people are flagged
   * and merge nothing.
   */
  private correlate(
    a: AccountRow,
    kind: 'connection' | 'directory',
    keys: AccountKeys,
    current: number | null,
    mayMove: boolean,
    nowIso: string,
  ): { personId: number; flag: Flag; flagPeople: number[] } {
    const links = this.s.links.all(a.source_id, a.id);
    const linked = links.find((l) => l.kind === 'link');
    if (linked) return { personId: linked.person_id, flag: null, flagPeople: [] };
    const unlinked = new Set(links.filter((l) => l.kind === 'unlink').map((l) => l.person_id));
    if (current !== null && unlinked.has(current)) current = null;

    let excluded = false;
    const candidates = (ids: number[]): Set<number> => {
      const out = new Set<number>();
      for (const id of ids) {
        if (unlinked.has(id)) continue;
        // One source holds one account per person: a person who already has another account in this
        // source is someone else who shares the key (an alias, a shared mailbox).
        if (id !== current && this.s.holdsInSource.get(id, a.source_id, a.pk) !== undefined) {
          excluded = true;
          continue;
        }
        out.add(id);
      }
      return out;
    };
    const tiers: Set<number>[] = [];
    if (keys.email) tiers.push(candidates(this.s.byEmail.all(keys.email, a.pk)));
    const ext = new Set<number>();
    for (const v of [keys.externalId, keys.sourceKey])
      if (v) for (const id of candidates(this.s.byExternal.all({ v, pk: a.pk }))) ext.add(id);
    tiers.push(ext);
    if (keys.employeeNumber) tiers.push(candidates(this.s.byEmployee.all(keys.employeeNumber, a.pk)));
    const all = new Set<number>();
    for (const t of tiers) for (const id of t) all.add(id);
    const primary = tiers.find((t) => t.size > 0) ?? new Set<number>();

    const flagFor = (chosen: number): { flag: Flag; flagPeople: number[] } => {
      if (primary.size > 1) return { flag: 'ambiguous', flagPeople: [...primary].sort((x, y) => x - y) };
      const others = [...all].filter((id) => id !== chosen).sort((x, y) => x - y);
      if (others.length) return { flag: 'conflicting_keys', flagPeople: others };
      return { flag: excluded ? 'shared_key' : null, flagPeople: [] };
    };

    if (current !== null) {
      const movable = mayMove && this.s.personSize.get(current) === 1;
      if (!movable || primary.size !== 1 || primary.has(current) || all.has(current)) return { personId: current, ...flagFor(current) };
    }
    if (primary.size === 1) {
      const target = [...primary][0]!;
      return { personId: target, ...flagFor(target) };
    }
    const personId = current ?? this.newPerson(a, nowIso);
    return { personId, ...flagFor(personId) };
  }

  private newPerson(a: AccountRow, nowIso: string): number {
    return Number(this.s.insertPerson.run(a.display_name ?? a.user_name, a.email_key, nowIso, nowIso).lastInsertRowid);
  }

  /** Derives a connection account's roles from the role map; writes account_roles and queues role events. */
  private deriveRoles(a: AccountRow, present: boolean, personId: number, touch: Touch, nowIso: string, out: NewEvent[]): number[] {
    const map = this.roleMap(a.source_id);
    const held = this.s.accountRoles
      .all(a.source_id, a.id)
      .map((r) => r.role_id)
      .sort((x, y) => x - y);
    if (map.roles.length === 0 && held.length === 0) return [];
    let next: number[] = [];
    if (present && map.roles.length > 0) {
      const groups: string[] = [];
      if (map.byGroup.size > 0)
        for (const g of this.s.accountGroups.all(a.pk)) groups.push(g.id.toLowerCase(), ...(g.name ? [g.name] : []));
      next = rolesOf(map, groups, () => JSON.parse(a.raw) as Record<string, unknown>);
    }
    if (sameList(next, held)) return next;
    const name = (id: number): { name: string; billed: boolean; privileged: boolean } => {
      const r = map.byId.get(id);
      if (r) return r;
      const row = this.s.roleName.get(id);
      return { name: row?.name ?? `role ${id}`, billed: row?.billed === 1, privileged: row?.privileged === 1 };
    };
    const beforeNames = held.map((id) => name(id).name).sort();
    const afterNames = next.map((id) => name(id).name).sort();
    const at = touch.at || a.updated_at;
    const base = {
      sourceId: a.source_id,
      accountId: a.id,
      personId,
      subject: a.user_name ?? a.id,
      occurredAt: at,
      observedAt: nowIso,
      actor: touch.actor,
      exchangeId: touch.exchangeId,
    };
    for (const id of held) {
      if (next.includes(id)) continue;
      this.s.revokeRole.run(a.source_id, a.id, id);
      const r = name(id);
      out.push({
        ...base,
        type: 'role.revoked',
        before: { role: r.name, roleId: id, roles: beforeNames, billed: r.billed, privileged: r.privileged },
        after: { roles: afterNames, causeSeq: touch.seq },
      });
    }
    for (const id of next) {
      if (held.includes(id)) continue;
      this.s.grantRole.run(a.source_id, a.id, id, at);
      const r = name(id);
      out.push({
        ...base,
        type: 'role.granted',
        before: { roles: beforeNames },
        after: { role: r.name, roleId: id, roles: afterNames, billed: r.billed, privileged: r.privileged, causeSeq: touch.seq },
      });
    }
    return next;
  }
}
