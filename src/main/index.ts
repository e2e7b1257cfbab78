/**
 * Electron main process: the thin shell. It starts the core in a utility process (the single
 * SQLite writer and the SCIM listener), opens the one window, and relays API calls and the push
 * stream between the window and the core. All product logic lives in the core.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, ipcMain, utilityProcess, type BrowserWindow } from 'electron';
import { PUSH_CHANNEL } from '../shared/call-names';
import { CoreClient, type FromCore } from './core/port-protocol';
import { registerApiHandlers } from './electron/ipc';
import { isInternalUrl } from './electron/window-policy';
import { createSecureWindow, installSessionSecurity } from './electron/window-security';

const here = path.dirname(fileURLToPath(import.meta.url));
const preloadPath = path.join(here, '../preload/index.cjs');
const appUrl =
  process.env.ELECTRON_RENDERER_URL && !app.isPackaged
    ? process.env.ELECTRON_RENDERER_URL
    : `file://${path.join(here, '../renderer/index.html')}`;

let mainWindow: BrowserWindow | null = null;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow) {
      if (mainWindow.isMinimized()) mainWindow.restore();
      mainWindow.focus();
    }
  });
  void app.whenReady().then(start);
}

async function start(): Promise<void> {
  installSessionSecurity();
  const child = utilityProcess.fork(path.join(here, 'core-process.js'), [app.getPath('userData'), '127.0.0.1', '8610'], {
    serviceName: 'Rollcall core',
  });
  const client = new CoreClient(child);
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: FromCore) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'fatal') reject(new Error(message.message));
      else client.receive(message);
    });
  });
  child.on('exit', (code) => {
    client.failAll(`The Rollcall core stopped (exit code ${code})`);
  });

  registerApiHandlers(ipcMain, {
    isTrustedUrl: (url) => isInternalUrl(url, appUrl),
    invoke: (name, input) => client.call(name, input),
  });
  client.onPush((message) => mainWindow?.webContents.send(PUSH_CHANNEL, message));

  await ready;
  mainWindow = createSecureWindow(appUrl, preloadPath, { width: 1280, height: 820, show: false, title: 'Rollcall' });
  mainWindow.once('ready-to-show', () => mainWindow?.show());
  mainWindow.on('closed', () => {
    mainWindow = null;
  });
  await mainWindow.loadURL(appUrl);

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => child.postMessage({ type: 'shutdown' }));
}
