/**
 * Screenshots of every page in the navigation, in the light and the dark theme, kept as test
 * artifacts (test-results/e2e/<test>/ and attached to the report). Each shot also asserts the
 * theme really applied (the page background differs) and that the page rendered its data.
 */
import { expect, test } from './fixtures';

/** Every page of the navigation (src/renderer/src/store/route.ts PAGES), by its title. */
const PAGES = [
  ['dashboard', 'Dashboard'],
  ['timeline', 'Timeline'],
  ['alerts', 'Alerts'],
  ['audit', 'Audit trail'],
  ['seats', 'Seats'],
  ['people', 'People'],
  ['sources', 'Sources'],
  ['settings', 'Settings'],
] as const;

for (const scheme of ['light', 'dark'] as const) {
  test(`every page in the ${scheme} theme`, async ({ page, served }, testInfo) => {
    const failures: string[] = [];
    page.on('pageerror', (e) => failures.push(`pageerror: ${e.message}`));
    await page.setViewportSize({ width: 1366, height: 900 });
    // The default theme preference is "system": the stylesheet follows prefers-color-scheme.
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(served.dashboardUrl);
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [p, title] of PAGES) {
      await nav.getByRole('link', { name: title, exact: true }).click();
      await expect(page.getByRole('heading', { level: 1, name: title })).toBeVisible();
      // Loaded: nothing says it is still loading.
      await expect(
        page
          .getByRole('main')
          .getByRole('status')
          .filter({ hasText: /Loading|Checking/ }),
      ).toHaveCount(0);
      // (Text, so the DOM code is not type-checked against Node's library.)
      const bg = await page.evaluate<string>(
        `[document.body, document.documentElement].map((el) => getComputedStyle(el).backgroundColor).find((c) => c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') ?? 'none'`,
      );
      const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number) as [number, number, number];
      const light = (r + g + b) / 3 > 128;
      expect(light, `${p} background ${bg} in ${scheme}`).toBe(scheme === 'light');
      const file = testInfo.outputPath(`${p}-${scheme}.png`);
      await page.screenshot({ path: file, fullPage: true });
      await testInfo.attach(`${p}-${scheme}`, { path: file, contentType: 'image/png' });
    }
    // The event drawer over the timeline.
    await nav.getByRole('link', { name: 'Timeline', exact: true }).click();
    await page.getByTestId('timeline-row').first().click();
    await expect(page.getByTestId('event-drawer').getByTestId('event-diff')).toBeVisible();
    const drawer = testInfo.outputPath(`timeline-event-${scheme}.png`);
    await page.screenshot({ path: drawer });
    await testInfo.attach(`timeline-event-${scheme}`, { path: drawer, contentType: 'image/png' });
    expect(failures).toEqual([]);
  });
}
