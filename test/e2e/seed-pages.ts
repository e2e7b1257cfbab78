/**
 * End-to-end set-up for the Alerts, Audit trail, Seats and People pages (issue #7, pages B).
 *
 * What is real: `rollcall serve` on its own data folder and free ports, its analysis thread, the
 * SCIM listener the app accounts arrive through (real SCIM requests with a connection's token),
 * and the dashboard API the connections and role maps are set up through.
 *
 * What is written straight into the store: the directory side — a polled Okta directory with its
 * people (before serve starts), and a person leaving it (while serve runs), written the way a
 * directory sync writes it (the account row, then a `user.deactivated` event). An offboarding gap
 * needs a person who left longer ago than the SLA (at least 15 minutes): a real sync stamps what
 * it finds with the IdP's log time, which a test cannot put hours in the past.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { Store } from '../../src/main/core/store/store';
import type { CallInput, CallName, CallOutput } from '../../src/shared/contract';
import { startServe, type Served } from '../helpers/cli';

export const DIRECTORY_ID = 'd-acme-okta';
export const DIRECTORY_NAME = 'Acme Okta';
export const PEOPLE = [
  { id: '00u-ann', email: 'ann@acme.test', name: 'Ann Archer' },
  { id: '00u-bob', email: 'bob@acme.test', name: 'Bob Baker' },
  { id: '00u-cy', email: 'cy@acme.test', name: 'Cy Cole' },
] as const;

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The directory and its (active) people, a month old, before serve starts. */
export function seedDirectory(dataDir: string): void {
  const store = Store.open(dataDir);
  const db = store.db;
  const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();
  store.write(() => {
    db.prepare(
      `INSERT INTO sources (id, kind, provider, name, app, slug, created_at, updated_at)
       VALUES (?, 'directory', 'okta', ?, NULL, NULL, ?, ?)`,
    ).run(DIRECTORY_ID, DIRECTORY_NAME, monthAgo, monthAgo);
    const insert = db.prepare(
      `INSERT INTO accounts (source_id, id, user_name, user_name_key, email_key, display_name, active, status, created_at, updated_at,
         first_seen, last_seen)
       VALUES (@source, @id, @email, @email, @email, @name, 1, 'ACTIVE', @t, @t, @t, @t)`,
    );
    for (const p of PEOPLE) insert.run({ source: DIRECTORY_ID, id: p.id, email: p.email, name: p.name, t: monthAgo });
    store.events.append(
      PEOPLE.map((p) => ({
        type: 'user.created' as const,
        sourceId: DIRECTORY_ID,
        accountId: p.id,
        subject: p.email,
        occurredAt: monthAgo,
        observedAt: monthAgo,
        after: { userName: p.email, displayName: p.name, status: 'ACTIVE' },
      })),
    );
  });
  store.close();
}

/** A person leaves the directory `hoursAgo` hours ago (written while serve runs, as a sync would). */
export function leaveDirectory(dataDir: string, accountId: string, hoursAgo: number): void {
  const store = Store.open(dataDir);
  const now = new Date().toISOString();
  const at = new Date(Date.now() - hoursAgo * 3_600_000).toISOString();
  const person = PEOPLE.find((p) => p.id === accountId)!;
  store.write(() => {
    store.db
      .prepare(
        `UPDATE accounts SET active = 0, status = 'DEPROVISIONED', version = version + 1, updated_at = ?, last_seen = ?
          WHERE source_id = ? AND id = ?`,
      )
      .run(now, now, DIRECTORY_ID, accountId);
    store.events.append([
      {
        type: 'user.deactivated',
        sourceId: DIRECTORY_ID,
        accountId,
        subject: person.email,
        occurredAt: at,
        observedAt: now,
        actor: 'it-admin@acme.test',
        before: { status: 'ACTIVE' },
        after: { status: 'DEPROVISIONED' },
      },
    ]);
  });
  store.close();
}

/** One dashboard API call with the dashboard token; throws with the error envelope unless ok. */
export async function apiCall<N extends CallName>(served: Served, name: N, input: CallInput<N>): Promise<CallOutput<N>> {
  const res = await fetch(`${served.origin}/api/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${served.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: unknown; error?: unknown };
  if (!body.ok) throw new Error(`${name}: ${res.status} ${JSON.stringify(body.error)}`);
  return body.value as CallOutput<N>;
}

export interface ScimApp {
  id: string;
  name: string;
  createUser(email: string, displayName: string): Promise<string>;
  createGroup(displayName: string, members: string[]): Promise<string>;
  addMember(groupId: string, userId: string): Promise<void>;
}

/** A store-mode SCIM connection for `app`, created through the API, and a client sending real SCIM requests to it. */
export async function scimApp(served: Served, app: string): Promise<ScimApp> {
  const { connection, token } = await apiCall(served, 'createConnection', { name: `${app} via Okta`, app, provider: 'okta' });
  const baseUrl = `${served.scimUrl.replace(/\/$/, '')}/${connection.slug}`;
  const send = async (method: string, p: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${baseUrl}${p}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`SCIM ${method} ${p}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  };
  return {
    id: connection.id,
    name: app,
    async createUser(email, displayName) {
      const r = await send('POST', '/Users', {
        schemas: [USER_SCHEMA],
        userName: email,
        displayName,
        active: true,
        emails: [{ value: email, primary: true, type: 'work' }],
      });
      return r.id as string;
    },
    async createGroup(displayName, members) {
      const r = await send('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })) });
      return r.id as string;
    },
    async addMember(groupId, userId) {
      await send('PATCH', `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }],
      });
    },
  };
}

/** Waits until the analysis has caught up with every event (the dashboard API says how far behind it is). */
export async function analysed(served: Served, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await apiCall(served, 'getAnalysisSummary', {});
    if (s.analysisBehind === 0) return;
    if (Date.now() > until) throw new Error(`analysis still ${s.analysisBehind} events behind after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Collects script and console errors of a page. */
export function trackFailures(page: Page): string[] {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });
  return failures;
}

/** Opens the dashboard (token in the fragment) and goes to a page by its navigation link. */
export async function openPage(page: Page, served: Served, nav: string): Promise<void> {
  await page.goto(served.dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: nav, exact: true }).click();
}

/** Each test: its own data folder with the directory seeded, its own serve, closed at the end. */
export const test = base.extend<{ dataDir: string; served: Served }>({
  // eslint-disable-next-line no-empty-pattern
  dataDir: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-e2e-pages-'));
    await use(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  },
  served: async ({ dataDir }, use) => {
    seedDirectory(dataDir);
    const served = await startServe(dataDir);
    await use(served);
    await served.stop();
  },
});

export { expect } from '@playwright/test';
