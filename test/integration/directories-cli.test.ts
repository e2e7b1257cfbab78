import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/main/cli/args';
import { CommandError } from '../../src/main/cli/connections';
import { directoryInputFromFlags, runDirectories, runSyncCommand, type DirectoryCliDeps } from '../../src/main/cli/directories';
import { runCli } from '../../src/main/cli/main';
import { Store } from '../../src/main/core/store/store';
import { Script, scriptedModule, user } from '../helpers/directory';
import { tmpDataDir } from '../helpers/tmp';

const SECRET = 'ssws-token-0123456789-very-secret';

function harness() {
  const dataDir = tmpDataDir();
  const script = new Script();
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), env: { OKTA_TOKEN: SECRET } as NodeJS.ProcessEnv };
  const deps: DirectoryCliDeps = {
    openStore: () => Store.open(dataDir, { backgroundCheckpoints: false }),
    providers: { okta: scriptedModule(script) },
  };
  return { dataDir, script, out, err, io, deps };
}

describe('rollcall directories / sync', () => {
  it('adds a directory with the token from the environment, stores it encrypted, lists it without credentials', async () => {
    const h = harness();
    const add = [
      'add',
      '--kind',
      'okta',
      '--name',
      'Okta prod',
      '--base-url',
      'https://acme.okta.com',
      '--token-env',
      'OKTA_TOKEN',
      '--json',
    ];
    expect(await runDirectories(add, h.io, h.deps)).toBe(0);
    const created = JSON.parse(h.out[0]!) as { id: string; kind: string; settings: Record<string, unknown> };
    expect(created).toMatchObject({ kind: 'okta', settings: { baseUrl: 'https://acme.okta.com', auth: 'ssws' } });
    expect(h.out[0]).not.toContain(SECRET);
    // Not in the database file, the WAL, or anywhere in the data folder in clear.
    for (const f of fs.readdirSync(h.dataDir)) expect(fs.readFileSync(path.join(h.dataDir, f)).includes(SECRET)).toBe(false);

    h.out.length = 0;
    expect(await runDirectories(['list', '--json'], h.io, h.deps)).toBe(0);
    const list = JSON.parse(h.out[0]!) as { id: string; lastSync: unknown }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: created.id, lastSync: null });
    expect(h.out[0]).not.toContain(SECRET);
  });

  it('syncs every directory, prints progress on stderr and a JSON summary per directory, exit 1 if one failed', async () => {
    const h = harness();
    for (const name of ['A', 'B']) {
      await runDirectories(
        ['add', '--kind', 'okta', '--name', name, '--base-url', 'https://acme.okta.com', '--token-env', 'OKTA_TOKEN', '--json'],
        h.io,
        h.deps,
      );
    }
    const [a, b] = h.out.map((l) => JSON.parse(l) as { id: string });
    h.out.length = 0;
    h.script.push({ mode: 'snapshot', pages: [{ phase: 'users', users: [user('u1'), user('u2')] }] });
    h.script.push({
      mode: 'snapshot',
      pages: [],
      fail: new Error('https://acme.okta.com/api/v1/users: HTTP 500 (gave up after 7 attempts)'),
    });
    expect(await runSyncCommand(['--json'], h.io, h.deps)).toBe(1);
    const summaries = JSON.parse(h.out[0]!) as Record<string, unknown>[];
    expect(summaries).toEqual([
      {
        directory: a!.id,
        name: 'A',
        status: 'ok',
        baseline: true,
        mode: 'snapshot',
        users: 2,
        groups: 0,
        memberships: 0,
        events: 0,
        error: null,
      },
      expect.objectContaining({ directory: b!.id, name: 'B', status: 'failed', events: 0, error: expect.stringContaining('HTTP 500') }),
    ]);
    expect(h.err.some((l) => /^A: done · 2 users/.test(l))).toBe(true);
    expect(h.err.some((l) => /B: sync failed: .*HTTP 500/.test(l))).toBe(true);

    // --directory limits it to one; after the baseline, changes are events
    h.out.length = 0;
    h.script.push({ mode: 'snapshot', pages: [{ users: [user('u1'), user('u2'), user('u3')] }] });
    expect(await runSyncCommand(['--directory', a!.id, '--json'], h.io, h.deps)).toBe(0);
    expect(JSON.parse(h.out[0]!)).toEqual([
      expect.objectContaining({ directory: a!.id, status: 'ok', baseline: false, users: 3, events: 1 }),
    ]);

    // removal keeps history, and the directory no longer syncs
    h.out.length = 0;
    expect(await runDirectories(['remove', a!.id, '--json'], h.io, h.deps)).toBe(0);
    await expect(runSyncCommand(['--directory', a!.id], h.io, h.deps)).rejects.toBeInstanceOf(CommandError);
    const store = Store.open(h.dataDir, { backgroundCheckpoints: false });
    expect(store.db.prepare('SELECT count(*) AS n FROM events WHERE source_id = ?').get(a!.id)).toEqual({ n: 1 });
    store.close();
  });

  it('rejects bad usage and bad credentials sources clearly', async () => {
    const h = harness();
    const base = ['add', '--kind', 'okta', '--name', 'X', '--base-url', 'https://acme.okta.com'];
    await expect(runDirectories(['add', '--kind', 'ldap', '--name', 'X'], h.io, h.deps)).rejects.toThrow(
      /--kind must be one of okta, entra, google/,
    );
    await expect(runDirectories(base, h.io, h.deps)).rejects.toThrow(/needs --token-env VAR/);
    await expect(runDirectories([...base, '--token-env', 'MISSING'], h.io, h.deps)).rejects.toThrow(
      /environment variable MISSING .* not set/,
    );
    await expect(runDirectories([...base, '--token-env', 'ssws abc'], h.io, h.deps)).rejects.toBeInstanceOf(UsageError);
    await expect(runDirectories([...base, '--token-env', 'OKTA_TOKEN', '--interval-minutes', 'often'], h.io, h.deps)).rejects.toThrow(
      /interval-minutes/,
    );
    // the provider's schema judges the settings (a bad URL), without echoing the secret
    const bad = runDirectories(
      ['add', '--kind', 'okta', '--name', 'X', '--base-url', 'not a url', '--token-env', 'OKTA_TOKEN'],
      h.io,
      h.deps,
    );
    await expect(bad).rejects.toBeInstanceOf(CommandError);
    await expect(bad).rejects.toThrow(/Invalid Scripted settings: baseUrl/);
    await expect(bad).rejects.not.toThrow(new RegExp(SECRET));
  });

  it('passes --members-concurrency to Okta and Google settings, where the provider judges its range', async () => {
    const env = { OKTA_TOKEN: 'a-token' };
    const okta = { 'base-url': 'https://acme.okta.com', 'token-env': 'OKTA_TOKEN', 'members-concurrency': '8' };
    expect(directoryInputFromFlags('okta', okta, env, { openStore: () => undefined as never }).settings).toEqual({
      baseUrl: 'https://acme.okta.com',
      auth: 'ssws',
      membersConcurrency: 8,
    });
    for (const bad of ['four', '0', '17', '2.5'])
      expect(() =>
        directoryInputFromFlags('okta', { ...okta, 'members-concurrency': bad }, env, { openStore: () => undefined as never }),
      ).toThrow(`--members-concurrency must be a whole number from 1 to 16 (got "${bad}")`);
    expect(() =>
      directoryInputFromFlags('entra', { 'tenant-id': 't', 'client-id': 'c', 'members-concurrency': '4' }, env, {
        openStore: () => undefined as never,
      }),
    ).toThrow(/applies to okta and google only/);
    // out of range: refused by the Okta provider's schema when the directory is added
    const { providerModules } = await import('../../src/main/directories/providers/index');
    const parsed = providerModules.okta!.configSchema.safeParse({ baseUrl: 'https://acme.okta.com', auth: 'ssws', membersConcurrency: 40 });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(/membersConcurrency/);
  });

  it('reads Google service-account files and rejects files that are not one', () => {
    const deps = (text: string): DirectoryCliDeps => ({ openStore: () => undefined as never, readFile: () => text });
    const values = { 'service-account-file': 'key.json', subject: 'admin@acme.com' };
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const key = {
      type: 'service_account',
      client_email: 'rollcall@acme.iam.gserviceaccount.com',
      client_id: '1234567890',
      private_key: pem,
      private_key_id: 'k1',
    };
    expect(directoryInputFromFlags('google', values, {}, deps(JSON.stringify(key)))).toEqual({
      settings: { subject: 'admin@acme.com', clientEmail: key.client_email, clientId: '1234567890' },
      credentials: { privateKey: key.private_key, privateKeyId: 'k1' },
    });
    expect(() => directoryInputFromFlags('google', values, {}, deps('{nope'))).toThrow(/is not JSON/);
    expect(() => directoryInputFromFlags('google', values, {}, deps(JSON.stringify({ type: 'authorized_user' })))).toThrow(
      /not a service account key/,
    );
  });

  it('is wired into the rollcall command with help', async () => {
    const out: string[] = [];
    const io = {
      stdout: (t: string) => out.push(t),
      stderr: () => {},
      env: {},
      stopSignal: new Promise<string>(() => {}),
      staticDir: '/x',
    };
    expect(await runCli(['directories', '--help'], io)).toBe(0);
    expect(await runCli(['sync', '--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/rollcall directories <add\|list\|remove>[\s\S]*rollcall sync \[--directory ID\]/);
    expect(await runCli(['directories', 'frob'], { ...io, stderr: (t) => out.push(t) })).toBe(2);
  });
});
