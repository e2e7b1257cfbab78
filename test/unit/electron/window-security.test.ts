/**
 * What window-security.ts really hands to Electron: the BrowserWindow constructor's options, the
 * navigation and window-open handlers, the permission handlers and the CSP header. `electron`
 * is replaced by a recorder of exactly the parts this module touches (the real package cannot
 * even be required here: it tries to download its binary).
 */
import fs from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../../src/shared/security';

type Listener = (...args: unknown[]) => unknown;

const recorded = vi.hoisted(() => ({
  windows: [] as {
    options: Record<string, unknown>;
    handlers: Map<string, (...a: unknown[]) => unknown>;
    openHandler?: (d: { url: string }) => unknown;
  }[],
  opened: [] as string[],
  permissionRequest: undefined as undefined | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void),
  permissionCheck: undefined as undefined | ((wc: unknown, p: string) => boolean),
  headers: undefined as
    | undefined
    | ((d: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void),
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents: { on: (e: string, l: Listener) => void; setWindowOpenHandler: (h: (d: { url: string }) => unknown) => void };
    constructor(options: Record<string, unknown>) {
      const entry: (typeof recorded.windows)[number] = { options, handlers: new Map() };
      recorded.windows.push(entry);
      this.webContents = {
        on: (event, listener) => void entry.handlers.set(event, listener),
        setWindowOpenHandler: (h) => void (entry.openHandler = h),
      };
    }
  }
  return {
    BrowserWindow,
    shell: { openExternal: async (url: string) => void recorded.opened.push(url) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof recorded.permissionRequest) => void (recorded.permissionRequest = h),
        setPermissionCheckHandler: (h: typeof recorded.permissionCheck) => void (recorded.permissionCheck = h),
        webRequest: { onHeadersReceived: (h: typeof recorded.headers) => void (recorded.headers = h) },
      },
    },
  };
});

const { createSecureWindow, installSessionSecurity } = await import('../../../src/main/electron/window-security');

const APP = 'file:///opt/Rollcall/resources/app.asar/out/renderer/index.html';

beforeEach(() => {
  recorded.windows.length = 0;
  recorded.opened.length = 0;
});

describe('BrowserWindow options', () => {
  it('locks down webPreferences, and the caller cannot weaken them', () => {
    createSecureWindow(APP, '/app/preload.cjs', {
      width: 800,
      // A caller trying to sneak weaker preferences in (not allowed by the type either).
      ...({ webPreferences: { nodeIntegration: true, sandbox: false, contextIsolation: false, webSecurity: false } } as object),
    });
    const { options } = recorded.windows[0]!;
    expect(options.width).toBe(800);
    expect(options.webPreferences).toEqual({
      preload: '/app/preload.cjs',
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
      disableBlinkFeatures: 'Auxclick',
    });
  });

  it('blocks navigation and redirects out of the app, webviews and every new window', () => {
    createSecureWindow(APP, '/p.cjs');
    const w = recorded.windows[0]!;
    const attempt = (event: string, url: string): boolean => {
      let prevented = false;
      w.handlers.get(event)!({ preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(attempt('will-navigate', 'https://evil.example/')).toBe(true);
    expect(attempt('will-navigate', `${APP}#/alerts`)).toBe(false);
    expect(attempt('will-redirect', 'file:///etc/passwd')).toBe(true);
    let webview = false;
    w.handlers.get('will-attach-webview')!({ preventDefault: () => (webview = true) });
    expect(webview).toBe(true);
    expect(w.openHandler!({ url: 'https://developer.okta.com/' })).toEqual({ action: 'deny' });
    expect(w.openHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(recorded.opened).toEqual(['https://developer.okta.com/']);
  });
});

describe('session security and CSP', () => {
  it('adds the CSP to every response and answers permissions from the allowlist', () => {
    installSessionSecurity();
    let headers: Record<string, string[]> = {};
    recorded.headers!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (headers = r.responseHeaders));
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    const answers: boolean[] = [];
    recorded.permissionRequest!(null, 'media', (ok) => answers.push(ok));
    recorded.permissionRequest!(null, 'notifications', (ok) => answers.push(ok));
    expect(answers).toEqual([false, true]);
    expect(recorded.permissionCheck!(null, 'geolocation')).toBe(false);
  });

  it('is strict: nothing but the app itself, no inline or eval script, no framing', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src') ?? directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:|https:/);
    // The page's own meta tag says the same (frame-ancestors is ignored in a meta tag, so it is
    // sent as a header only).
    const html = fs.readFileSync(new URL('../../../src/renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
  });
});
