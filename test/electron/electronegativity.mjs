#!/usr/bin/env node
// Electronegativity (static checks for Electron misconfigurations) over src/, for CI: prints every
// finding and a count per severity, and fails on any HIGH or CRITICAL finding.
// The Electron version is given explicitly (the tool cannot read it from src/), so its defaults
// are the ones of the Electron this app ships with.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const electronVersion = pkg.devDependencies.electron.replace(/^[^\d]*/, '');
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rollcall-eneg-')), 'findings.csv');
const bin = path.join(root, 'node_modules/@doyensec/electronegativity/dist/index.js');

const run = spawnSync(process.execPath, [bin, '-i', 'src', '-e', electronVersion, '-r', '-v', 'false', '-o', out], {
  cwd: root,
  encoding: 'utf8',
});
if (!fs.existsSync(out)) {
  process.stderr.write(run.stdout + run.stderr);
  process.stderr.write('electronegativity: no report written\n');
  process.exit(2);
}
const rows = fs
  .readFileSync(out, 'utf8')
  .split(/\r?\n/)
  .slice(1)
  .filter(Boolean)
  .map((line) => /^([A-Z_]+),"(\w+)","(\w+)","([^"]*)","([^"]*)"/.exec(line))
  .filter(Boolean)
  .map(([, check, severity, confidence, file, location]) => ({ check, severity, confidence, file, location }));
const counts = {};
for (const r of rows) {
  counts[r.severity] = (counts[r.severity] ?? 0) + 1;
  process.stdout.write(`  ${r.severity.padEnd(13)} ${r.confidence.padEnd(9)} ${r.check.padEnd(32)} ${r.file}:${r.location}\n`);
}
const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
process.stdout.write(
  `electronegativity ${electronVersion ? `(Electron ${electronVersion})` : ''}: ${order.map((s) => `${s.toLowerCase()} ${counts[s] ?? 0}`).join(', ')}\n`,
);
const blocking = (counts.CRITICAL ?? 0) + (counts.HIGH ?? 0);
if (blocking > 0) {
  process.stderr.write(`electronegativity: ${blocking} high-severity finding(s); fix them (see the checks' wiki pages)\n`);
  process.exit(1);
}
