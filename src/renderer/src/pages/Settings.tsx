import { useEffect, useState } from 'react';
import { api, useCall } from '../api';
import type { CallOutput, Settings } from '../../../shared/contract';
import { PageHeader } from '../components/PageHeader';
import { SettingsData } from '../components/SettingsData';
import { SettingsDesktop } from '../components/SettingsDesktop';
import { SettingsListener } from '../components/SettingsListener';
import { SettingsIntegrity } from '../components/SettingsIntegrity';
import { ErrorMessage, Loading } from '../components/Status';
import { THEME_OPTIONS } from '../lib/theme';
import { appStore, useAppStore } from '../store/hooks';
import { selectThemeError, selectThemePreference, selectThemeSync } from '../store';
import { changeThemeSetting } from '../store/settings';

export function SettingsPage() {
  return (
    <section className="page settings-page">
      <PageHeader title="Settings" />
      <ThemeSetting />
      <OtherSettings />
    </section>
  );
}

/** How long the desktop app's listener gets to restart before the page asks where it listens. */
const LISTENER_RESTART_MS = 1000;

/** Desktop app, SCIM listener, Data and About: they need the saved settings and the app info. */
function OtherSettings() {
  const info = useCall('getAppInfo', {});
  const loaded = useCall('getSettings', {});
  const [saved, setSaved] = useState<Settings | null>(null);
  const [listenerMoved, setListenerMoved] = useState(0);
  const settings = saved ?? loaded.data;
  const reloadInfo = info.reload;

  useEffect(() => {
    if (listenerMoved === 0) return;
    const timer = setTimeout(reloadInfo, LISTENER_RESTART_MS);
    return () => clearTimeout(timer);
  }, [listenerMoved, reloadInfo]);

  const onSaved = (next: Settings): void => {
    if (settings && JSON.stringify(next.scimListener) !== JSON.stringify(settings.scimListener)) setListenerMoved((n) => n + 1);
    setSaved(next);
  };

  if (info.error || loaded.error) {
    const retry = (): void => {
      if (info.error) info.reload();
      if (loaded.error) loaded.reload();
    };
    return <ErrorMessage title="Could not load the settings" message={(info.error ?? loaded.error)!} onRetry={retry} />;
  }
  if (!info.data || !settings) return <Loading label="Loading settings…" />;
  const host = info.data.host;
  return (
    <>
      <SettingsDesktop host={host} settings={settings} onSaved={onSaved} />
      <SettingsListener host={host} settings={settings} scimOrigin={info.data.scimOrigin} onSaved={onSaved} />
      <SettingsData dataDir={info.data.dataDir} />
      {/* Exports (issue #8) */}
      <SettingsIntegrity />
      <AppInfo info={info.data} />
    </>
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

function AppInfo({ info }: { info: CallOutput<'getAppInfo'> }) {
  return (
    <section className="section" aria-labelledby="about-heading">
      <h2 id="about-heading">About this installation</h2>
      <dl className="facts">
        <dt>Version</dt>
        <dd>{info.version}</dd>
        <dt>Running as</dt>
        <dd>{info.host === 'electron' ? 'Desktop app' : 'Headless server (rollcall serve)'}</dd>
        <dt>Database schema version</dt>
        <dd>{info.schemaVersion}</dd>
      </dl>
    </section>
  );
}
