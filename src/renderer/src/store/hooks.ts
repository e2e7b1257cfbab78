/** The app's single store instance and the React hook to read it. */
import { useStore } from 'zustand';
import { parseTheme } from '../lib/theme';
import { createAppStore, type AppState } from './index';

export const THEME_CACHE_KEY = 'rollcall.theme';

function rememberedTheme() {
  try {
    return parseTheme(window.localStorage.getItem(THEME_CACHE_KEY));
  } catch {
    return undefined;
  }
}

export const appStore = createAppStore({ theme: rememberedTheme() });

export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
