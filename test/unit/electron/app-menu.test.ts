import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { appMenuTemplate } from '../../../src/main/electron/app-menu';

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function build(platform: NodeJS.Platform, packaged = true) {
  const calls: string[] = [];
  const template = appMenuTemplate({
    platform,
    packaged,
    actions: { go: (r) => calls.push(`go ${r}`), revealDataFolder: () => calls.push('reveal'), quit: () => calls.push('quit') },
  });
  return { template, items: flatten(template), calls };
}

describe('application menu', () => {
  it('has the usual roles, with the app menu first on macOS only', () => {
    const mac = build('darwin');
    expect(mac.template[0]!.label).toBe('Rollcall');
    const roles = mac.items.map((i) => i.role).filter(Boolean);
    for (const r of ['about', 'hide', 'editMenu', 'windowMenu', 'togglefullscreen', 'reload', 'zoomIn']) expect(roles).toContain(r);
    const win = build('win32');
    expect(win.template.map((t) => t.label ?? t.role)).toEqual(['File', 'editMenu', 'View', 'windowMenu']);
  });

  it('opens every page with CmdOrCtrl+1…8, settings with CmdOrCtrl+comma, and reveals the data folder', () => {
    for (const platform of ['darwin', 'linux'] as const) {
      const { items, calls } = build(platform);
      // Titles and hashes as in the renderer's navigation (src/renderer/src/store/route.ts).
      const pages = ['Dashboard', 'Timeline', 'Alerts', 'Audit trail', 'Seats', 'People', 'Sources', 'Settings'];
      const hashes = ['dashboard', 'timeline', 'alerts', 'audit', 'seats', 'people', 'sources', 'settings'].map((p) => `go #/${p}`);
      for (const [i, title] of pages.entries()) {
        const item = items.find((m) => m.accelerator === `CmdOrCtrl+${i + 1}`)!;
        expect(item.label).toBe(title);
        (item.click as () => void)();
        expect(calls.at(-1)).toBe(hashes[i]);
      }
      (items.find((m) => m.accelerator === 'CmdOrCtrl+,')!.click as () => void)();
      expect(calls.at(-1)).toBe('go #/settings');
      (items.find((m) => m.label === 'Show Data Folder')!.click as () => void)();
      (items.find((m) => m.accelerator === 'CmdOrCtrl+Q')!.click as () => void)();
      expect(calls.slice(-2)).toEqual(['reveal', 'quit']);
    }
  });

  it('has no duplicate shortcuts, and no developer tools in the packaged app', () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      const accelerators = build(platform).items.flatMap((i) => (i.accelerator ? [i.accelerator] : []));
      expect(new Set(accelerators).size).toBe(accelerators.length);
    }
    expect(build('linux', true).items.some((i) => i.role === 'toggleDevTools')).toBe(false);
    expect(build('linux', false).items.some((i) => i.role === 'toggleDevTools')).toBe(true);
  });
});
