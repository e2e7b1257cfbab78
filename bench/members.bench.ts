/**
 * Member listing of Okta and Google with `membersConcurrency` (issue #5): the wall time of one full
 * sync of each fake with a fixed latency added to every request, at several concurrencies.
 *
 *   npm run bench -- members [latencyMs=20] [users=2000] [groups=500] [memberships=20000] [concurrencies=1,4,8]
 *
 * Loopback answers in well under a millisecond; a real IdP takes tens to hundreds of milliseconds
 * a request, which is what listing groups at once saves. Each run syncs into a fresh data folder
 * (a baseline) and prints the time, the counts and the most member requests the fake saw in flight.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '../src/main/core/store/store';
import { HttpClient } from '../src/main/directories/http';
import { createGoogleProvider, GoogleConfigSchema, parseServiceAccountFile } from '../src/main/directories/providers/google';
import { createOktaProvider } from '../src/main/directories/providers/okta';
import { runSync, type SyncSummary } from '../src/main/directories/sync';
import type { DirectoryProvider } from '../src/main/directories/types';
import { makeServiceAccount, seedGoogle, startFakeGoogle } from '../test/fakes/google';
import { startFakeOkta } from '../test/fakes/okta';

const latencyMs = Number(process.argv[2] ?? 20);
const [users, groups, memberships] = [process.argv[3] ?? '2000', process.argv[4] ?? '500', process.argv[5] ?? '20000'].map(Number) as [
  number,
  number,
  number,
];
const concurrencies = (process.argv[6] ?? '1,4,8').split(',').map(Number);

async function timedSync(kind: string, provider: DirectoryProvider, http: HttpClient): Promise<{ s: number; summary: SyncSummary }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-bench-members-'));
  const store = Store.open(dir, { backgroundCheckpoints: false });
  try {
    const now = new Date().toISOString();
    store.db
      .prepare(`INSERT INTO sources (id, kind, provider, name, config, created_at, updated_at) VALUES ('d', 'directory', ?, ?, '{}', ?, ?)`)
      .run(kind, kind, now, now);
    const started = performance.now();
    const summary = await runSync({ store, directoryId: 'd', provider, http, trigger: 'cli', full: true });
    return { s: (performance.now() - started) / 1000, summary };
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const rows: string[] = [];
const row = (kind: string, n: number, r: { s: number; summary: SyncSummary }, inFlight: number) =>
  rows.push(
    `| ${kind} | ${n} | ${r.s.toFixed(2)} s | ${r.summary.status} | ${r.summary.users} / ${r.summary.groups} / ${r.summary.memberships} | ${inFlight} |`,
  );

const okta = await startFakeOkta({ rateLimit: { limit: 1_000_000 } });
okta.seed({ users, groups, memberships });
okta.latencyMs = latencyMs;
for (const n of concurrencies) {
  const { provider, auth, httpOptions } = createOktaProvider(
    { baseUrl: okta.url, auth: 'ssws', membersConcurrency: n },
    { apiToken: okta.apiToken! },
  );
  okta.resetMembersInFlight();
  row('Okta', n, await timedSync('okta', provider, new HttpClient({ auth, ...httpOptions })), okta.maxMembersInFlight);
  process.stderr.write(`${rows.at(-1)}\n`);
}
await okta.close();

const account = makeServiceAccount();
const google = await startFakeGoogle({ serviceAccounts: [{ account }] });
seedGoogle(google, { users, groups, memberships, seed: 1 });
google.latencyMs = latencyMs;
const parsed = parseServiceAccountFile(account.file);
for (const n of concurrencies) {
  const config = GoogleConfigSchema.parse({
    subject: google.admin,
    tokenUrl: google.tokenUrl,
    baseUrl: google.url,
    membersConcurrency: n,
    ...parsed.config,
  });
  const { provider, auth, httpOptions } = createGoogleProvider(config, parsed.secrets);
  google.resetMembersInFlight();
  row('Google', n, await timedSync('google', provider, new HttpClient({ auth, ...httpOptions })), google.maxMembersInFlight);
  process.stderr.write(`${rows.at(-1)}\n`);
}
await google.close();

process.stdout.write(
  `\nMember listing: ${users} users, ${groups} groups, ${memberships} memberships, ${latencyMs} ms added to every request\n\n` +
    '| provider | membersConcurrency | full sync | status | users / groups / memberships | most member requests in flight |\n|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`,
);
