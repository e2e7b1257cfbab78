/**
 * Selectors: plain functions of the store state (or of route params), unit-tested. Selectors
 * used with the React hook return primitives or objects already held in the store, so they are
 * stable between renders; the `…FromParams` helpers derive new objects and are called on a
 * selected route.
 */
import type { AppState } from './index';
import type { Page, Route, RouteParams } from './route';
import type { Theme } from '../lib/theme';

export const selectRoute = (s: AppState): Route => s.route;
export const selectPage = (s: AppState): Page => s.route.page;
export const selectParams = (s: AppState): RouteParams => s.route.params;
export const selectParam =
  (name: string) =>
  (s: AppState): string | undefined =>
    s.route.params[name];
export const selectThemePreference = (s: AppState): Theme => s.themePreference;
export const selectThemeSync = (s: AppState): AppState['themeSync'] => s.themeSync;
export const selectThemeError = (s: AppState): string | null => s.themeError;
export const selectIsCurrentPage =
  (page: Page) =>
  (s: AppState): boolean =>
    s.route.page === page;

/** `#/people?q=ada`: the search text, trimmed. */
export function peopleQueryFromParams(params: RouteParams): string {
  return (params.q ?? '').trim();
}
