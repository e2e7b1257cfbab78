/**
 * The Timeline (issue #7) in Chromium against `rollcall serve`: a SCIM deactivate sent to a
 * connection shows up live; its detail shows the diff and the recorded request and response; live
 * events never move what a scrolled-down reader sees (the "new events" pill); filters live in the
 * URL; the list is keyboard navigable.
 */
import type { Page } from '@playwright/test';
import { Store } from '../../src/main/core/store/store';
import type { NewEvent } from '../../src/main/core/store/events';
import { runRollcall } from '../helpers/cli';
import { expect, test } from './fixtures';

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function watchErrors(page: Page): string[] {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });
  return failures;
}

async function openTimeline(page: Page, dashboardUrl: string): Promise<void> {
  await page.goto(dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Timeline', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Timeline' })).toBeVisible();
  await expect(page.getByTestId('timeline-row').first()).toBeVisible();
}

function appendEvents(dataDir: string, events: NewEvent[]): void {
  const store = Store.open(dataDir);
  try {
    store.write(() => store.events.append(events));
  } finally {
    store.close();
  }
}

test('a SCIM deactivate sent to a connection shows up live, with its diff and the recorded request', async ({ page, served, dataDir }) => {
  const failures = watchErrors(page);
  const added = await runRollcall([
    'connections',
    'add',
    '--data-dir',
    dataDir,
    '--name',
    'Loom via Okta',
    '--app',
    'Loom',
    '--idp',
    'okta',
    '--json',
  ]);
  expect(added.code, added.stderr).toBe(0);
  const { slug, token } = JSON.parse(added.stdout) as { slug: string; token: string };
  const base = `${served.scimUrl}/${slug}`;
  const scim = (method: string, path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
  const created = await scim('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: 'erin.live@acme.test',
    active: true,
    password: 'Pa55-secret!',
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };

  await openTimeline(page, served.dashboardUrl);
  const rows = page.getByTestId('timeline-row');
  await expect(rows.first()).toContainText('erin.live@acme.test');
  const firstBefore = await rows.first().getAttribute('data-seq');

  // The deactivate arrives while the page is open (scrolled to the top: it goes in front).
  const off = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
  expect(off.status).toBe(200);
  await expect(rows.first()).toContainText('User deactivated', { timeout: 10_000 });
  await expect(rows.first()).toContainText('erin.live@acme.test');
  await expect(rows.first()).toContainText('Loom via Okta');
  expect(Number(await rows.first().getAttribute('data-seq'))).toBeGreaterThan(Number(firstBefore));
  await expect(page.getByTestId('new-events')).toHaveCount(0);

  // Its detail: the diff and the PATCH as recorded; the event is in the URL.
  await rows.first().click();
  const drawer = page.getByRole('dialog', { name: /User deactivated: erin\.live@acme\.test/ });
  await expect(drawer).toBeVisible();
  await expect(page).toHaveURL(/#\/timeline\?event=\d+/);
  const diff = drawer.getByTestId('event-diff');
  await expect(diff.getByRole('row', { name: /active/ })).toContainText('true');
  await expect(diff.getByRole('row', { name: /active/ })).toContainText('false');
  const exchange = drawer.getByTestId('event-exchange');
  await expect(exchange).toContainText(`PATCH /scim/v2/${slug}/Users/${id}`);
  await expect(exchange).toContainText('→ 200');
  await expect(exchange.getByLabel('Request body')).toContainText('"replace"');
  await expect(exchange.getByLabel('Response body')).toContainText('erin.live@acme.test');

  // The creation's recorded request has its password redacted.
  await page.keyboard.press('Escape');
  await expect(drawer).toHaveCount(0);
  await expect(rows.first().getByRole('button')).toBeFocused();
  await rows.nth(1).click();
  const createdDrawer = page.getByRole('dialog', { name: /User created: erin\.live@acme\.test/ });
  await expect(createdDrawer.getByLabel('Request body')).toContainText('[redacted]');
  await expect(createdDrawer.getByLabel('Request body')).not.toContainText('Pa55-secret!');
  expect(await page.content()).not.toContain(token);
  expect(failures).toEqual([]);
});

test('scrolled down, live events wait in a pill and nothing moves; the pill shows them', async ({ page, served, dataDir }) => {
  const failures = watchErrors(page);
  const t0 = Date.now() - 3_600_000;
  appendEvents(
    dataDir,
    Array.from({ length: 400 }, (_, i) => ({
      type: 'user.updated' as const,
      sourceId: 'c-slack',
      accountId: `bulk${i}`,
      subject: `bulk${i}@acme.test`,
      observedAt: new Date(t0 + i * 1000).toISOString(),
      before: { title: 'A' },
      after: { title: 'B' },
    })),
  );
  await openTimeline(page, served.dashboardUrl);
  const scroller = page.getByTestId('timeline-scroll');
  // Infinite paging: scrolling to the end of the first page fetches the next ones.
  // (The first page holds 100 rows; row 150, bulk249, exists only once the next page came.)
  const target = page.getByTestId('timeline-row').filter({ hasText: 'bulk249@acme.test' });
  await expect
    .poll(async () => {
      await scroller.evaluate((el) => (el.scrollTop = 150 * 40));
      return target.isVisible();
    })
    .toBe(true);
  await expect(page.getByTestId('timeline-row').first()).not.toContainText('bulk399');
  const top = await scroller.evaluate((el) => el.scrollTop);
  expect(top).toBe(150 * 40);
  const firstShown = await target.boundingBox();

  appendEvents(dataDir, [
    { type: 'user.created', sourceId: 'c-slack', accountId: 'n1', subject: 'new.one@acme.test', observedAt: new Date().toISOString() },
    { type: 'user.created', sourceId: 'c-slack', accountId: 'n2', subject: 'new.two@acme.test', observedAt: new Date().toISOString() },
  ]);
  const pill = page.getByRole('button', { name: /2 new events/ });
  await expect(pill).toBeVisible({ timeout: 10_000 });
  // Nothing moved under the reader.
  expect(await scroller.evaluate((el) => el.scrollTop)).toBe(top);
  expect(await target.boundingBox()).toEqual(firstShown);
  await expect(page.getByText('new.one@acme.test')).toHaveCount(0);

  await pill.click();
  await expect(pill).toHaveCount(0);
  await expect(page.getByTestId('timeline-row').first()).toContainText('new.two@acme.test');
  await expect(page.getByTestId('timeline-row').nth(1)).toContainText('new.one@acme.test');
  expect(await scroller.evaluate((el) => el.scrollTop)).toBe(0);
  expect(failures).toEqual([]);
});

test('filters are kept in the URL and survive a reload; the keyboard moves through rows', async ({ page, served }) => {
  const failures = watchErrors(page);
  await openTimeline(page, served.dashboardUrl);
  const filters = page.getByRole('group', { name: 'Filters' });
  await filters.getByRole('combobox', { name: /^Type/ }).selectOption('user.deactivated');
  await expect(page).toHaveURL(/type=user\.deactivated/);
  const rows = page.getByTestId('timeline-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('bob@acme.test');

  await page.reload();
  await expect(page.getByRole('group', { name: 'Filters' }).getByRole('combobox', { name: /^Type/ })).toHaveValue('user.deactivated');
  await expect(page.getByTestId('timeline-row')).toHaveCount(1);

  // A range that ends before anything happened: empty, and says what to do.
  await page.getByRole('group', { name: 'Filters' }).getByLabel('To', { exact: true }).fill('2020-01-31');
  await expect(page).toHaveURL(/to=2020-01-31/);
  await expect(page.getByText('No events match these filters.')).toBeVisible();
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/#\/timeline$/);
  await expect(page.getByTestId('timeline-row')).toHaveCount(4);

  // Keyboard: Arrow keys move between rows, Enter opens, Escape closes and returns focus.
  await page.getByTestId('timeline-row').first().getByRole('button').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('timeline-row').nth(1).getByRole('button')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('event-drawer')).toBeVisible();
  await expect(page.getByTestId('event-drawer').getByRole('heading', { level: 2 })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('event-drawer')).toHaveCount(0);
  await expect(page.getByTestId('timeline-row').nth(1).getByRole('button')).toBeFocused();
  expect(failures).toEqual([]);
});
