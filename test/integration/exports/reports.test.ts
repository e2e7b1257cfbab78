/**
 * Every report, exported from a small organisation built on the real data paths (SCIM requests to
 * the real listener, polls of the fake Okta org, the Analyzer), parsed back with csv-parse and
 * compared with the database and with the read models the screens use.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runExport } from '../../../src/main/core/exports/export';
import { reports } from '../../../src/main/core/exports/reports';
import type { ReportName } from '../../../src/shared/exports-contract';
import { profile, startOrg, type Org } from '../../helpers/analysis';
import { tmpDataDir } from '../../helpers/tmp';
import { readCsv } from './helpers';

let org: Org | undefined;
afterEach(async () => {
  await org?.close();
  org = undefined;
});

/** What a text cell must read as after neutralisation. */
const neutral = (v: string | null): string => (v === null ? '' : /^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
const FROM = '2026-03-01T00:00:00.000Z';
const TO = '2026-03-10T00:00:00.000Z';

async function story(): Promise<{ o: Org; slack: string; loom: string; ben: number; ada: number }> {
  const o = (org = await startOrg('2026-03-02T08:00:00.000Z'));
  const ada = o.okta.createUser(profile('ada@acme.com', 'Ada', 'Lovelace'));
  const ben = o.okta.createUser(profile('ben@acme.com', 'Ben', '=HYPERLINK("http://evil")'));
  o.okta.createUser(profile('cy@acme.com', 'Cy', 'Ünïcødé 李'));
  await o.syncOkta();
  const slack = await o.app('Slack');
  const loom = await o.app('Loom');
  await o.call('setRoleMap', {
    sourceId: slack.id,
    roles: [
      { name: 'Admin', billed: true, privileged: true, seatsPurchased: 2, mappings: [{ kind: 'group', group: 'Admins' }] },
      { name: 'Member', billed: false, mappings: [{ kind: 'attribute', attribute: 'roles[].value', value: 'member' }] },
    ],
  });
  const adaSlack = await slack.createUser('ada@acme.com', { roles: [{ value: 'member' }] });
  const benSlack = await slack.createUser('ben@acme.com', { roles: [{ value: 'member' }] });
  await slack.createUser('cy@acme.com', { roles: [{ value: 'member' }] });
  await slack.createUser('zoë.李@acme.com');
  await slack.createGroup('Night "ops",\r\nshift');
  // Orphans whose names are the classic payloads: they reach the events and access reports as subjects.
  const payloads = ["=cmd|' /C calc'!A0", '+1', '-1', '@SUM(A1)', '\tTAB', '\rCR'];
  for (const p of payloads) await slack.createUser(p);
  const admins = await slack.createGroup('Admins', [adaSlack]);
  await loom.createUser('ada@acme.com');
  await loom.createUser('ben@acme.com');
  await o.analyse();

  o.at('2026-03-03T09:00:00.000Z');
  await slack.addMember(admins, benSlack);
  await o.analyse();
  o.at('2026-03-04T09:00:00.000Z');
  o.okta.suspend(ben);
  o.okta.suspend(ada);
  o.at('2026-03-04T09:10:00.000Z');
  await o.syncOkta();
  await o.analyse();
  o.at('2026-03-04T14:30:00.000Z');
  await slack.deactivate(benSlack);
  await o.analyse();
  return {
    o,
    slack: slack.id,
    loom: loom.id,
    ben: o.personOf(o.oktaId, ben)!,
    ada: o.personOf(o.oktaId, ada)!,
  };
}

async function exportTo(o: Org, report: ReportName, filters: Record<string, unknown> = {}, bom = false) {
  const out = path.join(tmpDataDir('rollcall-out-'), `${report}.csv`);
  const result = await runExport({
    dataDir: o.core.store.dataDir,
    outFile: out,
    request: { report, filters: { from: FROM, to: TO, ...filters }, bom },
  });
  const csv = readCsv(out);
  expect(csv.header).toEqual(reports[report].columns.map((c) => c.name));
  expect(result.manifest.rows).toBe(csv.rows.length);
  expect(result.manifest.sha256).toBe(createHash('sha256').update(csv.raw).digest('hex'));
  expect(result.manifest.bytes).toBe(csv.raw.length);
  const obj = csv.rows.map((r) => Object.fromEntries(csv.header.map((h, i) => [h, r[i]!])));
  return { out, result, csv, rows: obj };
}

describe('reports round-trip through a real CSV parser', () => {
  it('events: every event in the range, every column as stored (text neutralised), CRLF, optional BOM', async () => {
    const { o, slack } = await story();
    const db = o.core.store.db;
    const { rows, csv, result } = await exportTo(o, 'events', {}, true);
    const expected = db
      .prepare(
        `SELECT e.*, coalesce(s.app, s.name) AS source_name FROM events e JOIN sources s ON s.id = e.source_id
                 WHERE occurred_at >= ? AND occurred_at < ? ORDER BY occurred_at, seq`,
      )
      .all(FROM, TO) as Record<string, string | number | null>[];
    expect(expected.length).toBeGreaterThan(20);
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => {
      const e = expected[i]!;
      const num = (v: unknown) => (v === null ? '' : String(v));
      expect(r).toEqual({
        seq: num(e.seq),
        occurred_at: e.occurred_at,
        observed_at: e.observed_at,
        type: e.type,
        source_id: e.source_id,
        source_name: neutral(e.source_name as string),
        account_id: neutral(e.account_id as string | null),
        group_id: neutral(e.group_id as string | null),
        person_id: num(e.person_id),
        subject: neutral(e.subject as string | null),
        actor: neutral(e.actor as string | null),
        before: neutral(e.before as string | null),
        after: neutral(e.after as string | null),
        exchange_id: num(e.exchange_id),
        prev_hash: e.prev_hash,
        hash: e.hash,
      });
    });
    // The payloads are neutralised; quotes, CR/LF and unicode come back exactly.
    const subjects = rows.map((r) => r.subject);
    for (const p of ["=cmd|' /C calc'!A0", '+1', '-1', '@SUM(A1)', '\tTAB', '\rCR']) expect(subjects).toContain(`'${p}`);
    expect(subjects).toContain('Night "ops",\r\nshift');
    expect(subjects).toContain('zoë.李@acme.com');
    expect(csv.raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.raw.toString('utf8').endsWith('\r\n')).toBe(true);
    expect(csv.raw.toString('utf8').split('\r\n')[0]).toBe(`\ufeff${reports.events.columns.map((c) => c.name).join(',')}`);
    expect(result.manifest.csv.bom).toBe(true);
    // Filters narrow it: one source, one type.
    const narrowed = await exportTo(o, 'events', { sourceId: slack, types: ['user.deactivated'] });
    expect(narrowed.rows.map((r) => [r.source_id, r.type])).toEqual([[slack, 'user.deactivated']]);
    expect(narrowed.csv.raw.subarray(0, 3).toString()).toBe('seq');
  });

  it('access-changes: the audit trail of the range, oldest first, with roles, groups and before/after', async () => {
    const { o, slack, ben } = await story();
    const { rows } = await exportTo(o, 'access-changes');
    // The same events listAuditTrail shows (newest first there), every page of it.
    const trail: { seq: number; type: string; occurredAt: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await o.call('listAuditTrail', { limit: 5, from: FROM, to: TO, cursor });
      trail.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(rows.map((r) => Number(r.seq))).toEqual(trail.map((e) => e.seq).reverse());
    expect(rows.map((r) => r.type)).toEqual(trail.map((e) => e.type).reverse());
    const benAdmin = rows.find((r) => r.type === 'role.granted' && r.role === 'Admin' && r.person_id === String(ben))!;
    expect(benAdmin).toMatchObject({
      change: 'grant',
      app: 'Slack',
      source_id: slack,
      subject: 'ben@acme.com',
      at: '2026-03-03T09:00:00.000Z',
    });
    expect(JSON.parse(benAdmin.after!)).toMatchObject({ role: 'Admin' });
    const joined = rows.find((r) => r.type === 'group.member_added' && r.subject === 'ben@acme.com')!;
    expect(joined).toMatchObject({ change: 'grant', group_name: 'Admins', person_name: 'Ben =HYPERLINK("http://evil")' });
    // Person filter: only Ben's accounts.
    const benOnly = await exportTo(o, 'access-changes', { personId: ben });
    expect(benOnly.rows.length).toBeGreaterThan(0);
    expect(new Set(benOnly.rows.map((r) => r.person_id))).toEqual(new Set([String(ben)]));
  });

  it('offboarding: one row per person who left and app they had, as the deprovisions table and its stats say', async () => {
    const { o, slack, loom, ben, ada } = await story();
    // Ada's Loom deprovisioning was refused by the app (the relay's alert, with its evidence event).
    const db = o.core.store.db;
    const adaLoom = db.prepare("SELECT id FROM accounts WHERE source_id = ? AND user_name = 'ada@acme.com'").pluck().get(loom) as string;
    const evidence = db.prepare('SELECT max(seq) FROM events').pluck().get() as number;
    const alertId = db
      .prepare(
        `INSERT INTO alerts (rule, severity, dedupe_key, title, source_id, opened_at) VALUES ('deprovision_failed', 'high', ?, 'Deprovisioning failed', ?, '2026-03-04T10:00:00.000Z')`,
      )
      .run(`deprovision_failed:${loom}:${adaLoom}`, loom).lastInsertRowid;
    db.prepare('INSERT INTO alert_evidence (alert_id, event_seq) VALUES (?, ?)').run(alertId, evidence);

    const { rows } = await exportTo(o, 'offboarding');
    const table = db
      .prepare(
        'SELECT d.*, a.id AS account_id FROM deprovisions d JOIN accounts a ON a.pk = d.account_pk WHERE left_at >= ? AND left_at < ? ORDER BY left_at, person_id, d.id',
      )
      .all(FROM, TO) as {
      person_id: number;
      source_id: string;
      account_id: string;
      left_at: string;
      done_at: string | null;
      duration_ms: number | null;
    }[];
    expect(rows.map((r) => [Number(r.person_id), r.source_id, r.account_id, r.left_at, r.deprovisioned_at])).toEqual(
      table.map((d) => [d.person_id, d.source_id, d.account_id, d.left_at, d.done_at ?? '']),
    );
    const key = (r: Record<string, string>) => `${r.person_id}/${r.app}`;
    const byKey = new Map(rows.map((r) => [key(r), r]));
    const benSlack = byKey.get(`${ben}/Slack`)!;
    const benRow = table.find((d) => d.person_id === ben && d.source_id === slack)!;
    expect(benSlack).toMatchObject({
      person_name: `Ben =HYPERLINK("http://evil")`,
      left_at: benRow.left_at,
      status: 'done',
      deprovisioned_at: '2026-03-04T14:30:00.000Z',
      hours_to_deprovision: String(Math.round((benRow.duration_ms! / 3_600_000) * 100) / 100),
    });
    expect(Number(benSlack.hours_to_deprovision)).toBeGreaterThan(5);
    // Evidence: the directory's suspension and the app's deactivation, by seq.
    const ev = (seq: string) => db.prepare('SELECT type, source_id FROM events WHERE seq = ?').get(Number(seq));
    expect(ev(benSlack.directory_event_seq!)).toEqual({ type: 'user.deactivated', source_id: o.oktaId });
    expect(ev(benSlack.app_event_seq!)).toEqual({ type: 'user.deactivated', source_id: slack });
    expect(byKey.get(`${ben}/Loom`)).toMatchObject({ status: 'pending', deprovisioned_at: '', hours_to_deprovision: '' });
    expect(byKey.get(`${ada}/Loom`)).toMatchObject({ status: 'failed', app_event_seq: String(evidence) });
    expect(byKey.get(`${ada}/Slack`)).toMatchObject({ status: 'pending' });
    // The stats screen agrees: completed counts and hours per app.
    const stats = await o.call('getDeprovisionStats', { from: FROM, to: TO });
    for (const a of stats.apps) {
      const done = rows.filter((r) => r.source_id === a.sourceId && r.status === 'done');
      expect(done.length).toBe(a.completed);
      if (a.maxHours !== null) expect(Math.max(...done.map((r) => Number(r.hours_to_deprovision)))).toBe(a.maxHours);
      expect(rows.filter((r) => r.source_id === a.sourceId && (r.status === 'pending' || r.status === 'failed')).length).toBe(a.open);
    }
  });

  it('seats: per day, app and role, exactly getSeatSeries for those days', async () => {
    const { o, slack } = await story();
    const { rows } = await exportTo(o, 'seats', { sourceId: slack });
    const series = await o.call('getSeatSeries', { from: '2026-03-01', to: '2026-03-09', sourceIds: [slack] });
    const expected = series.days.flatMap((day, i) =>
      series.series.map((s) => ({
        day,
        app: s.app,
        source_id: s.sourceId,
        role: s.role ?? '',
        role_billed: String(s.billed),
        active: String(s.active[i]),
        billed: String(s.billed ? s.active[i] : 0),
        purchased: s.purchased === null ? '' : String(s.purchased),
        idle: String(s.idle[i]),
      })),
    );
    expect(rows).toEqual(expected);
    const admin = rows.filter((r) => r.role === 'Admin');
    // Ada from the 2nd, Ben from the 3rd, Ben deactivated on the 4th; idle while Ada is gone but active.
    expect(admin.map((r) => r.active)).toEqual(['0', '1', '2', '1', '1', '1', '1', '1', '1']);
    expect(admin.map((r) => r.billed)).toEqual(['0', '1', '2', '1', '1', '1', '1', '1', '1']);
    expect(admin.map((r) => r.idle)).toEqual(['0', '0', '0', '1', '1', '1', '1', '1', '1']);
  });
});

describe('export files', () => {
  it('refuses to overwrite without being told; a cancel leaves nothing behind', async () => {
    const { o } = await story();
    const { out } = await exportTo(o, 'seats');
    await expect(
      runExport({ dataDir: o.core.store.dataDir, outFile: out, request: { report: 'seats', filters: { from: FROM, to: TO } } }),
    ).rejects.toThrow(/already exists/);
    const again = await runExport({
      dataDir: o.core.store.dataDir,
      outFile: out,
      overwrite: true,
      request: { report: 'seats', filters: { from: FROM, to: TO } },
    });
    expect(again.manifest.rows).toBeGreaterThan(0);
    const dir = tmpDataDir('rollcall-out-');
    const ac = new AbortController();
    ac.abort();
    await expect(
      runExport({ dataDir: o.core.store.dataDir, outFile: path.join(dir, 'x.csv'), signal: ac.signal, request: { report: 'events' } }),
    ).rejects.toThrow(/cancelled/);
    expect(fs.readdirSync(dir)).toEqual([]);
    await expect(
      runExport({
        dataDir: o.core.store.dataDir,
        outFile: path.join(dir, 'y.csv'),
        request: { report: 'seats', filters: { personId: 3 } },
      }),
    ).rejects.toThrow(/no personId filter/);
  });
});
