/**
 * Exports in a real Chromium against `rollcall serve`: the header's Export dialog downloads the
 * CSV (and its manifest) through the token-guarded route, the file parses back and matches its
 * manifest's SHA-256, the token never appears in a URL; Settings → "Verify event log" checks the
 * chain and says so.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { expect, test } from './fixtures';

test('Export… in the header downloads the event log as CSV with a matching manifest', async ({ page, served }) => {
  const failures: string[] = [];
  page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  await page.goto(served.dashboardUrl);
  await page.getByRole('button', { name: 'Export…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export a compliance report' });
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Report').selectOption('events');
  await dialog.getByLabel('Add a byte-order mark').check();
  // startExport's answer is held back until the export has finished: its last push arrives before
  // the dialog knows the export's id (what a loaded machine does to a small export), and the
  // dialog must still see it done.
  await page.route('**/api/startExport', async (route) => {
    const answer = await route.fetch();
    await page.waitForTimeout(1500);
    await route.fulfill({ response: answer });
  });
  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^rollcall-events-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/);
  const csvPath = await file.path();
  const bytes = fs.readFileSync(csvPath);
  expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  const records = parse(bytes, { bom: true }) as string[][];
  expect(records[0]!.slice(0, 4)).toEqual(['seq', 'occurred_at', 'observed_at', 'type']);
  const types = records.slice(1).map((r) => r[3]);
  expect(types).toEqual(expect.arrayContaining(['user.created', 'group.member_added', 'user.deactivated']));
  await expect(dialog.getByRole('status')).toContainText(`Done: ${records.length - 1} rows`);
  await expect(dialog.getByTestId('export-progress')).toHaveAttribute('value', '100');
  await expect(dialog.getByTestId('export-saved')).toContainText("browser's downloads folder");

  const manifestDownload = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Save manifest' }).click();
  const manifestFile = await manifestDownload;
  expect(manifestFile.suggestedFilename()).toBe(`${file.suggestedFilename()}.manifest.json`);
  const manifest = JSON.parse(fs.readFileSync(await manifestFile.path(), 'utf8')) as {
    sha256: string;
    rows: number;
    event_log: { chain_check: string };
  };
  expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  expect(manifest.rows).toBe(records.length - 1);
  expect(manifest.event_log.chain_check).toBe('passed');
  // The dashboard token travelled in headers only.
  expect(urls.filter((u) => u.includes(served.token) && !u.includes('#token='))).toEqual([]);
  await page.screenshot({ path: 'test-results/screenshots/export-dialog.png' });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  expect(failures).toEqual([]);
});

test('Settings → Verify event log reports an intact chain and its head', async ({ page, served }) => {
  await page.goto(served.dashboardUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings', exact: true }).click();
  const section = page.getByRole('region', { name: 'Event log integrity' });
  await section.getByRole('button', { name: 'Verify event log' }).click();
  await expect(section.getByTestId('verify-result')).toContainText(
    /Event log intact: \d+ events verified\. Chain head: event \d+, [0-9a-f]{64}/,
  );
  await expect(section.getByTestId('verify-result')).toContainText('Database file: OK (quick_check)');
});
