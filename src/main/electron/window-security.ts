/**
 * Applies window-policy.ts to Electron: every window is created here, with the secure
 * webPreferences, blocked navigation and window.open, no <webview>, a permission allowlist and
 * the CSP on every response.
 */
import { BrowserWindow, session, shell, type BrowserWindowConstructorOptions } from 'electron';
import { CONTENT_SECURITY_POLICY } from '../../shared/security';
import { isAllowedPermission, isInternalUrl, isSafeExternalUrl, secureWebPreferences } from './window-policy';

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
  const win = new BrowserWindow({ ...options, webPreferences: secureWebPreferences(preloadPath) });
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
