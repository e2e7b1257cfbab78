/**
 * A small organisation for analysis scenario tests, on real data paths: a core (analysis not
 * automatic: the test runs it), the real SCIM listener on 127.0.0.1:0 with one store-mode
 * connection per app, and a fake Okta org on 127.0.0.1:0 polled through the core's directory
 * sync. One clock for everything: `Date` is faked (only Date — timers stay real), so SCIM events,
 * Okta's System Log and the analyzer all read the time the story sets.
 */
import { vi } from 'vitest';
import { createCore, type Core } from '../../src/main/core/core';
import { startScimServer } from '../../src/main/scim/server';
import type { CallInput, CallName, CallOutput } from '../../src/shared/contract';
import { startFakeOkta, type FakeOkta } from '../fakes/okta';
import { tmpDataDir } from './tmp';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export interface App {
  id: string;
  name: string;
  /** A SCIM request to the app's connection; throws unless 2xx. */
  scim(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
  createUser(userName: string, extra?: Record<string, unknown>): Promise<string>;
  createGroup(displayName: string, members?: string[]): Promise<string>;
  addMember(groupId: string, userId: string): Promise<void>;
  removeMember(groupId: string, userId: string): Promise<void>;
  deactivate(userId: string): Promise<void>;
  deleteUser(userId: string): Promise<void>;
}

export interface Org {
  core: Core;
  okta: FakeOkta;
  oktaId: string;
  /** Sets the one clock (ISO-8601). */
  at(iso: string): void;
  app(name: string): Promise<App>;
  /** One Okta poll through the core's directory sync; resolves when it finished. */
  syncOkta(full?: boolean): Promise<void>;
  /** Runs the analyzer until it has nothing left. */
  analyse(): Promise<void>;
  /** An API call through the core's dispatch; throws with the error envelope unless ok. */
  call<N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>>;
  /** The raw envelope of a call (for error cases). */
  raw(name: CallName, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  personOf(sourceId: string, accountId: string): number | null;
  close(): Promise<void>;
}

export async function startOrg(start = '2026-03-02T08:00:00.000Z'): Promise<Org> {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(start));
  const core = createCore({
    dataDir: tmpDataDir(),
    host: 'headless',
    backgroundCheckpoints: false,
    scheduleDirectories: false,
    syncOnWorker: false,
    analysis: false,
  });
  const scim = await startScimServer({ core, host: '127.0.0.1', port: 0 });
  const okta = await startFakeOkta({ now: () => Date.now() });
  const created = await core.dispatch('createDirectory', {
    kind: 'okta',
    name: 'Okta',
    settings: { baseUrl: okta.url, auth: 'ssws' },
    credentials: { apiToken: okta.apiToken! },
  });
  if (!created.ok) throw new Error(JSON.stringify(created.error));
  const oktaId = (created.value as { directory: { id: string } }).directory.id;

  const call = async <N extends CallName>(name: N, input: CallInput<N>): Promise<CallOutput<N>> => {
    const r = await core.dispatch(name, input);
    if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.error)}`);
    return r.value as CallOutput<N>;
  };

  return {
    core,
    okta,
    oktaId,
    at: (iso) => vi.setSystemTime(new Date(iso)),
    async app(name) {
      const conn = core.connections.add({ name, app: name, provider: 'okta' });
      const base = `${scim.origin}/scim/v2/${conn.slug}`;
      const scimCall = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { Authorization: `Bearer ${conn.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/scim+json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
        return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      };
      const patch = (path: string, operations: unknown[]) => scimCall('PATCH', path, { schemas: [PATCH_OP], Operations: operations });
      return {
        id: conn.id,
        name,
        scim: scimCall,
        async createUser(userName, extra = {}) {
          const r = await scimCall('POST', '/Users', {
            schemas: [USER_SCHEMA],
            userName,
            active: true,
            emails: [{ value: userName, primary: true, type: 'work' }],
            ...extra,
          });
          return r.id as string;
        },
        async createGroup(displayName, members = []) {
          const r = await scimCall('POST', '/Groups', {
            schemas: [GROUP_SCHEMA],
            displayName,
            members: members.map((value) => ({ value })),
          });
          return r.id as string;
        },
        async addMember(groupId, userId) {
          await patch(`/Groups/${groupId}`, [{ op: 'add', path: 'members', value: [{ value: userId }] }]);
        },
        async removeMember(groupId, userId) {
          await patch(`/Groups/${groupId}`, [{ op: 'remove', path: `members[value eq "${userId}"]` }]);
        },
        async deactivate(userId) {
          await patch(`/Users/${userId}`, [{ op: 'replace', path: 'active', value: false }]);
        },
        async deleteUser(userId) {
          await scimCall('DELETE', `/Users/${userId}`);
        },
      };
    },
    async syncOkta(full = false) {
      const summary = await core.directorySync.syncNow(oktaId, 'manual', full);
      if (summary.status !== 'ok') throw new Error(`Okta sync ${summary.status}: ${summary.error}`);
    },
    analyse: () => core.analyzer.runUntilIdle(),
    call,
    raw: (name, input) => core.dispatch(name, input) as ReturnType<Org['raw']>,
    personOf(sourceId, accountId) {
      const row = core.store.db
        .prepare<[string, string], { person_id: number | null }>('SELECT person_id FROM accounts WHERE source_id = ? AND id = ?')
        .get(sourceId, accountId);
      return row?.person_id ?? null;
    },
    async close() {
      await scim.close();
      await core.closeGracefully();
      await okta.close();
      vi.useRealTimers();
    },
  };
}

/** An Okta profile for a person (login = email). */
export function profile(email: string, first: string, last: string, extra: Record<string, unknown> = {}) {
  return { login: email, email, firstName: first, lastName: last, ...extra };
}
