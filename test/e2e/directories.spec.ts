/**
 * The directories half of the Sources page against a real `rollcall serve` and real fake IdP
 * servers on loopback (test/fakes): directories are added through the form, tested, synced,
 * synced again after a change in the IdP, and removed — and their credentials never come back.
 *
 * Each test has its own data folder (no seed: the directory list starts empty), its own serve and
 * its own fake, closed at the end.
 */
import type { Locator, Page } from '@playwright/test';
import { startServe, type Served } from '../helpers/cli';
import { startFakeGraph, seedGraph, type FakeGraph } from '../fakes/graph';
import { startFakeOkta, type FakeOkta } from '../fakes/okta';
import { expect, test as base } from './fixtures';

/** A sync against a fake on a shared, slow machine: generous, but bounded. */
const SYNC_TIMEOUT = 30_000;
/**
 * `serve` looks for due directories every 30 s from its start, and a directory that never synced
 * is due at once: a test that wants its own "Sync now" to be the baseline must click it before
 * that first look (checked, so a slow run fails with this reason instead of a confusing one).
 */
const SCHEDULER_FIRST_TICK_MS = 30_000;

const OKTA_TOKEN = '00Rollcall-e2e-okta-SSWS-token-9f3b2c71d4e8a6';
const GRAPH_SECRET = 'Rollcall~e2e.graph.client.secret-5b7e1a9c';

interface App extends Served {
  startedAt: number;
}

const test = base.extend<{ app: App; okta: FakeOkta; graph: FakeGraph }>({
  app: async ({ dataDir }, use) => {
    const served = await startServe(dataDir);
    await use({ ...served, startedAt: Date.now() });
    await served.stop();
  },
  // eslint-disable-next-line no-empty-pattern
  okta: async ({}, use) => {
    const okta = await startFakeOkta({ apiToken: OKTA_TOKEN });
    okta.seed({
      users: [
        { id: '00u1ann000000000001', profile: { login: 'ann@acme.test', email: 'ann@acme.test', firstName: 'Ann', lastName: 'Archer' } },
        { id: '00u1bob000000000002', profile: { login: 'bob@acme.test', email: 'bob@acme.test', firstName: 'Bob', lastName: 'Baker' } },
        { id: '00u1cat000000000003', profile: { login: 'cat@acme.test', email: 'cat@acme.test', firstName: 'Cat', lastName: 'Cole' } },
      ],
      groups: [
        { id: '00g1eng000000000001', profile: { name: 'Engineering' } },
        { id: '00g1adm000000000002', profile: { name: 'Admins' } },
      ],
      memberships: [
        ['00g1eng000000000001', '00u1ann000000000001'],
        ['00g1eng000000000001', '00u1bob000000000002'],
        ['00g1adm000000000002', '00u1ann000000000001'],
      ],
    });
    await use(okta);
    await okta.close();
  },
  // eslint-disable-next-line no-empty-pattern
  graph: async ({}, use) => {
    const graph = await startFakeGraph({
      directory: seedGraph({ users: 12, groups: 3, memberships: 10, seed: 5 }),
      clientSecret: GRAPH_SECRET,
    });
    await use(graph);
    await graph.close();
  },
});

test.describe.configure({ timeout: 120_000 });

/** Collects script errors and console errors (an expected refusal by the API is passed in as allowed). */
function trackFailures(page: Page, allowed: RegExp[] = []): string[] {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !allowed.some((a) => a.test(m.text()))) failures.push(`console: ${m.text()}`);
  });
  return failures;
}

async function openSources(page: Page, app: Served): Promise<void> {
  await page.goto(app.dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: 'Directories' })).toBeVisible();
}

function directoryForm(page: Page): Locator {
  return page.getByRole('main').locator('form.directory-form');
}

function directoryRow(page: Page, name: string): Locator {
  return page
    .getByRole('main')
    .getByRole('row')
    .filter({ has: page.getByRole('button', { name: `Remove ${name}`, exact: true }) });
}

/** Fills the Okta form (API token) and sends it; waits for the confirmation. */
async function addOkta(page: Page, name: string, url: string, token: string): Promise<void> {
  const form = directoryForm(page);
  await form.getByRole('radio', { name: 'Okta', exact: true }).check();
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('Okta org URL').fill(url);
  await expect(form.getByRole('radio', { name: 'API token (SSWS)' })).toBeChecked();
  await form.getByLabel('API token', { exact: true }).fill(token);
  await form.getByRole('button', { name: 'Add directory' }).click();
  await expect(form.getByRole('status')).toContainText(`Directory “${name}” added.`);
}

/**
 * Clicks a directory's first "Sync now", after checking that serve's scheduler has not had its
 * first look yet (otherwise it may already be syncing the new directory on its own).
 */
async function firstSyncNow(app: App, button: Locator): Promise<void> {
  expect(Date.now() - app.startedAt, 'the first Sync now must come before serve’s scheduler first looks for due directories').toBeLessThan(
    SCHEDULER_FIRST_TICK_MS - 3_000,
  );
  await button.click();
}

/** The Last sync cell of a directory's row. */
function lastSyncCell(row: Locator): Locator {
  return row.locator('td.directory-table__sync');
}

/** Chooses a theme on the Settings page and comes back to Sources. */
async function useTheme(page: Page, theme: 'Light' | 'Dark'): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('radio', { name: new RegExp(`^${theme}`) }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', theme.toLowerCase());
  await nav.getByRole('link', { name: 'Sources', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
}

test('Okta with an API token: add, test, baseline sync, a suspension becomes an event on the timeline', async ({ page, app, okta }) => {
  const failures = trackFailures(page);
  await openSources(page, app);
  const main = page.getByRole('main');
  await expect(main.getByText('No directories yet.')).toBeVisible();

  // ---- Add through the form: the org URL is the fake's http://127.0.0.1 address (allowed for loopback).
  await addOkta(page, 'Acme Okta', okta.url, OKTA_TOKEN);
  const row = directoryRow(page, 'Acme Okta');
  await expect(row).toBeVisible();
  await expect(row.getByRole('rowheader')).toContainText('Acme Okta');
  await expect(row.getByRole('rowheader')).toContainText(`${new URL(okta.url).host} · API token`);
  await expect(row).toContainText('Okta');
  await expect(lastSyncCell(row)).toContainText('Never synced');
  await expect(row).toContainText('Every 15 min');
  await expect(main.getByText('No directories yet.')).toHaveCount(0);

  // ---- Test connection: the fake answers with the token, the row says so.
  await row.getByRole('button', { name: 'Test connection of Acme Okta' }).click();
  await expect(row.locator('.row-note')).toContainText(
    `Connection works: Okta ${new URL(okta.url).host}: users and System Log readable (API token)`,
    { timeout: SYNC_TIMEOUT },
  );

  // ---- Sync now: the membership pages are slowed down so the progress bar can be seen.
  okta.server.fail({ match: /^GET \/api\/v1\/groups\/[^/]+\/users$/, delayMs: 2_500, times: 2 });
  await firstSyncNow(app, row.getByRole('button', { name: 'Sync now Acme Okta' }));
  const bar = row.getByRole('progressbar', { name: 'Sync of Acme Okta' });
  await expect(bar).toBeVisible();
  await expect(row.getByRole('button', { name: 'Syncing…' })).toHaveAttribute('aria-disabled', 'true');
  await expect(bar).toHaveAttribute('aria-valuetext', /\d+ users · \d+ groups · \d+ memberships/);
  await expect(row).toContainText('After this sync');

  const cell = lastSyncCell(row);
  await expect(cell).toContainText('Succeeded', { timeout: SYNC_TIMEOUT });
  await expect(bar).toHaveCount(0);
  await expect(cell).toContainText('Started here');
  await expect(cell).toContainText('3 users · 2 groups · 3 memberships · baseline recorded');
  await expect(row.getByRole('button', { name: 'Sync now Acme Okta' })).not.toHaveAttribute('aria-disabled');
  // The next scheduled sync is shown as a time, no longer "Not scheduled" or "After this sync".
  await expect(row.locator('td').nth(2).locator('time')).toBeVisible();

  // ---- The IdP changes: Bob is suspended (the fake writes the System Log event Okta would).
  okta.suspend('00u1bob000000000002');
  await row.getByRole('button', { name: 'Sync now Acme Okta' }).click();
  // The delta read Bob again and nothing else ("1 user", not "1 users").
  await expect(cell).toContainText('1 user · 0 groups · 0 memberships · 1 change', { timeout: SYNC_TIMEOUT });
  await expect(cell).toContainText('Succeeded');
  await expect(cell).not.toContainText('baseline recorded');

  // ---- Screenshots of the Sources page with a synced directory, light and dark.
  await useTheme(page, 'Light');
  await expect(lastSyncCell(directoryRow(page, 'Acme Okta'))).toContainText('1 change');
  await page.screenshot({ path: 'test-results/screenshots/sources-directories-light.png', fullPage: true });
  await useTheme(page, 'Dark');
  await expect(lastSyncCell(directoryRow(page, 'Acme Okta'))).toContainText('1 change');
  await page.screenshot({ path: 'test-results/screenshots/sources-directories-dark.png', fullPage: true });

  // ---- The timeline shows the suspension as user.deactivated, from this directory, and nothing from the baseline.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Timeline', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Timeline' })).toBeVisible();
  const events = main.getByRole('row').filter({ hasText: 'Acme Okta' });
  const deactivated = events.filter({ hasText: 'User deactivated' });
  await expect(deactivated).toHaveCount(1, { timeout: 10_000 });
  await expect(deactivated).toContainText('bob@acme.test');
  await expect(events).toHaveCount(1);

  // The same event through the type filter (the select's value is the event type).
  await main.getByRole('combobox', { name: 'Type' }).selectOption('user.deactivated');
  await expect(main.getByRole('row').filter({ hasText: 'bob@acme.test' })).toHaveCount(1);
  expect(failures).toEqual([]);
});

test('Microsoft Entra ID with a client secret against the fake Graph: add, test, sync', async ({ page, app, graph }) => {
  const failures = trackFailures(page);
  await openSources(page, app);
  const form = directoryForm(page);

  await form.getByRole('radio', { name: 'Microsoft Entra ID' }).check();
  await form.getByLabel('Name', { exact: true }).fill('Contoso Entra');
  await form.getByLabel('Tenant ID').fill(graph.tenantId);
  await form.getByLabel('Application (client) ID').fill(graph.clientId);
  await expect(form.getByRole('radio', { name: 'Client secret' })).toBeChecked();
  await form.getByLabel('Client secret value').fill(GRAPH_SECRET);
  // The national-cloud endpoints point at the fake (one server for sign-in and Graph).
  await form.getByText('National clouds (advanced)').click();
  await form.getByLabel('Authority URL').fill(graph.url);
  await form.getByLabel('Graph URL').fill(graph.url);
  await form.getByRole('button', { name: 'Add directory' }).click();
  await expect(form.getByRole('status')).toContainText('Directory “Contoso Entra” added.');

  const row = directoryRow(page, 'Contoso Entra');
  await expect(row).toContainText('Microsoft Entra ID');
  await expect(row.getByRole('rowheader')).toContainText(`Tenant ${graph.tenantId} · client secret`);

  await row.getByRole('button', { name: 'Test connection of Contoso Entra' }).click();
  await expect(row.locator('.row-note')).toContainText(`Connection works: Entra tenant ${graph.tenantId}: users and groups readable`, {
    timeout: SYNC_TIMEOUT,
  });

  await firstSyncNow(app, row.getByRole('button', { name: 'Sync now Contoso Entra' }));
  const cell = lastSyncCell(row);
  await expect(cell).toContainText('Succeeded', { timeout: SYNC_TIMEOUT });
  await expect(cell).toContainText('Started here');
  const { users, groups, memberships } = graph.directory.counts;
  await expect(cell).toContainText(`${users} users · ${groups} groups · ${memberships} memberships`);
  // The fake saw a client-credentials grant and authorised Graph calls.
  expect(graph.tokensIssued).toBeGreaterThan(0);
  expect(graph.server.log.some((r) => r.path.startsWith('/v1.0/users/delta') && r.authorized)).toBe(true);
  expect(await page.content()).not.toContain(GRAPH_SECRET);
  expect(failures).toEqual([]);
});

test('errors: a wrong token fails the test and the sync with the reason; a missing field never reaches the server; the token is never shown', async ({
  page,
  app,
  okta,
}) => {
  const failures = trackFailures(page);
  const createCalls: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/createDirectory')) createCalls.push(r.method());
  });
  const listed: string[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('/api/listSources')) void r.text().then((t) => listed.push(t));
  });
  await openSources(page, app);
  const form = directoryForm(page);

  // ---- A missing field: marked and described next to the field, focused, and nothing is sent.
  await form.getByLabel('Name', { exact: true }).fill('Wrong Okta');
  await form.getByLabel('Okta org URL').fill(okta.url);
  const tokenField = form.getByLabel('API token', { exact: true });
  await form.getByRole('button', { name: 'Add directory' }).click();
  await expect(tokenField).toBeFocused();
  await expect(tokenField).toHaveAttribute('aria-invalid', 'true');
  await expect(tokenField).toHaveAccessibleDescription(/Paste an API token \(Security → API → Tokens in the Okta Admin Console\)\./);
  await expect(form.getByLabel('Okta org URL')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByRole('status')).not.toContainText('added');
  expect(createCalls).toEqual([]);

  // ---- An optional number out of range is caught the same way (and may be left empty).
  const concurrency = form.getByLabel('Groups listed at once');
  await expect(concurrency).toHaveAccessibleDescription(/How many groups’ members a full sync lists at once \(1–16; empty: 4\)/);
  await concurrency.fill('40');
  await tokenField.fill('placeholder-token-not-sent-0000');
  await form.getByRole('button', { name: 'Add directory' }).click();
  await expect(concurrency).toBeFocused();
  await expect(concurrency).toHaveAttribute('aria-invalid', 'true');
  await expect(concurrency).toHaveAccessibleDescription(/Enter a whole number from 1 to 16, or leave it empty for 4\./);
  expect(createCalls).toEqual([]);
  await concurrency.fill('2');
  await expect(concurrency).not.toHaveAttribute('aria-invalid', 'true');
  await tokenField.fill('');

  // ---- A wrong token is accepted by the form (it cannot know), then refused by the IdP.
  const wrong = 'Rollcall-e2e-WRONG-okta-token-0c4d5e6f7a8b';
  await tokenField.fill(wrong);
  await expect(tokenField).not.toHaveAttribute('aria-invalid', 'true');
  const created = page.waitForResponse((r) => r.url().endsWith('/api/createDirectory'));
  await form.getByRole('button', { name: 'Add directory' }).click();
  const createdText = await (await created).text();
  await expect(form.getByRole('status')).toContainText('Directory “Wrong Okta” added.');
  expect(createCalls).toEqual(['POST']);
  // The form forgot the token.
  await expect(tokenField).toHaveValue('');

  const row = directoryRow(page, 'Wrong Okta');
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Test connection of Wrong Okta' }).click();
  const note = row.locator('.row-note');
  await expect(note).toContainText('Connection failed:', { timeout: SYNC_TIMEOUT });
  await expect(note).toContainText('credentials rejected');
  await expect(note.locator('.row-note__text--error')).toBeVisible();

  await firstSyncNow(app, row.getByRole('button', { name: 'Sync now Wrong Okta' }));
  const cell = lastSyncCell(row);
  await expect(cell).toContainText('Failed', { timeout: SYNC_TIMEOUT });
  await expect(cell).toContainText('Started here');
  await expect(cell.locator('.sync-result__error')).toContainText('credentials rejected');
  await expect(cell).not.toContainText('users ·');
  // The fake was asked with the wrong token and gave nothing away.
  expect(okta.server.log.length).toBeGreaterThan(0);
  expect(okta.server.log.every((r) => r.authorized)).toBe(true);

  // ---- The token never reaches the page or the API's answers (checked on a fresh list too).
  await page.reload();
  await expect(directoryRow(page, 'Wrong Okta')).toBeVisible();
  await expect.poll(() => listed.length).toBeGreaterThan(1);
  for (const text of [...listed, createdText]) {
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(OKTA_TOKEN);
  }
  expect(listed.some((t) => t.includes('Wrong Okta'))).toBe(true);
  const html = await page.content();
  expect(html).not.toContain(wrong);
  expect(html).not.toContain(OKTA_TOKEN);
  // The API's refusals of the wrong token are results, not page errors.
  expect(failures).toEqual([]);
});

test('remove a directory through the confirm dialog', async ({ page, app, okta }) => {
  const failures = trackFailures(page);
  await openSources(page, app);
  await addOkta(page, 'Acme Okta', okta.url, OKTA_TOKEN);
  const row = directoryRow(page, 'Acme Okta');
  await expect(row).toBeVisible();

  // Cancel first: nothing happens and focus goes back to the button.
  const remove = row.getByRole('button', { name: 'Remove Acme Okta' });
  await remove.click();
  const dialog = page.getByRole('dialog', { name: 'Remove “Acme Okta”?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Rollcall stops polling Okta for “Acme Okta” and forgets its credentials at once.');
  await expect(dialog).toContainText('Its history is kept');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(remove).toBeFocused();
  await expect(row).toBeVisible();

  await remove.click();
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Remove directory' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 2, name: 'Directories' })).toBeFocused();
  await expect(page.getByRole('main').getByText('No directories yet.')).toBeVisible();
  // It stays gone after a reload (the core removed it, not only the page).
  await page.reload();
  await expect(page.getByRole('heading', { level: 2, name: 'Directories' })).toBeVisible();
  await expect(page.getByRole('main').getByText('No directories yet.')).toBeVisible();
  expect(failures).toEqual([]);
});
