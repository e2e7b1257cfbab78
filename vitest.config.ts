import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __ROLLCALL_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    // better-sqlite3 is a native addon: run test files in forked processes.
    pool: 'forks',
    env: { TZ: 'UTC' },
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
