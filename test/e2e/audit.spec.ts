/**
 * Audit trail (issue #7): group changes sent over real SCIM and the role changes the analysis
 * derives from them (through a role map set over the API) are listed with who, what, gained or
 * lost, source and before/after; picking a person narrows the list to theirs, in the URL.
 */
import { analysed, apiCall, expect, openPage, scimApp, test, trackFailures } from './seed-pages';

test('the audit trail lists role and group changes and filters by person', async ({ page, served }) => {
  const failures = trackFailures(page);
  const slack = await scimApp(served, 'Slack');
  await apiCall(served, 'setRoleMap', {
    sourceId: slack.id,
    roles: [{ name: 'Workspace admin', billed: true, privileged: true, mappings: [{ kind: 'group', group: 'Admins' }] }],
  });
  const ann = await slack.createUser('ann@acme.test', 'Ann Archer');
  const bob = await slack.createUser('bob@acme.test', 'Bob Baker');
  await slack.createGroup('Admins', [ann]);
  const eng = await slack.createGroup('Engineering', []);
  await slack.addMember(eng, bob);
  await analysed(served);

  await openPage(page, served, 'Audit trail');
  await expect(page.getByRole('heading', { level: 1, name: 'Audit trail' })).toBeVisible();
  const main = page.getByRole('main');
  const rows = main.locator('tbody tr');
  await expect(main.getByRole('row').filter({ hasText: 'Gained role Workspace admin' })).toContainText('ann@acme.test');
  await expect(main.getByRole('row').filter({ hasText: 'Added to group Admins' })).toContainText('Slack via Okta');
  await expect(main.getByRole('row').filter({ hasText: 'Added to group Engineering' })).toContainText('bob@acme.test');
  await expect(rows).toHaveCount(3);

  // Filter by person: type, pick from the matches; the URL keeps it.
  await main.getByLabel('Person').fill('Ann');
  await main.getByRole('button', { name: /Ann Archer/ }).click();
  await expect(page).toHaveURL(/#\/audit\?person=\d+/);
  await expect(rows).toHaveCount(2);
  await expect(main).not.toContainText('bob@acme.test');
  await expect(main.locator('.chip')).toContainText('Ann Archer');

  // The page's export opens the dialog preset to this trail and this person.
  const personId = /person=(\d+)/.exec(page.url())![1]!;
  await main.getByRole('button', { name: 'Export CSV…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export a compliance report' });
  await expect(dialog.getByLabel('Report')).toHaveValue('access-changes');
  await expect(dialog.getByLabel('Person id (optional)')).toHaveValue(personId);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  // The kind filter narrows further; a reload keeps both.
  await main.getByRole('combobox', { name: /^Change/ }).selectOption('role');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('Gained role Workspace admin');
  await page.reload();
  await expect(rows).toHaveCount(1);
  await expect(main.getByRole('combobox', { name: /^Change/ })).toHaveValue('role');

  // A range before anything happened: an empty state that says what to do.
  await page.goto(`${served.origin}/#/audit?from=2020-01-01&to=2020-01-31`);
  await expect(main.getByText('No changes match these filters.')).toBeVisible();
  await main.getByRole('link', { name: 'show all role and group changes' }).click();
  await expect(rows).toHaveCount(3);
  expect(failures).toEqual([]);
});
