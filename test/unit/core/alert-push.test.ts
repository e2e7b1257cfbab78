/**
 * New alerts reach the UI and the desktop shell on the push stream whoever wrote them (an alert
 * rule in this process, the CLI, another serve): `alerts.opened` once per alert, `alerts.changed`
 * when the open high-severity count moves (the tray's number).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import type { PushMessage } from '../../../src/shared/contract';
import { tmpDataDir } from '../../helpers/tmp';

let core: Core | undefined;
afterEach(async () => {
  await core?.closeGracefully();
  core = undefined;
});

const until = async (cond: () => boolean) => {
  const end = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('alerts on the push stream', () => {
  it('pushes each new alert once and the open high-severity count when it changes', async () => {
    const dataDir = tmpDataDir();
    const sql = `INSERT INTO alerts (rule, severity, status, dedupe_key, title, opened_at) VALUES (?, ?, 'open', ?, ?, '2026-03-02T09:00:00.000Z')`;
    // An alert opened before this core started is not news: it is counted, not announced.
    const earlier = createCore({ dataDir, host: 'headless', backgroundCheckpoints: false, scheduleDirectories: false });
    earlier.store.db.prepare(sql).run('orphaned_account', 'high', 'old', 'Old alert');
    await earlier.closeGracefully();
    core = createCore({ dataDir, host: 'headless', backgroundCheckpoints: false, scheduleDirectories: false, pollIntervalMs: 20 });
    const c = core;
    const insert = c.store.db.prepare(sql);
    const pushes: PushMessage[] = [];
    c.onPush((m) => pushes.push(m));
    await new Promise((r) => setTimeout(r, 60));
    expect(pushes.filter((m) => m.kind.startsWith('alerts.'))).toEqual([]);

    insert.run('offboarding_gap', 'high', 'k1', 'Jane is still active in Slack');
    insert.run('inactive_seat', 'low', 'k2', 'Idle Loom seat');
    await until(() => pushes.some((m) => m.kind === 'alerts.changed'));
    const opened = pushes.filter((m) => m.kind === 'alerts.opened').flatMap((m) => (m.kind === 'alerts.opened' ? m.alerts : []));
    expect(opened.map((a) => [a.title, a.severity, a.status])).toEqual([
      ['Jane is still active in Slack', 'high', 'open'],
      ['Idle Loom seat', 'low', 'open'],
    ]);
    expect(pushes.filter((m) => m.kind === 'alerts.changed')).toEqual([{ kind: 'alerts.changed', openHigh: 2 }]);

    c.store.db.prepare("UPDATE alerts SET status = 'resolved', resolved_at = '2026-03-02T10:00:00.000Z' WHERE dedupe_key = 'k1'").run();
    await until(() => pushes.filter((m) => m.kind === 'alerts.changed').length === 2);
    expect(pushes.filter((m) => m.kind === 'alerts.changed').at(-1)).toEqual({ kind: 'alerts.changed', openHigh: 1 });
    await new Promise((r) => setTimeout(r, 60));
    expect(pushes.filter((m) => m.kind === 'alerts.opened')).toHaveLength(1); // nothing pushed twice
  });
});
