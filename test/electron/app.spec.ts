import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';
import { findElectron } from './find-electron';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const found = findElectron(ROOT);

test.describe('desktop app (Electron)', () => {
  test.skip('missing' in found, `Skipped: ${'missing' in found ? found.missing : ''}`);

  test('launches the built app with a locked-down window and visits every page', async () => {
    const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-electron-'));
    const app = await electron.launch({
      executablePath: (found as { path: string }).path,
      args: [ROOT, `--user-data-dir=${userData}`],
    });
    try {
      const win = await app.firstWindow();
      const prefs = await app.evaluate(({ BrowserWindow }) => {
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
      expect(await win.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');
      const nav = win.getByRole('navigation', { name: 'Main' });
      for (const name of ['Dashboard', 'Timeline', 'Alerts', 'Audit trail', 'Seats', 'People', 'Sources', 'Settings']) {
        await nav.getByRole('link', { name, exact: true }).click();
        await expect(win.getByRole('heading', { level: 1, name })).toBeVisible();
      }
    } finally {
      await app.close();
      fs.rmSync(userData, { recursive: true, force: true });
    }
  });
});
