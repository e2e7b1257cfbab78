/**
 * Relay connections on the Sources page against a real `rollcall serve` and a fake app SCIM API
 * on loopback (test/fakes/scim-app.ts): a relay connection is added through the form, tested
 * from its row, and a real SCIM request sent to it reaches the app with the app's credentials —
 * never with Rollcall's token. A wrong app token is caught by Test connection.
 *
 * Each test has its own data folder, its own serve (seeded with one store-mode connection) and
 * its own fake app, closed at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { ROOT } from '../helpers/cli';
import { startScimApp, type ScimApp } from '../fakes/scim-app';
import { expect, test as base } from './fixtures';

const APP_TOKEN = 'xoxp-e2e-app-scim-token-7c41d2a9b8e3';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const RELAY = 'Relay them to the app’s own SCIM API';

const test = base.extend<{ app: ScimApp }>({
  // eslint-disable-next-line no-empty-pattern
  app: async ({}, use) => {
    const app = await startScimApp({ auth: { kind: 'bearer', token: APP_TOKEN } });
    await use(app);
    await app.close();
  },
});

/** Collects script errors and console errors (an expected refusal by the API is passed in as allowed). */
function trackFailures(page: Page, allowed: RegExp[] = []): string[] {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((a) => a.test(m.text()))) failures.push(`console: ${m.text()}`);
  });
  return failures;
}

async function openSources(page: Page, dashboardUrl: string): Promise<void> {
  await page.goto(dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
  await expect(page.getByRole('row', { name: /Slack via Okta/ })).toBeVisible();
}

async function useTheme(page: Page, theme: 'Light' | 'Dark'): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('radio', { name: new RegExp(`^${theme}`) }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme.toLowerCase());
  await nav.getByRole('link', { name: 'Sources', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
}

/** Fills the form for a relay connection with a bearer token and adds it; returns its SCIM URL and Rollcall token. */
async function addRelay(page: Page, name: string, baseUrl: string, appToken: string): Promise<{ scimUrl: string; token: string }> {
  const main = page.getByRole('main');
  const form = main.locator('form.connection-form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('App', { exact: true }).fill('Loom');
  await form.getByRole('radio', { name: RELAY }).check();
  await form.getByLabel('App SCIM base URL').fill(baseUrl);
  await expect(form.getByRole('radio', { name: 'Bearer token' })).toBeChecked();
  await form.getByLabel('API token').fill(appToken);
  await form.getByRole('button', { name: 'Add connection' }).click();
  const panel = main.getByRole('region', { name: `Connection “${name}” added` });
  await expect(panel).toBeVisible();
  const scimUrl = await panel.getByLabel('SCIM URL').inputValue();
  const token = await panel.getByLabel('Token', { exact: true }).inputValue();
  await panel.getByRole('button', { name: 'Done' }).click();
  await expect(panel).toHaveCount(0);
  return { scimUrl, token };
}

test('a relay connection: added through the form, tested, and SCIM requests reach the app with its own token', async ({
  page,
  served,
  app,
}) => {
  const failures = trackFailures(page);
  await openSources(page, served.dashboardUrl);
  const main = page.getByRole('main');
  const form = main.locator('form.connection-form');

  // The seeded store-mode connection says so, and has nothing to test.
  const slack = main.getByRole('row', { name: /Slack via Okta/ });
  await expect(slack.locator('td.connection-mode')).toHaveText('Stores');
  await expect(slack.getByRole('button', { name: /Test connection/ })).toHaveCount(0);

  // ---- Store is the default; the relay fields appear once relay is chosen (from the keyboard).
  const store = form.getByRole('radio', { name: 'Store them (Rollcall is the SCIM app)' });
  await expect(store).toBeChecked();
  await expect(form.getByLabel('App SCIM base URL')).toHaveCount(0);
  await store.focus();
  await page.keyboard.press('ArrowDown');
  await expect(form.getByRole('radio', { name: RELAY })).toBeChecked();
  await expect(form.getByRole('radio', { name: RELAY })).toBeFocused();
  await expect(form.getByLabel('Timeout (seconds)')).toHaveValue('30');
  await expect(form).toContainText('Extra headers and turning off TLS verification are set from the command line or the API only.');

  // Sent incomplete: the base URL and the token are asked for, and the base URL gets focus.
  await form.getByLabel('Name').fill('Loom via Okta');
  await form.getByLabel('App', { exact: true }).fill('Loom');
  await form.getByRole('button', { name: 'Add connection' }).click();
  const baseUrl = form.getByLabel('App SCIM base URL');
  await expect(baseUrl).toBeFocused();
  await expect(baseUrl).toHaveAttribute('aria-invalid', 'true');
  await expect(baseUrl).toHaveAccessibleDescription(/Enter the app’s SCIM base URL, e\.g\. https:\/\/api\.slack\.com\/scim\/v2\./);
  const appToken = form.getByLabel('API token');
  await expect(appToken).toHaveAccessibleDescription(/Paste the app’s SCIM API token/);
  await baseUrl.fill(`${app.base}/Users`);
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(baseUrl).toHaveAccessibleDescription(new RegExp(`Leave out “/Users”: the base URL ends before it \\(${app.base}\\)`));
  await baseUrl.fill(app.base);
  await expect(baseUrl).not.toHaveAttribute('aria-invalid', 'true');

  // The app's token is masked.
  await appToken.fill(APP_TOKEN);
  await expect(appToken).toHaveAttribute('type', 'password');
  // From the top: a full-page screenshot taken scrolled down draws the sticky header mid-page.
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await page.screenshot({ path: 'test-results/screenshots/sources-relay-form.png', fullPage: true });
  await form.getByRole('button', { name: 'Add connection' }).click();

  const panel = main.getByRole('region', { name: 'Connection “Loom via Okta” added' });
  await expect(panel).toBeVisible();
  const scimUrl = await panel.getByLabel('SCIM URL').inputValue();
  const token = await panel.getByLabel('Token', { exact: true }).inputValue();
  expect(scimUrl).toBe(`${served.scimUrl}/loom`);
  await panel.getByRole('button', { name: 'Done' }).click();

  // The form is empty again (the app's token gone with it), still in relay mode for the next one.
  await expect(form.getByRole('radio', { name: RELAY })).toBeChecked();
  await expect(form.getByLabel('API token')).toHaveValue('');
  await expect(form.getByLabel('App SCIM base URL')).toHaveValue('');
  expect(await page.content()).not.toContain(APP_TOKEN);

  // ---- The row says where it relays to, and how it signs in.
  const row = main.getByRole('row', { name: /Loom via Okta/ });
  const mode = row.locator('td.connection-mode');
  await expect(mode).toContainText(`Relays to ${app.base}`);
  await expect(mode).toContainText('Bearer token · timeout 30 s');

  // ---- Test connection: busy while the call runs (held back here), then the answer, announced.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/testConnection', async (route) => {
    await held;
    await route.continue();
  });
  const testButton = row.getByRole('button', { name: 'Test connection of Loom via Okta' });
  await testButton.focus();
  await page.keyboard.press('Enter');
  const busy = row.getByRole('button', { name: 'Testing…' });
  await expect(busy).toHaveAttribute('aria-disabled', 'true');
  await expect(busy).toBeFocused();
  release();
  const result = row.getByRole('status', { name: 'Test of Loom via Okta' });
  await expect(result).toContainText(
    /Connection works: The app answered its ServiceProviderConfig in [\d.]+ ms\. \(HTTP 200 · [\d.]+ ms\)/,
  );
  await expect(testButton).not.toHaveAttribute('aria-disabled');
  await page.unroute('**/api/testConnection');
  const probe = app.requests.filter((r) => r.path === '/scim/v2/ServiceProviderConfig');
  expect(probe).toHaveLength(1);
  expect(probe[0]!.authorization).toBe(`Bearer ${APP_TOKEN}`);

  // ---- A real SCIM request from the "IdP", with Rollcall's token, reaches the app with the app's.
  const created = await fetch(`${scimUrl}/Users`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [USER_SCHEMA],
      userName: 'ann@acme.test',
      active: true,
      emails: [{ value: 'ann@acme.test', primary: true }],
    }),
  });
  const body = (await created.json()) as { id?: string; userName?: string };
  expect(created.status, JSON.stringify(body)).toBe(201);
  expect(body.userName).toBe('ann@acme.test');
  // The app has the user, under the id it answered with.
  expect(app.users.get(body.id!)).toMatchObject({ userName: 'ann@acme.test' });
  const posts = app.requests.filter((r) => r.method === 'POST' && r.path === '/scim/v2/Users');
  expect(posts).toHaveLength(1);
  expect(posts[0]!.authorization).toBe(`Bearer ${APP_TOKEN}`);
  expect(JSON.parse(posts[0]!.body)).toMatchObject({ userName: 'ann@acme.test' });
  // Rollcall's own token never leaves for the app, on any request.
  for (const r of app.requests) {
    expect(r.authorization ?? '').not.toContain(token);
    expect(r.body).not.toContain(token);
  }

  // ---- The Sources page in dark, with a test result showing (the page was left: test again).
  await useTheme(page, 'Dark');
  const darkRow = main.getByRole('row', { name: /Loom via Okta/ });
  await darkRow.getByRole('button', { name: 'Test connection of Loom via Okta' }).click();
  await expect(darkRow.getByRole('status', { name: 'Test of Loom via Okta' })).toContainText('Connection works');
  await page.screenshot({ path: 'test-results/screenshots/sources-relay-dark.png', fullPage: true });
  expect(failures).toEqual([]);
});

test('a wrong app token: Test connection says the app refused it; the CA file is checked before it is kept', async ({
  page,
  served,
  app,
}) => {
  const failures = trackFailures(page);
  await openSources(page, served.dashboardUrl);
  const main = page.getByRole('main');
  const form = main.locator('form.connection-form');

  // ---- The CA certificate file: a file without a PEM certificate is refused and not kept.
  await form.getByRole('radio', { name: RELAY }).check();
  const caInput = form.locator('input[type="file"]');
  await caInput.setInputFiles({
    name: 'ca.cer',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from([0x30, 0x82, 0x01, 0x94, 0x30]),
  });
  await expect(caInput).toHaveAttribute('aria-invalid', 'true');
  await expect(caInput).toHaveAccessibleDescription(
    /ca\.cer: No certificate in this file: expected PEM text with -----BEGIN CERTIFICATE-----/,
  );
  await expect(form).not.toContainText('Loaded ca.cer');
  // A real PEM certificate is read in the page: its name, size and count are shown.
  const caPath = path.join(ROOT, 'test/fixtures/tls/ca.pem');
  await caInput.setInputFiles(caPath);
  await expect(caInput).not.toHaveAttribute('aria-invalid', 'true');
  const size = fs.statSync(caPath).size;
  expect(size).toBeLessThan(1024);
  await expect(form).toContainText(`Loaded ca.pem (${size} bytes, 1 certificate)`);
  // Remove forgets it, and focus stays in the field.
  await form.getByRole('button', { name: 'Remove the CA certificate' }).click();
  await expect(form).not.toContainText('Loaded ca.pem');
  await expect(caInput).toBeFocused();
  await caInput.setInputFiles(caPath);
  await expect(form).toContainText('Loaded ca.pem');

  // ---- Added with the wrong app token (and the CA, which reaches the core).
  await addRelay(page, 'Loom wrong token', app.base, 'not-the-app-token');
  const row = main.getByRole('row', { name: /Loom wrong token/ });
  await expect(row.locator('td.connection-mode')).toContainText('Bearer token · timeout 30 s · trusted CA');
  await expect(form).not.toContainText('Loaded ca.pem');

  await row.getByRole('button', { name: 'Test connection of Loom wrong token' }).click();
  const result = row.getByRole('status', { name: 'Test of Loom wrong token' });
  await expect(result).toContainText(/Connection failed: The app refused the credentials \(401\)\. \(HTTP 401 · [\d.]+ ms\)/);
  await expect(result.locator('.row-note__text--error')).toBeVisible();
  expect(app.requests.map((r) => r.authorization)).toEqual(['Bearer not-the-app-token']);
  expect(failures).toEqual([]);
});
