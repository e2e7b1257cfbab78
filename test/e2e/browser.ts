import fs from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The Chromium the end-to-end tests drive: $PLAYWRIGHT_CHROMIUM_EXECUTABLE, Debian's
 * /usr/bin/chromium, or a browser Playwright downloaded itself. Fails loudly when there is none.
 */
export function findChromium(): string | undefined {
  const candidates = [process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  return undefined; // Playwright's own download, if present, is used (see playwright.config.ts)
}

export const NO_BROWSER_MESSAGE =
  'No Chromium found for the end-to-end tests. Install one: "apt-get install -y chromium" (Debian/Ubuntu), ' +
  'or "npx playwright install chromium" where downloads are allowed, or set PLAYWRIGHT_CHROMIUM_EXECUTABLE to a Chromium binary.';
