/**
 * The Settings page against a real `rollcall serve`: the theme is applied and stored by the core,
 * the desktop-only controls are shown disabled with the reason, and "Reveal in folder" answers
 * with the data folder's path (a browser cannot open a file manager).
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

function trackFailures(page: Page): string[] {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });
  return failures;
}

async function openSettings(page: Page, dashboardUrl: string): Promise<void> {
  await page.goto(dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Data' })).toBeVisible();
}

async function savedSettings(page: Page, origin: string, token: string): Promise<Record<string, unknown>> {
  const r = await page.request.post(`${origin}/api/getSettings`, { data: {}, headers: { Authorization: `Bearer ${token}` } });
  expect(r.status()).toBe(200);
  return ((await r.json()) as { value: Record<string, unknown> }).value;
}

test('the theme is applied at once, stored by the core and kept after a reload', async ({ page, served }) => {
  const failures = trackFailures(page);
  await openSettings(page, served.dashboardUrl);
  const appearance = page.getByRole('region', { name: 'Appearance', exact: true });
  await appearance.getByRole('radio', { name: 'Dark' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // Dark colours are in use, not only the attribute.
  await expect(page.locator('html')).toHaveCSS('background-color', 'rgb(17, 20, 24)');
  await expect.poll(async () => (await savedSettings(page, served.origin, served.token)).theme).toBe('dark');
  await page.screenshot({ path: 'test-results/screenshots/settings-dark.png', fullPage: true });

  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(appearance.getByRole('radio', { name: 'Dark' })).toBeChecked();

  await appearance.getByRole('radio', { name: 'Light' }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.locator('html')).toHaveCSS('background-color', 'rgb(246, 247, 249)');
  await expect.poll(async () => (await savedSettings(page, served.origin, served.token)).theme).toBe('light');
  expect(failures).toEqual([]);
});

test('in the browser the desktop-only controls are shown disabled, with the reason', async ({ page, served }) => {
  const failures = trackFailures(page);
  await openSettings(page, served.dashboardUrl);

  const desktop = page.getByRole('region', { name: 'Desktop app' });
  await expect(desktop).toContainText('Desktop app only: these settings do nothing for rollcall serve');
  for (const name of [
    'Start Rollcall when I log in',
    'Keep running in the background when the window closes',
    'Store secrets without the OS keyring',
  ]) {
    const box = desktop.getByRole('checkbox', { name });
    await expect(box).toBeVisible();
    await expect(box).toBeDisabled();
    await expect(box).toHaveAccessibleDescription(/Desktop app only/);
  }
  // The stored defaults are shown, not blanks.
  await expect(desktop.getByRole('checkbox', { name: 'Keep running in the background when the window closes' })).toBeChecked();
  await expect(desktop.getByRole('checkbox', { name: 'Start Rollcall when I log in' })).not.toBeChecked();
  await expect(desktop).toContainText('anyone who can read your data folder can read those credentials');

  const listener = page.getByRole('region', { name: 'SCIM listener' });
  await expect(listener).toContainText('Changes apply to the desktop app’s listener at once');
  await expect(listener).toContainText('takes --scim-host and --scim-port flags instead');
  await expect(listener).toContainText('Desktop app only: rollcall serve takes --scim-host and --scim-port');
  // The address this serve really listens at.
  await expect(listener.getByText(served.scimUrl.replace(/\/scim\/v2\/?$/, ''), { exact: true })).toBeVisible();
  for (const label of ['Host', 'Port', 'TLS certificate file', 'TLS key file']) {
    await expect(listener.getByLabel(label)).toBeDisabled();
    await expect(listener.getByLabel(label)).toHaveAccessibleDescription(/Desktop app only/);
  }
  await expect(listener.getByLabel('Host')).toHaveValue('127.0.0.1');
  await expect(listener.getByLabel('Port')).toHaveValue('8610');
  await expect(listener.getByRole('button', { name: 'Save listener settings' })).toBeDisabled();
  await page.screenshot({ path: 'test-results/screenshots/settings-browser.png', fullPage: true });

  // Keyboard: the disabled controls are skipped; from the theme the next stop is "Reveal in folder".
  await page.getByRole('radio', { name: 'System' }).focus();
  await page.keyboard.press('Tab');
  const reveal = page.getByRole('button', { name: 'Reveal in folder' });
  await expect(reveal).toBeFocused();
  await expect(reveal).toHaveCSS('outline-style', 'solid');
  expect(failures).toEqual([]);
});

test('"Reveal in folder" says where the data folder is', async ({ page, served, dataDir }) => {
  const failures = trackFailures(page);
  await openSettings(page, served.dashboardUrl);
  const data = page.getByRole('region', { name: 'Data', exact: true });
  await expect(data.getByText(dataDir, { exact: true })).toBeVisible();
  await data.getByRole('button', { name: 'Reveal in folder' }).press('Enter');
  await expect(data.getByRole('status')).toHaveText(`Only the desktop app can open folders; the data folder is ${dataDir}`);
  expect(failures).toEqual([]);
});

/**
 * The desktop app's controls, exercised in the browser: getAppInfo is answered as the desktop host
 * would (host "electron"); every other call goes to the real core, which stores these settings
 * for either host. What Electron then does with them is tested in test/electron.
 */
test('with the desktop host the controls save, show their state, and put refusals next to fields', async ({ page, served }) => {
  const failures = trackFailures(page);
  await page.route('**/api/getAppInfo', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as { ok: true; value: Record<string, unknown> };
    await route.fulfill({ response, json: { ...body, value: { ...body.value, host: 'electron' } } });
  });
  await openSettings(page, served.dashboardUrl);
  await expect(page.getByText('Desktop app only')).toHaveCount(0);

  // A checkbox saves as soon as it changes.
  const desktop = page.getByRole('region', { name: 'Desktop app' });
  const atLogin = desktop.getByRole('checkbox', { name: 'Start Rollcall when I log in' });
  await expect(atLogin).toBeEnabled();
  await atLogin.check();
  await expect(desktop.getByRole('status')).toHaveText('Saved: “Start Rollcall when I log in” is on.');
  await expect.poll(async () => (await savedSettings(page, served.origin, served.token)).startAtLogin).toBe(true);

  // The listener form: problems next to their fields, focus on the first, nothing sent.
  const listener = page.getByRole('region', { name: 'SCIM listener' });
  const host = listener.getByLabel('Host');
  const port = listener.getByLabel('Port');
  const save = listener.getByRole('button', { name: 'Save listener settings' });
  await host.fill('http://localhost');
  await port.fill('70000');
  await listener.getByLabel('TLS certificate file').fill('/etc/rollcall/cert.pem');
  await save.click();
  await expect(host).toBeFocused();
  await expect(host).toHaveAttribute('aria-invalid', 'true');
  await expect(host).toHaveAccessibleDescription(/without http:\/\//);
  await expect(port).toHaveAccessibleDescription(/Too high: ports go up to 65535\./);
  await expect(listener.getByLabel('TLS key file')).toHaveAccessibleDescription(/TLS needs both files, or neither/);
  expect((await savedSettings(page, served.origin, served.token)).scimListener).toMatchObject({ host: '127.0.0.1', port: 8610 });

  // A refusal by the core lands next to its field too.
  await page.route(
    '**/api/updateSettings',
    (route) =>
      route.fulfill({
        status: 400,
        json: {
          ok: false,
          error: {
            code: 'invalid_input',
            message: 'Invalid input for updateSettings',
            issues: [{ path: 'scimListener.host', message: 'not an address of this computer' }],
          },
        },
      }),
    { times: 1 },
  );
  await host.fill('192.0.2.10');
  await port.fill('9000');
  await listener.getByLabel('TLS certificate file').fill('');
  await save.click();
  await expect(listener.getByRole('alert')).toContainText('Could not save the listener settings');
  await expect(host).toHaveAccessibleDescription(/Not an address of this computer\./);
  await expect(host).toBeFocused();

  // Saved for real: the busy label, then the success line; Undo has nothing left to undo.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(
    '**/api/updateSettings',
    async (route) => {
      await held;
      await route.continue();
    },
    { times: 1 },
  );
  await host.fill('0.0.0.0');
  await save.click();
  await expect(listener.locator('form')).toHaveAttribute('aria-busy', 'true');
  // While saving the button is named "Saving…" and ignores clicks, but keeps the keyboard focus.
  await expect(listener.getByRole('button', { name: 'Saving…' })).toHaveAttribute('aria-disabled', 'true');
  await expect(listener.getByRole('button', { name: 'Saving…' })).toBeFocused();
  release();
  await expect(listener.getByRole('status')).toContainText('Saved. The desktop app’s SCIM listener restarts at 0.0.0.0:9000 now');
  await expect(listener.getByRole('alert')).toHaveCount(0);
  await expect(listener.getByRole('button', { name: 'Undo changes' })).toBeDisabled();
  expect((await savedSettings(page, served.origin, served.token)).scimListener).toEqual({
    host: '0.0.0.0',
    port: 9000,
    tlsCertPath: null,
    tlsKeyPath: null,
  });
  await page.screenshot({ path: 'test-results/screenshots/settings-desktop.png', fullPage: true });

  // Undo puts back what is saved.
  await port.fill('9001');
  await listener.getByRole('button', { name: 'Undo changes' }).click();
  await expect(port).toHaveValue('9000');
  expect(failures.filter((f) => !/status of 400/.test(f))).toEqual([]);
});
