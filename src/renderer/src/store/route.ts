/**
 * Hash routes: `#/timeline?type=user.created&source=abc`. Pure functions (no DOM), unit-tested.
 * The hash is the whole navigation state, so a route can be bookmarked, reloaded or shared and
 * the Electron window's navigation policy (same file, hash change only) is never tripped.
 */

export const PAGES = ['dashboard', 'timeline', 'alerts', 'audit', 'seats', 'people', 'sources', 'settings'] as const;
export type Page = (typeof PAGES)[number];

export type RouteParams = Readonly<Record<string, string>>;

export interface Route {
  readonly page: Page;
  readonly params: RouteParams;
}

export const DEFAULT_PAGE: Page = 'dashboard';
export const DEFAULT_ROUTE: Route = Object.freeze({
  page: DEFAULT_PAGE,
  params: Object.freeze({}),
});

/** Titles as shown in the navigation and in each page's `<h1>`. */
export const PAGE_TITLES: Readonly<Record<Page, string>> = {
  dashboard: 'Dashboard',
  timeline: 'Timeline',
  alerts: 'Alerts',
  audit: 'Audit trail',
  seats: 'Seats',
  people: 'People',
  sources: 'Sources',
  settings: 'Settings',
};

export function isPage(value: string): value is Page {
  return (PAGES as readonly string[]).includes(value);
}

/**
 * Parses `location.hash` (with or without the leading `#`). An empty hash or an unknown page
 * gives the dashboard; empty parameter values are dropped; the first value of a repeated
 * parameter wins.
 */
export function parseRoute(hash: string): Route {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const pathPart = q === -1 ? raw : raw.slice(0, q);
  const query = q === -1 ? '' : raw.slice(q + 1);
  const name = pathPart.replace(/^\/+/, '').replace(/\/+$/, '').toLowerCase();
  // Pages B (issue #7): a person's page, `#/people/123`, is the People page with `person=123`.
  const person = /^people\/([1-9]\d{0,15})$/.exec(name);
  if (!isPage(name) && !person) return DEFAULT_ROUTE;
  const params: Record<string, string> = person ? { person: person[1]! } : {};
  for (const [key, value] of new URLSearchParams(query)) {
    if (value !== '' && !(key in params)) params[key] = value;
  }
  return { page: person ? 'people' : (name as Page), params };
}

/** Formats a route as a hash (`#/page?a=1`); undefined or empty parameters are left out. */
export function formatRoute(page: Page, params: Readonly<Record<string, string | undefined | null>> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, value);
  }
  const query = search.toString();
  return `#/${page}${query ? `?${query}` : ''}`;
}

export function routesEqual(a: Route, b: Route): boolean {
  if (a.page !== b.page) return false;
  const ak = Object.keys(a.params);
  const bk = Object.keys(b.params);
  return ak.length === bk.length && ak.every((k) => a.params[k] === b.params[k]);
}
