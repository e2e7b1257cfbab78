/**
 * Exports through the API: the contract calls over the real dashboard HTTP server (127.0.0.1:0),
 * progress on the push stream, the token-guarded download route, and verifyEventLog.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import { startDashboardServer, type DashboardServer } from '../../../src/main/host/dashboard-server';
import type { PushMessage } from '../../../src/shared/contract';
import { seededDir, tamper } from './helpers';

const TOKEN = 'export-test-token-0123456789';
let core: Core | undefined;
let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  await core?.closeGracefully();
  core = undefined;
  server = undefined;
});

async function start(dir: string) {
  core = createCore({
    dataDir: dir,
    host: 'headless',
    pollIntervalMs: 20,
    analysis: false,
    backgroundCheckpoints: false,
    scheduleDirectories: false,
  });
  server = await startDashboardServer({ core, token: TOKEN, host: '127.0.0.1', port: 0 });
  const pushes: PushMessage[] = [];
  core.onPush((m) => pushes.push(m));
  const call = async (name: string, input: unknown) => {
    const res = await fetch(`${server!.url}/api/${name}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    });
    return {
      status: res.status,
      body: (await res.json()) as { ok: boolean; value?: Record<string, unknown>; error?: { code: string; message: string } },
    };
  };
  const settled = async (exportId: string) => {
    for (let i = 0; i < 500; i++) {
      const done = pushes.find((m) => m.kind === 'export.progress' && m.exportId === exportId && m.state !== 'running');
      if (done) return done;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the export did not finish');
  };
  return { pushes, call, settled, url: server.url };
}

describe('exports over the dashboard API', () => {
  it('startExport runs in the background, pushes progress, and the file downloads only with the token', async () => {
    const dir = seededDir(50);
    const { call, settled, url, pushes } = await start(dir);
    const started = await call('startExport', {
      report: 'events',
      filters: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      bom: true,
    });
    expect(started.status).toBe(200);
    const { exportId, fileName } = started.body.value as { exportId: string; fileName: string };
    expect(fileName).toBe('rollcall-events-2026-01-01-to-2026-01-01.csv');
    const done = await settled(exportId);
    expect(done).toMatchObject({ state: 'done', rows: 50, error: null });
    expect(pushes.some((m) => m.kind === 'export.progress' && m.chainTotal === 50)).toBe(true);
    const state = await call('getExport', { exportId });
    expect(state.body.value).toMatchObject({
      state: 'done',
      rows: 50,
      manifest: { rows: 50, report: 'events', event_log: { chain_check: 'passed' } },
    });

    const fileUrl = `${url}/api/exports/${exportId}/file`;
    expect((await fetch(fileUrl)).status).toBe(401);
    expect((await fetch(fileUrl, { headers: { Authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await fetch(fileUrl, { headers: { Authorization: `Bearer ${TOKEN}`, Origin: 'http://evil.example' } })).status).toBe(403);
    expect((await fetch(fileUrl, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    const res = await fetch(fileUrl, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${fileName}"`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const manifest = (await (
      await fetch(`${url}/api/exports/${exportId}/manifest`, { headers: { Authorization: `Bearer ${TOKEN}` } })
    ).json()) as {
      sha256: string;
    };
    expect(createHash('sha256').update(body).digest('hex')).toBe(manifest.sha256);
    expect((await fetch(`${url}/api/exports/${'0'.repeat(24)}/file`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
    // The core's answer to saveExport (only the desktop app has a dialog) points at the download.
    expect((await call('saveExport', { exportId })).body.value).toMatchObject({ saved: false });
  });

  it('refuses a broken log through the API too (state failed, the reason, nothing left); bad input is invalid_input', async () => {
    const dir = seededDir(30);
    tamper(dir, (s) => s.db.prepare('DELETE FROM events WHERE seq = 4').run());
    const { call, settled } = await start(dir);
    const started = await call('startExport', { report: 'events', filters: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' } });
    const { exportId } = started.body.value as { exportId: string };
    const done = await settled(exportId);
    expect(done).toMatchObject({ state: 'failed', error: expect.stringMatching(/hash chain is broken at event 4 \(missing-seq\)/) });
    expect(fs.existsSync(path.join(dir, 'exports', exportId))).toBe(false);
    expect((await fetch(`${server!.url}/api/exports/${exportId}/file`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(
      409,
    );
    const bad = await call('startExport', { report: 'seats', filters: { personId: 4 } });
    expect(bad).toMatchObject({
      status: 400,
      body: { ok: false, error: { code: 'invalid_input', message: expect.stringContaining('no personId filter') } },
    });
    expect((await call('startExport', { report: 'nope' })).status).toBe(400);
    expect((await call('cancelExport', { exportId: 'abc' })).status).toBe(404);
    const forced = await call('startExport', {
      report: 'events',
      filters: { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      allowBrokenChain: true,
    });
    const ok = await settled((forced.body.value as { exportId: string }).exportId);
    expect(ok).toMatchObject({ state: 'done', rows: 29 });
  });

  it('verifyEventLog: the chain and quick_check on a worker thread, progress pushed, the first break reported', async () => {
    const dir = seededDir(40);
    const { call, pushes } = await start(dir);
    const good = await call('verifyEventLog', {});
    expect(good.body.value).toMatchObject({
      ok: true,
      chain: { ok: true, checked: 40, headSeq: 40 },
      integrity: { ok: true, messages: ['ok'] },
    });
    expect(pushes.some((m) => m.kind === 'verify.progress' && m.checked === 40 && m.total === 40)).toBe(true);
    await server!.close();
    await core!.closeGracefully();
    tamper(dir, (s) => s.db.prepare(`UPDATE events SET actor = 'mallory' WHERE seq = 33`).run());
    const again = await start(dir);
    const bad = await again.call('verifyEventLog', {});
    expect(bad.body.value).toMatchObject({ ok: false, chain: { ok: false, firstBreak: { seq: 33, reason: 'content-edited' } } });
  });
});
