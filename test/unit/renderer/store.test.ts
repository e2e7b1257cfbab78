import { describe, expect, it } from 'vitest';
import {
  createAppStore,
  peopleQueryFromParams,
  selectIsCurrentPage,
  selectPage,
  selectParam,
  selectParams,
  selectRoute,
  selectThemeError,
  selectThemePreference,
  selectThemeSync,
} from '../../../src/renderer/src/store';
import { changeThemeSetting, loadThemeSetting } from '../../../src/renderer/src/store/settings';
import type { Theme } from '../../../src/renderer/src/lib/theme';

describe('the app store', () => {
  it('starts on the dashboard with the system theme, not yet loaded', () => {
    const s = createAppStore().getState();
    expect(selectPage(s)).toBe('dashboard');
    expect(selectParams(s)).toEqual({});
    expect(selectThemePreference(s)).toBe('system');
    expect(selectThemeSync(s)).toBe('pending');
    expect(selectThemeError(s)).toBeNull();
  });

  it('can start from a remembered theme', () => {
    expect(selectThemePreference(createAppStore({ theme: 'dark' }).getState())).toBe('dark');
  });

  it('sets the route and keeps the same object when nothing changed', () => {
    const store = createAppStore();
    store.getState().setRoute({ page: 'timeline', params: { type: 'user.created' } });
    const route = selectRoute(store.getState());
    expect(selectPage(store.getState())).toBe('timeline');
    expect(selectParam('type')(store.getState())).toBe('user.created');
    expect(selectParam('source')(store.getState())).toBeUndefined();
    expect(selectIsCurrentPage('timeline')(store.getState())).toBe(true);
    expect(selectIsCurrentPage('alerts')(store.getState())).toBe(false);

    let notified = 0;
    store.subscribe(() => notified++);
    store.getState().setRoute({ page: 'timeline', params: { type: 'user.created' } });
    expect(selectRoute(store.getState())).toBe(route);
    expect(notified).toBe(0);
  });

  it('sets the theme preference with its sync state', () => {
    const store = createAppStore();
    store.getState().setThemePreference('light', 'failed', 'nope');
    expect(selectThemePreference(store.getState())).toBe('light');
    expect(selectThemeSync(store.getState())).toBe('failed');
    expect(selectThemeError(store.getState())).toBe('nope');
    store.getState().setThemePreference('dark', 'loaded');
    expect(selectThemeError(store.getState())).toBeNull();
  });
});

describe('filters from route parameters', () => {
  it('reads the people search, trimmed', () => {
    expect(peopleQueryFromParams({ q: '  ada ' })).toBe('ada');
    expect(peopleQueryFromParams({})).toBe('');
  });
});

function fakeSettingsApi(options: { saved?: Theme; failLoad?: boolean; failSave?: boolean } = {}) {
  let saved: Theme = options.saved ?? 'system';
  const updates: Theme[] = [];
  return {
    updates,
    getSettings: async () => {
      if (options.failLoad) throw new Error('core down');
      return { theme: saved };
    },
    updateSettings: async (input: { theme?: Theme }) => {
      if (input.theme) updates.push(input.theme);
      if (options.failSave) throw new Error('disk full');
      saved = input.theme ?? saved;
      return { theme: saved };
    },
  };
}

describe('theme setting sync', () => {
  it('loads the saved theme into the store', async () => {
    const store = createAppStore();
    await expect(loadThemeSetting(fakeSettingsApi({ saved: 'dark' }), store)).resolves.toBe('dark');
    expect(selectThemePreference(store.getState())).toBe('dark');
    expect(selectThemeSync(store.getState())).toBe('loaded');
  });

  it('keeps the shown theme and records the error when loading fails', async () => {
    const store = createAppStore({ theme: 'light' });
    await loadThemeSetting(fakeSettingsApi({ failLoad: true }), store);
    expect(selectThemePreference(store.getState())).toBe('light');
    expect(selectThemeSync(store.getState())).toBe('failed');
    expect(selectThemeError(store.getState())).toContain('core down');
  });

  it('shows a change at once and saves it through updateSettings', async () => {
    const store = createAppStore();
    const api = fakeSettingsApi();
    const pending = changeThemeSetting(api, store, 'dark');
    expect(selectThemePreference(store.getState())).toBe('dark');
    expect(selectThemeSync(store.getState())).toBe('saving');
    await expect(pending).resolves.toBe(true);
    expect(api.updates).toEqual(['dark']);
    expect(selectThemeSync(store.getState())).toBe('loaded');
  });

  it('goes back to the previous theme when saving fails', async () => {
    const store = createAppStore({ theme: 'light' });
    await expect(changeThemeSetting(fakeSettingsApi({ failSave: true }), store, 'dark')).resolves.toBe(false);
    expect(selectThemePreference(store.getState())).toBe('light');
    expect(selectThemeSync(store.getState())).toBe('failed');
    expect(selectThemeError(store.getState())).toContain('disk full');
  });

  it('does not let an older change that finishes late undo a newer one', async () => {
    const store = createAppStore();
    let releaseFirst: () => void = () => undefined;
    const api = {
      getSettings: async () => ({ theme: 'system' as Theme }),
      updateSettings: async (input: { theme?: Theme }) => {
        if (input.theme === 'dark') {
          await new Promise<void>((resolve) => (releaseFirst = resolve));
          throw new Error('slow failure');
        }
        return { theme: input.theme ?? 'system' };
      },
    };
    const first = changeThemeSetting(api, store, 'dark');
    await changeThemeSetting(api, store, 'light');
    releaseFirst();
    await first;
    expect(selectThemePreference(store.getState())).toBe('light');
    expect(selectThemeSync(store.getState())).toBe('loaded');
  });
});
