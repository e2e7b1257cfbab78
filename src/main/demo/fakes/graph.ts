/**
 * A stateful fake of Microsoft Graph (Entra ID) for the directory provider's tests, the ingest
 * benchmark and the demo. Wire format after ../../../shared/reference/idp-apis.md §2:
 *
 * - `POST /{tenant}/oauth2/v2.0/token`: client credentials with a client secret, or a certificate
 *   client assertion (PS256/RS256, `x5t#S256` or `x5t` naming the registered certificate, aud =
 *   this token URL, iss = sub = client id, exp at most 1 h ahead). AADSTS-style errors. Tokens
 *   expire (and can be force-expired).
 * - `GET /v1.0/users/delta`, `/v1.0/groups/delta`: real delta semantics from an append-only change
 *   log. An initial round lists what exists; a deltaLink round lists what changed since, each
 *   object once, as it is now (default representation: every selected property, never-set ones
 *   absent; `Prefer: return=minimal`: only the changed ones). `@removed` with reason `changed`
 *   (soft delete) or `deleted` (hard delete). Groups carry `members@delta` split across pages: a
 *   group's first occurrence in a round carries its properties, continuations carry only `id` and
 *   `members@delta`; in change rounds a membership-only change carries only `id` and
 *   `members@delta` unless `fullGroupOnMemberChange`. `Prefer: odata.maxpagesize` is honoured
 *   (≤ 999). Expired (older than `deltaTokenMaxAgeMs`), reset or garbled tokens get 410 Gone with
 *   `syncStateNotFound` and a Location to start over.
 * - `GET /v1.0/users`, `/v1.0/groups` (`$top` 1–999, default 100, `$select`, `@odata.nextLink`),
 *   `/v1.0/users/{id}`, `/v1.0/groups/{id}`, `/v1.0/groups/{id}/members`, `/v1.0/organization`.
 * - Graph error bodies `{error:{code,message,innerError}}`; throttling via `throttle()` (429 or
 *   503 with Retry-After and x-ms-throttle-* headers); any other fault via base.ts `fail()`.
 *
 * Scale: `seedGraph` describes 100,000 users / 10,000 groups / 1,000,000 memberships in a few MB.
 * Seeded users and groups are pure functions of their index (only mutated ones are stored), the
 * memberships are one Int32Array per group, and the change log is four parallel arrays.
 */
import { X509Certificate, randomBytes } from 'node:crypto';
import { certificateThumbprintS256, verifyJwt } from '../../directories/jwt';
import { mulberry32 } from '../rng';
import { bearer, formBody, startFakeServer, type FakeRequest, type FakeResponse, type FakeServer, type Fault } from './base';

// ---------------------------------------------------------------------------------------------
// The directory model

type Json = Record<string, unknown>;
type Value = string | boolean | null | string[];
export type UserProps = Record<string, Value>;
export type GroupProps = Record<string, Value>;

/** Every user property the fake knows; anything else in `$select` is a 400, as in Graph. */
export const FAKE_USER_PROPS = [
  'userPrincipalName',
  'mail',
  'displayName',
  'givenName',
  'surname',
  'accountEnabled',
  'userType',
  'employeeId',
  'employeeType',
  'jobTitle',
  'department',
  'companyName',
  'officeLocation',
  'mobilePhone',
  'preferredLanguage',
  'onPremisesImmutableId',
  'onPremisesSyncEnabled',
  'createdDateTime',
] as const;
/** `GET /users` without `$select` (Graph's default set, minus properties the fake does not hold). */
const DEFAULT_USER_SELECT = [
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
];

export const FAKE_GROUP_PROPS = [
  'displayName',
  'description',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'groupTypes',
  'visibility',
  'createdDateTime',
] as const;

const ALIVE = 0;
const SOFT_DELETED = 1;
const HARD_DELETED = 2;

const LOG_USER = 1;
const LOG_GROUP = 2;
const LOG_MEMBER_ADD = 3;
const LOG_MEMBER_REMOVE = 4;

export interface SeedSpec {
  users: number;
  groups: number;
  /** Direct user→group memberships; one group holds about 10% of them, the rest are spread unevenly. */
  memberships: number;
  seed?: number;
  /** Tenant domain for user principal names (default contoso.onmicrosoft.com). */
  domain?: string;
}

const FIRST =
  'Adele Alex Ben Cameron Chioma Dana Diego Elif Farah Grady Hana Isaiah Joni Kenji Lee Lidia Megan Miriam Nestor Olu Patti Priya Quinn Raúl Sofia Tomasz Uma Wei Yusuf Zoë'.split(
    ' ',
  );
const LAST =
  'Vance Wilber Adams White Okafor Park Ramos Yilmaz Haddad Bellows Sato Brown Sherman Tanaka Gu Holloway Bowen Kowalski Wilke Adeyemi Fernandez Nair Murphy García Rossi Nowak Iyer Chen Demir Müller'.split(
    ' ',
  );
const DEPARTMENTS = 'Engineering Sales Marketing Finance Legal Operations Support HR Research IT'.split(' ');
const TITLES = 'Engineer,Senior Engineer,Manager,Director,Analyst,Specialist,Associate,Consultant,Lead,Coordinator'.split(',');
const OFFICES = 'Redmond,London,Berlin,Tokyo,São Paulo,Sydney,Nairobi,Toronto'.split(',');
const TEAMS = 'Engineering Sales Finance Design Platform Security Data Mobile Web Infra Payments Growth'.split(' ');

const asciiNames = new Map<string, string>();
/** `first.last` in lowercase ASCII (computed once per pair: normalize() is slow at 100k users). */
function asciiName(first: string, last: string): string {
  const key = `${first} ${last}`;
  let v = asciiNames.get(key);
  if (v === undefined) {
    v = `${first}.${last}`
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z0-9.]/g, '');
    asciiNames.set(key, v);
  }
  return v;
}

/** A 32-bit integer hash (murmur3 finaliser): deterministic per-index attributes without storing them. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

const ISO_BASE = Date.UTC(2020, 0, 1);

export interface ChangedUser {
  id: string;
  kind: 'updated' | 'disabled' | 'enabled';
  /** The properties that changed. */
  changed: string[];
}

/**
 * The directory behind the fake: users, groups, memberships and the change log the delta rounds
 * are served from. Mutations append to the log; nothing is ever rewritten.
 */
export class GraphDirectory {
  readonly seed: number;
  readonly domain: string;
  private readonly seedHex: string;
  private readonly seededUsers: number;
  private readonly seededGroups: number;
  private userCount: number;
  private groupCount: number;
  private userState: Uint8Array;
  private groupState: Uint8Array;
  private readonly userOverride = new Map<number, UserProps>();
  private readonly groupOverride = new Map<number, GroupProps>();
  /** Member refs per group: a user index (≥ 0) or -(group index + 1). */
  private readonly members: (Int32Array | number[])[] = [];
  /** Groups a soft-deleted user was in (restored with the user). */
  private readonly parkedMemberships = new Map<number, number[]>();
  private readonly groupDeleteReason = new Map<number, 'changed' | 'deleted'>();
  // The change log, one entry per index; an entry's sequence number is its index + 1.
  private readonly logKind: number[] = [];
  private readonly logA: number[] = [];
  private readonly logB: number[] = [];
  private readonly logProps: (string[] | null)[] = [];

  constructor(spec: SeedSpec) {
    const { users: n, groups: g, memberships: m } = spec;
    if (![n, g, m].every((x) => Number.isInteger(x) && x >= 0)) throw new Error('seedGraph: counts must be non-negative integers');
    if (m > n * g) throw new Error(`seedGraph: ${m} memberships do not fit ${n} users × ${g} groups`);
    this.seed = (spec.seed ?? 1) >>> 0;
    this.seedHex = this.seed.toString(16).padStart(8, '0');
    this.domain = spec.domain ?? 'contoso.onmicrosoft.com';
    this.seededUsers = this.userCount = n;
    this.seededGroups = this.groupCount = g;
    this.userState = new Uint8Array(n + 64);
    this.groupState = new Uint8Array(g + 64);

    const rng = mulberry32(this.seed ^ 0x5eed);
    const sizes = new Int32Array(g);
    if (g > 0 && m > 0) {
      // One all-hands style group with ~10%, the rest spread unevenly (cubed uniform weights).
      sizes[0] = g === 1 ? m : Math.min(n, Math.floor(m * 0.1));
      const weights = new Float64Array(g);
      let sum = 0;
      for (let i = 1; i < g; i++) sum += weights[i] = rng() ** 3 + 0.02;
      const rest = m - sizes[0]!;
      let placed = sizes[0]!;
      for (let i = 1; i < g; i++) placed += sizes[i] = Math.min(n, Math.floor((rest * weights[i]!) / sum));
      for (let i = 0; placed < m; i = (i + 1) % g) {
        if (sizes[i]! < n) {
          sizes[i]!++;
          placed++;
        }
      }
    }
    for (let i = 0; i < g; i++) {
      const k = sizes[i]!;
      const arr = new Int32Array(k);
      if (k > 0) {
        let step = n === 1 ? 1 : 1 + Math.floor(rng() * (n - 1));
        while (gcd(step, n) !== 1) step = (step % (n - 1)) + 1;
        let cur = Math.floor(rng() * n);
        for (let j = 0; j < k; j++) {
          arr[j] = cur;
          cur = (cur + step) % n;
        }
      }
      this.members.push(arr);
    }
  }

  /** The current sequence number: the change log's length. */
  get seq(): number {
    return this.logKind.length;
  }
  get counts(): { users: number; groups: number; memberships: number } {
    let users = 0;
    for (let i = 0; i < this.userCount; i++) if (this.userState[i] === ALIVE) users++;
    let groups = 0;
    let memberships = 0;
    for (let i = 0; i < this.groupCount; i++) {
      if (this.groupState[i] !== ALIVE) continue;
      groups++;
      memberships += this.members[i]!.length;
    }
    return { users, groups, memberships };
  }

  // --- ids ---------------------------------------------------------------------------------

  userId(i: number): string {
    return `${this.seedHex}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
  }
  groupId(i: number): string {
    return `${this.seedHex}-0000-4000-9000-${i.toString(16).padStart(12, '0')}`;
  }
  private parseId(id: string, kind: '8' | '9'): number | null {
    const m = /^([0-9a-f]{8})-0000-4000-([89])000-([0-9a-f]{12})$/.exec(id);
    if (!m || m[1] !== this.seedHex || m[2] !== kind) return null;
    return parseInt(m[3]!, 16);
  }
  userIndex(id: string): number | null {
    const i = this.parseId(id, '8');
    return i !== null && i < this.userCount && this.userState[i] !== HARD_DELETED ? i : null;
  }
  groupIndex(id: string): number | null {
    const i = this.parseId(id, '9');
    return i !== null && i < this.groupCount && this.groupState[i] === ALIVE ? i : null;
  }
  userStateOf(i: number): 'alive' | 'softDeleted' | 'hardDeleted' {
    return (['alive', 'softDeleted', 'hardDeleted'] as const)[this.userState[i]!]!;
  }
  groupAlive(i: number): boolean {
    return this.groupState[i] === ALIVE;
  }
  groupRemovedReason(i: number): 'changed' | 'deleted' {
    return this.groupDeleteReason.get(i) ?? 'deleted';
  }
  get userSlots(): number {
    return this.userCount;
  }
  get groupSlots(): number {
    return this.groupCount;
  }
  membersOf(g: number): ArrayLike<number> {
    return this.members[g]!;
  }
  memberRefId(ref: number): { type: '#microsoft.graph.user' | '#microsoft.graph.group'; id: string } {
    return ref >= 0
      ? { type: '#microsoft.graph.user', id: this.userId(ref) }
      : { type: '#microsoft.graph.group', id: this.groupId(-ref - 1) };
  }

  // --- properties --------------------------------------------------------------------------

  private seededUser(i: number): UserProps {
    const h = mix32(i ^ Math.imul(this.seed, 0x9e3779b1));
    const first = FIRST[h % FIRST.length]!;
    const last = LAST[(h >>> 8) % LAST.length]!;
    const local = `${asciiName(first, last)}.${i}`;
    const guest = i % 50 === 49;
    const synced = (h >>> 20) % 4 === 0;
    return {
      userPrincipalName: guest ? `${local}_example.com#EXT#@${this.domain}` : `${local}@${this.domain}`,
      mail: guest ? `${local}@example.com` : `${local}@${this.domain}`,
      displayName: `${first} ${last}`,
      givenName: first,
      surname: last,
      accountEnabled: (h >>> 4) % 100 >= 3,
      userType: guest ? 'Guest' : 'Member',
      employeeId: guest ? null : String(100000 + i),
      employeeType: guest ? null : 'Employee',
      jobTitle: (h >>> 12) % 10 === 0 ? null : TITLES[(h >>> 12) % TITLES.length]!,
      department: guest ? null : DEPARTMENTS[(h >>> 16) % DEPARTMENTS.length]!,
      companyName: guest ? null : 'Contoso',
      officeLocation: OFFICES[(h >>> 24) % OFFICES.length]!,
      mobilePhone: null,
      preferredLanguage: null,
      onPremisesImmutableId: synced ? `${this.seedHex}${i.toString(16).padStart(8, '0')}Aw==` : null,
      onPremisesSyncEnabled: synced ? true : null,
      createdDateTime: new Date(ISO_BASE + i * 60_000).toISOString().replace('.000Z', 'Z'),
    };
  }
  private seededGroup(i: number): GroupProps {
    const h = mix32(i ^ Math.imul(this.seed, 0x85ebca6b));
    const unified = h % 3 === 0;
    const nick = `${TEAMS[h % TEAMS.length]!.toLowerCase()}-${i}`;
    const mailEnabled = unified || (h >>> 8) % 5 === 0;
    return {
      displayName: i === 0 ? 'All Company' : `${TEAMS[h % TEAMS.length]} ${unified ? 'Team' : 'Access'} ${i}`,
      description: (h >>> 12) % 4 === 0 ? null : `Group ${i} of the seeded directory`,
      mail: mailEnabled ? `${nick}@${this.domain}` : null,
      mailEnabled,
      mailNickname: nick,
      securityEnabled: !unified || (h >>> 16) % 2 === 0,
      groupTypes: unified ? ['Unified'] : [],
      visibility: unified ? 'Private' : null,
      createdDateTime: new Date(ISO_BASE + i * 3_600_000).toISOString().replace('.000Z', 'Z'),
    };
  }
  user(i: number): UserProps {
    return this.userOverride.get(i) ?? this.seededUser(i);
  }
  group(i: number): GroupProps {
    return this.groupOverride.get(i) ?? this.seededGroup(i);
  }

  // --- mutations (each appends to the change log) -----------------------------------------

  private append(kind: number, a: number, b: number, props: string[] | null): void {
    this.logKind.push(kind);
    this.logA.push(a);
    this.logB.push(b);
    this.logProps.push(props);
  }
  private needUser(id: string, states: number[] = [ALIVE]): number {
    const i = this.parseId(id, '8');
    if (i === null || i >= this.userCount || !states.includes(this.userState[i]!)) throw new Error(`fake graph: no such user ${id}`);
    return i;
  }
  private needGroup(id: string): number {
    const i = this.groupIndex(id);
    if (i === null) throw new Error(`fake graph: no such group ${id}`);
    return i;
  }
  private growUsers(): number {
    const i = this.userCount++;
    if (i >= this.userState.length) {
      const next = new Uint8Array(this.userState.length * 2);
      next.set(this.userState);
      this.userState = next;
    }
    return i;
  }

  createUser(props: Partial<UserProps> = {}): string {
    const i = this.growUsers();
    const local = `new.user.${i}`;
    const base: UserProps = {
      ...Object.fromEntries(FAKE_USER_PROPS.map((p) => [p, null])),
      userPrincipalName: `${local}@${this.domain}`,
      mail: `${local}@${this.domain}`,
      displayName: `New User ${i}`,
      accountEnabled: true,
      userType: 'Member',
      createdDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    this.userOverride.set(i, { ...base, ...props } as UserProps);
    this.append(LOG_USER, i, 0, null);
    return this.userId(i);
  }
  updateUser(id: string, patch: Partial<UserProps>): void {
    const i = this.needUser(id);
    const before = this.user(i);
    const changed = Object.keys(patch).filter((k) => {
      if (!(FAKE_USER_PROPS as readonly string[]).includes(k)) throw new Error(`fake graph: unknown user property ${k}`);
      return JSON.stringify(before[k] ?? null) !== JSON.stringify(patch[k] ?? null);
    });
    if (changed.length === 0) return;
    this.userOverride.set(i, { ...before, ...patch } as UserProps);
    this.append(LOG_USER, i, 0, changed);
  }
  disable(id: string): void {
    this.updateUser(id, { accountEnabled: false });
  }
  enable(id: string): void {
    this.updateUser(id, { accountEnabled: true });
  }
  /** Moves the user to deleted items (restorable); Graph drops their memberships. */
  softDelete(id: string): void {
    const i = this.needUser(id);
    const ref = i;
    const groups: number[] = [];
    for (let g = 0; g < this.groupCount; g++) {
      if (this.groupState[g] !== ALIVE || this.members[g]!.indexOf(ref) < 0) continue;
      this.removeRef(g, ref);
      groups.push(g);
    }
    this.parkedMemberships.set(i, groups);
    this.userState[i] = SOFT_DELETED;
    this.append(LOG_USER, i, 0, null);
  }
  restore(id: string): void {
    const i = this.needUser(id, [SOFT_DELETED]);
    this.userState[i] = ALIVE;
    this.append(LOG_USER, i, 0, null);
    for (const g of this.parkedMemberships.get(i) ?? []) if (this.groupState[g] === ALIVE) this.addRef(g, i);
    this.parkedMemberships.delete(i);
  }
  /** Permanent deletion, from the directory or from deleted items. */
  hardDelete(id: string): void {
    const i = this.needUser(id, [ALIVE, SOFT_DELETED]);
    if (this.userState[i] === ALIVE) {
      for (let g = 0; g < this.groupCount; g++) if (this.groupState[g] === ALIVE && this.members[g]!.indexOf(i) >= 0) this.removeRef(g, i);
    }
    this.parkedMemberships.delete(i);
    this.userState[i] = HARD_DELETED;
    this.append(LOG_USER, i, 0, null);
  }

  createGroup(props: Partial<GroupProps> = {}): string {
    const i = this.groupCount++;
    if (i >= this.groupState.length) {
      const next = new Uint8Array(this.groupState.length * 2);
      next.set(this.groupState);
      this.groupState = next;
    }
    const base: GroupProps = {
      ...Object.fromEntries(FAKE_GROUP_PROPS.map((p) => [p, null])),
      displayName: `New Group ${i}`,
      mailEnabled: false,
      mailNickname: `new-group-${i}`,
      securityEnabled: true,
      groupTypes: [],
      createdDateTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    this.groupOverride.set(i, { ...base, ...props } as GroupProps);
    this.members.push([]);
    this.append(LOG_GROUP, i, 0, null);
    return this.groupId(i);
  }
  updateGroup(id: string, patch: Partial<GroupProps>): void {
    const i = this.needGroup(id);
    const before = this.group(i);
    const changed = Object.keys(patch).filter((k) => {
      if (!(FAKE_GROUP_PROPS as readonly string[]).includes(k)) throw new Error(`fake graph: unknown group property ${k}`);
      return JSON.stringify(before[k] ?? null) !== JSON.stringify(patch[k] ?? null);
    });
    if (changed.length === 0) return;
    this.groupOverride.set(i, { ...before, ...patch } as GroupProps);
    this.append(LOG_GROUP, i, 0, changed);
  }
  renameGroup(id: string, displayName: string): void {
    this.updateGroup(id, { displayName });
  }
  /** Security groups are deleted for good (`deleted`); Microsoft 365 groups go to deleted items (`changed`). */
  deleteGroup(id: string, options: { soft?: boolean } = {}): void {
    const i = this.needGroup(id);
    const unified = (this.group(i).groupTypes as string[] | null)?.includes('Unified') ?? false;
    this.groupDeleteReason.set(i, (options.soft ?? unified) ? 'changed' : 'deleted');
    this.groupState[i] = HARD_DELETED;
    this.append(LOG_GROUP, i, 0, null);
  }
  addMember(groupId: string, memberId: string): void {
    const g = this.needGroup(groupId);
    const u = this.userIndex(memberId);
    let ref: number;
    if (u !== null && this.userState[u] === ALIVE) ref = u;
    else {
      const sub = this.groupIndex(memberId);
      if (sub === null) throw new Error(`fake graph: no such user or group ${memberId}`);
      ref = -sub - 1;
    }
    if (this.members[g]!.indexOf(ref) >= 0) throw new Error(`fake graph: ${memberId} is already a member of ${groupId}`);
    this.addRef(g, ref);
  }
  removeMember(groupId: string, memberId: string): void {
    const g = this.needGroup(groupId);
    const u = this.parseId(memberId, '8');
    const sub = this.parseId(memberId, '9');
    const ref = u !== null ? u : sub !== null ? -sub - 1 : null;
    if (ref === null || this.members[g]!.indexOf(ref) < 0) throw new Error(`fake graph: ${memberId} is not a member of ${groupId}`);
    this.removeRef(g, ref);
  }
  private mutable(g: number): number[] {
    let arr = this.members[g]!;
    if (!Array.isArray(arr)) this.members[g] = arr = Array.from(arr);
    return arr;
  }
  private addRef(g: number, ref: number): void {
    this.mutable(g).push(ref);
    this.append(LOG_MEMBER_ADD, g, ref, null);
  }
  private removeRef(g: number, ref: number): void {
    const arr = this.mutable(g);
    arr.splice(arr.indexOf(ref), 1);
    this.append(LOG_MEMBER_REMOVE, g, ref, null);
  }

  // --- the change log, read ----------------------------------------------------------------

  /** Users changed in (from, to]: index and the changed properties (null: all of them). */
  userChanges(from: number, to: number): { idx: number[]; props: (Set<string> | null)[] } {
    const order = new Map<number, number>();
    const idx: number[] = [];
    const props: (Set<string> | null)[] = [];
    for (let k = from; k < to; k++) {
      if (this.logKind[k] !== LOG_USER) continue;
      const u = this.logA[k]!;
      let at = order.get(u);
      if (at === undefined) {
        order.set(u, (at = idx.length));
        idx.push(u);
        props.push(new Set());
      }
      const p = this.logProps[k] ?? null;
      const cur = props[at]!;
      if (p === null) props[at] = null;
      else if (cur) for (const name of p) cur.add(name);
    }
    return { idx, props };
  }

  /** Groups changed in (from, to]: property changes (null: all) and the last membership operation per member. */
  groupChanges(from: number, to: number): { idx: number[]; props: (Set<string> | null | false)[]; ops: Map<number, boolean>[] } {
    const order = new Map<number, number>();
    const idx: number[] = [];
    const props: (Set<string> | null | false)[] = [];
    const ops: Map<number, boolean>[] = [];
    for (let k = from; k < to; k++) {
      const kind = this.logKind[k]!;
      if (kind === LOG_USER) continue;
      const g = this.logA[k]!;
      let at = order.get(g);
      if (at === undefined) {
        order.set(g, (at = idx.length));
        idx.push(g);
        props.push(false);
        ops.push(new Map());
      }
      if (kind === LOG_GROUP) {
        const p = this.logProps[k] ?? null;
        const cur = props[at]!;
        if (p === null) props[at] = null;
        else if (cur === false) props[at] = new Set(p);
        else if (cur) for (const name of p) cur.add(name);
      } else {
        ops[at]!.set(this.logB[k]!, kind === LOG_MEMBER_ADD);
      }
    }
    return { idx, props, ops };
  }
}

/** A deterministic directory of the given size (the benchmark: 100,000 / 10,000 / 1,000,000). */
export function seedGraph(spec: SeedSpec): GraphDirectory {
  return new GraphDirectory(spec);
}

/**
 * Changes `fraction` of the seeded users (default 1%), deterministically: seven in ten get a new
 * department and job title, the rest are disabled (or enabled, if they were disabled). Returns what
 * changed, so a benchmark can check that a sync emits exactly these changes.
 */
export function changeUsers(dir: GraphDirectory, options: { fraction?: number; seed?: number } = {}): ChangedUser[] {
  const rng = mulberry32((options.seed ?? 7) >>> 0);
  const alive: number[] = [];
  for (let i = 0; i < dir.userSlots; i++) if (dir.userStateOf(i) === 'alive') alive.push(i);
  const k = Math.round(alive.length * (options.fraction ?? 0.01));
  // Partial Fisher–Yates: k distinct users.
  for (let j = 0; j < k; j++) {
    const r = j + Math.floor(rng() * (alive.length - j));
    [alive[j], alive[r]] = [alive[r]!, alive[j]!];
  }
  const out: ChangedUser[] = [];
  for (let j = 0; j < k; j++) {
    const i = alive[j]!;
    const id = dir.userId(i);
    const u = dir.user(i);
    if (j % 10 < 7) {
      const department = DEPARTMENTS[(DEPARTMENTS.indexOf(String(u.department)) + 1 + Math.floor(rng() * 3)) % DEPARTMENTS.length]!;
      const jobTitle = `${TITLES[Math.floor(rng() * TITLES.length)]} (${options.seed ?? 7}/${j})`;
      dir.updateUser(id, { department, jobTitle });
      out.push({ id, kind: 'updated', changed: ['department', 'jobTitle'] });
    } else if (u.accountEnabled) {
      dir.disable(id);
      out.push({ id, kind: 'disabled', changed: ['accountEnabled'] });
    } else {
      dir.enable(id);
      out.push({ id, kind: 'enabled', changed: ['accountEnabled'] });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The server

export interface FakeGraphOptions {
  /** The directory to serve (default: an empty one). */
  directory?: GraphDirectory;
  tenantId?: string;
  clientId?: string;
  /** Accepted client secret (null: secrets refused). */
  clientSecret?: string | null;
  /** A registered certificate (PEM): its key verifies client assertions. */
  certificate?: string;
  tokenLifetimeS?: number;
  /** Delta and skip tokens older than this get 410 (default 7 days). */
  deltaTokenMaxAgeMs?: number;
  /** Page size without `Prefer: odata.maxpagesize` (default 100; users/groups lists default 100 too). */
  defaultPageSize?: number;
  /** Member entries per groups/delta page at most (default 2000): large groups span pages. */
  memberBudget?: number;
  /** In change rounds, send every selected group property with a membership-only change (the documented default). */
  fullGroupOnMemberChange?: boolean;
  /** The fake's clock in ms (tokens, delta-token age). */
  now?: () => number;
}

export interface FakeGraph {
  readonly url: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly tokenUrl: string;
  readonly directory: GraphDirectory;
  readonly server: FakeServer;
  /** Successful token requests. */
  readonly tokensIssued: number;
  /** Every access token issued so far stops working. */
  expireTokens(): void;
  /** Every delta and skip token issued so far gets 410 Gone (a sync reset). */
  resetDeltaTokens(): void;
  /** Arms `times` throttled answers (429 TooManyRequests, or 503 serviceNotAvailable) on matching Graph requests. */
  throttle(options?: { times?: number; retryAfterS?: number | null; status?: 429 | 503; match?: RegExp; after?: number }): void;
  fail(fault: Fault): void;
  close(): Promise<void>;
}

interface Tok {
  /** c: collection (u, g); e: epoch; t: round start (ms); s: from seq (-1: initial round); h: to seq; o, j: position; sel: $select. */
  c: 'u' | 'g';
  e: number;
  t: number;
  s: number;
  h: number;
  o: number;
  j: number;
  sel: string;
}

const enc = (t: object) => Buffer.from(JSON.stringify(t)).toString('base64url');
function dec<T>(s: string): T | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as T) : null;
  } catch {
    return null;
  }
}

const gErr = (status: number, code: string, message: string, headers?: Record<string, string>): FakeResponse => ({
  status,
  headers,
  body: {
    error: {
      code,
      message,
      innerError: {
        date: new Date().toISOString().slice(0, 19),
        'request-id': randomBytes(8).toString('hex'),
        'client-request-id': randomBytes(8).toString('hex'),
      },
    },
  },
});

const aadErr = (status: number, error: string, code: number, text: string): FakeResponse => ({
  status,
  body: {
    error,
    error_description: `AADSTS${code}: ${text}\r\nTrace ID: ${randomBytes(8).toString('hex')}\r\nCorrelation ID: ${randomBytes(8).toString('hex')}\r\nTimestamp: ${new Date().toISOString().slice(0, 19).replace('T', ' ')}Z`,
    error_codes: [code],
    timestamp: new Date().toISOString().slice(0, 19).replace('T', ' ') + 'Z',
  },
});

function preferences(req: FakeRequest): { maxPageSize: number | null; minimal: boolean } {
  const raw = req.headers.prefer;
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(text);
  return { maxPageSize: m ? Number(m[1]) : null, minimal: /return\s*=\s*minimal/i.test(text) };
}

export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const dir = options.directory ?? seedGraph({ users: 0, groups: 0, memberships: 0 });
  const tenantId = options.tenantId ?? '0785ef7c-2d7a-4542-b048-95bcab406e0b';
  const clientId = options.clientId ?? '9a3d526c-b3c1-4479-ba74-197b5c5751ae';
  const clientSecret = options.clientSecret === undefined ? 'fake-graph-secret' : options.clientSecret;
  const lifetimeS = options.tokenLifetimeS ?? 3599;
  const maxAge = options.deltaTokenMaxAgeMs ?? 7 * 24 * 3600 * 1000;
  const defaultPage = options.defaultPageSize ?? 100;
  const memberBudget = options.memberBudget ?? 2000;
  const now = options.now ?? Date.now;
  const cert = options.certificate ? new X509Certificate(options.certificate) : null;
  const certS256 = options.certificate ? certificateThumbprintS256(options.certificate) : null;
  const certS1 = cert ? Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('base64url') : null;

  const tokens = new Map<string, number>();
  let tokensIssued = 0;
  let epoch = 0;
  let url = '';
  // One computed change list per collection: every page of a round asks for the same (s, h).
  let userCache: { key: string; v: ReturnType<GraphDirectory['userChanges']> } | null = null;
  let groupCache: { key: string; v: ReturnType<GraphDirectory['groupChanges']> } | null = null;

  const tokenEndpoint = (req: FakeRequest, tenant: string): FakeResponse => {
    if (req.method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'POST only' } };
    if (tenant !== tenantId)
      return aadErr(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`);
    const form = formBody(req.body);
    const tokenUrl = `${url}/${tenant}/oauth2/v2.0/token`;
    if (form.grant_type !== 'client_credentials')
      return aadErr(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.client_id !== clientId)
      return aadErr(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.client_id ?? ''}' was not found in the directory '${tenant}'.`,
      );
    if (form.scope !== `${url}/.default`)
      return aadErr(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${form.scope ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    if (form.client_secret !== undefined) {
      if (clientSecret === null || form.client_secret !== clientSecret)
        return aadErr(
          401,
          'invalid_client',
          7000215,
          'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
        );
    } else if (form.client_assertion !== undefined) {
      if (form.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
        return aadErr(
          400,
          'invalid_request',
          700024,
          'client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.',
        );
      if (!cert)
        return aadErr(
          401,
          'invalid_client',
          700027,
          'Client assertion failed signature validation: no certificate is registered for this app.',
        );
      let jwt: ReturnType<typeof verifyJwt>;
      try {
        jwt = verifyJwt(form.client_assertion, cert.publicKey);
      } catch (err) {
        return aadErr(401, 'invalid_client', 700027, `Client assertion failed signature validation (${(err as Error).message}).`);
      }
      const { header, payload } = jwt;
      if (header['x5t#S256'] !== certS256 && header.x5t !== certS1)
        return aadErr(
          401,
          'invalid_client',
          700027,
          'Client assertion contains an invalid signature: the key was not found (x5t#S256/x5t names no registered certificate).',
        );
      if (payload.aud !== tokenUrl)
        return aadErr(401, 'invalid_client', 700021, `Client assertion audience claim does not match Realm issuer: expected ${tokenUrl}.`);
      if (payload.iss !== clientId || payload.sub !== clientId)
        return aadErr(401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter.");
      const nowS = now() / 1000;
      const exp = Number(payload.exp);
      const nbf = payload.nbf === undefined ? -Infinity : Number(payload.nbf);
      if (!Number.isFinite(exp) || exp <= nowS || exp - nowS > 3600 || nbf > nowS + 300)
        return aadErr(401, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    } else {
      return aadErr(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    const token = `fake-graph.${randomBytes(24).toString('base64url')}`;
    tokens.set(token, now() + lifetimeS * 1000);
    tokensIssued++;
    return { status: 200, body: { token_type: 'Bearer', expires_in: lifetimeS, ext_expires_in: lifetimeS, access_token: token } };
  };

  const checkAuth = (req: FakeRequest): FakeResponse | null => {
    const token = bearer(req.headers);
    if (token === null) return gErr(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const exp = tokens.get(token);
    if (exp === undefined) return gErr(401, 'InvalidAuthenticationToken', 'CompactToken parsing failed with error code: 80049217');
    if (now() >= exp) return gErr(401, 'InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.');
    return null;
  };

  const parseSelect = (
    raw: string | null,
    known: readonly string[],
    fallback: readonly string[],
    kind: string,
  ): string[] | FakeResponse => {
    if (raw === null || raw.trim() === '') return [...fallback];
    const out: string[] = [];
    for (const p of raw.split(',').map((s) => s.trim())) {
      if (p === 'id' || p === '') continue;
      if (!known.includes(p))
        return gErr(400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.${kind}'.`);
      out.push(p);
    }
    return out;
  };

  /**
   * Default representation as JSON text (the fake writes pages as text, not objects: at 1M
   * memberships that is most of its cost): the selected properties with a value, plus those in
   * `nulls` (changed to null); `only` limits them to the changed ones (`Prefer: return=minimal`).
   * Returns the fields followed by commas, ready for `"id"` to close the object.
   */
  const fields = (obj: Record<string, Value>, sel: readonly string[], only: Set<string> | null, nulls: Set<string> | null): string => {
    let out = '';
    for (const p of sel) {
      if (only && !only.has(p)) continue;
      const v = obj[p];
      if (v === null || v === undefined) {
        if (nulls?.has(p)) out += `"${p}":null,`;
      } else out += `"${p}":${typeof v === 'boolean' ? v : JSON.stringify(v)},`;
    }
    return out;
  };
  const objectText = (id: string, fieldText: string, members: string | null = null): string =>
    members === null ? `{${fieldText}"id":"${id}"}` : `{${fieldText}"id":"${id}","members@delta":[${members}]}`;
  const removedText = (id: string, reason: string): string => `{"id":"${id}","@removed":{"reason":"${reason}"}}`;

  /** Member entries are the bulk of a groups round: each user's entry text is built once. */
  const memberCache: (string | undefined)[] = [];
  const memberText = (ref: number): string => {
    if (ref >= 0) return (memberCache[ref] ??= `{"@odata.type":"#microsoft.graph.user","id":"${dir.userId(ref)}"}`);
    return `{"@odata.type":"#microsoft.graph.group","id":"${dir.groupId(-ref - 1)}"}`;
  };
  const removedMemberText = (ref: number): string => `${memberText(ref).slice(0, -1)},"@removed":{"reason":"deleted"}}`;

  const gone = (collection: 'users' | 'groups'): FakeResponse =>
    gErr(410, 'syncStateNotFound', 'The sync state is no longer valid or has expired; restart the round with a new delta request.', {
      location: `${url}/v1.0/${collection}/delta?$deltatoken=`,
    });

  const json = (text: string, headers: Record<string, string> = {}): FakeResponse => ({
    status: 200,
    headers: { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', ...headers },
    body: text,
  });

  const pageText = (context: string, links: string, value: string[]): string =>
    `{"@odata.context":${JSON.stringify(context)},${links}"value":[${value.join(',')}]}`;

  const page = (collection: string, sel: string[], value: string[], next: Tok | null, delta: Tok | null, pageSize: number | null) => {
    let links = '';
    if (next) links += `"@odata.nextLink":"${url}/v1.0/${collection}/delta?$skiptoken=${enc(next)}",`;
    if (delta) links += `"@odata.deltaLink":"${url}/v1.0/${collection}/delta?$deltatoken=${enc(delta)}",`;
    const text = pageText(`${url}/v1.0/$metadata#${collection}(${sel.join(',')})`, links, value);
    return json(text, pageSize ? { 'preference-applied': `odata.maxpagesize=${pageSize}` } : {});
  };

  const deltaEndpoint = (req: FakeRequest, c: 'u' | 'g'): FakeResponse => {
    const collection = c === 'u' ? 'users' : 'groups';
    const q = req.url.searchParams;
    const prefs = preferences(req);
    const size = Math.max(1, Math.min(999, prefs.maxPageSize ?? defaultPage));
    const skip = q.get('$skiptoken');
    const deltaTok = q.get('$deltatoken');
    let tok: Tok;
    if (skip !== null || (deltaTok !== null && deltaTok !== 'latest')) {
      const t = dec<Tok>((skip ?? deltaTok)!);
      if (!t || t.c !== c || t.e !== epoch || typeof t.t !== 'number' || now() - t.t > maxAge) return gone(collection);
      if (skip !== null) tok = t;
      else tok = { c, e: epoch, t: now(), s: t.s, h: dir.seq, o: 0, j: 0, sel: t.sel }; // a change round starts
    } else {
      const sel =
        c === 'u'
          ? parseSelect(q.get('$select'), FAKE_USER_PROPS, DEFAULT_USER_SELECT, 'user')
          : parseSelect(q.get('$select'), [...FAKE_GROUP_PROPS, 'members'], [...FAKE_GROUP_PROPS, 'members'], 'group');
      if (!Array.isArray(sel)) return sel;
      if (deltaTok === 'latest')
        return page(collection, sel, [], null, { c, e: epoch, t: now(), s: dir.seq, h: 0, o: 0, j: 0, sel: sel.join(',') }, null);
      tok = { c, e: epoch, t: now(), s: -1, h: dir.seq, o: 0, j: 0, sel: sel.join(',') };
    }
    const sel = tok.sel ? tok.sel.split(',') : [];
    const applied = prefs.maxPageSize ? size : null;
    const finalTok: Tok = { c, e: epoch, t: tok.t, s: tok.h, h: 0, o: 0, j: 0, sel: tok.sel };
    return c === 'u'
      ? usersRound(tok, sel, size, prefs.minimal, finalTok, applied)
      : groupsRound(tok, sel, size, prefs.minimal, finalTok, applied);
  };

  const usersRound = (tok: Tok, sel: string[], size: number, minimal: boolean, finalTok: Tok, applied: number | null): FakeResponse => {
    const value: string[] = [];
    if (tok.s < 0) {
      // Initial round: every user that exists, in index order.
      let i = tok.o;
      const end = dir.userSlots;
      for (; i < end && value.length < size; i++)
        if (dir.userStateOf(i) === 'alive') value.push(objectText(dir.userId(i), fields(dir.user(i), sel, null, null)));
      for (; i < end && dir.userStateOf(i) !== 'alive'; i++);
      return page('users', sel, value, i < end ? { ...tok, o: i } : null, i < end ? null : finalTok, applied);
    }
    const key = `${epoch}:${tok.s}:${tok.h}`;
    if (userCache?.key !== key) userCache = { key, v: dir.userChanges(tok.s, tok.h) };
    const { idx, props } = userCache.v;
    let k = tok.o;
    for (; k < idx.length && value.length < size; k++) {
      const i = idx[k]!;
      const state = dir.userStateOf(i);
      const id = dir.userId(i);
      if (state !== 'alive') value.push(removedText(id, state === 'softDeleted' ? 'changed' : 'deleted'));
      else {
        const changed = props[k]!; // null: created or restored, all properties
        value.push(objectText(id, fields(dir.user(i), sel, minimal ? changed : null, changed)));
      }
    }
    return page('users', sel, value, k < idx.length ? { ...tok, o: k } : null, k < idx.length ? null : finalTok, applied);
  };

  const groupsRound = (tok: Tok, sel: string[], size: number, minimal: boolean, finalTok: Tok, applied: number | null): FakeResponse => {
    const withMembers = sel.includes('members');
    const props = sel.filter((p) => p !== 'members');
    const value: string[] = [];
    let budget = memberBudget;
    if (tok.s < 0) {
      let g = tok.o;
      let j = tok.j;
      const end = dir.groupSlots;
      while (g < end && value.length < size && budget > 0) {
        if (!dir.groupAlive(g)) {
          g++;
          j = 0;
          continue;
        }
        const id = dir.groupId(g);
        const mem = dir.membersOf(g);
        // A group's first occurrence carries its properties; continuations only id and members.
        const head = j === 0 ? fields(dir.group(g), props, null, null) : '';
        const take = withMembers ? Math.min(mem.length - j, budget) : 0;
        let list: string | null = null;
        if (take > 0) {
          const parts = new Array<string>(take);
          for (let x = 0; x < take; x++) parts[x] = memberText(mem[j + x]!);
          list = parts.join(',');
          budget -= take;
        }
        value.push(objectText(id, head, list));
        if (withMembers && j + take < mem.length) j += take;
        else {
          g++;
          j = 0;
        }
      }
      while (g < end && !dir.groupAlive(g)) g++;
      const more = g < end;
      return page('groups', sel, value, more ? { ...tok, o: g, j } : null, more ? null : finalTok, applied);
    }
    const key = `${epoch}:${tok.s}:${tok.h}`;
    if (groupCache?.key !== key) groupCache = { key, v: dir.groupChanges(tok.s, tok.h) };
    const { idx, props: changedProps, ops } = groupCache.v;
    let k = tok.o;
    let j = tok.j;
    while (k < idx.length && value.length < size && budget > 0) {
      const g = idx[k]!;
      const id = dir.groupId(g);
      if (!dir.groupAlive(g)) {
        value.push(removedText(id, dir.groupRemovedReason(g)));
        k++;
        j = 0;
        continue;
      }
      const changed = changedProps[k]!; // false: membership only; null: created (all properties)
      const memberOps = withMembers ? [...ops[k]!] : [];
      let head: string;
      if (j > 0 || (changed === false && !options.fullGroupOnMemberChange)) head = '';
      else if (changed === false || changed === null || !minimal) head = fields(dir.group(g), props, null, changed || null);
      else head = fields(dir.group(g), props, changed, changed);
      const take = Math.min(memberOps.length - j, budget);
      let list: string | null = null;
      if (take > 0) {
        list = memberOps
          .slice(j, j + take)
          .map(([ref, added]) => (added ? memberText(ref) : removedMemberText(ref)))
          .join(',');
        budget -= take;
      }
      if (take > 0 || (j === 0 && (changed !== false || memberOps.length > 0))) value.push(objectText(id, head, list));
      if (j + take < memberOps.length) j += take;
      else {
        k++;
        j = 0;
      }
    }
    const more = k < idx.length;
    return page('groups', sel, value, more ? { ...tok, o: k, j } : null, more ? null : finalTok, applied);
  };

  const listEndpoint = (req: FakeRequest, kind: 'users' | 'groups'): FakeResponse => {
    const q = req.url.searchParams;
    let offset = 0;
    let sel: string[];
    const skip = q.get('$skiptoken');
    if (skip !== null) {
      const t = dec<{ c: string; o: number; sel: string }>(skip);
      if (!t || t.c !== kind || typeof t.o !== 'number')
        return gErr(400, 'Request_BadRequest', 'The specified page token value has expired or is invalid.');
      offset = t.o;
      sel = t.sel ? t.sel.split(',') : [];
    } else {
      const s =
        kind === 'users'
          ? parseSelect(q.get('$select'), FAKE_USER_PROPS, DEFAULT_USER_SELECT, 'user')
          : parseSelect(q.get('$select'), FAKE_GROUP_PROPS, FAKE_GROUP_PROPS, 'group');
      if (!Array.isArray(s)) return s;
      sel = s;
    }
    const topRaw = q.get('$top');
    const top = topRaw === null ? defaultPage : Number(topRaw);
    if (!Number.isInteger(top) || top < 1 || top > 999)
      return gErr(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${topRaw}'. Must be between 1 and 999 inclusive.`);
    const end = kind === 'users' ? dir.userSlots : dir.groupSlots;
    const alive = (i: number) => (kind === 'users' ? dir.userStateOf(i) === 'alive' : dir.groupAlive(i));
    const value: string[] = [];
    let i = offset;
    for (; i < end && value.length < top; i++) {
      if (!alive(i)) continue;
      value.push(
        kind === 'users'
          ? objectText(dir.userId(i), fields(dir.user(i), sel, null, null))
          : objectText(dir.groupId(i), fields(dir.group(i), sel, null, null)),
      );
    }
    while (i < end && !alive(i)) i++;
    const links =
      i < end ? `"@odata.nextLink":"${url}/v1.0/${kind}?$top=${top}&$skiptoken=${enc({ c: kind, o: i, sel: sel.join(',') })}",` : '';
    return json(pageText(`${url}/v1.0/$metadata#${kind}(${sel.join(',')})`, links, value));
  };

  const handler = (req: FakeRequest): FakeResponse => {
    const path = req.url.pathname;
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (tokenPath) return tokenEndpoint(req, decodeURIComponent(tokenPath[1]!));
    if (!path.startsWith('/v1.0/')) return gErr(404, 'UnknownError', 'no such API version');
    const denied = checkAuth(req);
    if (denied) return denied;
    if (req.method !== 'GET') return gErr(405, 'Request_BadRequest', 'the fake serves GET only');
    const parts = path.slice('/v1.0/'.length).split('/').map(decodeURIComponent);
    const q = req.url.searchParams;
    if (parts[0] === 'users' && parts[1] === 'delta' && parts.length === 2) return deltaEndpoint(req, 'u');
    if (parts[0] === 'groups' && parts[1] === 'delta' && parts.length === 2) return deltaEndpoint(req, 'g');
    if ((parts[0] === 'users' || parts[0] === 'groups') && parts.length === 1) return listEndpoint(req, parts[0]);
    if (parts[0] === 'organization' && parts.length === 1)
      return {
        status: 200,
        body: { '@odata.context': `${url}/v1.0/$metadata#organization`, value: [{ id: tenantId, displayName: 'Contoso (fake)' }] },
      };
    if (parts[0] === 'users' && parts.length === 2) {
      const i = dir.userIndex(parts[1]!);
      if (i === null || dir.userStateOf(i) !== 'alive')
        return gErr(
          404,
          'Request_ResourceNotFound',
          `Resource '${parts[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      const sel = parseSelect(q.get('$select'), FAKE_USER_PROPS, DEFAULT_USER_SELECT, 'user');
      return Array.isArray(sel) ? json(objectText(dir.userId(i), fields(dir.user(i), sel, null, null))) : sel;
    }
    if (parts[0] === 'groups' && (parts.length === 2 || (parts.length === 3 && parts[2] === 'members'))) {
      const g = dir.groupIndex(parts[1]!);
      if (g === null)
        return gErr(
          404,
          'Request_ResourceNotFound',
          `Resource '${parts[1]}' does not exist or one of its queried reference-property objects are not present.`,
        );
      if (parts.length === 2) {
        const sel = parseSelect(q.get('$select'), FAKE_GROUP_PROPS, FAKE_GROUP_PROPS, 'group');
        return Array.isArray(sel) ? json(objectText(dir.groupId(g), fields(dir.group(g), sel, null, null))) : sel;
      }
      const top = Math.max(1, Math.min(999, Number(q.get('$top') ?? defaultPage) || defaultPage));
      const offset = Number(q.get('$skiptoken') ? (dec<{ o: number }>(q.get('$skiptoken')!)?.o ?? 0) : 0);
      const mem = dir.membersOf(g);
      const value: Json[] = [];
      for (let x = offset; x < Math.min(mem.length, offset + top); x++) {
        const { type, id } = dir.memberRefId(mem[x]!);
        value.push({ '@odata.type': type, id });
      }
      const body: Json = { '@odata.context': `${url}/v1.0/$metadata#directoryObjects` };
      if (offset + top < mem.length)
        body['@odata.nextLink'] = `${url}/v1.0/groups/${dir.groupId(g)}/members?$top=${top}&$skiptoken=${enc({ o: offset + top })}`;
      body.value = value;
      return { status: 200, body };
    }
    return gErr(400, 'BadRequest', `Resource not found for the segment '${parts[0] ?? ''}'.`);
  };

  const server = await startFakeServer(handler);
  url = server.url;

  return {
    url,
    tenantId,
    clientId,
    clientSecret,
    tokenUrl: `${url}/${tenantId}/oauth2/v2.0/token`,
    directory: dir,
    server,
    get tokensIssued() {
      return tokensIssued;
    },
    expireTokens() {
      for (const k of tokens.keys()) tokens.set(k, 0);
    },
    resetDeltaTokens() {
      epoch++;
    },
    throttle({ times = 1, retryAfterS = 1, status = 429, match = /^GET \/v1\.0\//, after = 0 } = {}) {
      const headers: Record<string, string> = {
        'x-ms-throttle-scope': `Tenant_Application/ReadWrite/${clientId}/${tenantId}`,
        'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
      };
      if (retryAfterS !== null) headers['retry-after'] = String(retryAfterS);
      const body =
        status === 429
          ? {
              error: {
                code: 'TooManyRequests',
                message: 'Too many requests.',
                innerError: { date: new Date().toISOString().slice(0, 19) },
              },
            }
          : {
              error: {
                code: 'serviceNotAvailable',
                message: 'Service unavailable.',
                innerError: { date: new Date().toISOString().slice(0, 19) },
              },
            };
      server.fail({ match, times, after, status, headers, body });
    },
    fail: (fault) => server.fail(fault),
    close: () => server.close(),
  };
}
