import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __ROLLCALL_VERSION__: JSON.stringify(pkg.version) };

export default defineConfig({
  main: {
    define,
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // Three programs share one build: the Electron main process, the core's utility process
        // and the `rollcall` CLI. Only index.ts imports electron.
        input: {
          index: resolve('src/main/index.ts'),
          'core-process': resolve('src/main/core-process.ts'),
          cli: resolve('src/main/cli.ts'),
          // A directory sync's own thread (src/main/directories/worker.ts starts it).
          'directory-sync': resolve('src/main/directories/worker-entry.ts'),
          // The analyzer's own thread (src/main/analysis/worker.ts starts it).
          'analysis-worker': resolve('src/main/analysis/worker-entry.ts'),
          // Exports (issue #8): the event-log chain check's own thread (src/main/core/exports/verify-worker.ts).
          'chain-verify': resolve('src/main/core/exports/verify-worker-entry.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be a single CommonJS file with nothing external but electron.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    define,
    root: 'src/renderer',
    build: {
      outDir: 'out/renderer',
      minify: true,
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
    plugins: [react()],
  },
});
