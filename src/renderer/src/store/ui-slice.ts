import type { StateCreator } from 'zustand/vanilla';
import type { Theme } from '../lib/theme';
import type { AppState } from './index';

/** Whether the theme shown is the core's saved setting yet, and whether a change is being saved. */
export type ThemeSync = 'pending' | 'loaded' | 'saving' | 'failed';

/** Preferences of the interface itself. The saved copy lives in the core (getSettings). */
export interface UiSlice {
  themePreference: Theme;
  themeSync: ThemeSync;
  themeError: string | null;
  setThemePreference(theme: Theme, sync: ThemeSync, error?: string | null): void;
}

export const createUiSlice: StateCreator<AppState, [], [], UiSlice> = (set) => ({
  themePreference: 'system',
  themeSync: 'pending',
  themeError: null,
  setThemePreference(theme, sync, error = null) {
    set({ themePreference: theme, themeSync: sync, themeError: error });
  },
});
