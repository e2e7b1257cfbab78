/**
 * `rollcall demo` in process, small: 200 people, 30 days of history, live churn every 400 ms, on
 * free ports. Everything is read back the way the dashboard reads it: over HTTP with the token.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERT_RULES } from '../../../src/shared/contract';
import { eventHash, GENESIS_HASH, type EventRow } from '../../../src/main/core/store/events';
import { DEMO_MARKER, startDemo, type Demo } from '../../../src/main/demo/demo';

const PEOPLE = 200;
const DAYS = 30;
let demo: Demo;
let dataDir: string;
const progress: string[] = [];

beforeAll(async () => {
  // Not tmpDataDir(): that one is removed after each test; this demo serves the whole file.
  dataDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-demo-test-')), 'demo');
  demo = await startDemo({
    dataDir,
    people: PEOPLE,
    historyDays: DAYS,
    churnIntervalMs: 400,
    scimPort: 0,
    uiPort: 0,
    progress: (m) => progress.push(m),
  });
}, 120_000);

afterAll(async () => {
  await demo?.stop();
  fs.rmSync(path.dirname(dataDir), { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
});

async function api<T>(call: string, input: unknown = {}): Promise<T> {
  const url = new URL(demo.dashboardUrl);
  const token = decodeURIComponent(url.hash.replace(/^#token=/, ''));
  const res = await fetch(`${url.origin}/api/${call}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${call}: ${body.error?.message}`);
  return body.value!;
}

interface Alert {
  id: number;
  rule: string;
  status: string;
  severity: string;
}
async function allAlerts(status?: string): Promise<Alert[]> {
  const out: Alert[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<{ items: Alert[]; nextCursor: string | null }>('listAlerts', { limit: 1000, cursor, status });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe('rollcall demo (200 people, 30 days, live churn)', () => {
  it('says where its data is, marks the folder as a demo folder, and printed progress', () => {
    expect(demo.dataDir).toBe(dataDir);
    expect(fs.existsSync(path.join(dataDir, DEMO_MARKER))).toBe(true);
    expect(progress.some((m) => /history: day 30\/30/.test(m))).toBe(true);
    expect(demo.scimUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    expect(demo.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=.{16,}$/);
  });

  it('has people in both directories, each synced, and four apps (Jira relayed)', async () => {
    const sources = await api<{
      connections: { app: string; mode: string; lastRequestAt: string | null }[];
      directories: { provider: string; lastSyncAt: string | null }[];
    }>('listSources');
    expect(sources.directories.map((d) => d.provider).sort()).toEqual(['entra', 'okta']);
    for (const d of sources.directories) expect(d.lastSyncAt).not.toBeNull();
    expect(sources.connections.map((c) => c.app).sort()).toEqual(['GitHub', 'Jira', 'Loom', 'Slack']);
    expect(sources.connections.find((c) => c.app === 'Jira')!.mode).toBe('relay');
    for (const c of sources.connections) expect(c.lastRequestAt).not.toBeNull();

    const db = demo.host.core.store.db;
    const perDirectory = db
      .prepare(
        `SELECT s.provider, count(*) AS n FROM accounts a JOIN sources s ON s.id = a.source_id
          WHERE s.kind = 'directory' AND a.deleted_at IS NULL GROUP BY s.provider`,
      )
      .all() as { provider: string; n: number }[];
    const n = Object.fromEntries(perDirectory.map((r) => [r.provider, r.n]));
    expect(n.okta).toBeGreaterThan(PEOPLE * 0.7);
    expect(n.entra).toBeGreaterThan(PEOPLE * 0.25);
  });

  it('reports seats per role in all four apps, billed and free, with purchased counts and idle seats', async () => {
    const { rows } = await api<{
      rows: { app: string; role: string | null; billed: boolean; active: number; idle: number; purchased: number | null }[];
    }>('getSeats');
    const roles = (app: string) =>
      rows
        .filter((r) => r.app === app && r.active > 0)
        .map((r) => r.role)
        .sort();
    expect(roles('GitHub')).toContain('member');
    expect(roles('Slack')).toContain('member');
    expect(roles('Loom')).toEqual(['creator', 'viewer']);
    expect(roles('Jira')).toContain('user');
    const viewer = rows.find((r) => r.app === 'Loom' && r.role === 'viewer')!;
    expect(viewer.billed).toBe(false);
    for (const r of rows.filter((x) => x.billed && x.role !== null)) expect(r.purchased).toBeGreaterThanOrEqual(5);
    expect(rows.reduce((s, r) => s + r.idle, 0)).toBeGreaterThan(0);
  });

  it('has open alerts of several rules, and every alert rule fired at least once in the history', async () => {
    const open = new Set((await allAlerts('open')).map((a) => a.rule));
    for (const rule of ['offboarding_gap', 'orphaned_account', 'deprovision_failed', 'inactive_seat']) expect(open, rule).toContain(rule);
    const fired = new Set((await allAlerts()).map((a) => a.rule));
    expect([...fired].sort()).toEqual(Object.values(ALERT_RULES).sort());
    const dash = await api<{
      openAlerts: { high: number; medium: number; low: number };
      activeSeats: number;
      idleSeats: number;
      eventsLast24h: number;
      medianHoursToDeprovision: number | null;
      sources: { connections: number; directories: number };
    }>('getDashboard');
    expect(dash.openAlerts.high).toBeGreaterThan(0);
    expect(dash.activeSeats).toBeGreaterThan(PEOPLE);
    expect(dash.eventsLast24h).toBeGreaterThan(0);
    expect(dash.medianHoursToDeprovision).not.toBeNull();
    expect(dash.sources).toEqual({ connections: 4, directories: 2 });
  });

  it('joins a person across the two directories and their apps', async () => {
    const both = demo.simulation.people.find((p) => p.okta && p.entra && !p.left && p.apps.size >= 2)!;
    expect(both).toBeDefined();
    const found = await api<{ items: { id: number; primaryEmail: string | null }[] }>('searchPeople', { query: both.email });
    const person = found.items.find((p) => p.primaryEmail === both.email)!;
    expect(person).toBeDefined();
    const detail = await api<{ accounts: { sourceKind: string; sourceName: string; app: string | null }[] }>('getPerson', {
      id: person.id,
    });
    const directories = detail.accounts.filter((a) => a.sourceKind === 'directory').map((a) => a.sourceName);
    expect(directories.sort()).toEqual(['Acme Entra ID', 'Acme Okta']);
    const apps = detail.accounts.filter((a) => a.sourceKind === 'connection').map((a) => a.app);
    expect(apps.length).toBeGreaterThanOrEqual(2);
    expect(apps).toContain('Jira');
  });

  it('writes the history as real events: simulated past times, in time order, hash-chained', () => {
    const db = demo.host.core.store.db;
    const rows = db.prepare('SELECT * FROM events ORDER BY seq').all() as EventRow[];
    expect(rows.length).toBeGreaterThan(PEOPLE * 2);
    const first = Date.parse(rows[0]!.observed_at);
    expect(Date.now() - first).toBeGreaterThan((DAYS - 1) * 86_400_000);
    let prev = GENESIS_HASH;
    let backwards = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      expect(r.prev_hash).toBe(prev);
      const { seq: _seq, hash, ...fields } = r;
      expect(eventHash(fields)).toBe(hash);
      prev = hash;
      if (i > 0 && r.observed_at < rows[i - 1]!.observed_at) backwards++;
    }
    expect(backwards).toBe(0);
    // Okta's own time (its System Log) is kept as occurred_at, before Rollcall saw the change.
    const okta = db
      .prepare(
        `SELECT count(*) AS n FROM events e JOIN sources s ON s.id = e.source_id
          WHERE s.provider = 'okta' AND e.type = 'user.deactivated' AND e.occurred_at < e.observed_at`,
      )
      .get() as { n: number };
    expect(okta.n).toBeGreaterThan(0);
  });

  it('keeps changing: live churn appends new events within a few seconds', async () => {
    const newest = async () => (await api<{ items: { seq: number }[] }>('listEvents', { limit: 1 })).items[0]!.seq;
    const before = await newest();
    const deadline = Date.now() + 8000;
    let after = before;
    while (after === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      after = await newest();
    }
    expect(after).toBeGreaterThan(before);
    expect(demo.churn.ticks).toBeGreaterThan(0);
  });

  it('closes, live, an offboarding gap the history left open: the late deprovision comes after go-live', async () => {
    const tail = demo.simulation.liveTail.find((t) => t.crossesAt === null)!;
    expect(tail).toBeDefined();
    const found = await api<{ items: { id: number; primaryEmail: string | null }[] }>('searchPeople', { query: tail.person.email });
    const personId = found.items.find((p) => p.primaryEmail === tail.person.email)!.id;
    type Gap = { status: string; openedAt: string; resolvedAt: string | null; sourceId: string };
    const deadline = Date.now() + 15_000;
    let gaps: Gap[];
    for (;;) {
      gaps = (await api<{ items: Gap[] }>('listAlerts', { personId, rule: 'offboarding_gap', limit: 10 })).items;
      if ((gaps.length > 0 && gaps.every((g) => g.status === 'resolved')) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const slack = gaps.find((g) => g.sourceId === demo.simulation.connectionIds.slack)!;
    expect(slack).toBeDefined();
    expect(slack.status).toBe('resolved');
    expect(Date.parse(slack.openedAt)).toBeLessThan(demo.liveAt);
    expect(Date.parse(slack.resolvedAt!)).toBeGreaterThanOrEqual(demo.liveAt);
  });

  it('fails a deprovisioning live (the fake Jira answers 500 through the relay) and clears it on the retry', async () => {
    type Failed = { status: string; openedAt: string; resolvedAt: string | null };
    const deadline = Date.now() + 20_000;
    let live: Failed[];
    for (;;) {
      const all = (await api<{ items: Failed[] }>('listAlerts', { rule: 'deprovision_failed', limit: 100 })).items;
      live = all.filter((a) => Date.parse(a.openedAt) >= demo.liveAt);
      if (live.some((a) => a.status === 'resolved') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(demo.churn.failedDeprovisions).toBeGreaterThan(0);
    expect(live.length).toBeGreaterThan(0);
    expect(live.some((a) => a.status === 'resolved' && Date.parse(a.resolvedAt!) > Date.parse(a.openedAt))).toBe(true);
  });

  it('stop closes every server it started (Rollcall and the fakes)', async () => {
    const urls = [
      new URL(demo.dashboardUrl).origin,
      demo.scimUrl,
      demo.simulation.fakeUrls.okta,
      demo.simulation.fakeUrls.graph,
      demo.simulation.fakeUrls.jira,
    ];
    for (const u of urls) expect((await fetch(u).catch(() => null))?.status ?? 0, u).toBeGreaterThan(0);
    await demo.stop();
    for (const u of urls) await expect(fetch(u), u).rejects.toThrow();
  });
});
