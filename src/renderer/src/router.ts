/** Binds the store's route to `location.hash`. The parsing itself is pure (store/route.ts). */
import { formatRoute, parseRoute, type Page } from './store/route';
import type { AppStore } from './store';

/** Sets the store's route from the hash now and on every hash change; returns a stop function. */
export function startRouter(store: AppStore): () => void {
  const sync = (): void => store.getState().setRoute(parseRoute(window.location.hash));
  sync();
  window.addEventListener('hashchange', sync);
  return () => window.removeEventListener('hashchange', sync);
}

/**
 * Goes to a page. `replace` rewrites the current history entry instead of adding one (for
 * filters typed into a search box, so Back does not step through every keystroke).
 */
export function navigate(
  store: AppStore,
  page: Page,
  params: Readonly<Record<string, string | undefined | null>> = {},
  options: { replace?: boolean } = {},
): void {
  const hash = formatRoute(page, params);
  if (options.replace) {
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
    store.getState().setRoute(parseRoute(hash));
  } else if (window.location.hash !== hash) {
    window.location.hash = hash; // the hashchange listener updates the store
  }
}
