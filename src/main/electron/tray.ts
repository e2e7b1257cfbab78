/** Applies tray-model.ts to a real Electron Tray. */
import { Menu, Tray, nativeImage, type MenuItemConstructorOptions } from 'electron';
import { trayView, type TrayAction, type TrayState } from './tray-model';

export class RollcallTray {
  private readonly tray: Tray;

  constructor(
    iconPath: string,
    private readonly onAction: (action: TrayAction) => void,
  ) {
    const icon = nativeImage.createFromPath(iconPath);
    if (process.platform === 'darwin') icon.setTemplateImage(true);
    this.tray = new Tray(icon);
    // Windows and most Linux trays open the menu on right-click; a left click opens the window.
    this.tray.on('click', () => this.onAction('open'));
  }

  render(state: TrayState): void {
    const view = trayView(state);
    this.tray.setToolTip(view.tooltip);
    if (process.platform === 'darwin') this.tray.setTitle(view.title);
    const template: MenuItemConstructorOptions[] = view.entries.map((e) => {
      if (e.kind === 'separator') return { type: 'separator' };
      if (e.kind === 'info') return { label: e.label, enabled: false };
      return { label: e.label, click: () => this.onAction(e.action) };
    });
    this.tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  destroy(): void {
    this.tray.destroy();
  }
}
