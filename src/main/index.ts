/**
 * Electron main process: the thin shell. It starts the core in a utility process (the single
 * SQLite writer and the SCIM listener), opens the window, and relays API calls and the push
 * stream between the window and the core. Around that: the tray, notifications, the menu, the
 * secret store (safeStorage), start at login and the window's remembered bounds. Every decision
 * is made in a small tested module (tray-model, notifications, window-state, app-menu,
 * desktop-secret-store); this file only connects them to Electron.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, ipcMain, Menu, Notification, safeStorage, screen, shell, utilityProcess, type BrowserWindow } from 'electron';
import { PUSH_CHANNEL } from '../shared/call-names';
import type { CallName, CallOutput, Envelope, Settings } from '../shared/contract';
import { CoreClient, type FromCore, type ListenerTarget } from './core/port-protocol';
import { selectDesktopSecretStore, withKeyFileFallback } from './core/secrets/desktop-secret-store';
import { KEY_FILE_NAME } from './core/secrets/secret-store';
import { appMenuTemplate } from './electron/app-menu';
import { registerApiHandlers } from './electron/ipc';
import { NotificationBatcher, type AlertNotice } from './electron/notifications';
import { RollcallTray } from './electron/tray';
import { applyPush, INITIAL_TRAY_STATE, type TrayAction, type TrayState } from './electron/tray-model';
import { appUrlAt, isInternalUrl } from './electron/window-policy';
import { createSecureWindow, installSessionSecurity } from './electron/window-security';
import { BoundsSaver, boundsToSave, initialWindowState } from './electron/window-state';

const APP_ID = 'dev.rollcall.desktop';
const here = path.dirname(fileURLToPath(import.meta.url));
const preloadPath = path.join(here, '../preload/index.cjs');
const appUrl =
  process.env.ELECTRON_RENDERER_URL && !app.isPackaged
    ? process.env.ELECTRON_RENDERER_URL
    : `file://${path.join(here, '../renderer/index.html')}`;
/** Icons: beside the app in a package (electron-builder extraResources), in resources/ in development. */
const resourcesDir = app.isPackaged ? process.resourcesPath : path.join(app.getAppPath(), 'resources');

let mainWindow: BrowserWindow | null = null;
let settings: Settings | null = null;
let trayState: TrayState = INITIAL_TRAY_STATE;
let tray: RollcallTray | null = null;
let client: CoreClient | null = null;
let coreExited = false;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  void app.whenReady().then(start);
}

function listenerTarget(s: Settings, paused: boolean): ListenerTarget {
  if (paused) return null;
  const { host, port, tlsCertPath, tlsKeyPath } = s.scimListener;
  return { host, port, tls: tlsCertPath && tlsKeyPath ? { certPath: tlsCertPath, keyPath: tlsKeyPath } : null };
}

function setTray(next: TrayState): void {
  if (next === trayState) return;
  trayState = next;
  tray?.render(trayState);
}

async function callCore<T>(name: CallName, input: unknown): Promise<T> {
  const envelope = await client!.call(name, input);
  if (!envelope.ok) throw new Error(`${name}: ${envelope.error.message}`);
  return envelope.value as T;
}

function chooseSecretStore(s: Settings): void {
  const dataDir = app.getPath('userData');
  const choice = selectDesktopSecretStore({
    safeStorage,
    platform: process.platform,
    allowPlaintext: s.allowPlaintextSecrets,
    dataDir,
  }).then((c) => {
    if (c.warning) console.warn(`rollcall: ${c.warning}`);
    return withKeyFileFallback(c.store, dataDir, () => fs.existsSync(path.join(dataDir, KEY_FILE_NAME)));
  });
  client!.setSecretStore(choice);
}

/** What a settings change means for the shell (the core has already stored it). */
function applySettings(next: Settings, previous: Settings | null): void {
  settings = next;
  if (app.isPackaged && next.startAtLogin !== previous?.startAtLogin) {
    // Only a packaged app registers itself: in development it would register the bare Electron binary.
    app.setLoginItemSettings({ openAtLogin: next.startAtLogin });
  }
  if (JSON.stringify(next.scimListener) !== JSON.stringify(previous?.scimListener)) {
    client!.setListener(listenerTarget(next, trayState.paused));
  }
  if (next.allowPlaintextSecrets !== previous?.allowPlaintextSecrets) chooseSecretStore(next);
}

function showWindow(route?: string): void {
  if (!app.isReady() || !settings) return;
  if (!mainWindow) {
    mainWindow = openWindow(route);
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
  if (route) void mainWindow.webContents.loadURL(appUrlAt(appUrl, route));
}

function openWindow(route?: string): BrowserWindow {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea);
  const initial = initialWindowState(settings?.windowBounds ?? null, workAreas, { width: 1280, height: 820 });
  const win = createSecureWindow(appUrl, preloadPath, {
    ...(initial.x !== undefined && initial.y !== undefined ? { x: initial.x, y: initial.y } : {}),
    width: initial.width,
    height: initial.height,
    minWidth: 720,
    minHeight: 480,
    show: false,
    title: 'Rollcall',
    ...(process.platform === 'linux' ? { icon: path.join(resourcesDir, 'icon.png') } : {}),
  });
  const saver = new BoundsSaver({
    save: (windowBounds) => {
      void client?.call('updateSettings', { windowBounds }).then((e) => {
        if (e.ok) settings = e.value as Settings;
      });
    },
  });
  const track = (): void => {
    if (!win.isDestroyed() && !win.isMinimized() && !win.isFullScreen())
      saver.changed(boundsToSave(win.getNormalBounds(), win.isMaximized()));
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(event as 'resize', track);
  win.once('ready-to-show', () => {
    if (initial.maximized) win.maximize();
    win.show();
  });
  win.on('close', () => saver.flush());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(route ? appUrlAt(appUrl, route) : appUrl);
  return win;
}

/** Notifications stay referenced until dismissed, or the garbage collector drops their click handler. */
const liveNotifications = new Set<Notification>();
function notify(notice: AlertNotice): void {
  if (!Notification.isSupported()) return;
  const n = new Notification({ title: notice.title, body: notice.body });
  liveNotifications.add(n);
  n.on('click', () => {
    liveNotifications.delete(n);
    showWindow(notice.route);
  });
  n.on('close', () => liveNotifications.delete(n));
  n.show();
}

function onTrayAction(action: TrayAction): void {
  if (action === 'open') showWindow();
  else if (action === 'quit') app.quit();
  else {
    const paused = action === 'pause';
    setTray({ ...trayState, paused });
    if (settings) client!.setListener(listenerTarget(settings, paused));
  }
}

async function start(): Promise<void> {
  installSessionSecurity();
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID); // Windows shows notifications only with it
  const dataDir = app.getPath('userData');
  const child = utilityProcess.fork(path.join(here, 'core-process.js'), [dataDir], { serviceName: 'Rollcall core' });
  const core = new CoreClient(child);
  client = core;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: FromCore) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'fatal') reject(new Error(message.message));
      else if (message.type === 'listener') setTray({ ...trayState, scimOrigin: message.scimOrigin, listenerError: message.error });
      else core.receive(message);
    });
  });
  child.on('exit', (code) => {
    coreExited = true;
    core.failAll(`The Rollcall core stopped (exit code ${code})`);
    if (!quitting) setTray({ ...trayState, scimOrigin: null, listenerError: `the core stopped (exit code ${code})` });
  });

  const revealDataFolder = (): void => shell.showItemInFolder(dataDir);
  registerApiHandlers(ipcMain, {
    isTrustedUrl: (url) => isInternalUrl(url, appUrl),
    // Only the main process can open a file manager; the core's own answer says so.
    shellHandlers: {
      revealDataFolder: () => {
        revealDataFolder();
        return { revealed: true, message: `Opened the data folder in your file manager: ${dataDir}` };
      },
      // Exports (issue #8): the native save dialog, then a copy of the finished CSV and its manifest.
      saveExport: async ({ exportId }) => {
        if (!/^[0-9a-f]{24}$/.test(exportId)) throw new Error('unknown export');
        const envelope = await core.call('getExport', { exportId });
        if (!envelope.ok) throw new Error(envelope.error.message);
        const job = envelope.value as CallOutput<'getExport'>;
        if (job.state !== 'done') throw new Error(`the export is ${job.state}`);
        const source = path.join(dataDir, 'exports', exportId, job.fileName);
        const options = { defaultPath: job.fileName, filters: [{ name: 'CSV', extensions: ['csv'] }] };
        const choice = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
        if (choice.canceled || !choice.filePath) return { saved: false, path: null, message: 'Not saved.' };
        await fs.promises.copyFile(source, choice.filePath);
        await fs.promises.copyFile(`${source}.manifest.json`, `${choice.filePath}.manifest.json`);
        return { saved: true, path: choice.filePath, message: `Saved to ${choice.filePath} (and its manifest beside it).` };
      },
    },
    invoke: async (name, input): Promise<Envelope> => {
      const envelope = await core.call(name, input);
      if (name === 'updateSettings' && envelope.ok) applySettings(envelope.value as Settings, settings);
      return envelope;
    },
  });
  const notifier = new NotificationBatcher({ show: notify });
  core.onPush((message) => {
    mainWindow?.webContents.send(PUSH_CHANNEL, message);
    setTray(applyPush(trayState, message));
    notifier.receive(message);
  });

  await ready;
  applySettings(await callCore<Settings>('getSettings', {}), null);
  const dashboard = await callCore<{ openAlerts: { high: number } }>('getDashboard', {});
  trayState = { ...trayState, openHigh: trayState.openHigh ?? dashboard.openAlerts.high };

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      appMenuTemplate({
        platform: process.platform,
        packaged: app.isPackaged,
        actions: {
          go: (route) => showWindow(route),
          revealDataFolder,
          quit: () => app.quit(),
        },
      }),
    ),
  );
  try {
    tray = new RollcallTray(path.join(resourcesDir, 'tray', process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'), onTrayAction);
    tray.render(trayState);
  } catch (err) {
    // Some Linux desktops have no tray; the app then quits with its window (see window-all-closed).
    console.warn(`rollcall: no tray: ${String(err)}`);
  }
  showWindow();

  app.on('activate', () => showWindow()); // macOS: clicking the Dock icon
  app.on('window-all-closed', () => {
    // Keep relaying and polling in the tray unless the user chose otherwise (or there is no tray).
    if (!tray || !settings?.keepRunningInBackground) app.quit();
  });
  app.on('before-quit', (event) => {
    if (coreExited) return;
    // Let the core finish its writes and close the database before the app exits.
    event.preventDefault();
    if (quitting) return; // already shutting down
    quitting = true;
    notifier.dispose();
    const timeout = setTimeout(() => child.kill(), 5000);
    child.once('exit', () => {
      clearTimeout(timeout);
      tray?.destroy();
      app.quit();
    });
    child.postMessage({ type: 'shutdown' });
  });
}
