/**
 * The desktop app itself, driven by Playwright's `_electron`: the built app (`npm run build`,
 * out/) launched with a fresh user-data folder. These run wherever an Electron binary exists
 * (and better-sqlite3 is built for Electron's ABI: docs/desktop.md, "Running the Electron
 * tests"); elsewhere they report themselves skipped, with the reason.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { findElectron } from './find-electron';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const found = findElectron(ROOT);

type Envelope<T> = { ok: true; value: T } | { ok: false; error: { message: string } };

interface Launched {
  app: ElectronApplication;
  win: Page;
  userData: string;
  /** The SCIM listener, moved to a free port so tests never collide on 8610. */
  scimOrigin: string;
}

/** Calls the API the way the renderer does, through the preload bridge. */
async function api<T>(win: Page, name: string, input: unknown = {}): Promise<T> {
  const envelope = (await win.evaluate(
    ([n, i]) => (globalThis as unknown as { rollcall: Record<string, (x: unknown) => Promise<unknown>> }).rollcall[n as string]!(i),
    [name, input] as const,
  )) as Envelope<T>;
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error.message}`);
  return envelope.value;
}

async function launch(): Promise<Launched> {
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-electron-'));
  const app = await electron.launch({
    executablePath: (found as { path: string }).path,
    args: [ROOT, `--user-data-dir=${userData}`],
  });
  const win = await app.firstWindow();
  await api(win, 'updateSettings', { scimListener: { host: '127.0.0.1', port: 0 } });
  let scimOrigin = '';
  await expect
    .poll(async () => {
      scimOrigin = (await api<{ scimOrigin: string | null }>(win, 'getAppInfo')).scimOrigin ?? '';
      return /:(\d+)$/.exec(scimOrigin)?.[1] ?? '';
    })
    .toMatch(/^(?!8610$)\d+$/);
  return { app, win, userData, scimOrigin };
}

async function shutDown(l: Launched): Promise<void> {
  await l.app.close().catch(() => {});
  fs.rmSync(l.userData, { recursive: true, force: true });
}

test.describe('desktop app (Electron)', () => {
  test.skip('missing' in found, `Skipped: ${'missing' in found ? found.missing : ''}`);

  test('launches the built app with a locked-down window and visits every page', async () => {
    const l = await launch();
    try {
      const prefs = await l.app.evaluate(({ BrowserWindow }) => {
        const w = BrowserWindow.getAllWindows()[0]!;
        const p = (w.webContents as unknown as { getLastWebPreferences(): Record<string, unknown> | null }).getLastWebPreferences();
        return {
          contextIsolation: p?.contextIsolation,
          sandbox: p?.sandbox,
          nodeIntegration: p?.nodeIntegration,
          webSecurity: p?.webSecurity,
        };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
      expect(await l.win.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');
      const nav = l.win.getByRole('navigation', { name: 'Main' });
      for (const name of ['Dashboard', 'Timeline', 'Alerts', 'Audit trail', 'Seats', 'People', 'Sources', 'Settings']) {
        await nav.getByRole('link', { name, exact: true }).click();
        await expect(l.win.getByRole('heading', { level: 1, name })).toBeVisible();
      }
    } finally {
      await shutDown(l);
    }
  });

  test('notifies for a high-severity alert raised through the SCIM listener; the click opens it', async () => {
    const l = await launch();
    try {
      // Record what the shell shows (test-side instrumentation of Electron's own class; the app
      // has no test hook).
      await l.app.evaluate(({ Notification }) => {
        const seen: { title: string; body: string; n: Electron.Notification }[] = [];
        (globalThis as unknown as { __notices: typeof seen }).__notices = seen;
        const show = Notification.prototype.show;
        Notification.prototype.show = function (this: Electron.Notification) {
          seen.push({ title: this.title, body: this.body, n: this });
          return show.call(this);
        };
      });
      const { connection, token } = await api<{ connection: { slug: string }; token: string }>(l.win, 'createConnection', {
        name: 'Slack via Okta',
        app: 'Slack',
        provider: 'okta',
      });
      // An active app account that belongs to no person in any directory: an orphaned account.
      const res = await fetch(`${l.scimOrigin}/scim/v2/${connection.slug}/Users`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'mallory@acme.test',
          active: true,
          emails: [{ value: 'mallory@acme.test', primary: true }],
        }),
      });
      expect(res.status).toBe(201);
      await expect
        .poll(() => l.app.evaluate(() => (globalThis as unknown as { __notices: { title: string }[] }).__notices.length), {
          timeout: 30_000,
        })
        .toBeGreaterThan(0);
      const notice = await l.app.evaluate(() => {
        const n = (globalThis as unknown as { __notices: { title: string; body: string }[] }).__notices[0]!;
        return { title: n.title, body: n.body };
      });
      expect(notice.title).toMatch(/high-severity alert/i);
      await l.app.evaluate(() => (globalThis as unknown as { __notices: { n: Electron.Notification }[] }).__notices[0]!.n.emit('click'));
      await expect(l.win).toHaveURL(/#\/alerts\?status=open&severity=high/);
      await expect(l.win.getByRole('heading', { level: 1, name: 'Alerts' })).toBeVisible();
    } finally {
      await shutDown(l);
    }
  });

  test('keeps relaying with the window closed, and quits cleanly (app.quit, as the tray’s Quit does)', async () => {
    const l = await launch();
    try {
      const closed = l.win.waitForEvent('close');
      await l.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
      await closed;
      // Still running: the SCIM listener answers (401 without a token is an answer).
      const probe = await fetch(`${l.scimOrigin}/scim/v2/nobody/Users`);
      expect(probe.status).toBe(401);
      expect(await l.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(0);

      const exited = new Promise<number | null>((resolve) => l.app.process().once('exit', (code) => resolve(code)));
      await l.app.evaluate(({ app }) => app.quit());
      expect(await exited).toBe(0);
      // The core closed the database on the way out: the WAL was checkpointed and removed.
      expect(fs.existsSync(path.join(l.userData, 'rollcall.db'))).toBe(true);
      expect(fs.existsSync(path.join(l.userData, 'rollcall.db-wal'))).toBe(false);
    } finally {
      await shutDown(l);
    }
  });
});
