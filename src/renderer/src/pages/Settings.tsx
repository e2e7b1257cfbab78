import { api, useCall } from '../api';
import { PageHeader } from '../components/PageHeader';
import { ErrorMessage, Loading } from '../components/Status';
import { THEME_OPTIONS } from '../lib/theme';
import { appStore, useAppStore } from '../store/hooks';
import { selectThemeError, selectThemePreference, selectThemeSync } from '../store';
import { changeThemeSetting } from '../store/settings';

export function SettingsPage() {
  return (
    <section className="page">
      <PageHeader title="Settings" />
      <ThemeSetting />
      <AppInfo />
    </section>
  );
}

function ThemeSetting() {
  const theme = useAppStore(selectThemePreference);
  const sync = useAppStore(selectThemeSync);
  const error = useAppStore(selectThemeError);
  return (
    <section className="section" aria-labelledby="appearance-heading">
      <h2 id="appearance-heading">Appearance</h2>
      <fieldset className="segmented">
        <legend>Theme</legend>
        {THEME_OPTIONS.map((o) => (
          <label key={o.value} className="segmented__option">
            <input
              type="radio"
              name="theme"
              value={o.value}
              checked={theme === o.value}
              onChange={() => void changeThemeSetting(api, appStore, o.value)}
            />
            <span>{o.label}</span>
          </label>
        ))}
      </fieldset>
      <p className="field-note" role="status">
        {sync === 'saving'
          ? 'Saving…'
          : sync === 'pending'
            ? 'Loading the saved theme…'
            : 'System follows your operating system’s light or dark setting.'}
      </p>
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}

function AppInfo() {
  const { data, error, loading, reload } = useCall('getAppInfo', {});
  return (
    <section className="section" aria-labelledby="about-heading" aria-busy={loading}>
      <h2 id="about-heading">About this installation</h2>
      {error ? <ErrorMessage title="Could not load app information" message={error} onRetry={reload} /> : null}
      {!data && loading ? <Loading label="Loading app information…" /> : null}
      {data ? (
        <dl className="facts">
          <dt>Version</dt>
          <dd>{data.version}</dd>
          <dt>Running as</dt>
          <dd>{data.host === 'electron' ? 'Desktop app' : 'Headless server (rollcall serve)'}</dd>
          <dt>Data folder</dt>
          <dd>
            <code className="select-all">{data.dataDir}</code>
          </dd>
          <dt>Database schema version</dt>
          <dd>{data.schemaVersion}</dd>
          <dt>SCIM listener</dt>
          <dd>{data.scimOrigin ? <code className="select-all">{data.scimOrigin}</code> : <span className="muted">Not running</span>}</dd>
        </dl>
      ) : null}
    </section>
  );
}
