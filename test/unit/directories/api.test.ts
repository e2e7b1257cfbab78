import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import type { PushMessage } from '../../../src/shared/contract';
import { Script, scriptedModule, user } from '../../helpers/directory';
import { tmpDataDir } from '../../helpers/tmp';

const TOKEN = 'api-token-that-must-never-leak-0123';
let core: Core | undefined;
afterEach(async () => {
  await core?.closeGracefully();
  core = undefined;
});

function start(script: Script, clock?: () => Date) {
  const dataDir = tmpDataDir();
  core = createCore({
    dataDir,
    host: 'headless',
    backgroundCheckpoints: false,
    providers: { okta: scriptedModule(script) },
    scheduleDirectories: false,
    now: clock,
  });
  const pushes: PushMessage[] = [];
  core.onPush((m) => pushes.push(m));
  return { core, dataDir, pushes };
}

const add = async (c: Core, name = 'Okta') => {
  const r = await c.dispatch('createDirectory', {
    kind: 'okta',
    name,
    settings: { baseUrl: 'https://acme.okta.com', auth: 'ssws' },
    credentials: { apiToken: TOKEN },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  return (r.value as { directory: { id: string } }).directory.id;
};

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('directory API calls', () => {
  it('creates, lists (without credentials), tests, syncs with progress, and removes a directory', async () => {
    const script = new Script();
    const { core: c, dataDir, pushes } = start(script);
    const id = await add(c);
    const sources = await c.dispatch('listSources', {});
    expect(sources.ok).toBe(true);
    const text = JSON.stringify(sources);
    expect(text).not.toContain(TOKEN);
    expect(sources.ok && sources.value).toMatchObject({
      directories: [
        {
          id,
          name: 'Okta',
          provider: 'okta',
          intervalMinutes: 15,
          paused: false,
          settings: { baseUrl: 'https://acme.okta.com' },
          lastSync: null,
          lastSyncAt: null,
        },
      ],
    });
    for (const f of fs.readdirSync(dataDir)) expect(fs.readFileSync(path.join(dataDir, f)).includes(TOKEN)).toBe(false);

    expect(await c.dispatch('testDirectory', { id })).toEqual({ ok: true, value: { ok: true, message: 'scripted directory reachable' } });

    script.push({ mode: 'snapshot', pages: [{ phase: 'users', users: [user('u1')] }] });
    const started = await c.dispatch('syncDirectory', { id });
    expect(started).toMatchObject({ ok: true, value: { syncId: expect.any(Number) } });
    await waitFor(() => pushes.some((m) => m.kind === 'sync.progress' && m.phase === 'done'));
    const phases = pushes.filter((m) => m.kind === 'sync.progress').map((m) => (m as { phase: string }).phase);
    expect(phases).toEqual(['starting', 'users', 'done']); // a first sync into an empty directory deletes nothing
    await waitFor(() => pushes.some((m) => m.kind === 'sources.changed' && pushes.indexOf(m) > 1));
    const after = await c.dispatch('listSources', {});
    expect(after.ok && (after.value as { directories: unknown[] }).directories[0]).toMatchObject({
      lastSync: { status: 'ok', baseline: true, users: 1, events: 0, trigger: 'manual' },
      lastSyncAt: expect.any(String),
      nextSyncAt: expect.any(String),
    });

    expect(await c.dispatch('removeDirectory', { id })).toEqual({ ok: true, value: { id } });
    expect(await c.dispatch('syncDirectory', { id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('answers invalid settings with invalid_input naming the field, never echoing credentials', async () => {
    const { core: c } = start(new Script());
    const r = await c.dispatch('createDirectory', {
      kind: 'okta',
      name: 'X',
      settings: { baseUrl: 'nope', auth: 'ssws' },
      credentials: { apiToken: TOKEN },
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'baseUrl' }] } });
    const short = await c.dispatch('createDirectory', {
      kind: 'okta',
      name: 'X',
      settings: { baseUrl: 'https://a.okta.com', auth: 'ssws' },
      credentials: { apiToken: 'short' },
    });
    expect(short).toMatchObject({ ok: false, error: { code: 'invalid_input', message: 'Invalid Scripted credentials' } });
    expect(JSON.stringify(short)).not.toContain('short"');
    const unknown = await c.dispatch('createDirectory', { kind: 'google', name: 'X', settings: {}, credentials: {} });
    expect(unknown).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', message: expect.stringMatching(/Unknown directory kind "google"/) },
    });
  });

  it('refuses a second sync of a directory that is syncing (conflict)', async () => {
    const script = new Script();
    const { core: c } = start(script);
    const id = await add(c);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    script.push({ mode: 'delta', pages: [{ users: [user('u1')] }] });
    const original = c.directories.open.bind(c.directories);
    c.directories.open = async (...args) => {
      await gate;
      return original(...args);
    };
    const first = c.directorySync.syncNow(id, 'manual');
    expect(await c.dispatch('syncDirectory', { id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    release();
    expect((await first).status).toBe('ok');
  });

  it('schedules due directories; one failing never stops the others; paused ones wait', async () => {
    const script = new Script();
    let t = Date.parse('2026-03-02T09:00:00.000Z');
    const { core: c } = start(script, () => new Date(t));
    const a = await add(c, 'A');
    const b = await add(c, 'B');
    const p = await add(c, 'P');
    c.directories.setPaused(p, true);
    script.push({ mode: 'snapshot', pages: [], fail: new Error('boom') });
    script.push({ mode: 'snapshot', pages: [{ users: [user('u1')] }] });
    c.directorySync.tick();
    await waitFor(() => !c.directorySync.isRunning(a) && !c.directorySync.isRunning(b) && script.rounds.length === 0);
    await waitFor(
      () => (c.store.db.prepare("SELECT count(*) AS n FROM directory_syncs WHERE status <> 'running'").get() as { n: number }).n === 2,
    );
    const runs = c.store.db.prepare('SELECT source_id, status, trigger FROM directory_syncs ORDER BY id').all();
    expect(runs).toEqual([
      { source_id: a, status: 'failed', trigger: 'schedule' },
      { source_id: b, status: 'ok', trigger: 'schedule' },
    ]);
    // not due again until the interval has passed
    c.directorySync.tick();
    expect(c.directorySync.isRunning(a) || c.directorySync.isRunning(b)).toBe(false);
    t += 15 * 60_000;
    script.push({ mode: 'snapshot', pages: [{ users: [] }] }).push({ mode: 'snapshot', pages: [{ users: [user('u1')] }] });
    c.directorySync.tick();
    await waitFor(
      () => (c.store.db.prepare("SELECT count(*) AS n FROM directory_syncs WHERE status <> 'running'").get() as { n: number }).n === 4,
    );
    expect(c.store.db.prepare('SELECT count(*) AS n FROM directory_syncs WHERE source_id = ?').get(p)).toEqual({ n: 0 });
  });
});

describe('pausing the schedule', () => {
  it('starts no scheduled sync while paused, and resumes', async () => {
    const script = new Script();
    const { core: c } = start(script);
    const id = await add(c);
    c.directorySync.setPaused(true);
    c.directorySync.tick();
    expect(c.directorySync.isRunning(id)).toBe(false);
    c.directorySync.setPaused(false);
    script.push({ mode: 'snapshot', pages: [] });
    c.directorySync.tick();
    expect(c.directorySync.isRunning(id)).toBe(true);
    await waitFor(() => !c.directorySync.isRunning(id));
  });
});
