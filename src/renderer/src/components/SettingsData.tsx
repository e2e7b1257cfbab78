import { useId, useState } from 'react';
import { api } from '../api';
import type { CallOutput } from '../../../shared/contract';
import { errorMessage } from '../lib/errors';
import { BusyButton } from './BusyButton';

/**
 * "Data": the data folder (database, key file) and "Reveal in folder". The desktop app opens the
 * OS file manager; a browser cannot, and the core's answer says so with the path.
 */
export function SettingsData({ dataDir }: { dataDir: string }) {
  const baseId = useId();
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<CallOutput<'revealDataFolder'> | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function reveal(): Promise<void> {
    setBusy(true);
    setError(null);
    setAnswer(null);
    try {
      setAnswer(await api.revealDataFolder({}));
    } catch (err) {
      setError(`Could not reveal the data folder: ${errorMessage(err)}`);
    } finally {
      setBusy(false);
    }
  }

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
        <BusyButton className="button" busy={busy} busyLabel="Opening…" onClick={() => void reveal()}>
          Reveal in folder
        </BusyButton>
      </div>
      <p className={`field-note small${answer?.revealed ? ' settings-saved' : ''}`} role="status">
        {answer?.message ?? ''}
      </p>
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
