/**
 * `rollcall serve --scim-tls-cert FILE --scim-tls-key FILE`: the built CLI serves SCIM over https
 * with the fixture certificate and prints an https SCIM line; bad files are a usage error (exit 2,
 * one line) and nothing starts.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { runRollcall, startServe, type Served } from '../helpers/cli';
import { tmpDataDir } from '../helpers/tmp';

const FIXTURES = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
const CERT = path.join(FIXTURES, 'server.pem');
const KEY = path.join(FIXTURES, 'server-key.pem');
const CA = fs.readFileSync(path.join(FIXTURES, 'ca.pem'));

function get(url: string, token: string, ca?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, agent: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('rollcall serve with TLS (built CLI)', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.stop('SIGKILL');
    served = undefined;
  });

  it('prints an https SCIM line and answers SCIM over https for a connection added by the CLI', async () => {
    const dir = tmpDataDir();
    served = await startServe(dir, ['--scim-tls-cert', CERT, '--scim-tls-key', KEY]);
    expect(served.scimUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    expect(served.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);

    const added = await runRollcall([
      'connections',
      'add',
      '--data-dir',
      dir,
      '--name',
      'Okta',
      '--app',
      'Slack',
      '--idp',
      'okta',
      '--json',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const conn = JSON.parse(added.stdout) as { slug: string; scimUrl: string; token: string };
    expect(conn.scimUrl).toBe(`${served.scimUrl}/${conn.slug}`);

    const listed = await get(`${conn.scimUrl}/Users`, conn.token, CA);
    expect(listed.status, listed.body).toBe(200);
    expect(JSON.parse(listed.body)).toMatchObject({ totalResults: 0, Resources: [] });
    await expect(get(`${conn.scimUrl}/Users`, conn.token)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });

    expect(await served.stop('SIGTERM')).toBe(0);
    served = undefined;
  });

  it('exits 2 with one line naming a missing key file, and starts nothing', async () => {
    const dir = tmpDataDir();
    const missing = path.join(dir, 'no-such-key.pem');
    const r = await runRollcall([
      'serve',
      '--data-dir',
      dir,
      '--scim-port',
      '0',
      '--ui-port',
      '0',
      '--scim-tls-cert',
      CERT,
      '--scim-tls-key',
      missing,
    ]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`rollcall: the TLS private key file ${missing} does not exist\n`);
    // Nothing started: not even the database was opened.
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});

describe('rollcall serve TLS flags (in process)', () => {
  function io() {
    const err: string[] = [];
    const out: string[] = [];
    const cli: CliIo = {
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      env: {},
      stopSignal: new Promise<string>(() => {}),
      staticDir: '/nonexistent',
    };
    return { cli, err, out };
  }

  it.each([
    [['--scim-tls-cert', CERT], 'rollcall: --scim-tls-cert needs --scim-tls-key too'],
    [['--scim-tls-key', KEY], 'rollcall: --scim-tls-key needs --scim-tls-cert too'],
    [['--scim-tls-cert', '', '--scim-tls-key', KEY], 'rollcall: --scim-tls-cert needs a file path'],
    [
      ['--scim-tls-cert', KEY, '--scim-tls-key', CERT],
      `rollcall: ${KEY} holds a private key, not a certificate: are the certificate and key files swapped?`,
    ],
    [
      ['--scim-tls-cert', CERT, '--scim-tls-key', path.join(FIXTURES, 'untrusted-key.pem')],
      `rollcall: the private key in ${path.join(FIXTURES, 'untrusted-key.pem')} does not belong to the certificate in ${CERT} (with a chain, the server certificate must come first)`,
    ],
    [
      ['--scim-tls-cert', path.join(FIXTURES, 'expired.pem'), '--scim-tls-key', path.join(FIXTURES, 'expired-key.pem')],
      `rollcall: the certificate in ${path.join(FIXTURES, 'expired.pem')} expired on 2000-12-31T23:59:59.000Z: identity providers refuse it; renew it and try again`,
    ],
  ])('exits 2 before starting anything: %j', async (flags, message) => {
    const dir = tmpDataDir();
    const t = io();
    expect(await runCli(['serve', '--data-dir', dir, '--scim-port', '0', '--ui-port', '0', ...flags], t.cli)).toBe(2);
    expect(t.err).toEqual([message]);
    expect(t.out).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
