import { useId, useState } from 'react';
import { api } from '../api';
import type { Settings } from '../../../shared/contract';
import { errorMessage } from '../lib/errors';
import { DESKTOP_TOGGLES, desktopOnlyNote, TOGGLE_HINTS, TOGGLE_LABELS, type DesktopToggle, type Host } from '../lib/settings-form';

type Status = { kind: 'saving' | 'saved' | 'error'; toggle: DesktopToggle; text: string } | null;

/**
 * "Desktop app": start at login, keep running in the background, store secrets without the OS
 * keyring. Each checkbox saves as soon as it changes (the shell applies it at once); while it
 * saves it shows the new value, and goes back if saving fails. In a browser the group is shown
 * disabled with one line saying why.
 */
export function SettingsDesktop({ host, settings, onSaved }: { host: Host; settings: Settings; onSaved(next: Settings): void }) {
  const baseId = useId();
  const noteId = `${baseId}-note`;
  const note = desktopOnlyNote(host);
  const [pending, setPending] = useState<Partial<Record<DesktopToggle, boolean>>>({});
  const [status, setStatus] = useState<Status>(null);

  async function change(toggle: DesktopToggle, value: boolean): Promise<void> {
    setPending((p) => ({ ...p, [toggle]: value }));
    setStatus({ kind: 'saving', toggle, text: `Saving “${TOGGLE_LABELS[toggle]}”…` });
    try {
      const next = await api.updateSettings({ [toggle]: value });
      onSaved(next);
      setStatus({ kind: 'saved', toggle, text: `Saved: “${TOGGLE_LABELS[toggle]}” is ${next[toggle] ? 'on' : 'off'}.` });
    } catch (err) {
      setStatus({ kind: 'error', toggle, text: `Could not save “${TOGGLE_LABELS[toggle]}”: ${errorMessage(err)}` });
    } finally {
      setPending(({ [toggle]: _done, ...rest }) => rest);
    }
  }

  const checked = (toggle: DesktopToggle): boolean => pending[toggle] ?? settings[toggle];

  return (
    <section className="section" aria-labelledby={`${baseId}-heading`}>
      <h2 id={`${baseId}-heading`}>Desktop app</h2>
      {note ? (
        <p id={noteId} className="settings-disabled-note">
          {note}
        </p>
      ) : null}
      <fieldset className="settings-group" disabled={note !== null}>
        <legend className="visually-hidden">Desktop app</legend>
        {DESKTOP_TOGGLES.map((toggle) => {
          const inputId = `${baseId}-${toggle}`;
          const hintId = `${inputId}-hint`;
          const warning = toggle === 'allowPlaintextSecrets';
          return (
            <div key={toggle} className={`settings-toggle${warning ? ' settings-toggle--warning' : ''}`}>
              <input
                id={inputId}
                type="checkbox"
                name={toggle}
                checked={checked(toggle)}
                aria-describedby={[hintId, note ? noteId : null].filter(Boolean).join(' ')}
                onChange={(e) => void change(toggle, e.target.checked)}
              />
              <div>
                <label htmlFor={inputId} className="settings-toggle__label">
                  {TOGGLE_LABELS[toggle]}
                </label>
                <p id={hintId} className={warning ? 'settings-warning small' : 'field-hint small'}>
                  {warning ? <strong>Less safe. </strong> : null}
                  {TOGGLE_HINTS[toggle]}
                </p>
              </div>
            </div>
          );
        })}
      </fieldset>
      <p className={`field-note small${status?.kind === 'saved' ? ' settings-saved' : ''}`} role="status">
        {status && status.kind !== 'error' ? status.text : ''}
      </p>
      {status?.kind === 'error' ? (
        <p className="inline-error" role="alert">
          {status.text}
        </p>
      ) : null}
    </section>
  );
}
