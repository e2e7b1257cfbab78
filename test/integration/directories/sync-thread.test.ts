/**
 * Under the hosts (serve, the desktop core) a directory sync runs on its own worker thread with
 * its own database connection, so parsing pages and committing them never blocks the thread that
 * answers SCIM and the UI. This drives the real thing: the built-in Graph provider, the worker
 * loaded from source, the fake Graph on loopback.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import type { PushMessage } from '../../../src/shared/contract';
import { seedGraph, startFakeGraph, type FakeGraph } from '../../fakes/graph';
import { tmpDataDir } from '../../helpers/tmp';

let core: Core | undefined;
let fake: FakeGraph | undefined;
afterEach(async () => {
  await core?.closeGracefully();
  await fake?.close();
  core = fake = undefined;
});

async function setup() {
  const directory = seedGraph({ users: 60, groups: 4, memberships: 90, seed: 3 });
  fake = await startFakeGraph({ directory });
  core = createCore({ dataDir: tmpDataDir(), host: 'headless', backgroundCheckpoints: false, scheduleDirectories: false });
  const pushes: PushMessage[] = [];
  core.onPush((m) => pushes.push(m));
  const r = await core.dispatch('createDirectory', {
    kind: 'entra',
    name: 'Entra',
    settings: { tenantId: fake.tenantId, clientId: fake.clientId, authorityUrl: fake.url, graphUrl: fake.url },
    credentials: { clientSecret: fake.clientSecret },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const id = (r.value as { directory: { id: string } }).directory.id;
  return { c: core, f: fake, directory, id, pushes };
}

const finished = (pushes: PushMessage[], syncId: number) =>
  pushes.find((m) => m.kind === 'sync.progress' && m.syncId === syncId && (m.phase === 'done' || m.phase === 'failed'));

async function until<T>(fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('directory sync on a worker thread', () => {
  it('syncs through the thread, reports progress on the push stream, and emits the changes of the next round', async () => {
    const { c, f, directory, id, pushes } = await setup();
    const first = await c.dispatch('syncDirectory', { id });
    expect(first.ok).toBe(true);
    const syncId = (first as { value: { syncId: number } }).value.syncId;
    const end = await until(() => finished(pushes, syncId));
    expect(end).toMatchObject({ phase: 'done', users: 60, groups: 4, memberships: 90, baseline: true, error: null });
    expect(pushes.filter((m) => m.kind === 'sync.progress' && m.syncId === syncId).length).toBeGreaterThan(2);
    expect(c.store.db.prepare('SELECT count(*) AS n FROM accounts WHERE source_id = ? AND deleted_at IS NULL').get(id)).toEqual({ n: 60 });

    const victim = directory.userId(5);
    f.directory.disable(victim);
    // The 'done' progress message can arrive a moment before the first sync has released its
    // directory: a sync asked for then is refused as a conflict, so ask again until it starts.
    let second = await c.dispatch('syncDirectory', { id });
    for (let i = 0; !second.ok && second.error.code === 'conflict' && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 20));
      second = await c.dispatch('syncDirectory', { id });
    }
    if (!second.ok) throw new Error(JSON.stringify(second));
    const end2 = await until(() => finished(pushes, (second as { value: { syncId: number } }).value.syncId));
    expect(end2).toMatchObject({ phase: 'done', events: 1, baseline: false });
    expect(c.store.db.prepare('SELECT type, account_id FROM events WHERE source_id = ?').all(id)).toEqual([
      { type: 'user.deactivated', account_id: victim },
    ]);
  });

  it('a sync that fails on the thread is recorded with the reason', async () => {
    const { c, f, id, pushes } = await setup();
    f.fail({ match: /delta/, status: 400, times: 100, body: { error: { code: 'BadRequest', message: 'Unsupported query.' } } });
    const r = await c.dispatch('syncDirectory', { id });
    const end = await until(() => finished(pushes, (r as { value: { syncId: number } }).value.syncId));
    expect(end).toMatchObject({ phase: 'failed', error: expect.stringMatching(/Unsupported query/) });
  });

  it('closing the core cancels a sync in progress and records it as cancelled', async () => {
    const { c, f, id } = await setup();
    f.fail({ match: /users\/delta/, hang: true, times: 100 });
    const r = await c.dispatch('syncDirectory', { id });
    expect(r.ok).toBe(true);
    await new Promise((res) => setTimeout(res, 300));
    const t = Date.now();
    await c.closeGracefully();
    core = undefined;
    expect(Date.now() - t).toBeLessThan(10_000);
    const { Store } = await import('../../../src/main/core/store/store');
    const s = Store.open(c.store.dataDir, { backgroundCheckpoints: false });
    expect(s.db.prepare('SELECT status FROM directory_syncs').all()).toEqual([{ status: 'cancelled' }]);
    s.close();
  });
});
