/**
 * The Sources page against a real `rollcall serve`: connections are added, rotated and removed
 * through the UI, and every token the UI shows is proven (or proven dead) on the real SCIM
 * endpoint.
 */
import type { CDPSession, Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** The few browser APIs the page-side callbacks use (this file is type-checked without the DOM library). */
interface BrowserGlobals {
  navigator: { clipboard: { readText(): Promise<string>; writeText(text: string): Promise<void> } };
}
interface TextInput {
  value: string;
  selectionStart: number | null;
  selectionEnd: number | null;
}

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

async function scimUsers(scimUrl: string, slug: string, token: string): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${scimUrl}/${slug}/Users`, { headers: { Authorization: `Bearer ${token}` } });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the assertion message
  }
  return { status: r.status, body };
}

async function openSources(page: Page, dashboardUrl: string): Promise<void> {
  await page.goto(dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
  await expect(page.getByRole('row', { name: /Slack via Okta/ })).toBeVisible();
}

/** Every string in the page's JavaScript heap (a heap snapshot collects garbage first). */
async function heapHolds(cdp: CDPSession, needle: string): Promise<boolean> {
  const chunks: string[] = [];
  const onChunk = (e: { chunk: string }): void => {
    chunks.push(e.chunk);
  };
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  return chunks.join('').includes(needle);
}

/** Collects script errors and console errors (an expected refusal by the API is passed in as allowed). */
function trackFailures(page: Page, allowed: RegExp[] = []): string[] {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((a) => a.test(m.text()))) failures.push(`console: ${m.text()}`);
  });
  return failures;
}

test('add a connection, use its token on SCIM, rotate it, remove it', async ({ page, served, context }) => {
  const failures = trackFailures(page);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.origin });
  await openSources(page, served.dashboardUrl);
  const main = page.getByRole('main');
  const form = main.locator('form.connection-form');

  // ---- Add through the form (slug left empty: the core derives "github" from the app).
  await form.getByLabel('Name').fill('GitHub via Entra');
  await form.getByLabel('App', { exact: true }).fill('GitHub');
  await form.getByLabel('Identity provider').selectOption({ label: 'Microsoft Entra ID' });
  await expect(form.getByText('Leave empty to use “github”.')).toBeVisible();
  await form.getByRole('button', { name: 'Add connection' }).click();

  const panel = main.getByRole('region', { name: 'Connection “GitHub via Entra” added' });
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('heading', { name: /GitHub via Entra/ })).toBeFocused();
  await expect(panel).toContainText('This token is shown only once. Rollcall stores only a hash of it.');
  await expect(panel.getByRole('listitem').first()).toContainText(
    'Microsoft Entra ID (this connection): Enterprise applications → your app → Provisioning → Admin credentials: Tenant URL + Secret Token',
  );
  await expect(panel.getByRole('listitem').filter({ hasText: /^Okta/ })).toContainText(
    'Provisioning → Integration: SCIM connector base URL + HTTP Header Bearer token',
  );
  const scimUrl = await panel.getByLabel('SCIM URL').inputValue();
  const token = await panel.getByLabel('Token', { exact: true }).inputValue();
  expect(scimUrl).toBe(`${served.scimUrl}/github`);
  expect(token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  // The list has refreshed: the new row is there, with the same SCIM URL.
  await expect(main.getByRole('row', { name: /GitHub via Entra/ })).toContainText(scimUrl);
  // The form is empty again, ready for the next one.
  await expect(form.getByLabel('Name')).toHaveValue('');

  await page.screenshot({ path: 'test-results/screenshots/sources-token.png', fullPage: true });

  // ---- The token works on the real SCIM endpoint.
  const first = await scimUsers(served.scimUrl, 'github', token);
  expect(first.status, JSON.stringify(first.body)).toBe(200);
  expect(first.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 0 });
  // A token is scoped to its connection: it does not open the seeded "slack" one.
  expect((await scimUsers(served.scimUrl, 'slack', token)).status).toBe(401);

  // ---- Copy: the clipboard gets the token, and the button says so.
  await panel.getByRole('button', { name: 'Copy token' }).click();
  await expect(panel.getByRole('button', { name: 'Copied token' })).toBeVisible();
  expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).navigator.clipboard.readText())).toBe(token);
  // When the clipboard refuses, the value is selected (and focused) for a manual Ctrl+C instead.
  await page.evaluate(() => {
    const { clipboard } = (globalThis as unknown as BrowserGlobals).navigator;
    Object.defineProperty(clipboard, 'writeText', { configurable: true, value: () => Promise.reject(new Error('denied')) });
  });
  const urlField = panel.getByLabel('SCIM URL');
  await panel.getByRole('button', { name: 'Copy SCIM URL' }).click();
  await expect(panel.getByText(/the SCIM URL is selected, press Ctrl\+C/)).toBeVisible();
  await expect(urlField).toBeFocused();
  const selectedText = await urlField.evaluate((el) => {
    const input = el as unknown as TextInput;
    return input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0);
  });
  expect(selectedText).toBe(scimUrl);

  // ---- Done: the token leaves the DOM and the page's memory, and does not come back.
  const cdp = await context.newCDPSession(page);
  expect(await heapHolds(cdp, token), 'the heap check finds the token while it is shown').toBe(true);
  await panel.getByRole('button', { name: 'Done' }).click();
  await expect(panel).toHaveCount(0);
  await expect(main.getByRole('heading', { level: 2, name: 'SCIM connections' })).toBeFocused();
  expect(await page.content()).not.toContain(token);
  expect(await heapHolds(cdp, token), 'the token is still in the page’s JavaScript heap after Done').toBe(false);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Timeline', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Timeline' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click();
  await expect(main.getByRole('row', { name: /GitHub via Entra/ })).toBeVisible();
  await expect(main.getByText('This token is shown only once.', { exact: false })).toHaveCount(0);
  expect(await page.content()).not.toContain(token);

  // ---- Rotate, from the keyboard. Escape cancels and gives focus back to the button.
  const row = main.getByRole('row', { name: /GitHub via Entra/ });
  const rotate = row.getByRole('button', { name: 'Rotate token of GitHub via Entra' });
  await rotate.focus();
  await page.keyboard.press('Enter');
  let dialog = page.getByRole('dialog', { name: 'Rotate the token of “GitHub via Entra”?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('The current token stops working at once. Continue?');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(rotate).toBeFocused();
  expect((await scimUsers(served.scimUrl, 'github', token)).status).toBe(200); // cancelled: nothing changed

  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Tab'); // Cancel → Rotate token
  await expect(dialog.getByRole('button', { name: 'Rotate token' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  const rotatedPanel = main.getByRole('region', { name: 'New token for “GitHub via Entra”' });
  await expect(rotatedPanel).toBeVisible();
  await expect(rotatedPanel.getByRole('heading', { name: /New token/ })).toBeFocused();
  await expect(rotatedPanel).toContainText('This token is shown only once. Rollcall stores only a hash of it.');
  const newToken = await rotatedPanel.getByLabel('Token', { exact: true }).inputValue();
  expect(newToken).not.toBe(token);
  expect((await scimUsers(served.scimUrl, 'github', token)).status).toBe(401);
  const second = await scimUsers(served.scimUrl, 'github', newToken);
  expect(second.status).toBe(200);
  expect(second.body).toMatchObject({ schemas: [LIST_RESPONSE] });
  await rotatedPanel.getByRole('button', { name: 'Done' }).click();
  await expect(rotatedPanel).toHaveCount(0);
  expect(await page.content()).not.toContain(newToken);
  expect(await heapHolds(cdp, newToken), 'the rotated token is still in the page’s JavaScript heap after Done').toBe(false);

  // ---- Remove: the dialog names the connection; afterwards its token is dead and the row gone.
  await row.getByRole('button', { name: 'Remove GitHub via Entra' }).click();
  dialog = page.getByRole('dialog', { name: 'Remove “GitHub via Entra”?' });
  await expect(dialog).toContainText('its token stops working at once');
  await expect(dialog).toContainText('Its history is kept');
  await dialog.getByRole('button', { name: 'Remove connection' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(main.getByRole('row', { name: /GitHub via Entra/ })).toHaveCount(0);
  await expect(main.getByRole('heading', { level: 2, name: 'SCIM connections' })).toBeFocused();
  expect((await scimUsers(served.scimUrl, 'github', newToken)).status).toBe(401);
  // The seeded connection is untouched.
  await expect(main.getByRole('row', { name: /Slack via Okta/ })).toBeVisible();
  expect(failures).toEqual([]);
});

test('the form explains what is wrong, next to the field and from the server', async ({ page, served }) => {
  // The browser logs the API's 409 answer to the duplicate slug; that refusal is the point here.
  const failures = trackFailures(page, [/status of 409/]);
  await openSources(page, served.dashboardUrl);
  const main = page.getByRole('main');
  const form = main.locator('form.connection-form');
  const name = form.getByLabel('Name');
  const slug = form.getByLabel(/^Slug/);

  // Sent empty: the missing fields are marked, described, and the first one gets focus.
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(name).toBeFocused();
  await expect(name).toHaveAttribute('aria-invalid', 'true');
  await expect(name).toHaveAccessibleDescription(/Enter a name for this connection/);
  await expect(form.getByLabel('App', { exact: true })).toHaveAccessibleDescription(/Enter the app/);
  await expect(slug).not.toHaveAttribute('aria-invalid', 'true');
  await expect(slug).toHaveAccessibleDescription(/lowercase letters, digits and dashes, 1–64 characters/);

  // A bad slug is caught before anything is sent.
  await name.fill('Second Slack');
  await form.getByLabel('App', { exact: true }).fill('Slack');
  await expect(form.getByText('Leave empty to use “slack-2”.')).toBeVisible();
  await slug.fill('Slack Two');
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(slug).toBeFocused();
  await expect(slug).toHaveAttribute('aria-invalid', 'true');
  await expect(slug).toHaveAccessibleDescription(/Not allowed: capital letters, spaces\./);
  await expect(name).not.toHaveAttribute('aria-invalid', 'true');

  // A slug already in use: the core refuses it, the alert says why, and the slug is marked.
  await slug.fill('slack');
  await expect(slug).not.toHaveAttribute('aria-invalid', 'true');
  await form.getByRole('button', { name: 'Add connection' }).click();
  const alert = form.getByRole('alert');
  await expect(alert).toContainText('Could not add the connection');
  await expect(alert).toContainText('The slug "slack" is already used by another connection');
  await expect(slug).toHaveAttribute('aria-invalid', 'true');
  await expect(slug).toBeFocused();
  await expect(main.getByRole('region', { name: /added/ })).toHaveCount(0);
  await expect(main.getByRole('row', { name: /Second Slack/ })).toHaveCount(0);

  // Fixing it clears the mark; leaving the slug empty lets the core pick "slack-2".
  await slug.fill('');
  await expect(slug).not.toHaveAttribute('aria-invalid', 'true');
  // While the call runs (held back here) the button says so, keeps its size and focus, and a
  // second Enter does not send the form again.
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/createConnection', async (route) => {
    await held;
    await route.continue();
  });
  const submit = form.getByRole('button', { name: 'Add connection' });
  const before = await submit.boundingBox();
  await submit.focus();
  await page.keyboard.press('Enter');
  const busy = form.getByRole('button', { name: 'Adding…' });
  await expect(busy).toHaveAttribute('aria-disabled', 'true');
  await expect(busy).toBeFocused();
  expect(await busy.boundingBox()).toEqual(before);
  await page.keyboard.press('Enter');
  await name.press('Enter');
  release();
  const panel = main.getByRole('region', { name: 'Connection “Second Slack” added' });
  await expect(panel.getByLabel('SCIM URL')).toHaveValue(`${served.scimUrl}/slack-2`);
  await expect(form.getByRole('alert')).toHaveCount(0);
  await expect(form.getByRole('button', { name: 'Add connection' })).not.toHaveAttribute('aria-disabled');
  await expect(main.getByRole('row', { name: /Second Slack/ })).toHaveCount(1);
  await page.unroute('**/api/createConnection');
  expect(failures).toEqual([]);
});

test('another window’s change reaches an open Sources page through the push stream', async ({ page, served, context }) => {
  // The API answers 404 to removing a connection that is already gone; the browser logs that.
  const failures = trackFailures(page, [/status of 404/]);
  await openSources(page, served.dashboardUrl);
  const other = await context.newPage();
  await openSources(other, served.dashboardUrl);

  const form = other.getByRole('main').locator('form.connection-form');
  await form.getByLabel('Name').fill('Zoom via OneLogin');
  await form.getByLabel('App', { exact: true }).fill('Zoom');
  await form.getByLabel('Identity provider').selectOption({ label: 'OneLogin' });
  await form.getByRole('button', { name: 'Add connection' }).click();
  await expect(other.getByRole('region', { name: 'Connection “Zoom via OneLogin” added' })).toBeVisible();

  // The first page did nothing: `sources.changed` made it fetch the list again.
  const row = page.getByRole('main').getByRole('row', { name: /Zoom via OneLogin/ });
  await expect(row).toBeVisible({ timeout: 10_000 });
  await expect(row).toContainText('OneLogin');
  // …and it never saw the token, which only the page that asked for it shows.
  await expect(page.getByRole('main').getByRole('region', { name: /added/ })).toHaveCount(0);

  // Both windows open the Remove dialog; the other one removes first.
  await row.getByRole('button', { name: 'Remove Zoom via OneLogin' }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove “Zoom via OneLogin”?' });
  await expect(dialog).toBeVisible();
  await other
    .getByRole('main')
    .getByRole('row', { name: /Zoom via OneLogin/ })
    .getByRole('button', { name: 'Remove Zoom via OneLogin' })
    .click();
  await other.getByRole('dialog').getByRole('button', { name: 'Remove connection' }).click();
  await expect(other.getByRole('dialog')).toHaveCount(0);
  // The first window's list follows (behind its dialog); confirming there now fails, and says why.
  await expect(row).toHaveCount(0, { timeout: 10_000 });
  await dialog.getByRole('button', { name: 'Remove connection' }).click();
  await expect(dialog.getByRole('alert')).toContainText('This connection no longer exists');
  await expect(dialog.getByRole('button', { name: 'Remove connection' })).not.toHaveAttribute('aria-disabled');
  // Escape closes it; the button that opened it is gone, so focus goes to the list's heading.
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 2, name: 'SCIM connections' })).toBeFocused();
  expect(failures).toEqual([]);
});
