/**
 * Alerts (issue #7): an offboarding gap raised by the real analysis — a person left the directory
 * six hours ago while their Slack account (created over real SCIM) is still active — shows up on
 * Alerts with its SLA and in the dashboard count, is selected with the keyboard, and resolved with
 * a note; its detail shows the evidence event, the note and who resolved it.
 */
import { analysed, expect, leaveDirectory, openPage, scimApp, test, trackFailures } from './seed-pages';

test('an offboarding gap appears on Alerts and in the dashboard count and is resolved with a note', async ({ page, served, dataDir }) => {
  const failures = trackFailures(page);
  const slack = await scimApp(served, 'Slack');
  await slack.createUser('ann@acme.test', 'Ann Archer');
  await slack.createUser('bob@acme.test', 'Bob Baker');
  await analysed(served);

  await openPage(page, served, 'Alerts');
  await expect(page.getByRole('heading', { level: 1, name: 'Alerts' })).toBeVisible();
  await expect(page.getByText('Nothing needs a look right now.')).toBeVisible();

  // Ann and Bob leave the directory (6 h and 5 h ago): past the 4 h SLA at once. The list updates by push.
  leaveDirectory(dataDir, '00u-ann', 6);
  leaveDirectory(dataDir, '00u-bob', 5);
  const main = page.getByRole('main');
  const annRow = main.getByRole('row', { name: /Ann Archer left 6 h ago and is still active in Slack/ });
  const bobRow = main.getByRole('row', { name: /Bob Baker left 5 h ago and is still active in Slack/ });
  await expect(annRow).toBeVisible({ timeout: 20_000 });
  await expect(bobRow).toBeVisible({ timeout: 20_000 });
  await expect(annRow).toContainText('High');
  await expect(annRow).toContainText('Offboarding gap');
  await expect(annRow).toContainText('4 h SLA, 2 h over');
  await expect(bobRow).toContainText('4 h SLA, 1 h over');

  // The dashboard counts both; its number leads back to the alerts.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
  await expect(page.getByRole('main')).toContainText(/High-severity alerts\s*2/);
  await page.goto(`${served.origin}/#/alerts?severity=high&rule=offboarding_gap`);
  await expect(page.getByLabel('Severity')).toHaveValue('high');
  await expect(page.getByLabel('Rule')).toHaveValue('offboarding_gap');
  await expect(annRow).toBeVisible();

  // Keyboard: Space selects the first row, Shift+ArrowDown extends to the next, Escape clears, Ctrl+A selects all.
  await main.locator('tbody tr').first().getByRole('checkbox').focus();
  await page.keyboard.press('Space');
  await expect(main.getByText('1 alert selected')).toBeVisible();
  await page.keyboard.press('Shift+ArrowDown');
  await expect(main.getByText('2 alerts selected')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(main.getByText('No alerts selected')).toBeVisible();
  await page.keyboard.press('Control+a');
  await expect(main.getByText('2 alerts selected')).toBeVisible();

  // Bulk acknowledge both, with a note, through the dialog.
  await main.getByRole('button', { name: 'Acknowledge (2)' }).click();
  const ack = page.getByRole('dialog', { name: 'Acknowledge 2 alerts' });
  await ack.getByLabel('Note (optional)').fill('Asked IT to remove both Slack accounts.');
  await ack.getByLabel(/Your name/).fill('Erin Security');
  await ack.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(ack).toHaveCount(0);
  await expect(main.getByRole('status').filter({ hasText: '2 alerts acknowledged.' })).toBeVisible();
  await expect(annRow).toContainText('Acknowledged');
  await expect(bobRow).toContainText('Acknowledged');

  // Resolve Ann's alone with a note.
  await annRow.getByRole('checkbox').check();
  await main.getByRole('button', { name: 'Resolve (1)' }).click();
  const resolve = page.getByRole('dialog', { name: 'Resolve 1 alert' });
  await expect(resolve.getByLabel(/Your name/)).toHaveValue('Erin Security');
  await resolve.getByLabel('Note (optional)').fill('Slack account removed by hand (ticket IT-4711).');
  await resolve.getByRole('button', { name: 'Resolve' }).click();
  await expect(resolve).toHaveCount(0);
  await expect(main.getByRole('status').filter({ hasText: '1 alert resolved.' })).toBeVisible();
  await expect(annRow).toHaveCount(0); // resolved: off the triage list
  await expect(bobRow).toBeVisible();

  // Among the resolved: who, when, the notes and the evidence.
  await page.getByLabel('Status').selectOption('resolved');
  await expect(page).toHaveURL(/status=resolved/);
  await expect(annRow).toContainText('Resolved');
  await annRow.getByRole('button', { name: /Show details of alert/ }).click();
  const detail = main.locator('.alert-detail');
  await expect(detail).toContainText('by Erin Security');
  await expect(detail).toContainText('Slack account removed by hand (ticket IT-4711).');
  await expect(detail).toContainText('Asked IT to remove both Slack accounts.');
  await expect(detail.getByRole('listitem').filter({ hasText: 'User deactivated' })).toContainText('Acme Okta');
  await expect(detail).toContainText('it-admin@acme.test');

  // One high alert left on the dashboard.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard', exact: true }).click();
  await expect(page.getByRole('main')).toContainText(/High-severity alerts\s*1/);
  expect(failures).toEqual([]);
});
