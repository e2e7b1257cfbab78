/**
 * Fuzz: at least 10,000 random and mutated SCIM requests against one connection (random methods,
 * paths including ids of existing and deleted resources, bodies from a corpus of valid requests
 * with fields deleted, retyped, duplicated or re-cased, broken JSON, huge and odd strings, random
 * filters and query parameters, wrong tokens), sent sequentially over a keep-alive agent.
 *
 * Reproducible: a seeded PRNG drives everything. Override with SCIM_FUZZ_SEED / SCIM_FUZZ_N, e.g.
 *   SCIM_FUZZ_SEED=1234 SCIM_FUZZ_N=20000 npx vitest run test/integration/scim/fuzz.test.ts
 *
 * Asserted: no 5xx ever; every 4xx is a SCIM error body; the listener still answers; PRAGMA
 * integrity_check is ok; one scim_exchanges row per request; and the state equals a model kept in
 * the test — users (id → userName, active) and groups (id → displayName, members), updated only
 * from requests that got a 2xx (re-reading the resource after PUT/PATCH) — compared with the list
 * endpoints, with the database tables, and with a replay of the event log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash, GENESIS_HASH, type EventRow } from '../../../src/main/core/store/events';
import { uniqueKey } from '../../../src/main/scim/resources';
import { mulberry32 } from '../../helpers/rng';
import {
  ENTERPRISE,
  ERROR,
  GROUP,
  PATCH_OP,
  startScim,
  USER,
  type Json,
  type Reply,
  type RequestOptions,
  type ScimHarness,
} from '../../helpers/scim';

const SEED = Number(process.env.SCIM_FUZZ_SEED ?? 20_260_101);
const N = Number(process.env.SCIM_FUZZ_N ?? 10_000);

// ---------------------------------------------------------------------------------------------
// Seeded PRNG (mulberry32) and helpers

const rand = mulberry32(SEED);
const int = (n: number): number => Math.floor(rand() * n);
const chance = (p: number): boolean => rand() < p;
function pick<T>(items: readonly T[]): T {
  return items[int(items.length)]!;
}
function weighted<T>(items: readonly (readonly [number, T])[]): T {
  const total = items.reduce((s, [w]) => s + w, 0);
  let r = rand() * total;
  for (const [w, v] of items) {
    r -= w;
    if (r < 0) return v;
  }
  return items[items.length - 1]![1];
}

const UNICODE = [
  'é',
  'e\u0301',
  'ß',
  'İ',
  'ﬁ',
  '😀',
  '\u202e',
  '\u0000',
  '\t',
  '\n',
  '"',
  '\\',
  '%',
  '+',
  ' ',
  '日本',
  'Ω',
  '\uffff',
  '\u00a0',
  '\ud800', // a lone surrogate: refused (400)
];
/** encodeURIComponent that also takes lone surrogates (sent as the invalid UTF-8 bytes ED A0 80). */
function uri(s: string): string {
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
  return encodeURIComponent(s.replace(lone, '\ufffd')).replace(/%EF%BF%BD/g, '%ED%A0%80');
}
function oddString(): string {
  return weighted<() => string>([
    [4, () => `x${int(100)}`],
    [3, () => Array.from({ length: 1 + int(6) }, () => pick(UNICODE)).join('')],
    [1, () => 'A'.repeat(1000 + int(20_000))],
    [1, () => ''],
    [1, () => ' '.repeat(1 + int(3))],
    [1, () => String(rand())],
  ])();
}
function randomValue(depth = 0): unknown {
  return weighted<() => unknown>([
    [3, () => oddString()],
    [2, () => int(1000) - 500],
    [1, () => rand() * 1e20],
    [2, () => chance(0.5)],
    [2, () => null],
    [1, () => pick(['True', 'False', 'true', 'FALSE', 'yes'])],
    [1, () => (depth > 2 ? [] : Array.from({ length: int(3) }, () => randomValue(depth + 1)))],
    [
      1,
      () =>
        depth > 2
          ? {}
          : Object.fromEntries(
              Array.from({ length: int(3) }, () => [pick(['value', 'type', 'display', 'primary', oddString()]), randomValue(depth + 1)]),
            ),
    ],
  ])();
}

// ---------------------------------------------------------------------------------------------
// The model

interface ModelUser {
  userName: string;
  active: boolean;
}
interface ModelGroup {
  displayName: string;
  members: Set<string>;
}
const users = new Map<string, ModelUser>();
const groups = new Map<string, ModelGroup>();
const deletedIds: string[] = [];
const etags = new Map<string, string>();
const counts = {
  userCreated: 0,
  userDeleted: 0,
  groupCreated: 0,
  groupDeleted: 0,
};

const USER_NAMES = Array.from({ length: 40 }, (_, i) => `user${i}@example.com`);
const GROUP_NAMES = Array.from({ length: 15 }, (_, i) => `Group ${i}`);
const recase = (s: string): string => (chance(0.5) ? s : [...s].map((c) => (chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join(''));
const userName = (): string => (chance(0.9) ? recase(pick(USER_NAMES)) : oddString());
const groupName = (): string => (chance(0.9) ? recase(pick(GROUP_NAMES)) : oddString());
const userIds = (): string[] => [...users.keys()];
const groupIds = (): string[] => [...groups.keys()];
const anyId = (): string =>
  weighted<() => string>([
    [6, () => (users.size ? pick(userIds()) : 'none')],
    [2, () => (groups.size ? pick(groupIds()) : 'none')],
    [1, () => (deletedIds.length ? pick(deletedIds) : 'gone')],
    [1, () => oddString()],
  ])();
const memberId = (): string =>
  weighted<() => string>([
    [8, () => (users.size ? pick(userIds()) : 'u-none')],
    [3, () => (groups.size ? pick(groupIds()) : 'g-none')],
    [1, () => (deletedIds.length ? pick(deletedIds) : 'gone')],
    [1, () => `ext-${int(5)}`],
  ])();

// ---------------------------------------------------------------------------------------------
// Corpus of valid requests

function userBody(): Json {
  const name = userName();
  const b: Json = {
    schemas: chance(0.3) ? [USER, ENTERPRISE] : [USER],
    userName: name,
  };
  if (chance(0.6))
    b.name = {
      givenName: pick(['Ann', 'Bo', 'Cy']),
      familyName: pick(['Ng', 'Li', 'Oz']),
    };
  if (chance(0.5))
    b.emails = [
      {
        value: `${int(50)}@mail.example`,
        type: pick(['work', 'home']),
        primary: chance(0.5),
      },
    ];
  if (chance(0.5)) b.active = pick<unknown>([true, false, 'True', 'False']);
  if (chance(0.3)) b.externalId = `ext-${int(20)}`;
  if (chance(0.3)) b.displayName = oddString();
  if (chance(0.2)) b.password = 'Secret-123';
  if (chance(0.2)) b.title = pick(['Engineer', 'Designer', 'CTO']);
  if (chance(0.2))
    b[ENTERPRISE] = {
      employeeNumber: String(int(999)),
      department: pick(['R&D', 'Ops']),
      manager: { value: anyId() },
    };
  if (chance(0.1)) b['urn:example:custom:1.0:User'] = { badge: oddString() };
  if (chance(0.1)) b.groups = [];
  if (chance(0.1)) b.meta = { resourceType: 'User' };
  return b;
}

function groupBody(): Json {
  const b: Json = { schemas: [GROUP], displayName: groupName() };
  if (chance(0.6))
    b.members = Array.from({ length: int(4) }, () =>
      chance(0.8) ? { value: memberId() } : { value: memberId(), display: 'x', type: pick(['User', 'Group']) },
    );
  if (chance(0.2)) b.externalId = `gext-${int(10)}`;
  return b;
}

const patchMsg = (...Operations: Json[]): Json => ({
  schemas: [PATCH_OP],
  Operations,
});

function userPatch(): Json {
  const op = (): Json =>
    weighted<() => Json>([
      [
        3,
        () => ({
          op: pick(['replace', 'Replace']),
          path: 'active',
          value: pick<unknown>([true, false, 'True', 'False']),
        }),
      ],
      [2, () => ({ op: 'replace', value: { active: chance(0.5) } })],
      [
        2,
        () => ({
          op: pick(['replace', 'Replace']),
          path: 'userName',
          value: userName(),
        }),
      ],
      [
        2,
        () => ({
          op: 'add',
          path: 'emails',
          value: [{ value: `${int(50)}@mail.example`, type: pick(['work', 'home']) }],
        }),
      ],
      [
        2,
        () => ({
          op: 'Replace',
          path: 'emails[type eq "work"].value',
          value: `${int(50)}@mail.example`,
        }),
      ],
      [1, () => ({ op: 'remove', path: 'emails[type eq "home"]' })],
      [2, () => ({ op: 'replace', path: 'name.familyName', value: oddString() })],
      [
        1,
        () => ({
          op: 'replace',
          value: {
            displayName: oddString(),
            'name.givenName': 'G',
            [`${ENTERPRISE}:employeeNumber`]: String(int(99)),
          },
        }),
      ],
      [
        1,
        () => ({
          op: 'Add',
          path: `${ENTERPRISE}:department`,
          value: pick(['R&D', 'Ops']),
        }),
      ],
      [
        1,
        () => ({
          op: 'remove',
          path: pick(['title', 'nickName', 'name', ENTERPRISE, 'emails']),
        }),
      ],
      [
        1,
        () => ({
          op: 'add',
          path: 'phoneNumbers[type eq "mobile"].value',
          value: '+1 555',
        }),
      ],
      [1, () => ({ op: 'replace', path: 'password', value: 'Secret-456' })],
      [
        1,
        () => ({
          op: 'add',
          path: 'manager',
          value: [{ $ref: null, value: anyId() }],
        }),
      ],
      [1, () => ({ op: 'replace', path: 'title', value: pick(['A', 'B']) })],
    ])();
  return patchMsg(...Array.from({ length: 1 + int(3) }, op));
}

function groupPatch(gid: string): Json {
  const op = (): Json =>
    weighted<() => Json>([
      [
        4,
        () => ({
          op: pick(['add', 'Add']),
          path: 'members',
          value: Array.from({ length: 1 + int(3) }, () => ({
            $ref: null,
            value: memberId(),
          })),
        }),
      ],
      [3, () => ({ op: 'remove', path: `members[value eq "${memberId()}"]` })],
      [
        3,
        () => ({
          op: 'Remove',
          path: 'members',
          value: [{ value: memberId() }],
        }),
      ],
      [
        1,
        () => ({
          op: 'replace',
          path: 'members',
          value: Array.from({ length: int(4) }, () => ({ value: memberId() })),
        }),
      ],
      [2, () => ({ op: 'Replace', path: 'displayName', value: groupName() })],
      [2, () => ({ op: 'replace', value: { id: gid, displayName: groupName() } })],
      [1, () => ({ op: 'remove', path: 'members' })],
      [1, () => ({ op: 'replace', path: 'externalId', value: `gext-${int(10)}` })],
    ])();
  return patchMsg(...Array.from({ length: 1 + int(2) }, op));
}

const FILTERS = (): string[] => {
  const someName = users.size ? users.get(pick(userIds()))!.userName : 'nobody';
  const someGroup = groups.size ? groups.get(pick(groupIds()))!.displayName : 'none';
  return [
    `userName eq "${recase(someName)}"`,
    `userName eq "${pick(USER_NAMES)}"`,
    'userName eq "0f8fad5b-d9cb-469f-a165-70867728950e"',
    `displayName eq "${someGroup}"`,
    `id eq "${anyId()}"`,
    'active eq true',
    'active eq false and userName sw "user1"',
    'userName co "1" or not (active eq true)',
    'emails[type eq "work"].value co "mail"',
    'emails[type eq "work" and value ew ".example"]',
    `externalId eq "ext-${int(20)}"`,
    `meta.lastModified gt "${new Date(Date.now() - int(60_000)).toISOString()}"`,
    `${ENTERPRISE}:employeeNumber pr`,
    'title pr and (title eq "Engineer" or title eq "CTO")',
    `members[value eq "${memberId()}"]`,
    'name.familyName ge "M"',
    'urn:example:custom:1.0:User:badge pr',
  ];
};

function mutateFilter(f: string): string {
  return weighted<() => string>([
    [6, () => f],
    [1, () => f.slice(0, int(f.length + 1))],
    [1, () => f.replace(/"/g, pick(['', "'", '""']))],
    [1, () => `${f} ${pick(['and', 'or', ')', '(', '[', 'eq'])}`],
    [1, () => f.replace(/ (eq|co|sw|pr|and|or) /, ` ${pick(['EQ', 'xx', 'Eq', '==', ''])} `)],
    [1, () => oddString()],
  ])();
}

function randomQuery(): string {
  const params: [string, string][] = [];
  if (chance(0.5)) params.push(['filter', mutateFilter(pick(FILTERS()))]);
  if (chance(0.2)) params.push(['startIndex', pick(['1', '0', '-3', '2', '50', 'x', '1.5', '99999999999'])]);
  if (chance(0.2)) params.push(['count', pick(['0', '1', '5', '100', '1001', '-1', 'abc', ''])]);
  if (chance(0.15))
    params.push([
      'sortBy',
      pick(['userName', 'displayName', 'name.familyName', 'emails', 'meta.created', 'bad path!', `${ENTERPRISE}:employeeNumber`]),
    ]);
  if (chance(0.1)) params.push(['sortOrder', pick(['ascending', 'descending', 'DESCENDING', 'up'])]);
  if (chance(0.15)) params.push(['attributes', pick(['userName', 'id,userName,members', 'emails.value', 'displayName', ',,', 'bad attr'])]);
  if (chance(0.15)) params.push(['excludedAttributes', pick(['members', 'groups', 'emails', 'meta', 'id', 'name.givenName'])]);
  if (chance(0.05)) params.push([oddString(), oddString()]);
  if (params.length === 0) return '';
  // sometimes spaces as `+` (Entra's validator), else percent-encoding
  const enc = (s: string): string => {
    const e = uri(s);
    return chance(0.3) ? e.replace(/%20/g, '+') : e;
  };
  return `?${params.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`;
}

// ---------------------------------------------------------------------------------------------
// Body mutations

function mutate(value: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const containers: (Json | unknown[])[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      containers.push(v);
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      containers.push(v as Json);
      Object.values(v as Json).forEach(walk);
    }
  };
  walk(copy);
  if (containers.length === 0) return randomValue();
  const times = 1 + int(3);
  for (let i = 0; i < times; i++) {
    const c = pick(containers);
    if (Array.isArray(c)) {
      if (c.length === 0 || chance(0.3)) c.push(randomValue());
      else if (chance(0.5)) c.splice(int(c.length), 1);
      else c[int(c.length)] = randomValue();
      continue;
    }
    const keys = Object.keys(c);
    const key = keys.length ? pick(keys) : 'x';
    weighted<() => void>([
      [3, () => delete c[key]],
      [3, () => (c[key] = randomValue())],
      [1, () => (c[key] = [c[key]])],
      [
        1,
        () => {
          const v = c[key];
          delete c[key];
          c[chance(0.5) ? key.toUpperCase() : (key[0] ?? '').toUpperCase() + key.slice(1)] = v;
        },
      ],
      [1, () => (c[oddString()] = randomValue())],
    ])();
  }
  return copy;
}

/** A body as text: valid, mutated, with a duplicated key, or broken JSON. */
function bodyText(valid: unknown): string | Buffer {
  return weighted<() => string | Buffer>([
    [10, () => JSON.stringify(valid)],
    [6, () => JSON.stringify(mutate(valid))],
    [
      1,
      () => {
        if (!valid || typeof valid !== 'object' || Array.isArray(valid)) return JSON.stringify(valid);
        const obj = valid as Json;
        const keys = Object.keys(obj);
        if (!keys.length) return '{}';
        const k = pick(keys);
        return `${JSON.stringify(obj).slice(0, -1)},${JSON.stringify(k)}:${JSON.stringify(randomValue())}}`;
      },
    ],
    [
      1,
      () => {
        const t = JSON.stringify(valid);
        return t.slice(0, int(t.length));
      },
    ],
    [
      1,
      () => {
        const t = JSON.stringify(valid);
        const at = int(t.length);
        return `${t.slice(0, at)}${pick(['"', '{', ']', ',', '\\', 'x'])}${t.slice(at)}`;
      },
    ],
    [1, () => JSON.stringify(randomValue())],
    [0.3, () => Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    [0.2, () => `{"userName":"${'x'.repeat(300_000)}","schemas":["${USER}"]}`],
    [0.1, () => `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`],
    [0.05, () => Buffer.alloc(1024 * 1024 + 1 + int(1000), 0x20)],
  ])();
}

// ---------------------------------------------------------------------------------------------

interface Plan {
  method: string;
  path: string;
  options: RequestOptions;
  /** What the request targets, for the model. */
  target?: { type: 'User' | 'Group'; id?: string };
  raw?: boolean;
}

let h: ScimHarness;
let otherSlug = '';
let otherToken = '';
let sent = 0;
const sentBy = new Map<string, number>();
const log: string[] = [];
const history: string[] = [];

function plan(): Plan {
  const kind = weighted<string>([
    [14, 'createUser'],
    [8, 'createGroup'],
    [10, 'getUser'],
    [4, 'getGroup'],
    [12, 'list'],
    [3, 'search'],
    [13, 'patchUser'],
    [10, 'patchGroup'],
    [5, 'putUser'],
    [3, 'putGroup'],
    [4, 'deleteUser'],
    [2, 'deleteGroup'],
    [2, 'discovery'],
    [3, 'random'],
    [2, 'auth'],
  ]);
  const headers: Record<string, string> = {};
  const contentType = weighted<string | null | undefined>([
    [10, undefined],
    [3, 'application/json'],
    [1, null],
    [0.3, 'text/plain'],
    [0.3, 'application/scim+json; charset=utf-8'],
  ]);
  const withBody = (valid: unknown): RequestOptions => ({
    body: bodyText(valid),
    headers,
    contentType,
  });
  const idHeader = (id: string): void => {
    if (chance(0.1))
      headers['If-Match'] = weighted<string>([
        [3, etags.get(id) ?? 'W/"1"'],
        [1, '*'],
        [2, `W/"${int(5)}"`],
      ]);
  };
  switch (kind) {
    case 'createUser':
      return {
        method: 'POST',
        path: `/Users${chance(0.1) ? randomQuery() : ''}`,
        options: withBody(userBody()),
        target: { type: 'User' },
      };
    case 'createGroup':
      return {
        method: 'POST',
        path: `/Groups${chance(0.1) ? randomQuery() : ''}`,
        options: withBody(groupBody()),
        target: { type: 'Group' },
      };
    case 'getUser':
    case 'getGroup': {
      const id = kind === 'getUser' || chance(0.2) ? anyId() : groups.size ? pick(groupIds()) : 'none';
      if (chance(0.1)) headers['If-None-Match'] = etags.get(id) ?? 'W/"1"';
      return {
        method: 'GET',
        path: `/${kind === 'getUser' ? 'Users' : 'Groups'}/${uri(id)}${chance(0.2) ? randomQuery() : ''}`,
        options: { headers },
      };
    }
    case 'list':
      return {
        method: 'GET',
        path: `/${pick(['Users', 'Groups'])}${randomQuery()}`,
        options: { headers },
      };
    case 'search': {
      const body: Json = {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        filter: mutateFilter(pick(FILTERS())),
      };
      if (chance(0.5)) body.count = pick<unknown>([1, 10, '5', -1, 2000]);
      if (chance(0.3)) body.startIndex = pick<unknown>([1, 2, 0, 'x']);
      if (chance(0.3)) body.attributes = pick<unknown>([['userName'], 'displayName,members', 5]);
      return {
        method: 'POST',
        path: `/${pick(['Users', 'Groups'])}/.search`,
        options: withBody(body),
      };
    }
    case 'patchUser': {
      const id = chance(0.9) && users.size ? pick(userIds()) : anyId();
      idHeader(id);
      return {
        method: 'PATCH',
        path: `/Users/${uri(id)}`,
        options: withBody(userPatch()),
        target: { type: 'User', id },
      };
    }
    case 'patchGroup': {
      const id = chance(0.9) && groups.size ? pick(groupIds()) : anyId();
      idHeader(id);
      return {
        method: 'PATCH',
        path: `/Groups/${uri(id)}${chance(0.1) ? '?attributes=displayName' : ''}`,
        options: withBody(groupPatch(id)),
        target: { type: 'Group', id },
      };
    }
    case 'putUser': {
      const id = chance(0.9) && users.size ? pick(userIds()) : anyId();
      idHeader(id);
      const body = userBody();
      if (chance(0.5)) {
        body.id = chance(0.9) ? id : 'other-id';
        body.meta = { resourceType: 'User', version: etags.get(id) ?? 'W/"1"' };
      }
      if (chance(0.3)) body.userName = users.get(id)?.userName ?? body.userName;
      return {
        method: 'PUT',
        path: `/Users/${uri(id)}`,
        options: withBody(body),
        target: { type: 'User', id },
      };
    }
    case 'putGroup': {
      const id = chance(0.9) && groups.size ? pick(groupIds()) : anyId();
      idHeader(id);
      const body = groupBody();
      if (chance(0.5)) body.id = id;
      if (chance(0.3)) body.displayName = groups.get(id)?.displayName ?? body.displayName;
      return {
        method: 'PUT',
        path: `/Groups/${uri(id)}`,
        options: withBody(body),
        target: { type: 'Group', id },
      };
    }
    case 'deleteUser': {
      const id = chance(0.85) && users.size ? pick(userIds()) : anyId();
      idHeader(id);
      return {
        method: 'DELETE',
        path: `/Users/${uri(id)}`,
        options: { headers },
        target: { type: 'User', id },
      };
    }
    case 'deleteGroup': {
      const id = chance(0.85) && groups.size ? pick(groupIds()) : anyId();
      idHeader(id);
      return {
        method: 'DELETE',
        path: `/Groups/${uri(id)}`,
        options: { headers },
        target: { type: 'Group', id },
      };
    }
    case 'discovery':
      return {
        method: pick(['GET', 'GET', 'POST', 'PUT']),
        path: pick([
          '/ServiceProviderConfig',
          '/Schemas',
          `/Schemas/${USER}`,
          '/ResourceTypes',
          '/ResourceTypes/User',
          '/Me',
          '/Bulk',
          '/.search',
        ]),
        options: chance(0.3) ? withBody({ schemas: [USER] }) : {},
      };
    case 'auth': {
      // Someone else's token, no token, a broken token, or our token on someone else's slug: 401.
      const which = int(4);
      const path = which === 3 ? `/scim/v2/${otherSlug}/Users` : `${h.prefix}/${pick(['Users', 'Groups', `Users/${uri(anyId())}`])}`;
      const token = which === 0 ? otherToken : which === 1 ? null : which === 2 ? `${h.conn.token.slice(0, -2)}xx` : h.conn.token;
      const method = pick(['GET', 'POST', 'DELETE', 'PATCH']);
      return {
        method,
        path,
        options: {
          token,
          ...(method === 'POST' || method === 'PATCH' ? { body: JSON.stringify(userBody()) } : {}),
        },
        raw: true,
      };
    }
    default: {
      const method = pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
      const seg = (): string =>
        uri(
          weighted<string>([
            [3, pick(['Users', 'Groups', 'Schemas', 'users'])],
            [2, anyId()],
            [1, oddString()],
            [1, '..'],
            [1, '.search'],
          ]),
        );
      const path = `/${Array.from({ length: int(4) }, seg).join('/')}${chance(0.3) ? randomQuery() : ''}`;
      return {
        method,
        path,
        options: chance(0.5) && method !== 'GET' && method !== 'HEAD' ? withBody(randomValue()) : { headers },
        target: targetOf(path),
      };
    }
  }
}

/** The resource a random path lands on once the server has normalised it (`..`, `//`), if any. */
function targetOf(path: string): Plan['target'] {
  const pathname = new URL(`${h.prefix}${path}`, 'http://x').pathname;
  if (!pathname.startsWith(`${h.prefix}/`)) return undefined;
  const segments = pathname
    .slice(h.prefix.length)
    .split('/')
    .filter(Boolean)
    .map((x) => {
      try {
        return decodeURIComponent(x);
      } catch {
        return x;
      }
    });
  const [head, id, extra] = segments;
  if ((head !== 'Users' && head !== 'Groups') || extra !== undefined || id === '.search') return undefined;
  return { type: head === 'Users' ? 'User' : 'Group', ...(id === undefined ? {} : { id }) };
}

async function send(p: Plan): Promise<Reply> {
  sent++;
  const what = () =>
    `#${sent} ${p.method} ${p.path.slice(0, 200)} ${typeof p.options.body === 'string' ? p.options.body.slice(0, 300) : Buffer.isBuffer(p.options.body) ? `<${p.options.body.length} bytes>` : ''}`;
  let r: Reply;
  try {
    r = p.raw ? await h.raw(p.method, p.path, p.options) : await h.req(p.method, p.path, p.options);
  } catch (err) {
    throw new Error(`the request failed (seed ${SEED}): ${what()}: ${String(err)}`, { cause: err });
  }
  sentBy.set(`${p.method} ${r.status}`, (sentBy.get(`${p.method} ${r.status}`) ?? 0) + 1);
  const desc = `${what()} → ${r.status} ${r.text.slice(0, 300)}`;
  log.push(desc);
  if (process.env.SCIM_FUZZ_DEBUG) history.push(desc);
  if (log.length > 20) log.shift();
  // 501 is the required answer for /Me, /Bulk and a root-level .search; any other 5xx is a bug.
  const normalized = new URL(p.raw ? p.path : `${h.prefix}${p.path}`, 'http://x').pathname.replace(/\/+/g, '/');
  const unsupported = r.status === 501 && /^\/scim\/v2\/[^/]+\/(Me|Bulk|\.search)(?:\/|$)/.test(normalized);
  if (r.status >= 500 && !unsupported) throw new Error(`5xx (seed ${SEED}): ${desc}`);
  if (r.status >= 400 && p.method !== 'HEAD') {
    const ok =
      r.json?.schemas !== undefined && JSON.stringify(r.json.schemas) === JSON.stringify([ERROR]) && r.json.status === String(r.status);
    if (!ok) throw new Error(`not a SCIM error body (seed ${SEED}): ${desc}`);
    if (!/^application\/scim\+json/.test(r.headers['content-type'] ?? '')) throw new Error(`error without SCIM content type: ${desc}`);
  }
  return r;
}

/** Re-reads a resource after a successful write and puts what the server holds into the model. */
async function refresh(type: 'User' | 'Group', id: string): Promise<void> {
  const r = await send({
    method: 'GET',
    path: `/${type === 'User' ? 'Users' : 'Groups'}/${uri(id)}`,
    options: {},
  });
  if (r.status !== 200) throw new Error(`re-read of ${type} ${id} after a 2xx write gave ${r.status}`);
  etags.set(id, r.headers.etag!);
  const j = r.json!;
  if (type === 'User')
    users.set(id, {
      userName: j.userName as string,
      active: j.active !== false,
    });
  else
    groups.set(id, {
      displayName: j.displayName as string,
      members: new Set(((j.members as Json[] | undefined) ?? []).map((m) => m.value as string)),
    });
}

function idFromLocation(r: Reply): string {
  const loc = r.headers.location!;
  return decodeURIComponent(loc.slice(loc.lastIndexOf('/') + 1));
}

async function apply(p: Plan, r: Reply): Promise<void> {
  if (!p.target || r.status < 200 || r.status >= 300) return;
  const { type, id } = p.target;
  if (p.method === 'POST') {
    expect(r.status).toBe(201);
    const newId = idFromLocation(r);
    if (type === 'User') counts.userCreated++;
    else counts.groupCreated++;
    await refresh(type, newId);
    return;
  }
  if (id === undefined) return;
  if (p.method === 'DELETE') {
    expect(r.status).toBe(204);
    deletedIds.push(id);
    etags.delete(id);
    if (type === 'User') {
      if (!users.delete(id)) throw new Error(`deleted a user the model does not have: ${id}`);
      counts.userDeleted++;
      for (const g of groups.values()) g.members.delete(id);
    } else {
      if (!groups.delete(id)) throw new Error(`deleted a group the model does not have: ${id}`);
      counts.groupDeleted++;
      // a deleted group is no longer a member of any group (as for a deleted user)
      for (const g of groups.values()) g.members.delete(id);
    }
    return;
  }
  if (p.method === 'PUT' || p.method === 'PATCH') {
    const known = type === 'User' ? users.has(id) : groups.has(id);
    if (!known) throw new Error(`${p.method} on ${type} ${id} succeeded but the model does not have it`);
    await refresh(type, id);
  }
}

async function listAll(type: 'Users' | 'Groups'): Promise<Json[]> {
  const out: Json[] = [];
  for (let start = 1; ; start += 1000) {
    const r = await send({
      method: 'GET',
      path: `/${type}?startIndex=${start}&count=1000`,
      options: {},
    });
    expect(r.status).toBe(200);
    const page = (r.json!.Resources as Json[]) ?? [];
    out.push(...page);
    if (start + page.length > (r.json!.totalResults as number) || page.length === 0) break;
  }
  return out;
}

const sortEntries = <T>(m: Map<string, T>): [string, T][] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('SCIM fuzz', () => {
  beforeAll(async () => {
    h = await startScim();
    const other = h.addConnection('Other');
    otherSlug = other.slug;
    otherToken = other.token;
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`survives ${N} random and mutated requests (seed ${SEED}) and keeps state consistent`, { timeout: 180_000 }, async () => {
    const started = Date.now();
    const statuses = new Map<number, number>();
    try {
      for (let i = 0; i < N; i++) {
        const p = plan();
        const r = await send(p);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (p.raw) {
          // 431 when the URL alone is too large for the HTTP parser (before any authentication)
          expect([401, 431], log.at(-1)).toContain(r.status);
          continue;
        }
        await apply(p, r);
      }
    } catch (err) {
      throw new Error(`${String(err)}\nseed ${SEED}; last requests:\n${log.join('\n')}`, { cause: err });
    }
    const elapsed = Date.now() - started;
    // a broad mix of outcomes was exercised
    if (N >= 5000) {
      for (const s of [200, 201, 204, 400, 401, 404, 409, 412, 413, 415]) expect(statuses.get(s) ?? 0, `status ${s}`).toBeGreaterThan(5);
      expect(counts.userCreated).toBeGreaterThan(50);
      expect(counts.userDeleted).toBeGreaterThan(5);
      expect(counts.groupDeleted).toBeGreaterThan(2);
    }

    // --- the listener still answers, the database is intact ----------------------------------
    expect(
      (
        await send({
          method: 'GET',
          path: '/ServiceProviderConfig',
          options: {},
        })
      ).status,
    ).toBe(200);
    expect(h.rows('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(h.rows('PRAGMA foreign_key_check')).toEqual([]);

    // --- the model equals the list endpoints ---------------------------------------------------
    const listedUsers = await listAll('Users');
    if (process.env.SCIM_FUZZ_DEBUG) {
      const listed = new Set(listedUsers.map((u) => u.id as string));
      for (const id of [...users.keys()].filter((x) => !listed.has(x))) {
        console.log(
          `--- model has ${id}, the list does not:\n${history.filter((d) => d.includes(id) || d.includes(users.get(id)!.userName)).join('\n')}`,
        );
      }
    }
    const listedGroups = await listAll('Groups');
    expect(new Map(listedUsers.map((u) => [u.id as string, { userName: u.userName as string, active: u.active !== false }]))).toEqual(
      users,
    );
    expect(
      sortEntries(
        new Map(
          listedGroups.map((g) => [
            g.id as string,
            {
              displayName: g.displayName as string,
              members: [...new Set(((g.members as Json[] | undefined) ?? []).map((m) => m.value as string))].sort(),
            },
          ]),
        ),
      ),
    ).toEqual(sortEntries(groups).map(([id, g]) => [id, { displayName: g.displayName, members: [...g.members].sort() }]));

    // --- the model equals the tables -----------------------------------------------------------
    const cid = h.conn.id;
    const dbUsers = h.rows<{
      id: string;
      user_name: string;
      user_name_key: string;
      active: number;
    }>('SELECT id, user_name, user_name_key, active FROM accounts WHERE source_id = ? AND deleted_at IS NULL', cid);
    expect(new Map(dbUsers.map((u) => [u.id, { userName: u.user_name, active: u.active === 1 }]))).toEqual(users);
    // userName unique per connection, case-insensitively
    expect(new Set(dbUsers.map((u) => u.user_name_key)).size).toBe(dbUsers.length);
    expect(dbUsers.every((u) => u.user_name_key === uniqueKey(u.user_name))).toBe(true);
    const dbGroups = h.rows<{
      id: string;
      display_name: string;
      display_name_key: string;
    }>('SELECT id, display_name, display_name_key FROM groups WHERE source_id = ? AND deleted_at IS NULL', cid);
    expect(new Set(dbGroups.map((g) => g.display_name_key)).size).toBe(dbGroups.length);
    const dbMembers = h.rows<{ group_id: string; member_id: string }>(
      'SELECT group_id, member_id FROM membership_ids WHERE source_id = ? AND deleted_at IS NULL',
      cid,
    );
    const live = new Map(dbGroups.map((g) => [g.id, { displayName: g.display_name, members: new Set<string>() }]));
    for (const m of dbMembers) live.get(m.group_id)?.members.add(m.member_id);
    expect(sortEntries(live)).toEqual(sortEntries(groups));
    // no live membership of a deleted group
    expect(dbMembers.every((m) => live.has(m.group_id))).toBe(true);
    // the other connection was never written to
    expect(h.rows('SELECT id FROM accounts WHERE source_id <> ?', cid)).toEqual([]);
    expect(h.rows('SELECT id FROM groups WHERE source_id <> ?', cid)).toEqual([]);

    // --- one exchange row per request ------------------------------------------------------------
    if (process.env.SCIM_FUZZ_DEBUG) {
      const db = new Map(
        h
          .rows<{ status: number; method: string; n: number }>(
            'SELECT status, method, count(*) AS n FROM scim_exchanges GROUP BY status, method',
          )
          .map((x) => [`${x.method} ${x.status}`, x.n]),
      );
      for (const [k, n] of sentBy) if ((db.get(k) ?? 0) !== n) console.log(`exchange rows ${k}: sent ${n}, recorded ${db.get(k) ?? 0}`);
    }
    expect(h.rows<{ n: number }>('SELECT count(*) AS n FROM scim_exchanges')[0]!.n).toBe(sent);
    expect(
      h.rows(
        `SELECT id FROM scim_exchanges WHERE (status >= 500 AND NOT (status = 501 AND path GLOB '*/scim/v2/*/[MB.]*')) OR status < 100`,
      ),
    ).toEqual([]);
    // no password survives in a stored request body: neither as a key nor as the value of an operation on it
    const leaks: string[] = [];
    const lastSegment = (path: string): string =>
      path
        .replace(/\[[^\]]*\]?/g, '')
        .trim()
        .split(/[:.]/)
        .pop()!
        .trim()
        .toLowerCase();
    const inspect = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(inspect);
      if (!v || typeof v !== 'object') return;
      const o = v as Json;
      const pathKey = Object.keys(o).find((k) => k.toLowerCase() === 'path');
      const aboutPassword = pathKey !== undefined && typeof o[pathKey] === 'string' && lastSegment(o[pathKey]) === 'password';
      for (const [k, x] of Object.entries(o)) {
        const secret = lastSegment(k) === 'password' || (aboutPassword && k.toLowerCase() === 'value');
        if (secret && x !== '[redacted]') leaks.push(JSON.stringify(o).slice(0, 300));
        else inspect(x);
      }
    };
    for (const { request_body } of h.rows<{ request_body: string }>(
      `SELECT request_body FROM scim_exchanges WHERE request_body LIKE '{%' OR request_body LIKE '[%'`,
    )) {
      try {
        inspect(JSON.parse(request_body));
      } catch {
        // a capped (truncated) body is not JSON any more; it was redacted before it was cut
      }
    }
    expect(leaks).toEqual([]);

    // --- the event log: linked to 2xx writes, hash-chained, and replaying it gives the model -----
    const ev = h.rows<EventRow>('SELECT * FROM events ORDER BY seq');
    const exchangeOf = new Map(
      h.rows<{ id: number; method: string; status: number }>('SELECT id, method, status FROM scim_exchanges').map((x) => [x.id, x]),
    );
    let prev = GENESIS_HASH;
    const replayUsers = new Map<string, ModelUser>();
    const replayGroups = new Map<string, ModelGroup>();
    const typeCount = new Map<string, number>();
    for (const e of ev) {
      const x = exchangeOf.get(e.exchange_id!);
      expect(x, `event ${e.seq} has an exchange`).toBeDefined();
      expect(['POST', 'PUT', 'PATCH', 'DELETE']).toContain(x!.method);
      expect(x!.status).toBeGreaterThanOrEqual(200);
      expect(x!.status).toBeLessThan(300);
      expect(e.prev_hash).toBe(prev);
      const { seq: _seq, hash, ...fields } = e;
      expect(eventHash(fields)).toBe(hash);
      prev = hash;
      typeCount.set(e.type, (typeCount.get(e.type) ?? 0) + 1);
      const after = e.after === null ? {} : (JSON.parse(e.after) as Json);
      switch (e.type) {
        case 'user.created':
          replayUsers.set(e.account_id!, {
            userName: after.userName as string,
            active: after.active as boolean,
          });
          break;
        case 'user.updated':
          if (typeof after.userName === 'string') replayUsers.get(e.account_id!)!.userName = after.userName;
          break;
        case 'user.deactivated':
          replayUsers.get(e.account_id!)!.active = false;
          break;
        case 'user.reactivated':
          replayUsers.get(e.account_id!)!.active = true;
          break;
        case 'user.deleted':
          replayUsers.delete(e.account_id!);
          break;
        case 'group.created':
          replayGroups.set(e.group_id!, {
            displayName: after.displayName as string,
            members: new Set(),
          });
          break;
        case 'group.updated':
          if (typeof after.displayName === 'string') replayGroups.get(e.group_id!)!.displayName = after.displayName;
          break;
        case 'group.member_added':
          replayGroups.get(e.group_id!)!.members.add(e.account_id!);
          break;
        case 'group.member_removed':
          replayGroups.get(e.group_id!)!.members.delete(e.account_id!);
          break;
        case 'group.deleted':
          expect(replayGroups.get(e.group_id!)!.members.size, 'members are removed before the group').toBe(0);
          replayGroups.delete(e.group_id!);
          break;
        default:
          throw new Error(`unexpected event type ${e.type}`);
      }
    }
    expect(sortEntries(replayUsers)).toEqual(sortEntries(users));
    expect(sortEntries(replayGroups)).toEqual(sortEntries(groups));
    expect(typeCount.get('user.created') ?? 0).toBe(counts.userCreated);
    expect(typeCount.get('user.deleted') ?? 0).toBe(counts.userDeleted);
    expect(typeCount.get('group.created') ?? 0).toBe(counts.groupCreated);
    expect(typeCount.get('group.deleted') ?? 0).toBe(counts.groupDeleted);

    console.info(
      `SCIM fuzz: seed ${SEED}, ${N} requests (+${sent - N} re-reads and checks) in ${elapsed} ms; ` +
        `users ${users.size} live / ${counts.userCreated} created, groups ${groups.size} live / ${counts.groupCreated} created, ${ev.length} events; ` +
        `statuses ${JSON.stringify(Object.fromEntries([...statuses.entries()].sort(([a], [b]) => a - b)))}`,
    );
  });
  it('concurrent requests: uniqueness holds, member adds all land, one DELETE wins', async () => {
    const c = await startScim({ name: 'Concurrent', app: 'Burst' });
    try {
      let requests = 0;
      const go = (method: string, path: string, body?: unknown): Promise<Reply> => {
        requests++;
        return c.req(method, path, body === undefined ? {} : { body });
      };
      for (let round = 0; round < 20; round++) {
        // 8 creates of one userName (in different cases) at once: exactly one wins
        const name = `race${round}@example.com`;
        const creates = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            go('POST', '/Users', {
              schemas: [USER],
              userName: i % 2 ? name.toUpperCase() : name,
            }),
          ),
        );
        const statuses = creates.map((r) => r.status).sort();
        expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
        // 8 distinct users added to one group concurrently: all of them end up members
        const ids = (
          await Promise.all(
            Array.from({ length: 8 }, (_, i) =>
              go('POST', '/Users', {
                schemas: [USER],
                userName: `m${round}-${i}`,
              }),
            ),
          )
        ).map((r) => r.json!.id as string);
        const g = (
          await go('POST', '/Groups', {
            schemas: [GROUP],
            displayName: `burst ${round}`,
          })
        ).json!.id as string;
        const adds = await Promise.all(
          ids.map((id) => go('PATCH', `/Groups/${g}`, patchMsg({ op: 'add', path: 'members', value: [{ value: id }] }))),
        );
        expect(adds.map((r) => r.status)).toEqual(Array(8).fill(204));
        const members = ((await go('GET', `/Groups/${g}`)).json!.members as Json[]).map((m) => m.value as string).sort();
        expect(members).toEqual([...ids].sort());
        // the same user deleted 4 times at once: one 204, three 404
        const deletes = await Promise.all(Array.from({ length: 4 }, () => go('DELETE', `/Users/${ids[0]!}`)));
        expect(deletes.map((r) => r.status).sort()).toEqual([204, 404, 404, 404]);
        // renames racing for one name: one wins
        const g2 = (
          await go('POST', '/Groups', {
            schemas: [GROUP],
            displayName: `other ${round}`,
          })
        ).json!.id as string;
        const renames = await Promise.all(
          [g, g2].map((id) =>
            go(
              'PATCH',
              `/Groups/${id}`,
              patchMsg({
                op: 'replace',
                path: 'displayName',
                value: `Winner ${round}`,
              }),
            ),
          ),
        );
        expect(renames.map((r) => r.status).sort()).toEqual([204, 409]);
      }
      expect(c.rows('PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      expect(c.rows<{ n: number }>('SELECT count(*) AS n FROM scim_exchanges')[0]!.n).toBe(requests);
      const names = c.rows<{ k: string; n: number }>(
        'SELECT user_name_key AS k, count(*) AS n FROM accounts WHERE deleted_at IS NULL GROUP BY k HAVING n > 1',
      );
      expect(names).toEqual([]);
      const ev = c.rows<EventRow>('SELECT * FROM events ORDER BY seq');
      let prev = GENESIS_HASH;
      for (const e of ev) {
        expect(e.prev_hash).toBe(prev);
        prev = e.hash;
      }
      expect(ev.filter((e) => e.type === 'user.created')).toHaveLength(20 * 9);
      expect(ev.filter((e) => e.type === 'user.deleted')).toHaveLength(20);
      expect(ev.filter((e) => e.type === 'group.member_added')).toHaveLength(20 * 8);
    } finally {
      await c.close();
    }
  });
});
