import { expect, test } from './fixtures';

const PAGES = [
  { nav: 'Dashboard', heading: 'Dashboard', shows: /High-severity alerts\s*1/ },
  { nav: 'Timeline', heading: 'Timeline', shows: /bob@acme\.test/ },
  { nav: 'Alerts', heading: 'Alerts', shows: /Deprovisioning of bob@acme\.test failed in Slack/ },
  { nav: 'Audit trail', heading: 'Audit trail', shows: /Admins/ },
  { nav: 'Seats', heading: 'Seats', shows: /Slack/ },
  { nav: 'People', heading: 'People', shows: /Ann Archer/ },
  { nav: 'Sources', heading: 'Sources', shows: /Slack via Okta/ },
  { nav: 'Settings', heading: 'Settings', shows: /Theme/ },
] as const;

test('opens the dashboard with its token and shows real data on every page', async ({ page, served }) => {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(`console: ${m.text()}`);
  });

  await page.goto(served.dashboardUrl);
  // The token leaves the visible URL once read.
  await expect(page).not.toHaveURL(/token=/);
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const p of PAGES) {
    await nav.getByRole('link', { name: p.nav, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: p.heading })).toBeVisible();
    await expect(page.getByRole('main')).toContainText(p.shows);
    await expect(nav.getByRole('link', { name: p.nav, exact: true })).toHaveAttribute('aria-current', 'page');
  }
  expect(failures).toEqual([]);
});

test('without a token the page says how to get in, and the API refuses', async ({ page, served }) => {
  await page.goto(`${served.origin}/`);
  await expect(page.getByRole('alert').first()).toContainText(/token/i);
  const r = await page.request.post(`${served.origin}/api/getDashboard`, { data: {} });
  expect(r.status()).toBe(401);
});

test('new events arrive on the timeline live, through the push stream', async ({ page, served, dataDir }) => {
  await page.goto(served.dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Timeline', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Timeline' })).toBeVisible();
  const { Store } = await import('../../src/main/core/store/store');
  const store = Store.open(dataDir);
  store.write(() =>
    store.events.append([
      { type: 'user.created', sourceId: 'c-slack', accountId: 'u9', subject: 'carol.live@acme.test', observedAt: new Date().toISOString() },
    ]),
  );
  store.close();
  await expect(page.getByRole('main')).toContainText('carol.live@acme.test', { timeout: 10_000 });
});

test('the theme setting is applied and persisted', async ({ page, served }) => {
  await page.goto(served.dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('radio', { name: /^Dark/ }).check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});
