/**
 * The simulated organisation behind `rollcall demo`: people in a fake Okta org and a fake Entra ID
 * tenant (real HTTP servers, polled by Rollcall's real directory syncs), and four apps provisioned
 * over SCIM by those IdPs (real requests to Rollcall's SCIM listener; Jira through a relay
 * connection to an in-process fake Jira SCIM API that can fail).
 *
 * Everything Rollcall records comes through its own code paths: directories and connections are
 * created through the core API, role maps with setRoleMap, state changes arrive as SCIM requests or
 * directory syncs, alerts come from the analyzer and the relay. Nothing is written behind the app's
 * back; the only trick is the clock (clock.ts), which runs months of history in seconds.
 *
 * The timeline is a queue of actions in time order: a person joins (directory first, the apps a
 * little later), moves (department, title, a role in an app), leaves (the directory at once, the
 * apps after a delay that is sometimes long and sometimes never comes); directories sync every six
 * hours and soon after changes; the analyzer's rules tick with the syncs. A few scripted incidents
 * make every alert rule fire: a layoff (mass deprovisioning), a GitHub provisioning outage (silent
 * source), Jira rejecting the relay's credentials and failing deprovisions, a reactivated leaver,
 * guest accounts nobody owns (orphaned), people who stopped signing in (inactive seats), admins
 * granted (privileged role).
 */
import { performance } from 'node:perf_hooks';
import type { Core } from '../core/core';
import { SyncBusyError } from '../directories/sync';
import type { DemoClock } from './clock';
import type { FakeOkta, SeedUser } from './fakes/okta';
import type { FakeGraph } from './fakes/graph';
import type { ScimApp } from './fakes/scim-app';
import { DEPARTMENT_NAMES, ENTRA_DEPARTMENTS, GITHUB_DEPARTMENTS, LOOM_DEPARTMENTS, PeopleFactory, type PersonSeed } from './people';
import { ScimPusher, ScimStatusError } from './scim-client';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

export type AppKey = 'github' | 'slack' | 'loom' | 'jira';
export const APP_KEYS: readonly AppKey[] = ['github', 'slack', 'loom', 'jira'];

interface RoleDef {
  name: string;
  billed: boolean;
  privileged: boolean;
}

export interface AppDef {
  key: AppKey;
  name: string;
  idp: 'okta' | 'entra';
  roles: RoleDef[];
}

export const APPS: Record<AppKey, AppDef> = {
  github: {
    key: 'github',
    name: 'GitHub',
    idp: 'okta',
    roles: [
      { name: 'admin', billed: true, privileged: true },
      { name: 'member', billed: true, privileged: false },
    ],
  },
  slack: {
    key: 'slack',
    name: 'Slack',
    idp: 'okta',
    roles: [
      { name: 'owner', billed: true, privileged: true },
      { name: 'member', billed: true, privileged: false },
    ],
  },
  loom: {
    key: 'loom',
    name: 'Loom',
    idp: 'okta',
    roles: [
      { name: 'creator', billed: true, privileged: false },
      { name: 'viewer', billed: false, privileged: false },
    ],
  },
  jira: {
    key: 'jira',
    name: 'Jira',
    idp: 'entra',
    roles: [
      { name: 'admin', billed: true, privileged: true },
      { name: 'user', billed: true, privileged: false },
    ],
  },
};

interface AppAccount {
  id: string;
  role: string;
  active: boolean;
}

export interface Person extends PersonSeed {
  okta: string | null;
  entra: string | null;
  /** Left the company (deactivated in its directories). */
  left: boolean;
  /** Stopped signing in (an inactive, still-paid seat). */
  idle: boolean;
  apps: Map<AppKey, AppAccount>;
}

interface Action {
  at: number;
  seq: number;
  label: string;
  run: () => unknown;
}

/** A binary min-heap of actions by (time, insertion order). */
class ActionQueue {
  private readonly heap: Action[] = [];
  private seq = 0;
  get size(): number {
    return this.heap.length;
  }
  push(at: number, label: string, run: Action['run']): void {
    const a: Action = { at, seq: this.seq++, label, run };
    const h = this.heap;
    h.push(a);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  peek(): Action | undefined {
    return this.heap[0];
  }
  pop(): Action | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l]!, h[m]!)) m = l;
        if (r < h.length && before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
const before = (a: Action, b: Action): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export interface SimulationDeps {
  core: Core;
  clock: DemoClock;
  okta: FakeOkta;
  graph: FakeGraph;
  jiraApp: ScimApp;
  /** `{origin}/scim/v2` of Rollcall's SCIM listener. */
  scimBase: string;
  seed: number;
  log: (message: string) => void;
}

export interface HistoryOptions {
  people: number;
  days: number;
  /** Called now and then with a line for stderr. */
  progress?: (message: string) => void;
  /** Stops the history between two actions (Ctrl-C while seeding). */
  signal?: AbortSignal;
}

export interface ChurnStats {
  ticks: number;
  joiners: number;
  movers: number;
  leavers: number;
  failedDeprovisions: number;
}

export class Simulation {
  readonly people: Person[] = [];
  readonly queue = new ActionQueue();
  readonly directoryIds = { okta: '', entra: '' };
  readonly connectionIds = {} as Record<AppKey, string>;
  readonly churn: ChurnStats = { ticks: 0, joiners: 0, movers: 0, leavers: 0, failedDeprovisions: 0 };
  private readonly f: PeopleFactory;
  private readonly pushers = {} as Record<AppKey, ScimPusher>;
  private readonly oktaGroups = new Map<string, string>();
  private readonly entraGroups = new Map<string, string>();
  private readonly pendingSync = { okta: 0, entra: 0 };
  /** Jira user ids whose deactivation the fake Jira answers with a 500 (the failing app). */
  readonly jiraFailing = new Set<string>();
  /** Until this time (ms) the fake Jira refuses the relay's credentials. */
  private jiraRefusesUntil = 0;
  private githubOutage: [number, number] = [0, 0];
  /** In the live part: how soon a directory change is synced (set by the churn). */
  liveSyncDelayMs = 1000;
  /** Time spent per kind of history action (ms), for tuning. */
  readonly timing = new Map<string, number>();

  constructor(private readonly d: SimulationDeps) {
    this.f = new PeopleFactory(d.seed);
    d.jiraApp.fault = (req) => {
      if (this.d.clock.ms() < this.jiraRefusesUntil) return 'unauthorized';
      const m = /\/Users\/([^/?]+)$/.exec(req.path);
      if (m && (req.method === 'PATCH' || req.method === 'DELETE') && this.jiraFailing.has(decodeURIComponent(m[1]!))) return 'fail';
      return undefined;
    };
  }

  /** Closes the IdPs' keep-alive connections to the SCIM listener. */
  close(): void {
    for (const key of APP_KEYS) this.pushers[key]?.close();
  }

  /** Where the fake IdPs and the fake Jira API listen. */
  get fakeUrls(): { okta: string; graph: string; jira: string } {
    return { okta: this.d.okta.url, graph: this.d.graph.url, jira: this.d.jiraApp.origin };
  }

  private rand(): number {
    return this.f.random();
  }
  private between(lo: number, hi: number): number {
    return lo + this.rand() * (hi - lo);
  }
  private now(): number {
    return this.d.clock.ms();
  }

  private async call<T>(name: string, input: unknown): Promise<T> {
    const answer = await this.d.core.dispatch(name, input);
    if (!answer.ok) throw new Error(`${name}: ${answer.error.message}`);
    return answer.value as T;
  }

  // ---------------------------------------------------------------------------------------------
  // Setup: sources through the core API

  /** Creates the two directories and the four connections (Jira relays to the fake Jira). */
  async createSources(roleCounts: Record<AppKey, Map<string, number>>): Promise<void> {
    const { okta, graph, jiraApp, scimBase } = this.d;
    const o = await this.call<{ directory: { id: string } }>('createDirectory', {
      kind: 'okta',
      name: 'Acme Okta',
      settings: { baseUrl: okta.url, auth: 'ssws', fullSyncEveryHours: 336 },
      credentials: { apiToken: okta.apiToken },
      intervalMinutes: 720,
    });
    this.directoryIds.okta = o.directory.id;
    const e = await this.call<{ directory: { id: string } }>('createDirectory', {
      kind: 'entra',
      name: 'Acme Entra ID',
      settings: { tenantId: graph.tenantId, clientId: graph.clientId, authorityUrl: graph.url, graphUrl: graph.url },
      credentials: { clientSecret: graph.clientSecret },
      intervalMinutes: 720,
    });
    this.directoryIds.entra = e.directory.id;
    for (const key of APP_KEYS) {
      const app = APPS[key];
      const created = await this.call<{ connection: { id: string; slug: string }; token: string }>('createConnection', {
        name: `${app.name} (${app.idp === 'okta' ? 'Okta' : 'Entra ID'})`,
        app: app.name,
        provider: app.idp,
        slug: key,
        upstream: key === 'jira' ? { baseUrl: jiraApp.base, auth: { kind: 'bearer', token: JIRA_TOKEN } } : undefined,
      });
      this.connectionIds[key] = created.connection.id;
      this.pushers[key] = new ScimPusher(`${scimBase}/${created.connection.slug}`, created.token, app.idp);
      const counts = roleCounts[key];
      await this.call('setRoleMap', {
        sourceId: created.connection.id,
        roles: app.roles.map((r) => {
          const n = counts.get(r.name) ?? 0;
          return {
            name: r.name,
            billed: r.billed,
            privileged: r.privileged,
            // Seats bought with some headroom (free roles need none).
            seatsPurchased: r.billed ? Math.max(5, Math.ceil((n * 1.08) / 5) * 5) : null,
            mappings: [{ kind: 'attribute', attribute: 'roles[].value', value: r.name }],
          };
        }),
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Who gets what

  private inOkta(p: PersonSeed): boolean {
    return !p.contractor;
  }
  private inEntra(p: PersonSeed): boolean {
    return p.contractor || ENTRA_DEPARTMENTS.has(p.department);
  }
  private eligible(p: Person, key: AppKey): boolean {
    switch (key) {
      case 'github':
        return p.okta !== null && GITHUB_DEPARTMENTS.has(p.department);
      case 'slack':
        return p.okta !== null;
      case 'loom':
        return p.okta !== null && (LOOM_DEPARTMENTS.has(p.department) || p.n % 7 === 0);
      case 'jira':
        return p.entra !== null;
    }
  }
  private initialRole(p: Person, key: AppKey): string {
    const r = this.rand();
    switch (key) {
      case 'github':
        return r < 0.015 ? 'admin' : 'member';
      case 'slack':
        return r < 0.003 ? 'owner' : 'member';
      case 'loom':
        return r < 0.45 ? 'creator' : 'viewer';
      case 'jira':
        return r < 0.012 ? 'admin' : 'user';
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Directory operations (on the fake IdPs; Rollcall sees them at its next sync)

  private oktaProfile(p: Person): SeedUser['profile'] {
    return {
      login: p.email,
      email: p.email,
      firstName: p.first,
      lastName: p.last,
      displayName: `${p.first} ${p.last}`,
      department: p.department,
      title: p.title,
      employeeNumber: p.employeeNumber,
      mobilePhone: null,
    };
  }
  private entraProps(p: Person): Record<string, string | boolean | null> {
    return {
      userPrincipalName: p.contractor ? `${p.email.replace('@', '_')}#EXT#@acmecorp.onmicrosoft.com` : p.email,
      mail: p.email,
      displayName: `${p.first} ${p.last}`,
      givenName: p.first,
      surname: p.last,
      accountEnabled: true,
      userType: p.contractor ? 'Guest' : 'Member',
      employeeId: p.employeeNumber || null,
      employeeType: p.contractor ? 'Contractor' : 'Employee',
      jobTitle: p.title,
      department: p.department,
      companyName: p.contractor ? null : 'Acme',
      createdDateTime: new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z'),
    };
  }

  private joinDirectories(p: Person): void {
    const { okta, graph } = this.d;
    if (this.inOkta(p)) {
      p.okta = okta.createUser(this.oktaProfile(p));
      okta.addMember(this.oktaGroups.get(p.department)!, p.okta);
    }
    if (this.inEntra(p)) {
      p.entra = graph.directory.createUser(this.entraProps(p));
      graph.directory.addMember(this.entraGroups.get(p.department)!, p.entra);
    }
  }

  /**
   * Schedules a sync of the directories a change touched: in the history at the next even hour (the
   * directories are polled every two hours; polls with nothing to read are skipped — they would
   * change nothing Rollcall records — and every directory syncs daily anyway), in the live
   * part within a fraction of a churn step. Returns when it runs.
   */
  private requestSync(p: Person): number {
    const live = this.d.clock.live;
    const at = live ? this.now() + this.liveSyncDelayMs : Math.ceil((this.now() + MIN) / (2 * HOUR)) * 2 * HOUR;
    for (const kind of ['okta', 'entra'] as const) {
      if ((kind === 'okta' ? p.okta : p.entra) === null) continue;
      if (this.pendingSync[kind] >= this.now() && this.pendingSync[kind] <= at) continue;
      this.pendingSync[kind] = at;
      this.queue.push(at, `sync ${kind}`, () => this.sync(kind));
    }
    return at;
  }

  async sync(kind: 'okta' | 'entra', full = false): Promise<void> {
    try {
      const summary = await this.d.core.directorySync.syncNow(this.directoryIds[kind], this.d.clock.live ? 'manual' : 'schedule', full);
      if (summary.status !== 'ok') this.d.log(`demo: ${kind} sync ${summary.status}: ${summary.error ?? ''}`);
    } catch (err) {
      // In the live part the schedule may be syncing the same directory right now: it sees the change.
      if (!(err instanceof SyncBusyError)) throw err;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // App operations (SCIM requests, as the IdP sends them)

  /** When the IdP's push reaches an app: GitHub's provisioning is broken during its outage. */
  private pushAt(key: AppKey, at: number): number {
    const [from, to] = this.githubOutage;
    if (key === 'github' && at >= from && at < to) return to + this.between(5 * MIN, 3 * HOUR);
    return at;
  }

  private async provision(p: Person, key: AppKey, role = this.initialRole(p, key)): Promise<void> {
    if (p.left || p.apps.has(key)) return;
    const externalId = (APPS[key].idp === 'okta' ? p.okta : p.entra) ?? String(p.n);
    try {
      const id = await this.pushers[key].createUser({
        email: p.email,
        first: p.first,
        last: p.last,
        externalId,
        title: p.title,
        department: p.department,
        employeeNumber: p.employeeNumber,
        role,
      });
      p.apps.set(key, { id, role, active: true });
    } catch (err) {
      if (!(err instanceof ScimStatusError)) throw err;
      // The app refused (Jira without credentials): the IdP retries on its next cycle.
      this.queue.push(this.now() + 40 * MIN, `retry provision ${key}`, () => this.provision(p, key, role));
    }
  }

  private async setActive(p: Person, key: AppKey, active: boolean, retry = true): Promise<boolean> {
    const acct = p.apps.get(key);
    if (!acct || acct.active === active) return true;
    try {
      await this.pushers[key].setActive(acct.id, active);
      acct.active = active;
      return true;
    } catch (err) {
      if (!(err instanceof ScimStatusError)) throw err;
      if (retry) this.queue.push(this.now() + 40 * MIN, `retry deprovision ${key}`, () => this.setActive(p, key, active));
      return false;
    }
  }

  private async setRole(p: Person, key: AppKey, role: string): Promise<void> {
    const acct = p.apps.get(key);
    if (!acct || !acct.active || acct.role === role) return;
    try {
      await this.pushers[key].setRole(acct.id, role);
      acct.role = role;
    } catch (err) {
      if (!(err instanceof ScimStatusError)) throw err;
      this.queue.push(this.now() + 40 * MIN, `retry role ${key}`, () => this.setRole(p, key, role));
    }
  }

  /** The IdPs read every app now and then (GitHub's provisioning is down during its outage: silence). */
  private async provisioningCycle(): Promise<void> {
    const [from, to] = this.githubOutage;
    for (const key of APP_KEYS) {
      if (key === 'github' && this.now() >= from && this.now() < to) continue;
      await this.pushers[key].probe().catch((err: unknown) => {
        if (!(err instanceof ScimStatusError)) throw err;
      });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Life events

  private newPerson(contractor?: boolean): Person {
    const seed = this.f.next(contractor);
    const p: Person = { ...seed, okta: null, entra: null, left: false, idle: false, apps: new Map() };
    this.people.push(p);
    return p;
  }

  /** A joiner: in the directory now, synced in a few minutes, in the apps within the hour. */
  join(appDelay: () => number): Person {
    const p = this.newPerson();
    this.joinDirectories(p);
    // The apps are assigned once the directory knows the joiner (no app account without its person).
    const synced = this.requestSync(p);
    for (const key of APP_KEYS) {
      if (!this.eligible(p, key)) continue;
      const at = this.pushAt(key, synced + appDelay());
      this.queue.push(at, `provision ${key}`, () => this.provision(p, key));
    }
    return p;
  }

  /**
   * A leaver: deactivated in the directories now; each app account deprovisioned after `delayOf`
   * (null: never — the IdP's assignment was missed, the seat stays).
   */
  leave(p: Person, delayOf: (key: AppKey) => number | null, deleteAfter: number | null = null): void {
    if (p.left) return;
    p.left = true;
    if (p.okta) this.d.okta.deactivate(p.okta);
    if (p.entra) this.d.graph.directory.disable(p.entra);
    this.requestSync(p);
    for (const key of p.apps.keys()) {
      const delay = delayOf(key);
      if (delay === null) continue;
      this.queue.push(this.pushAt(key, this.now() + delay), `deprovision ${key}`, () => this.setActive(p, key, false));
    }
    if (deleteAfter !== null) {
      this.queue.push(this.now() + deleteAfter, 'delete from directory', () => {
        if (p.okta) this.d.okta.deleteUser(p.okta);
        if (p.entra) this.d.graph.directory.softDelete(p.entra);
        this.requestSync(p);
      });
    }
  }

  /** A mover: new department and title in the directories now; the apps follow. */
  move(p: Person, appDelay: () => number): void {
    const from = p.department;
    let to = from;
    while (to === from) to = this.f.pick(DEPARTMENT_NAMES);
    p.department = to;
    p.title = this.f.title(to);
    if (p.okta) {
      this.d.okta.updateProfile(p.okta, { department: to, title: p.title });
      this.d.okta.removeMember(this.oktaGroups.get(from)!, p.okta);
      this.d.okta.addMember(this.oktaGroups.get(to)!, p.okta);
    }
    if (p.entra) {
      this.d.graph.directory.updateUser(p.entra, { department: to, jobTitle: p.title });
      this.d.graph.directory.removeMember(this.entraGroups.get(from)!, p.entra);
      this.d.graph.directory.addMember(this.entraGroups.get(to)!, p.entra);
    }
    this.requestSync(p);
    for (const key of APP_KEYS) {
      const at = this.pushAt(key, this.now() + appDelay());
      const has = p.apps.get(key)?.active === true;
      if (has && !this.eligible(p, key)) this.queue.push(at, `unassign ${key}`, () => this.setActive(p, key, false));
      else if (!p.apps.has(key) && this.eligible(p, key)) this.queue.push(at, `assign ${key}`, () => this.provision(p, key));
      else if (has) {
        this.queue.push(at, `profile ${key}`, async () => {
          const acct = p.apps.get(key);
          if (!acct?.active) return;
          try {
            await this.pushers[key].setTitle(acct.id, p.title, p.department);
          } catch (err) {
            if (!(err instanceof ScimStatusError)) throw err;
          }
        });
      }
    }
  }

  /** A role change in one app (a Loom upgrade or downgrade, now and then a new admin). */
  changeRole(p: Person): boolean {
    const options = [...p.apps.entries()].filter(([, a]) => a.active);
    if (options.length === 0 || p.left) return false;
    const [key, acct] = this.f.pick(options);
    const roles = APPS[key].roles.map((r) => r.name);
    let role = roles.find((r) => r !== acct.role)!;
    // Admin grants are rare: most changes are Loom seats.
    if (APPS[key].roles.find((r) => r.name === role)?.privileged && this.rand() < 0.85) {
      const loom = p.apps.get('loom');
      if (!loom?.active) return false;
      role = loom.role === 'creator' ? 'viewer' : 'creator';
      this.queue.push(this.now() + this.between(1 * MIN, 20 * MIN), 'role loom', () => this.setRole(p, 'loom', role));
      return true;
    }
    this.queue.push(this.now() + this.between(1 * MIN, 20 * MIN), `role ${key}`, () => this.setRole(p, key, role));
    return true;
  }

  private activePeople(filter: (p: Person) => boolean = () => true): Person[] {
    return this.people.filter((p) => !p.left && filter(p));
  }

  // ---------------------------------------------------------------------------------------------
  // History

  /** Runs queued actions up to `end` (ms), in time order, on the simulated clock. */
  private async runUntil(end: number, signal?: AbortSignal): Promise<void> {
    for (let a = this.queue.peek(); a !== undefined && a.at <= end; a = this.queue.peek()) {
      signal?.throwIfAborted();
      this.queue.pop();
      this.d.clock.set(Math.max(a.at, this.d.clock.ms()));
      const t = performance.now();
      await a.run();
      // The analysis follows each change closely, as it does in real time (its rules judge by the clock).
      if (this.d.core.analyzer.hasWork()) await this.d.core.analyzer.runUntilIdle();
      const kind = a.label.startsWith('sync') ? a.label : a.label.split(' ')[0]!;
      this.timing.set(kind, (this.timing.get(kind) ?? 0) + performance.now() - t);
    }
    this.d.clock.set(end);
  }

  /** Analysis caught up, then every rule's time-based check at the current (simulated) time. */
  private async analyse(): Promise<void> {
    await this.d.core.analyzer.runUntilIdle();
    this.d.core.analyzer.tick(this.d.clock.now());
  }

  /**
   * The organisation as it was `days` ago, then every day since: joiners, movers, leavers and the
   * incidents, synced and analysed as they happen. Returns with the clock just before now.
   */
  async runHistory(options: HistoryOptions): Promise<void> {
    const { clock, okta, graph } = this.d;
    const n = options.people;
    const days = options.days;
    const progress = options.progress ?? (() => undefined);
    const start = clock.ms();
    const end = Date.now() - 2 * MIN;

    // The mass-deprovisioning threshold fits the org (the default, 50 in an hour, is for ~2,000 people).
    const threshold = Math.max(8, Math.min(50, Math.round(n / 40)));
    await this.call('updateAlertSettings', { massDeprovisioning: { threshold } });

    // --- the organisation on day one: directories filled, apps connected and pushed to
    progress(`history: creating ${n} people in Okta and Entra ID (${days} days ago)`);
    for (const dept of DEPARTMENT_NAMES) {
      this.entraGroups.set(dept, graph.directory.createGroup({ displayName: `${dept} (Entra)`, mailNickname: dept.toLowerCase() }));
    }
    const seeds: Person[] = [];
    for (let i = 0; i < n; i++) seeds.push(this.newPerson());
    const oktaPeople = seeds.filter((p) => this.inOkta(p));
    const seeded = okta.seed({
      groups: DEPARTMENT_NAMES.map((d) => ({ profile: { name: d, description: `Everyone in ${d}` } })),
      users: oktaPeople.map((p) => {
        p.idle = this.rand() < 0.025;
        const lastLogin = p.idle ? start - this.between(40, 80) * DAY : start - this.between(0, 3) * DAY;
        return { status: 'ACTIVE' as const, profile: this.oktaProfile(p), lastLogin };
      }),
    });
    DEPARTMENT_NAMES.forEach((d, i) => this.oktaGroups.set(d, seeded.groupIds[i]!));
    oktaPeople.forEach((p, i) => (p.okta = seeded.userIds[i]!));
    okta.seed({ memberships: oktaPeople.map((p) => [this.oktaGroups.get(p.department)!, p.okta!] as [string, string]) });
    for (const p of seeds) {
      if (!this.inEntra(p)) continue;
      p.entra = graph.directory.createUser(this.entraProps(p));
      graph.directory.addMember(this.entraGroups.get(p.department)!, p.entra);
    }
    // Roles on day one (seat counts are bought from them).
    const plan = new Map<Person, Map<AppKey, string>>();
    const roleCounts = Object.fromEntries(APP_KEYS.map((k) => [k, new Map<string, number>()])) as Record<AppKey, Map<string, number>>;
    for (const p of seeds) {
      const roles = new Map<AppKey, string>();
      for (const key of APP_KEYS) {
        if (!this.eligible(p, key)) continue;
        const role = this.initialRole(p, key);
        roles.set(key, role);
        roleCounts[key].set(role, (roleCounts[key].get(role) ?? 0) + 1);
      }
      plan.set(p, roles);
    }
    await this.createSources(roleCounts);
    await this.sync('okta');
    await this.sync('entra');

    clock.set(start + 30 * MIN);
    progress(`history: the IdPs push ${[...plan.values()].reduce((s, m) => s + m.size, 0)} app accounts over SCIM`);
    for (const key of APP_KEYS) {
      const t = performance.now();
      const pushes: (() => Promise<void>)[] = [];
      for (const [p, roles] of plan) {
        const role = roles.get(key);
        if (role !== undefined) pushes.push(() => this.provision(p, key, role));
      }
      await runConcurrently(pushes, 16);
      await this.d.core.analyzer.runUntilIdle();
      progress(`history: ${APPS[key].name}: ${pushes.length} accounts in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    progress(`history: day one pushed (${this.eventCount()} events)`);
    await this.analyse();

    // Day-one admins were reviewed at setup: their privileged-role alerts are resolved with a note.
    clock.set(start + 3 * HOUR);
    const open = await this.call<{ items: { id: number }[] }>('listAlerts', {
      status: 'open',
      rule: 'privileged_role_granted',
      limit: 500,
    });
    if (open.items.length > 0) {
      await this.call('updateAlerts', {
        ids: open.items.map((a) => a.id),
        action: 'resolve',
        note: 'Reviewed when the apps were connected: existing admins confirmed by IT.',
        by: 'it-admin@acme.example',
      });
    }

    // --- the incidents, at fixed points of the history
    const dayStart = (d: number) => start - (start % DAY) + d * DAY;
    const layoffDay = Math.max(2, Math.round(days * 0.55));
    const outageDay = Math.max(3, Math.round(days * 0.7));
    this.githubOutage = [dayStart(outageDay) + 9 * HOUR, dayStart(outageDay + 4) + 11 * HOUR];
    const jiraAuthDay = Math.max(4, Math.round(days * 0.8));
    this.scheduleIncidents(dayStart, layoffDay, jiraAuthDay, threshold, days);
    // The last hours: leavers whose apps are deprovisioned only in the live part.
    this.scheduleLiveTail(end);

    // --- every day: joiners, movers, leavers; syncs and rule ticks every six hours
    let dayFactor = 1;
    const perDay = (rate: number): number => {
      const x = n * rate * dayFactor;
      return Math.floor(x) + (this.rand() < x - Math.floor(x) ? 1 : 0);
    };
    const minutes = (lo: number, hi: number) => () => this.between(lo * MIN, hi * MIN);
    for (let d = 1; d <= days; d++) {
      const day = dayStart(d);
      if (day > end) break;
      // Weekends are quieter, not silent.
      dayFactor = new Date(day).getUTCDay() % 6 === 0 ? 0.3 : 1;
      {
        for (let k = perDay(0.0018); k > 0; k--)
          this.queue.push(day + this.between(8, 11) * HOUR, 'joiner', () => void this.join(minutes(10, 50)));
        for (let k = perDay(0.0014); k > 0; k--)
          this.queue.push(day + this.between(12, 18) * HOUR, 'leaver', () => {
            const pool = this.activePeople((x) => x.apps.size > 0);
            if (pool.length > 0)
              this.leave(this.f.pick(pool), (key) => this.leaverDelay(key), this.rand() < 0.5 ? this.between(20, 40) * DAY : null);
          });
        for (let k = perDay(0.0012); k > 0; k--)
          this.queue.push(day + this.between(9, 17) * HOUR, 'mover', () => {
            const pool = this.activePeople((x) => !x.contractor);
            if (pool.length > 0) this.move(this.f.pick(pool), minutes(10, 40));
          });
        for (let k = perDay(0.002); k > 0; k--)
          this.queue.push(day + this.between(9, 18) * HOUR, 'role change', () => {
            const pool = this.activePeople((x) => x.apps.size > 0);
            if (pool.length > 0) this.changeRole(this.f.pick(pool));
          });
      }
      // Everyone who still works here signs in now and then (Okta's lastLogin); idle people do not.
      if (d % 28 === 0) {
        this.queue.push(day + 7 * HOUR, 'sign-ins', async () => {
          for (const p of this.activePeople((x) => x.okta !== null && !x.idle)) okta.signIn(p.okta!);
          await this.sync('okta', true);
        });
      }
      // The IdPs' provisioning cycles read each app now and then (here: daily).
      this.queue.push(day + 6 * HOUR, 'cycle', () => this.provisioningCycle());
      // Every directory syncs at least daily (well inside the silent-source limit of 3 × 12 h);
      // the rules' time-based checks run twice a day.
      this.queue.push(day, 'sync okta', () => this.sync('okta'));
      this.queue.push(day + 2 * MIN, 'sync entra', () => this.sync('entra'));
      for (const h of [0, 12]) this.queue.push(day + h * HOUR + 5 * MIN, 'analysis', () => this.analyse());
      await this.runUntil(Math.min(day + DAY, end), options.signal);
      if (d % 10 === 0 || d === days) progress(`history: day ${d}/${days}, ${this.eventCount()} events`);
    }
    await this.runUntil(end, options.signal);
    for (const p of this.activePeople((x) => x.okta !== null && !x.idle)) okta.signIn(p.okta!);
    await this.sync('okta', true);
    await this.sync('entra');
    // Rules walk the people a page per tick: enough ticks for every page.
    await this.d.core.analyzer.runUntilIdle();
    for (let i = 0; i <= Math.ceil(this.people.length / 1000); i++) await this.analyse();
  }

  /** How long until an app deprovisions a leaver: usually minutes, sometimes days, sometimes never. */
  private leaverDelay(key: AppKey): number | null {
    const r = this.rand();
    if (r < 0.8) return this.between(3 * MIN, 40 * MIN);
    if (r < 0.93) return this.between(6 * HOUR, 4 * DAY);
    // Loom and Slack seats are the ones forgotten (nobody owns the SCIM assignment).
    return key === 'loom' || key === 'slack' ? null : this.between(1 * DAY, 6 * DAY);
  }

  private scheduleIncidents(
    dayStart: (d: number) => number,
    layoffDay: number,
    jiraAuthDay: number,
    threshold: number,
    days: number,
  ): void {
    // Guests someone added straight in Slack: no directory knows them (orphaned accounts).
    this.queue.push(dayStart(Math.max(1, Math.round(days * 0.3))) + 15 * HOUR, 'guests', async () => {
      for (let i = 0; i < 3; i++) {
        const seed = this.f.next(false);
        const guest: Person = {
          ...seed,
          email: seed.email.replace(/@.*/, '@guest-agency.example'),
          employeeNumber: '',
          okta: null,
          entra: null,
          left: false,
          idle: false,
          apps: new Map(),
        };
        this.people.push(guest);
        await this.provision(guest, 'slack', 'member');
      }
    });
    // A reorganisation: more people leave within an hour than the mass-deprovisioning rule allows.
    this.queue.push(dayStart(layoffDay) + 14 * HOUR, 'layoff', () => {
      const pool = this.activePeople((p) => p.okta !== null && p.entra === null && p.apps.size > 0);
      const size = Math.min(pool.length, threshold + 5);
      for (let i = 0; i < size; i++) {
        const k = Math.floor(this.rand() * pool.length);
        const [p] = pool.splice(k, 1);
        this.leave(p!, () => this.between(10 * MIN, 2 * HOUR), this.between(30, 45) * DAY);
      }
    });
    // Jira rotates its API token and the relay's is refused for two hours: the IdP retries later.
    this.queue.push(dayStart(jiraAuthDay) + 10 * HOUR, 'jira token rotated', () => {
      this.jiraRefusesUntil = this.now() + 2 * HOUR;
      const p = this.activePeople((x) => x.apps.get('jira')?.active === true)[0];
      if (p) this.changeRole(p);
      this.queue.push(this.now() + 10 * MIN, 'jira push during outage', async () => {
        const q = this.activePeople((x) => x.apps.get('jira')?.active === true && x.apps.get('jira')?.role === 'user');
        if (q.length > 0) await this.setRole(q[0]!, 'jira', 'admin');
      });
    });
    // Jira answers 500 to a deprovision; the retry two hours later works (opened, then resolved).
    this.queue.push(dayStart(Math.max(2, Math.round(days * 0.6))) + 16 * HOUR, 'jira fails a deprovision', () => {
      const p = this.f.pick(this.activePeople((x) => x.apps.get('jira')?.active === true));
      const id = p.apps.get('jira')!.id;
      this.jiraFailing.add(id);
      this.leave(p, (key) => (key === 'jira' ? 10 * MIN : 20 * MIN));
      this.queue.push(this.now() + 2 * HOUR, 'jira recovers', () => void this.jiraFailing.delete(id));
    });
    // …and two days before today one that nobody has fixed yet (still open).
    this.queue.push(dayStart(Math.max(2, days - 2)) + 11 * HOUR, 'jira fails a deprovision (open)', async () => {
      const p = this.f.pick(this.activePeople((x) => x.apps.get('jira')?.active === true));
      this.jiraFailing.add(p.apps.get('jira')!.id);
      // Entra ID gives up after the failure (its quarantine): no retry until someone looks.
      this.leave(p, (key) => (key === 'jira' ? null : 15 * MIN));
      this.queue.push(this.now() + 15 * MIN, 'deprovision jira (fails)', () => this.setActive(p, 'jira', false, false));
    });
    // Someone restores a leaver's Slack account (reactivation), and undoes it the next day.
    this.queue.push(dayStart(Math.max(2, Math.round(days * 0.45))) + 10 * HOUR, 'reactivation', () => {
      const p = this.f.pick(this.activePeople((x) => x.apps.get('slack')?.active === true && x.okta !== null && x.entra === null));
      this.leave(p, () => 20 * MIN);
      this.queue.push(this.now() + 2 * DAY, 'slack reactivated', () => this.setActive(p, 'slack', true, false));
      this.queue.push(this.now() + 3 * DAY, 'slack deactivated again', () => this.setActive(p, 'slack', false));
    });
  }

  /**
   * Leavers of the last hours whose Slack deprovisioning comes only in the live part (startLive):
   * one whose offboarding gap is already open when the demo goes live (closed a few steps in), one
   * whose gap opens a minute or so into the live part (the 4 h SLA passes) and is closed later.
   */
  private scheduleLiveTail(end: number): void {
    const pool = () => this.activePeople((p) => p.apps.get('slack')?.active === true && p.okta !== null && p.entra === null);
    const slackLater = (p: Person, crossesAt: number | null) => {
      this.liveTail.push({ person: p, crossesAt });
      return (key: AppKey) => (key === 'slack' ? null : this.between(5 * MIN, 30 * MIN));
    };
    this.queue.push(end - 6 * HOUR, 'leaver (gap open at go-live)', () => {
      const p = this.f.pick(pool());
      this.leave(p, slackLater(p, null));
    });
    this.queue.push(end - 4 * HOUR + 3 * MIN, 'leaver (gap opens live)', () => {
      const p = this.f.pick(pool());
      this.leave(p, slackLater(p, end + 3 * MIN));
    });
  }

  /** Leavers whose Slack account is deprovisioned late, in the live part; `crossesAt`: when their SLA passes (null: before go-live). */
  readonly liveTail: { person: Person; crossesAt: number | null }[] = [];

  /** Going live: the late deprovisions are queued in real time, after their gap has been seen open. */
  startLive(intervalMs: number): void {
    this.liveSyncDelayMs = Math.max(200, Math.round(intervalMs / 5));
    const now = Date.now();
    for (const t of this.liveTail) {
      const at = t.crossesAt === null ? now + 8 * intervalMs : Math.max(t.crossesAt, now) + Math.max(2 * MIN, 12 * intervalMs);
      this.queue.push(at, 'late deprovision slack', () => this.setActive(t.person, 'slack', false));
    }
  }

  eventCount(): number {
    return (this.d.core.store.db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }

  // ---------------------------------------------------------------------------------------------
  // Live churn (real time)

  /** Runs the actions that are due by now (real time). */
  async runDue(): Promise<void> {
    for (let a = this.queue.peek(); a !== undefined && a.at <= Date.now(); a = this.queue.peek()) {
      this.queue.pop();
      try {
        await a.run();
      } catch (err) {
        this.d.log(`demo: ${a.label} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /**
   * One step of live churn: what is due, then one new change — a joiner, a mover, a role change or a
   * leaver (every third leaver with Jira hits the failing app: its deprovision answers 500 until a
   * retry a few steps later). App requests follow within a step or two.
   */
  async churnStep(intervalMs: number): Promise<void> {
    this.churn.ticks++;
    await this.runDue();
    const soon = () => this.between(intervalMs * 0.5, intervalMs * 1.5);
    const r = this.rand();
    if (r < 0.35) {
      this.join(soon);
      this.churn.joiners++;
    } else if (r < 0.55) {
      const pool = this.activePeople((x) => !x.contractor);
      if (pool.length > 0) this.move(this.f.pick(pool), soon);
      this.churn.movers++;
    } else if (r < 0.7) {
      const pool = this.activePeople((x) => x.apps.size > 0);
      if (pool.length > 0) this.changeRole(this.f.pick(pool));
    } else {
      const pool = this.activePeople((x) => x.apps.size > 0);
      if (pool.length > 0) {
        this.churn.leavers++;
        const withJira = this.activePeople((x) => x.apps.get('jira')?.active === true);
        if (this.churn.leavers % 3 === 1 && withJira.length > 0) {
          const p = this.f.pick(withJira);
          const id = p.apps.get('jira')!.id;
          this.jiraFailing.add(id);
          this.churn.failedDeprovisions++;
          this.leave(p, soon);
          // The IdP retries; by then Jira works again (the alert resolves).
          this.queue.push(Date.now() + intervalMs * 4, 'jira recovers', () => void this.jiraFailing.delete(id));
          this.queue.push(Date.now() + intervalMs * 5, 'deprovision jira (retry)', () => this.setActive(p, 'jira', false, false));
        } else this.leave(this.f.pick(pool), soon);
      }
    }
    // The directories' changes reach Rollcall at once (as with event hooks), then the apps follow.
    await this.runDue();
    // The rules' time-based checks every step (the core's own timer runs them once a minute): an
    // SLA that passes shows up within a step.
    await this.d.core.analyzer.runUntilIdle();
    this.d.core.analyzer.tick();
  }
}

export const JIRA_TOKEN = 'demo-jira-api-token-not-a-secret';

/** Runs tasks with at most `limit` in flight. */
async function runConcurrently(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}
