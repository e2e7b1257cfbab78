/**
 * The UI store: zustand slices composed into one store. It holds UI state only (route and
 * filters, theme preference); server data comes through the API client and is never copied here.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { createNavigationSlice, type NavigationSlice } from './navigation-slice';
import { createUiSlice, type UiSlice } from './ui-slice';
import type { Theme } from '../lib/theme';

export type AppState = NavigationSlice & UiSlice;
export type AppStore = StoreApi<AppState>;

export interface AppStoreInit {
  /** A theme remembered from the last run, shown until the core's setting arrives. */
  theme?: Theme;
}

export function createAppStore(init: AppStoreInit = {}): AppStore {
  const store = createStore<AppState>()((...a) => ({
    ...createNavigationSlice(...a),
    ...createUiSlice(...a),
  }));
  if (init.theme) store.setState({ themePreference: init.theme });
  return store;
}

export * from './selectors';
export * from './route';
