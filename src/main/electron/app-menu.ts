/**
 * The application menu as a template: the platform's usual roles (so copy/paste, undo, zoom,
 * full screen, minimise and quit have their native shortcuts) plus Rollcall's own items. Built
 * from plain data and callbacks so it is unit-tested without Electron; index.ts passes it to
 * Menu.buildFromTemplate.
 */
import type { MenuItemConstructorOptions } from 'electron';

/** Pages in navigation order, with the hash each opens (CmdOrCtrl+1…8). */
export const MENU_PAGES = [
  ['Dashboard', '#/dashboard'],
  ['Timeline', '#/timeline'],
  ['Alerts', '#/alerts'],
  ['Audit trail', '#/audit'],
  ['Seats', '#/seats'],
  ['People', '#/people'],
  ['Sources', '#/sources'],
  ['Settings', '#/settings'],
] as const;

export interface MenuActions {
  /** Shows the window at a hash route. */
  go(route: string): void;
  revealDataFolder(): void;
  /** Quit for real (the tray keeps the app alive otherwise). */
  quit(): void;
}

export function appMenuTemplate(options: {
  platform: NodeJS.Platform;
  packaged: boolean;
  actions: MenuActions;
}): MenuItemConstructorOptions[] {
  const { platform, packaged, actions } = options;
  const mac = platform === 'darwin';
  const settings: MenuItemConstructorOptions = {
    label: mac ? 'Settings…' : 'Settings',
    accelerator: 'CmdOrCtrl+,',
    click: () => actions.go('#/settings'),
  };
  const quit: MenuItemConstructorOptions = {
    label: mac ? 'Quit Rollcall' : 'Quit',
    accelerator: 'CmdOrCtrl+Q',
    click: () => actions.quit(),
  };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: 'Rollcall',
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        settings,
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        quit,
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      ...(mac ? [] : [settings]),
      { label: 'Show Data Folder', click: () => actions.revealDataFolder() },
      { type: 'separator' },
      { role: 'close', label: 'Close Window' },
      ...(mac ? [] : [quit]),
    ],
  });
  template.push({ role: 'editMenu' });
  template.push({
    label: 'View',
    submenu: [
      ...MENU_PAGES.map(([label, route], i): MenuItemConstructorOptions => ({
        label,
        accelerator: `CmdOrCtrl+${i + 1}`,
        click: () => actions.go(route),
      })),
      { type: 'separator' },
      { role: 'reload' },
      ...(packaged ? [] : [{ role: 'toggleDevTools' } as const]),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  template.push({ role: 'windowMenu' });
  return template;
}
