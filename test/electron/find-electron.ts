import fs from 'node:fs';
import path from 'node:path';

/**
 * The Electron binary, found WITHOUT require('electron') (which tries to download it and throws
 * where the download host is unreachable). Returns the path, or why there is none.
 */
export function findElectron(root: string): { path: string } | { missing: string } {
  const pkg = path.join(root, 'node_modules/electron');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const pathFile = path.join(pkg, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : undefined;
  const candidate = override ? path.join(override, relative ?? 'electron') : relative ? path.join(pkg, 'dist', relative) : undefined;
  if (candidate && fs.existsSync(candidate)) return { path: candidate };
  return {
    missing:
      'no Electron binary on this machine (node_modules/electron has no downloaded dist/, and ELECTRON_OVERRIDE_DIST_PATH is not set); ' +
      'the binary is fetched from outside the npm registry on first launch, which this machine cannot reach',
  };
}
