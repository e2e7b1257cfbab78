/**
 * The analysis on its own thread, as `serve` and the desktop core run it: SCIM writes on the core
 * thread are correlated by the worker, whose alert rules raise alerts the core's push stream sees;
 * the core's own Analyzer only delegates.
 */
import http from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import { startScimServer, type ScimServer } from '../../../src/main/scim/server';
import { tmpDataDir } from '../../helpers/tmp';

let core: Core | undefined;
let scim: ScimServer | undefined;
afterEach(async () => {
  await scim?.close();
  await core?.closeGracefully();
  core = undefined;
  scim = undefined;
});

function post(url: string, token: string, body: unknown): Promise<{ status: number; id: string }> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      url,
      { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, id: (JSON.parse(text) as { id: string }).id }));
      },
    );
    r.on('error', reject);
    r.end(JSON.stringify(body));
  });
}

async function until<T>(what: string, fn: () => T | undefined | null, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('runs the analyzer and the alert rules on a worker thread; the core thread only delegates', async () => {
  core = createCore({ dataDir: tmpDataDir(), host: 'headless', analysisOnWorker: true, pollIntervalMs: 50, scheduleDirectories: false });
  expect(core.analyzer.delegate).not.toBeNull();
  scim = await startScimServer({ core, host: '127.0.0.1', port: 0 });
  const conn = core.connections.add({ name: 'Slack', app: 'Slack', provider: 'okta' });
  const base = `${scim.origin}/scim/v2/${conn.slug}`;
  await core.dispatch('updateAlertSettings', { massDeprovisioning: { threshold: 2 } });
  const ids: string[] = [];
  for (const n of ['a', 'b', 'c']) {
    const r = await post(`${base}/Users`, conn.token, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `${n}@acme.com`,
    });
    expect(r.status).toBe(201);
    ids.push(r.id);
  }
  const db = core.store.db;
  const person = await until('the worker to correlate the accounts', () =>
    db.prepare<[string], number | null>('SELECT person_id FROM accounts WHERE id = ?').pluck().get(ids[2]!),
  );
  expect(person).toBeGreaterThan(0);
  const opened: string[] = [];
  core.onPush((m) => {
    if (m.kind === 'alerts.opened') opened.push(...m.alerts.map((a) => a.rule));
  });
  // Three deletions against a threshold of two: the worker's rule raises mass deprovisioning.
  for (const id of ids) {
    await new Promise<void>((resolve, reject) => {
      const r = http.request(`${base}/Users/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${conn.token}` } }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 204 ? resolve() : reject(new Error(`DELETE ${res.statusCode}`))));
      });
      r.on('error', reject);
      r.end();
    });
  }
  await until('the alert on the push stream', () => (opened.includes('mass_deprovisioning') ? true : undefined));
  const summary = await core.dispatch('getAnalysisSummary', {});
  expect(summary).toMatchObject({ ok: true, value: { analysisBehind: 0 } });
});
