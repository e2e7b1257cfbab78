/**
 * `rollcall demo` on the command line: it refuses any folder that could be real data, and the built
 * CLI (what `npm run demo` runs) prints its addresses, serves a living dashboard, and stops on Ctrl-C.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../../src/main/cli/main';
import { Store } from '../../../src/main/core/store/store';
import { DEMO_MARKER, DemoFolderError, prepareDemoFolder } from '../../../src/main/demo/demo';
import { assertBuilt, BIN } from '../../helpers/cli';
import { tmpDataDir } from '../../helpers/tmp';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    stopSignal: new Promise<string>(() => {}),
    staticDir: '/nonexistent',
  };
  return { out, err, io: value };
}

const listing = (dir: string) => fs.readdirSync(dir).sort();

describe('rollcall demo: the data folder', () => {
  it('refuses a non-empty real data folder and leaves it untouched', async () => {
    const dir = tmpDataDir();
    Store.open(dir, { backgroundCheckpoints: false }).close();
    const before = listing(dir);
    const dbBefore = fs.readFileSync(path.join(dir, 'rollcall.db'));
    const t = io();
    expect(await runCli(['demo', '--data-dir', dir, '--scim-port', '0', '--ui-port', '0'], t.io)).toBe(1);
    expect(t.err.join('\n')).toMatch(/is not empty and is not a demo folder/);
    expect(t.err.join('\n')).not.toMatch(/simulated data goes to/);
    expect(t.out).toEqual([]);
    expect(listing(dir)).toEqual(before);
    expect(fs.readFileSync(path.join(dir, 'rollcall.db')).equals(dbBefore)).toBe(true);
  });

  it("refuses Rollcall's own data folder (ROLLCALL_DATA_DIR), even empty", async () => {
    const dir = tmpDataDir();
    const t = io({ ROLLCALL_DATA_DIR: dir });
    expect(await runCli(['demo', '--data-dir', dir], t.io)).toBe(1);
    expect(t.err.join('\n')).toMatch(/real data folder/);
    expect(listing(dir)).toEqual([]);
  });

  it.each([
    [['--people', '5']],
    [['--people', 'many']],
    [['--history-days', '1000']],
    [['--churn-interval', '0']],
    [['--no-churn', '--churn-interval', '2']],
    [['--ui-port', '70000']],
    [['--bogus']],
  ])('exits 2 for bad usage: %j', async (args) => {
    const t = io();
    expect(await runCli(['demo', ...args], t.io)).toBe(2);
    expect(t.err).toHaveLength(1);
  });

  it('reuses a former demo folder (cleared) and an empty one, never anything else', () => {
    const base = tmpDataDir();
    const demo = path.join(base, 'old-demo');
    prepareDemoFolder(demo);
    fs.writeFileSync(path.join(demo, 'rollcall.db'), 'old simulated data');
    prepareDemoFolder(demo);
    expect(listing(demo)).toEqual([DEMO_MARKER]);
    const empty = path.join(base, 'empty');
    fs.mkdirSync(empty);
    prepareDemoFolder(empty);
    expect(listing(empty)).toEqual([DEMO_MARKER]);
    const other = path.join(base, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'notes.txt'), 'mine');
    expect(() => prepareDemoFolder(other)).toThrow(DemoFolderError);
    expect(listing(other)).toEqual(['notes.txt']);
  });
});

describe('rollcall demo (built CLI, as npm run demo runs it)', () => {
  it('prints the SCIM and dashboard URLs, serves a living dashboard, and shuts down on SIGINT', async () => {
    assertBuilt();
    const dir = path.join(tmpDataDir(), 'demo');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'demo',
        '--people',
        '60',
        '--history-days',
        '7',
        '--scim-port',
        '0',
        '--ui-port',
        '0',
        '--churn-interval',
        '0.3',
        '--data-dir',
        dir,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'ROLLCALL_UI_TOKEN')),
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/^Data: /m.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(out, err).toMatch(/^SCIM: http:\/\/127\.0\.0\.1:\d+\/scim\/v2$/m);
      expect(err).toContain(`simulated data goes to ${dir}`);
      expect(err).toMatch(/history ready in/);
      const dashboard = new URL(/^Dashboard: (\S+)$/m.exec(out)![1]!);
      const token = decodeURIComponent(dashboard.hash.replace(/^#token=/, ''));
      const call = async (name: string) => {
        const res = await fetch(`${dashboard.origin}/api/${name}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        return ((await res.json()) as { value: Record<string, unknown> }).value;
      };
      expect((await call('getDashboard')).sources).toEqual({ connections: 4, directories: 2 });
      // The page itself is served too (the built renderer).
      const page = await fetch(`${dashboard.origin}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<div id="root">/);
      expect(fs.existsSync(path.join(dir, DEMO_MARKER))).toBe(true);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(err).toMatch(/SIGINT received, shutting down/);
  }, 90_000);
});
