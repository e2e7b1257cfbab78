/**
 * Applies window-policy.ts to Electron: every window is created here, with the secure
 * webPreferences, blocked navigation and window.open, no <webview>, a permission allowlist and
 * the CSP on every response.
 */
import { BrowserWindow, session, shell, type BrowserWindowConstructorOptions } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../shared/security';
import { isAllowedPermission, isInternalUrl, isSafeExternalUrl } from './window-policy';

export function installSessionSecurity(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(isAllowedPermission(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => isAllowedPermission(permission));
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

export function createSecureWindow(
  appUrl: string,
  preloadPath: string,
  options: Omit<BrowserWindowConstructorOptions, 'webPreferences'> = {},
): BrowserWindow {
  // The webPreferences are written out here, literally, rather than built elsewhere: this is
  // what Electronegativity (npm run check:electron) reads, and what the unit test
  // (test/unit/electron/window-security.test.ts) sees the constructor receive. Nothing in
  // `options` can replace them: they are set last.
  const win = new BrowserWindow({
    ...options,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click would ask for a new window; those are denied anyway, this stops the request.
      disableBlinkFeatures: 'Auxclick',
    },
  });
  const wc = win.webContents;
  wc.on('will-navigate', (event, url) => {
    if (!isInternalUrl(url, appUrl)) event.preventDefault();
  });
  wc.on('will-redirect', (event, url) => {
    if (!isInternalUrl(url, appUrl)) event.preventDefault();
  });
  wc.on('will-attach-webview', (event) => event.preventDefault());
  wc.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  return win;
}
