/**
 * The electron-builder configuration, checked the way electron-builder itself loads and validates
 * it (its own schema), without building anything: installers need downloads this machine cannot
 * make. See docs/desktop.md for building them.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const require = createRequire(path.join(ROOT, 'package.json'));
// app-builder-lib is electron-builder's own library (installed with it).
const builderConfig = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: null): Promise<Record<string, unknown>>;
  validateConfiguration(config: Record<string, unknown>, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

type Target = { target: string } | string;
const targets = (platform: unknown): string[] =>
  ((platform as { target: Target[] }).target ?? []).map((t) => (typeof t === 'string' ? t : t.target));

describe('installers (electron-builder)', async () => {
  const config = await builderConfig.getConfig(ROOT, 'electron-builder.yml', null);

  it('is a valid electron-builder configuration', async () => {
    await expect(builderConfig.validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // …and the validation does refuse a wrong one.
    const wrong = { ...config, electronFuses: { runAsNode: 'no' } };
    await expect(builderConfig.validateConfiguration(wrong, new DebugLogger(false))).rejects.toThrow(/runAsNode/);
  });

  it('builds AppImage and deb, dmg and nsis under one app id with our icons', () => {
    expect(config.appId).toBe('dev.rollcall.desktop');
    expect(config.productName).toBe('Rollcall');
    expect(targets(config.linux)).toEqual(['AppImage', 'deb']);
    expect(targets(config.mac)).toEqual(['dmg']);
    expect(targets(config.win)).toEqual(['nsis']);
    for (const p of ['linux', 'mac', 'win']) {
      const icon = (config[p] as { icon: string }).icon;
      expect(fs.existsSync(path.join(ROOT, icon)), icon).toBe(true);
    }
    for (const f of ['tray.png', 'trayTemplate.png', 'trayTemplate@2x.png'])
      expect(fs.existsSync(path.join(ROOT, 'resources/tray', f)), f).toBe(true);
    // index.ts looks for the tray icons in <resources>/tray when packaged.
    expect(config.extraResources).toEqual([{ from: 'resources/tray', to: 'tray' }]);
  });

  it('packs into asar with better-sqlite3 unpacked and rebuilt for Electron', () => {
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toContain('**/node_modules/better-sqlite3/**');
    expect(config.npmRebuild).toBe(true);
    expect(JSON.stringify(config.files)).toContain('"out/**"');
  });

  it('turns the risky Electron fuses off and asar integrity on', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('has the scripts the README documents', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.dist).toMatch(/electron-vite build|npm run build/);
    expect(pkg.scripts.dist).toContain('electron-builder --config electron-builder.yml');
  });
});
