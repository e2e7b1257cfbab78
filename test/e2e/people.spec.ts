/**
 * People (issue #7): a person's page joins their directory account (Acme Okta) and their app
 * account created over real SCIM (Slack) into one person, with status per app, groups and their
 * own events; an account is unlinked and linked back by hand.
 */
import { analysed, expect, openPage, scimApp, test, trackFailures } from './seed-pages';

test('a person page joins accounts from two sources, and accounts can be unlinked and linked back', async ({ page, served }) => {
  const failures = trackFailures(page);
  const slack = await scimApp(served, 'Slack');
  const ann = await slack.createUser('ann@acme.test', 'Ann Archer');
  await slack.createGroup('Design', [ann]);
  await analysed(served);

  await openPage(page, served, 'People');
  const main = page.getByRole('main');
  await main.getByLabel('Search people').fill('ann');
  await expect(page).toHaveURL(/q=ann/);
  await expect(main.locator('tbody tr')).toHaveCount(1);
  await main.getByRole('link', { name: 'Ann Archer', exact: true }).click();
  await expect(page).toHaveURL(/#\/people\/\d+$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Ann Archer' })).toBeVisible();

  const accounts = main.getByRole('table', { name: /^Accounts/ });
  await expect(main.getByRole('heading', { name: 'Accounts (2) in 1 directory and 1 app' })).toBeVisible();
  await expect(accounts.getByRole('row', { name: /Acme Okta \(directory\)/ })).toContainText('Active');
  const slackRow = accounts.getByRole('row', { name: /^Slack/ });
  await expect(slackRow).toContainText('ann@acme.test');
  await expect(slackRow).toContainText('Design');
  await expect(main.getByRole('list', { name: 'Status per app' })).toContainText('Slack Active');

  // Their own events, newest first, from both sources; the full timeline is linked.
  const events = main.getByRole('table', { name: 'Their events' });
  await expect(events.getByRole('row').filter({ hasText: 'Acme Okta' })).toContainText('User created');
  await expect(events.getByRole('row').filter({ hasText: 'Slack via Okta' }).first()).toBeVisible();
  await expect(main.getByRole('link', { name: 'Full timeline' })).toHaveAttribute('href', /#\/timeline\?person=\d+/);

  // Unlink the Slack account: it becomes someone else's.
  await slackRow.getByRole('button', { name: /^Unlink ann@acme.test in Slack via Okta/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Unlink ann@acme.test?' });
  await dialog.getByRole('button', { name: 'Unlink' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(main.getByRole('status').filter({ hasText: 'is no longer Ann Archer’s' })).toBeVisible();
  await expect(main.getByRole('heading', { name: 'Accounts (1) in 1 directory and 0 apps' })).toBeVisible();

  // Link it back: find the person it belongs to now, pick the account.
  await main.getByText('Link another account to this person').click();
  await main.getByLabel('Account now belongs to').fill('ann');
  // One match: the Slack account's new person (named from the account: Ann Archer too); this page's person is left out.
  const matches = main.getByRole('list', { name: 'Matching people' }).getByRole('button');
  await expect(matches).toHaveCount(1);
  await matches.click();
  await main.getByRole('combobox', { name: /^Account of/ }).selectOption({ label: 'ann@acme.test — Slack via Okta' });
  await main.getByRole('button', { name: 'Link account' }).click();
  await expect(main.getByRole('status').filter({ hasText: 'is now linked to this person' })).toBeVisible();
  await expect(main.getByRole('heading', { name: 'Accounts (2) in 1 directory and 1 app' })).toBeVisible();
  await expect(accounts.getByRole('row', { name: /^Slack/ })).toContainText('Linked by hand');
  expect(failures).toEqual([]);
});
