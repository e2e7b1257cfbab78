import type { StateCreator } from 'zustand/vanilla';
import { DEFAULT_ROUTE, routesEqual, type Route } from './route';
import type { AppState } from './index';

/** Which page is showing and its parameters (filters), mirrored from the URL hash. */
export interface NavigationSlice {
  route: Route;
  /** Called by the router when the hash changes; keeps the same object when nothing changed. */
  setRoute(route: Route): void;
}

export const createNavigationSlice: StateCreator<AppState, [], [], NavigationSlice> = (set, get) => ({
  route: DEFAULT_ROUTE,
  setRoute(route) {
    if (!routesEqual(get().route, route)) set({ route });
  },
});
