/**
 * Keeps the store's theme preference in step with the core's settings: load once at start,
 * change optimistically and roll back when the core refuses. The API is passed in, so this is
 * unit-tested with a fake.
 */
import type { RollcallApi } from '../../../shared/client';
import { errorMessage } from '../lib/errors';
import type { Theme } from '../lib/theme';
import type { AppStore } from './index';

/** The theme is all these functions read or write, so that is all they ask of the API. */
interface SettingsApi {
  getSettings(input: Record<string, never>): Promise<Pick<Awaited<ReturnType<RollcallApi['getSettings']>>, 'theme'>>;
  updateSettings(input: { theme: Theme }): Promise<Pick<Awaited<ReturnType<RollcallApi['updateSettings']>>, 'theme'>>;
}

/** Loads the saved theme; on failure keeps what is shown and records the error. */
export async function loadThemeSetting(api: SettingsApi, store: AppStore): Promise<Theme> {
  try {
    const { theme } = await api.getSettings({});
    store.getState().setThemePreference(theme, 'loaded');
    return theme;
  } catch (err) {
    const { themePreference } = store.getState();
    store.getState().setThemePreference(themePreference, 'failed', `Could not load settings: ${errorMessage(err)}`);
    return themePreference;
  }
}

/** The latest change per store: an older change that finishes late must not undo a newer one. */
const latestChange = new WeakMap<AppStore, number>();

/** Shows the new theme at once, saves it, and goes back to the previous one if saving fails. */
export async function changeThemeSetting(api: SettingsApi, store: AppStore, theme: Theme): Promise<boolean> {
  const previous = store.getState().themePreference;
  const id = (latestChange.get(store) ?? 0) + 1;
  latestChange.set(store, id);
  store.getState().setThemePreference(theme, 'saving');
  try {
    const saved = await api.updateSettings({ theme });
    if (latestChange.get(store) === id) store.getState().setThemePreference(saved.theme, 'loaded');
    return true;
  } catch (err) {
    if (latestChange.get(store) === id) {
      store.getState().setThemePreference(previous, 'failed', `Could not save the theme: ${errorMessage(err)}`);
    }
    return false;
  }
}
