/**
 * Window security policy: the single source of the rules every Rollcall window follows.
 * Pure functions and constants only (no runtime `electron` import), so they are unit-tested under
 * Node; window-security.ts applies them to real BrowserWindows (and holds the webPreferences).
 */

/**
 * Navigation is allowed only within the app itself: the same file (a hash change) for the
 * packaged app, or the dev server's exact origin in development. URLs are parsed, never matched
 * by substring.
 */
export function isInternalUrl(target: string, appUrl: string): boolean {
  let t: URL;
  let a: URL;
  try {
    t = new URL(target);
    a = new URL(appUrl);
  } catch {
    return false;
  }
  if (a.protocol === 'file:') return t.protocol === 'file:' && t.pathname === a.pathname && t.search === '';
  return t.protocol === a.protocol && t.host === a.host && (a.protocol === 'http:' || a.protocol === 'https:');
}

/** Only http(s) links with a host may be handed to the OS browser; nothing else leaves the app. */
export function isSafeExternalUrl(target: string): boolean {
  try {
    const u = new URL(target);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

/** Permissions the renderer may request: notifications and clipboard writes (copy SCIM URL). */
const ALLOWED_PERMISSIONS = new Set(['notifications', 'clipboard-sanitized-write']);
export function isAllowedPermission(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission);
}

/** The app's URL showing a renderer hash route (`#/alerts?…`); for notification clicks and the menu. */
export function appUrlAt(appUrl: string, route: string): string {
  const u = new URL(appUrl);
  u.hash = route.startsWith('#') ? route.slice(1) : route;
  return u.toString();
}
