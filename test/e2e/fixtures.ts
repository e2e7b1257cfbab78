import path from 'node:path';
import { test as base } from '@playwright/test';
import { Store } from '../../src/main/core/store/store';
import { startServe, type Served } from '../helpers/cli';
import fs from 'node:fs';
import os from 'node:os';

/**
 * Writes a small organisation into a fresh data folder through the app's own store (real
 * migrations, real hash chain), before `rollcall serve` starts on it.
 */
export function seed(dataDir: string): void {
  const store = Store.open(dataDir);
  const db = store.db;
  const now = new Date();
  const iso = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
  store.write(() => {
    db.prepare(
      `INSERT INTO sources (id, kind, provider, name, app, slug, created_at, updated_at) VALUES
       ('c-slack', 'connection', 'okta', 'Slack via Okta', 'Slack', 'slack', @t, @t),
       ('d-okta', 'directory', 'okta', 'Acme Okta', NULL, NULL, @t, @t)`,
    ).run({ t: iso(600) });
    db.prepare(
      `INSERT INTO people (id, display_name, primary_email, status, created_at, updated_at) VALUES
       (1, 'Ann Archer', 'ann@acme.test', 'active', @t, @t), (2, 'Bob Baker', 'bob@acme.test', 'gone', @t, @t)`,
    ).run({ t: iso(600) });
    const acc = db.prepare(
      `INSERT INTO accounts (source_id, id, user_name, user_name_key, active, created_at, updated_at, first_seen, last_seen, person_id)
       VALUES ('c-slack', @id, @u, lower(@u), 1, @t, @t, @t, @t, @p)`,
    );
    acc.run({ id: 'u1', u: 'ann@acme.test', t: iso(500), p: 1 });
    acc.run({ id: 'u2', u: 'bob@acme.test', t: iso(500), p: 2 });
    const seqs = store.events.append([
      {
        type: 'user.created',
        sourceId: 'c-slack',
        accountId: 'u1',
        personId: 1,
        subject: 'ann@acme.test',
        observedAt: iso(400),
        after: { active: true },
      },
      {
        type: 'user.created',
        sourceId: 'c-slack',
        accountId: 'u2',
        personId: 2,
        subject: 'bob@acme.test',
        observedAt: iso(300),
        after: { active: true },
      },
      {
        type: 'group.member_added',
        sourceId: 'c-slack',
        accountId: 'u1',
        personId: 1,
        subject: 'ann@acme.test → Admins',
        observedAt: iso(200),
        after: { group: 'Admins' },
      },
      {
        type: 'user.deactivated',
        sourceId: 'c-slack',
        accountId: 'u2',
        personId: 2,
        subject: 'bob@acme.test',
        observedAt: iso(100),
        before: { active: true },
        after: { active: false },
      },
    ]);
    // A relay alert (the exchange it came from is not seeded): the analyzer, which runs as soon as
    // serve starts, resolves only alerts whose condition it can see clear, and this one it cannot.
    const alert = db
      .prepare(
        `INSERT INTO alerts (rule, severity, dedupe_key, title, person_id, source_id, opened_at)
         VALUES ('deprovision_failed', 'high', 'deprovision_failed:c-slack:u2', 'Deprovisioning of bob@acme.test failed in Slack', 2, 'c-slack', @t)`,
      )
      .run({ t: iso(60) });
    db.prepare('INSERT INTO alert_evidence (alert_id, event_seq) VALUES (?, ?)').run(alert.lastInsertRowid, seqs[3]);
  });
  store.close();
}

export const test = base.extend<{ served: Served; dataDir: string }>({
  // eslint-disable-next-line no-empty-pattern
  dataDir: async ({}, use) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-e2e-'));
    await use(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  },
  served: async ({ dataDir }, use) => {
    seed(dataDir);
    const served = await startServe(dataDir);
    await use(served);
    await served.stop();
  },
});

export { expect } from '@playwright/test';
