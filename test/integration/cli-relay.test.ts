/**
 * `rollcall connections add --upstream …` and `connections test`: credentials from the
 * environment only, validated with clear errors, sealed at rest, never printed; a running `serve`
 * relays through a connection the CLI added, at once.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { startScimApp, type ScimApp } from '../fakes/scim-app';
import { startServe, type Served } from '../helpers/cli';
import { tmpDataDir } from '../helpers/tmp';

const SECRET = 'cli-upstream-secret-4b1d';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      env,
      stopSignal: new Promise<string>(() => {}),
      staticDir: '/nonexistent',
    } satisfies CliIo,
  };
}

let app: ScimApp | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
  await app?.close();
  app = undefined;
});

const add = ['connections', 'add', '--name', 'Okta to Slack', '--app', 'Slack', '--idp', 'okta'];

describe('connections add --upstream', () => {
  it.each([
    [['--upstream-token-env', 'T'], /--upstream-token-env needs --upstream URL/],
    [['--upstream', 'https://slack.example/scim/v2'], /exactly one kind of credentials/],
    [['--upstream', 'https://slack.example/scim/v2', '--upstream-token-env', 'T', '--upstream-username', 'u'], /exactly one kind/],
    [['--upstream', 'ftp://slack.example/scim', '--upstream-token-env', 'T'], /^rollcall: --upstream: an http\(s\) URL/],
    [['--upstream', 'https://u:p@slack.example/scim', '--upstream-token-env', 'T'], /--upstream: an http\(s\) URL without credentials/],
    [['--upstream', 'https://slack.example/scim/v2', '--upstream-token-env', 'T', '--upstream-timeout', '900'], /1 to 300 seconds/],
    [['--upstream', 'https://slack.example/scim/v2', '--upstream-token-env', 'T', '--upstream-header-env', 'nope'], /NAME=VAR/],
    [['--upstream', 'https://slack.example/scim/v2', '--upstream-token-url', 'https://idp/token'], /needs --upstream-client-id/],
  ])('refuses %j with exit 2 and one line', async (extra, message) => {
    const t = io({ T: SECRET });
    expect(await runCli([...add, '--data-dir', tmpDataDir(), ...extra], t.io)).toBe(2);
    expect(t.err).toHaveLength(1);
    expect(t.err[0]).toMatch(message);
    expect(t.err[0]).not.toContain(SECRET);
  });

  it('an unset variable or an unreadable CA file is exit 1 naming the variable or file', async () => {
    const t = io({});
    expect(
      await runCli([...add, '--data-dir', tmpDataDir(), '--upstream', 'https://s.example/scim', '--upstream-token-env', 'NOPE'], t.io),
    ).toBe(1);
    expect(t.err[0]).toBe('rollcall: environment variable NOPE (from --upstream-token-env) is not set or empty');
    const u = io({ T: SECRET });
    const args = [
      ...add,
      '--data-dir',
      tmpDataDir(),
      '--upstream',
      'https://s.example/scim',
      '--upstream-token-env',
      'T',
      '--upstream-ca-file',
      '/nonexistent/ca.pem',
    ];
    expect(await runCli(args, u.io)).toBe(1);
    expect(u.err[0]).toMatch(/cannot read --upstream-ca-file \/nonexistent\/ca.pem: ENOENT/);
  });

  it('adds a relay connection, tests it against the app, and a running serve relays through it', async () => {
    app = await startScimApp({ auth: { kind: 'bearer', token: SECRET } });
    const dir = tmpDataDir();
    served = await startServe(dir);
    const t = io({ APP_TOKEN: SECRET, APP_KEY: 'hdr-value-99' });
    const code = await runCli(
      [
        ...add,
        '--data-dir',
        dir,
        '--json',
        '--upstream',
        app.base,
        '--upstream-token-env',
        'APP_TOKEN',
        '--upstream-header-env',
        'X-Api-Key=APP_KEY',
        '--upstream-timeout',
        '5',
      ],
      t.io,
    );
    expect(t.err).toEqual([]);
    expect(code).toBe(0);
    const created = JSON.parse(t.out[0]!) as { id: string; slug: string; scimUrl: string; token: string; mode: string; upstream: string };
    expect(created).toMatchObject({ mode: 'relay', upstream: app.base });
    expect(t.out.join('\n')).not.toContain(SECRET);

    const tested = io();
    expect(await runCli(['connections', 'test', created.slug, '--data-dir', dir], tested.io)).toBe(0);
    expect(tested.out[0]).toMatch(/^OK: The app answered its ServiceProviderConfig in [\d.]+ ms\.$/);
    expect(app.requests.at(-1)).toMatchObject({ method: 'GET', path: '/scim/v2/ServiceProviderConfig', authorization: `Bearer ${SECRET}` });

    // The running serve relays at once (no restart), with the extra header.
    const url = new URL(`${created.scimUrl}/Users`);
    const status = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'cli@acme.com' });
      const r = http.request(
        url,
        { method: 'POST', headers: { Authorization: `Bearer ${created.token}`, 'Content-Type': 'application/scim+json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      r.on('error', reject);
      r.end(body);
    });
    expect({ status, last: app.requests.at(-1)?.authorization ?? null }).toEqual({ status: 201, last: `Bearer ${SECRET}` });
    expect(app.users.size).toBe(1);

    const listed = io();
    expect(await runCli(['connections', 'list', '--data-dir', dir, '--json'], listed.io)).toBe(0);
    expect(JSON.parse(listed.out[0]!)).toEqual([expect.objectContaining({ slug: created.slug, mode: 'relay', upstream: app.base })]);
    expect(listed.out[0]).not.toContain(SECRET);
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('rollcall.db'))) {
      const bytes = fs.readFileSync(path.join(dir, f));
      expect(bytes.includes(Buffer.from(SECRET)), f).toBe(false);
      expect(bytes.includes(Buffer.from('hdr-value-99')), f).toBe(false);
    }

    // The app stops accepting the token: the test says so, exit 1.
    await app.close();
    const down = io();
    expect(await runCli(['connections', 'test', created.slug, '--data-dir', dir], down.io)).toBe(1);
    expect(down.out[0]).toMatch(/^FAILED: The app could not be reached: connection refused/);
  });
});
