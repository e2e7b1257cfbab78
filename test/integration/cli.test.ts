import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/main/cli/main';
import { BIN, runRollcall, startServe, type Served } from '../helpers/cli';
import { tmpDataDir } from '../helpers/tmp';

function io(overrides: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (t: string) => out.push(t),
      stderr: (t: string) => err.push(t),
      env: {},
      stopSignal: new Promise<string>(() => {}),
      staticDir: '/nonexistent',
      ...overrides,
    } satisfies CliIo,
  };
}

describe('rollcall CLI (in process)', () => {
  it.each([
    [['serve', '--bogus']],
    [['serve', '--scim-port', 'eighty']],
    [['serve', '--ui-port', '70000']],
    [['serve', '--scim-port']],
    [['serve', 'extra-positional']],
    [['serve', '--ui-token', 'short']],
    [['serve', '--ui-host', 'bad host']],
    [['frobnicate']],
    [[]],
  ])('exits 2 with a one-line error for bad usage: %j', async (argv) => {
    const t = io();
    const code = await runCli(argv, t.io);
    expect(code).toBe(2);
    if (argv.length > 0) {
      expect(t.err).toHaveLength(1);
      expect(t.err[0]).toMatch(/^rollcall: \S/);
      expect(t.err[0]).not.toContain('\n');
      expect(t.err[0]).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('prints help for every command with --help and exits 0', async () => {
    for (const argv of [['--help'], ['serve', '--help'], ['serve', '-h']]) {
      const t = io();
      expect(await runCli(argv, t.io)).toBe(0);
      expect(t.out.join('\n')).toMatch(/Usage: rollcall/);
    }
  });

  it('refuses a data folder from a newer Rollcall with exit 1 and the reason', async () => {
    const dir = tmpDataDir();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'rollcall.db'));
    db.pragma('user_version = 99');
    db.close();
    const t = io();
    expect(await runCli(['serve', '--data-dir', dir, '--scim-port', '0', '--ui-port', '0'], t.io)).toBe(1);
    expect(t.err.join('\n')).toMatch(/newer version of Rollcall/);
  });
});

describe('rollcall connections', () => {
  it('adds, lists, rotates and removes with JSON output; bad input exits 2 or 1 with one line', async () => {
    const dir = tmpDataDir();
    const t = io();
    expect(
      await runCli(['connections', 'add', '--data-dir', dir, '--name', 'Slack', '--app', 'Slack', '--idp', 'okta', '--json'], t.io),
    ).toBe(0);
    const added = JSON.parse(t.out[0]!) as { id: string; slug: string; scimUrl: string; token: string };
    expect(added).toMatchObject({ slug: 'slack', scimUrl: 'http://127.0.0.1:8610/scim/v2/slack' });
    expect(added.token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const l = io();
    expect(await runCli(['connections', 'list', '--data-dir', dir, '--json'], l.io)).toBe(0);
    const list = JSON.parse(l.out[0]!) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(added.token);

    const r = io();
    expect(await runCli(['connections', 'rotate-token', 'slack', '--data-dir', dir, '--json'], r.io)).toBe(0);
    expect((JSON.parse(r.out[0]!) as { token: string }).token).not.toBe(added.token);

    for (const argv of [
      ['connections', 'add', '--data-dir', dir, '--name', 'X', '--app', 'X'],
      ['connections', 'add', '--data-dir', dir, '--name', 'X', '--app', 'X', '--idp', 'ldap'],
      ['connections', 'add', '--data-dir', dir, '--name', 'X', '--app', 'X', '--idp', 'okta', '--token', 'abc'],
      ['connections', 'remove', '--data-dir', dir],
      ['connections', 'explode'],
    ]) {
      const bad = io();
      expect(await runCli(argv, bad.io), argv.join(' ')).toBe(2);
      expect(bad.err).toHaveLength(1);
    }
    const missing = io();
    expect(await runCli(['connections', 'remove', 'nope', '--data-dir', dir], missing.io)).toBe(1);
    expect(missing.err).toEqual(['rollcall: No connection "nope"']);

    const rm = io();
    expect(await runCli(['connections', 'remove', added.id, '--data-dir', dir], rm.io)).toBe(0);
    const empty = io();
    await runCli(['connections', 'list', '--data-dir', dir], empty.io);
    expect(empty.out[0]).toMatch(/No connections/);
  });
});

describe('rollcall serve (real process)', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.stop('SIGKILL');
    served = undefined;
  });

  it('prints both addresses, answers SCIM with SCIM errors, serves the UI, and shuts down cleanly on SIGTERM', async () => {
    const dir = tmpDataDir();
    served = await startServe(dir, [], { ROLLCALL_UI_TOKEN: 'from-env-token-1234567890' });
    expect(served.scimUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/);
    expect(served.dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=/);
    expect(served.token).toBe('from-env-token-1234567890');

    const scim = await fetch(`${served.scimUrl}/acme/Users`);
    expect(scim.status).toBe(401);
    expect(scim.headers.get('content-type')).toMatch(/application\/scim\+json/);
    expect(await scim.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401' });
    const elsewhere = await fetch(`${new URL(served.scimUrl).origin}/index.html`);
    expect(elsewhere.status).toBe(404);

    const page = await fetch(`${served.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(await page.text()).toMatch(/<div id="root">/);

    const api = await fetch(`${served.origin}/api/getAppInfo`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${served.token}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(await api.json()).toMatchObject({ ok: true, value: { dataDir: dir, host: 'headless' } });

    expect(await served.stop('SIGTERM')).toBe(0);
    expect(served.stderr()).toMatch(/SIGTERM received, shutting down/);
    // The database was closed: the last connection checkpoints and removes the WAL file.
    expect(fs.existsSync(path.join(dir, 'rollcall.db-wal'))).toBe(false);
    served = undefined;
  });

  it('prints JSON with --json, and a clear error when the port is taken', async () => {
    const dir = tmpDataDir();
    served = await startServe(dir);
    const port = new URL(served.origin).port;
    const second = await runRollcall(['serve', '--data-dir', tmpDataDir(), '--scim-port', '0', '--ui-port', port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/cannot listen: .*EADDRINUSE/);
    const version = await runRollcall(['version', '--json']);
    expect(version.code).toBe(0);
    expect(JSON.parse(version.stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('prints one JSON line with --json', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--json', '--data-dir', tmpDataDir(), '--scim-port', '0', '--ui-port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve) => {
      let buf = '';
      child.stdout.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
      });
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(JSON.parse(line)).toMatchObject({
      scim: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/),
      dashboard: expect.stringMatching(/#token=/),
    });
  });
});
