/**
 * The 1,000,000-event history the benchmarks share (analysis, timeline): written directly in
 * SQLite with prepared statements in big transactions; the hash chain is the real one (events go
 * through EventLog.append). A year of it: one Okta directory with `people` accounts (its baseline:
 * state, no events), `apps` SCIM connections holding 1–5 accounts per person (Editor / Viewer by a
 * `roles[].value` attribute, Admin by an "Admins" group), leavers suspended in Okta and
 * deprovisioned in some apps hours later, and attribute updates until the log holds `events`.
 * Deterministic (a fixed-seed LCG).
 */
import { performance } from 'node:perf_hooks';
import type { Statement } from 'better-sqlite3';
import type { NewEvent } from '../../src/main/core/store/events';
import type { Store } from '../../src/main/core/store/store';

export const DAY = 86_400_000;
export const END = Date.parse('2026-11-29T00:00:00.000Z');
export const START = END - 365 * DAY;
export const iso = (t: number): string => new Date(t).toISOString();

export function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
}

export interface AppAccount {
  person: number;
  app: number;
  editor: boolean;
  admin: boolean;
  createdAt: number;
  deactivatedAt: number;
  pk: number;
}

export interface Planned {
  t: number;
  e: NewEvent;
  apply?: () => void;
}

export interface History {
  appIds: string[];
  roleIds: Map<string, { admin: number; editor: number; viewer: number }>;
  groupPk: Map<string, number>;
  /** Per person: when they left (ms), or -1. */
  leaveAt: Float64Array;
  /** Per person: their Okta account's pk. */
  dirPk: Int32Array;
  appAccounts: AppAccount[];
  /** `UPDATE accounts … WHERE pk = ?` with (status, updated_at, pk): an account made inactive. */
  setInactive: Statement<[string, string, number]>;
}

export function generateHistory(
  store: Store,
  { events: EVENTS, people: PEOPLE, apps: APPS }: { events: number; people: number; apps: number },
  log: (m: string) => void = (m) => process.stderr.write(`${m}\n`),
): History {
  const db = store.db;
  const rnd = lcg(42);
  const t0 = performance.now();
  // ---------------------------------------------------------------------------------------------
  // 1. The world: sources, directory accounts (baseline), app accounts, role maps, Admins groups.

  const appIds = Array.from({ length: APPS }, (_, a) => `app${String(a).padStart(2, '0')}`);
  const roleIds = new Map<string, { admin: number; editor: number; viewer: number }>();
  const groupPk = new Map<string, number>();
  store.write(() => {
    const src = db.prepare(
      `INSERT INTO sources (id, kind, provider, name, app, slug, created_at, updated_at) VALUES (?, ?, 'okta', ?, ?, ?, ?, ?)`,
    );
    src.run('okta', 'directory', 'Okta', null, null, iso(START), iso(START));
    const role = db.prepare('INSERT INTO roles (source_id, name, billed, privileged, seats_purchased) VALUES (?, ?, ?, ?, ?)');
    const map = db.prepare('INSERT INTO role_mappings (role_id, kind, attribute, match) VALUES (?, ?, ?, ?)');
    const grp = db.prepare(
      `INSERT INTO groups (source_id, id, display_name, display_name_key, raw, created_at, updated_at, first_seen, last_seen)
       VALUES (?, ?, 'Admins', 'admins', '{}', ?, ?, ?, ?)`,
    );
    for (const a of appIds) {
      src.run(a, 'connection', `App ${a}`, `App ${a}`, a, iso(START), iso(START));
      const admin = Number(role.run(a, 'Admin', 1, 1, 50).lastInsertRowid);
      const editor = Number(role.run(a, 'Editor', 1, 0, 2000).lastInsertRowid);
      const viewer = Number(role.run(a, 'Viewer', 0, 0, null).lastInsertRowid);
      map.run(admin, 'group', null, 'Admins');
      map.run(editor, 'attribute', 'roles[].value', 'editor');
      map.run(viewer, 'attribute', 'roles[].value', 'viewer');
      roleIds.set(a, { admin, editor, viewer });
      groupPk.set(a, Number(grp.run(a, `g-${a}`, iso(START), iso(START), iso(START), iso(START)).lastInsertRowid));
    }
  });

  // Leavers: every 12th person leaves on a day of the year; 70 % of their app accounts go 1–72 h later.
  const leaveAt = new Float64Array(PEOPLE).fill(-1);
  for (let i = 0; i < PEOPLE; i += 12) leaveAt[i] = START + (60 + Math.floor(rnd() * 300)) * DAY + Math.floor(rnd() * DAY);

  const appAccounts: AppAccount[] = [];
  for (let i = 0; i < PEOPLE; i++) {
    const k = 1 + (i % 5);
    for (let j = 0; j < k; j++) {
      const app = (i * 7 + j * 11) % APPS;
      const createdAt = START + Math.floor(rnd() * (leaveAt[i]! > 0 ? leaveAt[i]! - START : 365 * DAY));
      const deactivatedAt = leaveAt[i]! > 0 && rnd() < 0.7 ? leaveAt[i]! + 3_600_000 + Math.floor(rnd() * 71 * 3_600_000) : -1;
      appAccounts.push({ person: i, app, editor: (i + j) % 3 !== 0, admin: i % 20 === j, createdAt, deactivatedAt, pk: 0 });
    }
  }
  const dirPk = new Int32Array(PEOPLE);
  store.write(() => {
    const ins = db.prepare(
      `INSERT INTO accounts (source_id, id, user_name, external_id, email_key, employee_number, display_name, active, status, raw, version,
         created_at, updated_at, first_seen, last_seen)
       VALUES (@source_id, @id, @user_name, NULL, @email, @emp, @display_name, @active, @status, @raw, 1, @t, @u, @t, @u)`,
    );
    for (let i = 0; i < PEOPLE; i++) {
      const left = leaveAt[i]! > 0;
      const email = `user${i}@acme.test`;
      // The directory's baseline happened at START; its leavers' changes come as events below.
      dirPk[i] = Number(
        ins.run({
          source_id: 'okta',
          id: `d${i}`,
          user_name: email,
          email,
          emp: String(i),
          display_name: `User ${i}`,
          active: 1,
          status: 'active',
          raw: '{}',
          t: iso(START),
          u: iso(START),
        }).lastInsertRowid,
      );
      void left;
    }
    const member = db.prepare("INSERT INTO memberships (group_pk, member_pk, member_type, first_seen) VALUES (?, ?, 'User', ?)");
    for (const acc of appAccounts) {
      const email = `user${acc.person}@acme.test`;
      const raw = JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: email,
        emails: [{ value: email, primary: true }],
        roles: [{ value: acc.editor ? 'editor' : 'viewer' }],
        active: true,
      });
      acc.pk = Number(
        ins.run({
          source_id: appIds[acc.app]!,
          id: `a${acc.person}-${acc.app}`,
          user_name: email,
          email,
          emp: null,
          display_name: `User ${acc.person}`,
          active: 1,
          status: 'active',
          raw,
          t: iso(acc.createdAt),
          u: iso(acc.createdAt),
        }).lastInsertRowid,
      );
      if (acc.admin) member.run(groupPk.get(appIds[acc.app]!)!, acc.pk, iso(acc.createdAt));
    }
  });
  log(
    `world: ${PEOPLE.toLocaleString()} people, ${appAccounts.length.toLocaleString()} app accounts in ${APPS} apps (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );

  // ---------------------------------------------------------------------------------------------
  // 2. A year of events in time order (the hash chain through EventLog.append), state updated to match.

  const setInactive = db.prepare('UPDATE accounts SET active = 0, status = ?, updated_at = ?, version = version + 1 WHERE pk = ?');
  const planned: Planned[] = [];
  for (const acc of appAccounts) {
    const source = appIds[acc.app]!;
    const subject = `user${acc.person}@acme.test`;
    planned.push({
      t: acc.createdAt,
      e: {
        type: 'user.created',
        sourceId: source,
        accountId: `a${acc.person}-${acc.app}`,
        subject,
        observedAt: '',
        after: { userName: subject },
      },
    });
    if (acc.admin)
      planned.push({
        t: acc.createdAt,
        e: {
          type: 'group.member_added',
          sourceId: source,
          groupId: `g-${source}`,
          accountId: `a${acc.person}-${acc.app}`,
          subject,
          observedAt: '',
          after: { group: 'Admins', member: subject },
        },
      });
    if (acc.deactivatedAt > 0) {
      const pk = acc.pk;
      const at = acc.deactivatedAt;
      planned.push({
        t: at,
        e: {
          type: 'user.deactivated',
          sourceId: source,
          accountId: `a${acc.person}-${acc.app}`,
          subject,
          observedAt: '',
          before: { active: true },
          after: { active: false },
        },
        apply: () => setInactive.run('inactive', iso(at), pk),
      });
    }
  }
  for (let i = 0; i < PEOPLE; i++) {
    const at = leaveAt[i]!;
    if (at < 0) continue;
    const pk = dirPk[i]!;
    planned.push({
      t: at,
      e: {
        type: 'user.deactivated',
        sourceId: 'okta',
        accountId: `d${i}`,
        subject: `user${i}@acme.test`,
        observedAt: '',
        before: { status: 'active' },
        after: { status: 'suspended' },
      },
      apply: () => setInactive.run('suspended', iso(at), pk),
    });
  }
  const fill = Math.max(0, EVENTS - planned.length);
  for (let k = 0; k < fill; k++) {
    const acc = appAccounts[Math.floor(rnd() * appAccounts.length)]!;
    const t = acc.createdAt + Math.floor(rnd() * (END - acc.createdAt));
    planned.push({
      t,
      e: {
        type: 'user.updated',
        sourceId: appIds[acc.app]!,
        accountId: `a${acc.person}-${acc.app}`,
        subject: `user${acc.person}@acme.test`,
        observedAt: '',
        before: { title: 'Engineer' },
        after: { title: 'Senior Engineer' },
      },
    });
  }
  planned.sort((a, b) => a.t - b.t);
  const tEvents = performance.now();
  for (let i = 0; i < planned.length; i += 20_000) {
    const slice = planned.slice(i, i + 20_000);
    store.write(() => {
      for (const p of slice) p.apply?.();
      store.events.append(slice.map((p) => ({ ...p.e, observedAt: iso(p.t), occurredAt: iso(p.t) })));
    });
  }
  planned.length = 0;
  log(
    `events: ${(db.prepare('SELECT count(*) FROM events').pluck().get() as number).toLocaleString()} appended in ${((performance.now() - tEvents) / 1000).toFixed(1)} s`,
  );
  return { appIds, roleIds, groupPk, leaveAt, dirPk, appAccounts, setInactive };
}
