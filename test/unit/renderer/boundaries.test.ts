/// <reference types="vite/client" />
/**
 * The renderer runs in a sandboxed page: it must not import Electron, Node built-ins, the SQLite
 * driver or the main process (a lint rule enforces this too; this test keeps it true without
 * lint). And its index.html must carry the strict CSP. Files are read through Vite's `?raw`
 * imports, so this test needs no Node API either.
 */
import { describe, expect, it } from 'vitest';
import indexHtml from '../../../src/renderer/index.html?raw';

const files = import.meta.glob<string>('../../../src/renderer/src/**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true });

const IMPORT = /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;
const FORBIDDEN =
  /^(?:electron|better-sqlite3)(?:\/|$)|^node:|\.\.\/main(?:\/|$)|src\/main(?:\/|$)|^(?:fs|path|os|child_process|http|https|net|crypto|worker_threads)$/;

describe('renderer boundaries', () => {
  it('finds the renderer sources', () => {
    expect(Object.keys(files).length).toBeGreaterThan(10);
    expect(Object.keys(files).some((f) => f.endsWith('/main.tsx'))).toBe(true);
  });

  it('imports no electron, node:*, better-sqlite3 or src/main', () => {
    const offending: string[] = [];
    for (const [file, text] of Object.entries(files)) {
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2] ?? m[3] ?? '';
        if (FORBIDDEN.test(spec)) offending.push(`${file}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('the checker itself catches forbidden imports', () => {
    for (const spec of ['electron', 'node:fs', 'better-sqlite3', '../../main/core/core', '../../../main', 'fs'])
      expect(FORBIDDEN.test(spec)).toBe(true);
    for (const spec of ['react', '../../shared/client', './store/main-slice', 'zustand/vanilla']) expect(FORBIDDEN.test(spec)).toBe(false);
  });

  it('has the strict CSP, the root element and the module entry in index.html', () => {
    expect(indexHtml).toContain(
      `content="default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'"`,
    );
    expect(indexHtml).toContain('<div id="root"></div>');
    expect(indexHtml).toContain('<script type="module" src="./src/main.tsx"></script>');
    expect(indexHtml).toContain('<title>Rollcall</title>');
    expect(indexHtml).not.toMatch(/<style[\s>]|\sstyle=/);
  });
});
