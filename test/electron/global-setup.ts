import { fileURLToPath } from 'node:url';
import { findElectron } from './find-electron';

/** Says up front, in the test output, whether the Electron tests can run here and why not. */
export default function globalSetup(): void {
  const found = findElectron(fileURLToPath(new URL('../..', import.meta.url)));
  if ('missing' in found) process.stdout.write(`Electron tests SKIPPED: ${found.missing}\n`);
  else process.stdout.write(`Electron tests run against ${found.path}\n`);
}
