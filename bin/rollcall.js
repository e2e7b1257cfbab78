#!/usr/bin/env node
// The `rollcall` command: runs the CLI that `npm install` (prepare) built into out/main.
import { existsSync } from 'node:fs';

const entry = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('rollcall: the app is not built yet. Run "npm install" (or "npm run build") in the project folder.\n');
  process.exit(1);
}
await import(entry.href);
