/**
 * Seats (issue #7): app accounts created over real SCIM, roles from a role map set over the API
 * (billed and free, seats purchased), a leaver written into the directory: the chart draws for
 * each range (30, 90, 365 days, kept in the URL) and the idle billed seat is listed with its
 * person and the day they left.
 */
import { analysed, apiCall, expect, leaveDirectory, openPage, scimApp, test, trackFailures } from './seed-pages';

/** A UTC day as the chart's axis writes it: "3 Mar", or "3 Mar 26" on the year-long range. */
function axisDay(ms: number, withYear: boolean): string {
  const d = new Date(ms);
  const month = d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  return `${d.getUTCDate()} ${month}${withYear ? ` ${String(d.getUTCFullYear()).slice(2)}` : ''}`;
}

test('the seat chart renders for a range and idle billed seats are listed with who left when', async ({ page, served, dataDir }) => {
  const failures = trackFailures(page);
  const loom = await scimApp(served, 'Loom');
  await apiCall(served, 'setRoleMap', {
    sourceId: loom.id,
    roles: [
      { name: 'Creator', billed: true, seatsPurchased: 5, mappings: [{ kind: 'group', group: 'Creators' }] },
      { name: 'Viewer', billed: false, mappings: [{ kind: 'group', group: 'Viewers' }] },
    ],
  });
  const ann = await loom.createUser('ann@acme.test', 'Ann Archer');
  const bob = await loom.createUser('bob@acme.test', 'Bob Baker');
  const cy = await loom.createUser('cy@acme.test', 'Cy Cole');
  await loom.createGroup('Creators', [ann, bob]);
  await loom.createGroup('Viewers', [cy]);
  leaveDirectory(dataDir, '00u-bob', 30);
  await analysed(served);

  await openPage(page, served, 'Seats');
  await expect(page.getByRole('heading', { level: 1, name: 'Seats' })).toBeVisible();
  const main = page.getByRole('main');
  const card = main.getByRole('article', { name: 'Loom' });
  await expect(card).toContainText('Today: 3 active (2 billed, 1 free) · 1 idle · 5 purchased');
  const plot = card.getByRole('img', { name: /^Loom:/ });
  await expect(plot).toHaveAttribute(
    'aria-label',
    /Loom: 3 active seats today, 2 billed, 1 free, 1 idle, 5 purchased\. Roles: Creator, Viewer\./,
  );
  // recharts drew the stacked roles, the purchased line and the idle line, with a legend.
  await expect(card.locator('.recharts-area')).toHaveCount(2);
  await expect(card.locator('.recharts-line')).toHaveCount(2);
  await expect(card.locator('.recharts-legend-wrapper')).toContainText('Creator (billed)');
  await expect(card.locator('.recharts-legend-wrapper')).toContainText('Viewer (free)');

  for (const range of [30, 365, 90]) {
    await main.getByRole('button', { name: `${range} days` }).click();
    await expect(main.getByRole('button', { name: `${range} days` })).toHaveAttribute('aria-pressed', 'true');
    await expect(page).toHaveURL(new RegExp(`range=${range}`));
    await expect(card.locator('.recharts-area')).toHaveCount(2);
    // The axis runs from the range's first UTC day to today.
    const ticks = card.locator('.recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value');
    await expect(ticks.first()).toHaveText(axisDay(Date.now() - (range - 1) * 86_400_000, range > 200));
    await expect(ticks.last()).toHaveText(axisDay(Date.now(), range > 200));
  }

  // Bob left 30 h ago and still holds a billed Creator seat; Cy's free seat and Ann's active one are not idle.
  const idle = main.getByRole('table', { name: 'Idle billed seats' });
  await expect(idle.locator('tbody tr')).toHaveCount(1);
  const row = idle.getByRole('row', { name: /Bob Baker/ });
  await expect(row).toContainText('Loom');
  await expect(row).toContainText('Creator');
  await expect(row).toContainText('30 h');
  const left = row.locator('time');
  await expect(left).toHaveAttribute('title', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  await row.getByRole('link', { name: 'Bob Baker' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Bob Baker' })).toBeVisible();
  await expect(main.getByRole('list', { name: 'Status per app' })).toContainText('Loom Active · Creator · still active after they left');

  // Straight to one app and a range, as the dashboard links: an unknown app says so.
  await page.goto(`${served.origin}/#/seats?app=Loom&range=30`);
  await expect(main.getByRole('button', { name: '30 days' })).toHaveAttribute('aria-pressed', 'true');
  await expect(card).toBeVisible();
  await page.goto(`${served.origin}/#/seats?app=Nothing&range=30`);
  await expect(main.getByText('No seats for this app in this range.')).toBeVisible();
  expect(failures).toEqual([]);
});
