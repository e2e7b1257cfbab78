/**
 * Settings → "Event log integrity" (issue #8): recomputes the hash chain from genesis and runs
 * SQLite's quick_check on the core's worker thread, with progress, and says what it found.
 */
import { useId, useState } from 'react';
import { api, usePush } from '../api';
import { useAction } from '../hooks';
import { formatCount } from '../lib/format';
import { BusyButton } from './BusyButton';
import './exports.css';

export function SettingsIntegrity() {
  const id = useId();
  const [progress, setProgress] = useState<{ checked: number; total: number } | null>(null);
  const check = useAction(() => {
    setProgress(null);
    return api.verifyEventLog({});
  }, 'Could not check the event log');
  const { busy, result, error } = check;
  usePush((m) => {
    if (m.kind === 'verify.progress' && busy) setProgress({ checked: m.checked, total: m.total });
  });

  const b = result?.chain.firstBreak;
  return (
    <section className="section settings-integrity" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Event log integrity</h2>
      <p className="section__intro">
        Every event's hash covers its content and the previous event's hash. Checking recomputes the whole chain, so an edited, deleted or
        reordered event shows up, and runs SQLite's own check of the database file. Exports run the same check first.
      </p>
      <BusyButton className="button" busy={busy} busyLabel="Verifying…" onClick={check.start} data-testid="verify-event-log">
        Verify event log
      </BusyButton>
      {busy && progress ? (
        <p role="status">
          <progress max={progress.total || 1} value={progress.checked} aria-label="Verification progress" /> {formatCount(progress.checked)}{' '}
          of {formatCount(progress.total)} events
        </p>
      ) : null}
      {result ? (
        <div className="settings-integrity__result" role="status" data-testid="verify-result">
          {result.chain.ok ? (
            <p className="settings-saved">
              Event log intact: {formatCount(result.chain.checked)} events verified. Chain head: event {result.chain.headSeq ?? '—'},{' '}
              <code>{result.chain.headHash}</code>
            </p>
          ) : (
            <p className="inline-error">
              Event log BROKEN at event {b!.seq} ({b!.reason}): {b!.message}.
            </p>
          )}
          <p className={result.integrity.ok ? '' : 'inline-error'}>
            Database file: {result.integrity.ok ? 'OK (quick_check)' : `damaged — ${result.integrity.messages.join('; ')}`}
          </p>
        </div>
      ) : null}
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
