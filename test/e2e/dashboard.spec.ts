/**
 * The Dashboard (issue #7) in Chromium against `rollcall serve`: the sources' health with a real
 * refused SCIM request counted, and every number leading to the list behind it.
 */
import { expect, test } from './fixtures';

test('sources show their health; a refused SCIM request is counted and leads to its error', async ({ page, served }) => {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  // An identity provider with a wrong token: the connection's provisioning has silently stopped.
  const refused = await fetch(`${served.scimUrl}/slack/Users`, { headers: { Authorization: 'Bearer not-the-right-token-at-all-000000' } });
  expect(refused.status).toBe(401);

  await page.goto(served.dashboardUrl);
  const health = page.getByTestId('source-health');
  const slack = health.getByRole('row', { name: /Slack via Okta/ });
  await expect(slack).toContainText('Errors in the last 24 h');
  await expect(slack).toContainText('refused (401)');
  await expect(health.getByRole('row', { name: /Acme Okta/ })).toContainText('Never synced');

  await slack.getByRole('link', { name: /^1 error from Slack via Okta/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
  await expect(page).toHaveURL(/#\/sources\?source=c-slack/);
  const errors = page.getByTestId('recent-errors');
  await expect(errors).toContainText('Slack via Okta');
  await expect(errors).toContainText('GET /scim/v2/slack/Users: refused (401)');

  // The source's name leads to its events.
  await page.goBack();
  await page.getByTestId('source-health').getByRole('link', { name: 'Slack via Okta', exact: true }).click();
  await expect(page).toHaveURL(/#\/timeline\?source=c-slack/);
  await expect(page.getByTestId('timeline-row')).toHaveCount(4);
  expect(failures).toEqual([]);
});

test('every card leads to the list behind its number', async ({ page, served }) => {
  await page.goto(served.dashboardUrl);
  const events = page.getByTestId('card-events-24h');
  await expect(events).toContainText('4');
  await events.click();
  await expect(page).toHaveURL(/#\/timeline\?from=/);
  // the seeded events all happened in the last 24 h: the list holds exactly the card's number
  await expect(page.getByTestId('timeline-row')).toHaveCount(4);

  await page.goBack();
  await page.getByTestId('card-alerts-high').click();
  await expect(page).toHaveURL(/#\/alerts\?status=open&severity=high/);
  await expect(page.getByRole('main')).toContainText('Deprovisioning of bob@acme.test failed in Slack');

  await page.goBack();
  await page.getByTestId('card-deprovision-median').click();
  await expect(page).toHaveURL(/#\/timeline\?type=user\.deactivated/);
  await expect(page.getByTestId('timeline-row')).toHaveCount(1);
});
