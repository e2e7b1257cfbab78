import { useId } from 'react';
import { api } from '../api';
import { useAction } from '../hooks';
import { BusyButton } from './BusyButton';

/**
 * "Data": the data folder (database, key file) and "Reveal in folder". The desktop app opens the
 * OS file manager; a browser cannot, and the core's answer says so with the path.
 */
export function SettingsData({ dataDir }: { dataDir: string }) {
  const baseId = useId();
  const reveal = useAction(() => api.revealDataFolder({}), 'Could not reveal the data folder');
  const answer = reveal.result;

  return (
    <section className="section" aria-labelledby={`${baseId}-heading`}>
      <h2 id={`${baseId}-heading`}>Data</h2>
      <p className="section__intro">
        The database, its write-ahead log and the key file for stored credentials. Back up this folder while Rollcall is not running.
      </p>
      <div className="settings-data">
        <div className="field">
          <span className="field__label">Data folder</span>
          <code className="select-all settings-data__path">{dataDir}</code>
        </div>
        <BusyButton className="button" busy={reveal.busy} busyLabel="Opening…" onClick={reveal.start}>
          Reveal in folder
        </BusyButton>
      </div>
      <p className={`field-note small${answer?.revealed ? ' settings-saved' : ''}`} role="status">
        {answer?.message ?? ''}
      </p>
      {reveal.error ? (
        <p className="inline-error" role="alert">
          {reveal.error}
        </p>
      ) : null}
    </section>
  );
}
