/**
 * SCIM list queries on a large connection: how long one list request takes (on the main thread)
 * when a connection holds many users.
 *
 *   npm run bench -- scim-scale [users=100000]
 *
 * Creates the users through the same code path as POST /Users (in transactions of 1,000), then
 * times each query once, printing milliseconds and totalResults: index lookups (userName,
 * externalId, an email value), a filter no index serves (narrowed by text inside SQLite), a deep
 * page and a sorted page.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore } from '../src/main/core/core';
import { listResources, parseListParams } from '../src/main/scim/list';
import { renderUser } from '../src/main/scim/render';
import { ScimResources, type StoredUser } from '../src/main/scim/resources';

const N = Number(process.argv[2] ?? 100_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-scale-'));
const core = createCore({ dataDir: dir, host: 'headless', backgroundCheckpoints: false });
const c = core.connections.add({ name: 'Bench', app: 'Bench', provider: 'generic' });
const resources = new ScimResources(core.store);

const t0 = performance.now();
for (let b = 0; b < Math.ceil(N / 1000); b++) {
  core.store.write(() => {
    for (let i = 0; i < 1000 && b * 1000 + i < N; i++) {
      const k = b * 1000 + i;
      resources.createUser(
        { connectionId: c.id, exchangeId: null, now: new Date().toISOString(), actor: null },
        {
          userName: `user${k}@acme.test`,
          externalId: `ext${k}`,
          title: k % 10 ? 'Engineer' : 'Manager',
          emails: [{ value: `user${k}@acme.test`, type: 'work', primary: true }],
        },
      );
    }
  });
}
console.log(`created ${N.toLocaleString()} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const probe = `user${Math.floor(N * 0.77)}@acme.test`;
function time(label: string, query: Record<string, string>): void {
  const s = performance.now();
  const result = listResources(
    core.store.db,
    'User',
    c.id,
    parseListParams((n) => query[n], 'User'),
    (row) => renderUser(row as StoredUser, [], 'https://bench'),
  );
  const ms = performance.now() - s;
  console.log(`${label.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms  totalResults ${result.total}, rows parsed ${result.examined}`);
}
time('userName eq (index)', { filter: `userName eq "${probe}"` });
time('externalId eq (index)', { filter: `externalId eq "ext${Math.floor(N * 0.77)}"` });
time('emails[type eq "work"].value eq (email index)', { filter: `emails[type eq "work"].value eq "${probe.toUpperCase()}"` });
time('title eq "Manager", page of 100 (text-narrowed scan)', { filter: 'title eq "Manager"', count: '100' });
time(`unfiltered page at startIndex ${N - 9999}`, { startIndex: String(N - 9999), count: '100' });
time('sortBy=userName descending, first page (name index)', { sortBy: 'userName', sortOrder: 'descending', count: '100' });
core.close();
fs.rmSync(dir, { recursive: true, force: true });
