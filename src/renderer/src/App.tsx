import { useEffect, useRef, type ComponentType } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Header } from './components/Header';
import { Nav } from './components/Nav';
import { themeAttribute } from './lib/theme';
import { AlertsPage } from './pages/Alerts';
import { AuditPage } from './pages/Audit';
import { DashboardPage } from './pages/Dashboard';
import { PeoplePage } from './pages/People';
import { SeatsPage } from './pages/Seats';
import { SettingsPage } from './pages/Settings';
import { SourcesPage } from './pages/Sources';
import { TimelinePage } from './pages/Timeline';
import { PAGE_TITLES, selectPage, selectThemePreference, selectThemeSync, type Page } from './store';
import { THEME_CACHE_KEY, useAppStore } from './store/hooks';

const PAGE_COMPONENTS: Record<Page, ComponentType> = {
  dashboard: DashboardPage,
  timeline: TimelinePage,
  alerts: AlertsPage,
  audit: AuditPage,
  seats: SeatsPage,
  people: PeoplePage,
  sources: SourcesPage,
  settings: SettingsPage,
};

/** Applies the theme preference to <html> and remembers it for the next start (no flash). */
function useThemeAttribute(): void {
  const theme = useAppStore(selectThemePreference);
  const sync = useAppStore(selectThemeSync);
  useEffect(() => {
    const attr = themeAttribute(theme);
    if (attr) document.documentElement.dataset.theme = attr;
    else delete document.documentElement.dataset.theme;
  }, [theme]);
  useEffect(() => {
    if (sync !== 'loaded') return;
    try {
      window.localStorage.setItem(THEME_CACHE_KEY, theme);
    } catch {
      // storage disabled: the theme is still loaded from the core on each start
    }
  }, [theme, sync]);
}

export function App() {
  const page = useAppStore(selectPage);
  const main = useRef<HTMLElement>(null);
  const shownPage = useRef<Page | null>(null);
  useThemeAttribute();

  useEffect(() => {
    document.title = `${PAGE_TITLES[page]} · Rollcall`;
    // After navigating (not on first load), move focus to the new page's heading.
    if (shownPage.current !== null && shownPage.current !== page) main.current?.querySelector<HTMLElement>('h1')?.focus();
    shownPage.current = page;
  }, [page]);

  const Current = PAGE_COMPONENTS[page];
  return (
    <div className="app">
      <Header onSkip={() => main.current?.focus()} />
      <Nav />
      <main id="main" ref={main} tabIndex={-1} className="app-main">
        <ErrorBoundary key={page}>
          <Current />
        </ErrorBoundary>
      </main>
    </div>
  );
}
