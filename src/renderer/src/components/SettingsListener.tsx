import { useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../api';
import type { Settings } from '../../../shared/contract';
import {
  firstInvalidField,
  hasErrors,
  LISTENER_LABELS,
  listenerAddress,
  listenerChanged,
  listenerFormValues,
  listenerOnlyNote,
  settingsSaveError,
  toUpdateListenerInput,
  validateListenerForm,
  type Host,
  type ListenerErrors,
  type ListenerField,
  type ListenerFormValues,
  type SaveError,
} from '../lib/settings-form';
import { BusyButton } from './BusyButton';
import { FailureNotice } from './FailureNotice';

const HINTS: Readonly<Record<ListenerField, string>> = {
  host: '127.0.0.1 accepts connections from this computer only; 0.0.0.0 from every network this computer is on.',
  port: '0 to 65535; 0 picks a free port each time the listener starts.',
  tlsCertPath: 'PEM file: the server certificate, then any intermediates. Optional: set both files or neither.',
  tlsKeyPath: 'PEM file, not passphrase-protected, readable by you only.',
};

/**
 * "SCIM listener": where the desktop app's listener accepts pushes from identity providers.
 * Saving applies at once (the listener stops and listens at the new address). Problems are shown
 * next to their field (after the field was left or the form was sent), the core's refusals too.
 * In a browser the form is shown disabled: `rollcall serve` takes flags instead.
 */
export function SettingsListener({
  host,
  settings,
  scimOrigin,
  onSaved,
}: {
  host: Host;
  settings: Settings;
  scimOrigin: string | null;
  onSaved(next: Settings): void;
}) {
  const baseId = useId();
  const ids = (field: ListenerField) => ({
    input: `${baseId}-${field}`,
    hint: `${baseId}-${field}-hint`,
    error: `${baseId}-${field}-error`,
  });
  const noteId = `${baseId}-note`;
  const note = listenerOnlyNote(host);
  const saved = settings.scimListener;
  const [values, setValues] = useState<ListenerFormValues>(() => listenerFormValues(saved));
  const [touched, setTouched] = useState<Partial<Record<ListenerField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverFields, setServerFields] = useState<ListenerErrors>({});
  const [failure, setFailure] = useState<SaveError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputs = useRef<Partial<Record<ListenerField, HTMLInputElement | null>>>({});

  const clientErrors = validateListenerForm(values);
  const shownError = (field: ListenerField): string | undefined =>
    serverFields[field] ?? (submitted || touched[field] ? clientErrors[field] : undefined);
  const changed = listenerChanged(values, saved);

  const change = (field: ListenerField, value: string): void => {
    setValues((v) => ({ ...v, [field]: value }));
    setDone(null);
    if (serverFields[field] !== undefined) setServerFields(({ [field]: _dropped, ...rest }) => rest);
  };
  const focusField = (field: ListenerField | null): void => {
    if (field) inputs.current[field]?.focus();
  };
  const reset = (): void => {
    setValues(listenerFormValues(saved));
    setTouched({});
    setSubmitted(false);
    setServerFields({});
    setFailure(null);
  };

  async function submit(e: FormEvent<HTMLFormElement>): Promise<void> {
    e.preventDefault();
    if (busy || note) return;
    setSubmitted(true);
    setFailure(null);
    setServerFields({});
    setDone(null);
    const errors = validateListenerForm(values);
    if (hasErrors(errors)) {
      focusField(firstInvalidField(errors));
      return;
    }
    setBusy(true);
    try {
      const next = await api.updateSettings(toUpdateListenerInput(values));
      onSaved(next);
      setValues(listenerFormValues(next.scimListener));
      setTouched({});
      setSubmitted(false);
      setDone(
        `Saved. The desktop app’s SCIM listener restarts at ${listenerAddress(next.scimListener)} now; if it cannot listen there, the tray says why.`,
      );
    } catch (err) {
      const failed = settingsSaveError(err);
      setFailure(failed);
      setServerFields(failed.fields);
      focusField(firstInvalidField(failed.fields));
    } finally {
      setBusy(false);
    }
  }

  const field = (name: ListenerField, placeholder: string, optional: boolean) => {
    const error = shownError(name);
    return (
      <div className="field form-field">
        <label htmlFor={ids(name).input} className="field__label">
          {LISTENER_LABELS[name]}
          {optional ? <span className="field__optional"> (optional)</span> : null}
        </label>
        <input
          ref={(el) => {
            inputs.current[name] = el;
          }}
          id={ids(name).input}
          type="text"
          name={name}
          value={values[name]}
          placeholder={placeholder}
          inputMode={name === 'port' ? 'numeric' : undefined}
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="off"
          required={!optional}
          aria-invalid={error ? true : undefined}
          aria-describedby={[ids(name).hint, ids(name).error, note ? noteId : null].filter(Boolean).join(' ')}
          onChange={(e) => change(name, e.target.value)}
          onBlur={() => {
            if (values[name] !== listenerFormValues(saved)[name]) setTouched((t) => ({ ...t, [name]: true }));
          }}
        />
        <p id={ids(name).hint} className="field-hint small">
          {HINTS[name]}
        </p>
        <p id={ids(name).error} className="field-error small">
          {error ?? ''}
        </p>
      </div>
    );
  };

  return (
    <section className="section" aria-labelledby={`${baseId}-heading`}>
      <h2 id={`${baseId}-heading`}>SCIM listener</h2>
      <p className="section__intro">
        Where identity providers push users and groups. Changes apply to the desktop app’s listener at once: it stops and listens at the new
        address, so update the SCIM URL in your identity providers too. <code>rollcall serve</code> does not use these settings; it takes{' '}
        <code>--scim-host</code> and <code>--scim-port</code> flags instead.
      </p>
      <p className="small">
        {host === 'electron' ? 'The desktop app’s listener: ' : 'This rollcall serve listens at: '}
        {scimOrigin ? <code className="select-all">{scimOrigin}</code> : <span className="muted">not running</span>}
      </p>
      {note ? (
        <p id={noteId} className="settings-disabled-note">
          {note}
        </p>
      ) : null}
      <form className="settings-form" noValidate aria-busy={busy} onSubmit={(e) => void submit(e)}>
        <fieldset className="settings-group" disabled={note !== null}>
          <legend className="visually-hidden">SCIM listener address</legend>
          <div className="form-grid">
            {field('host', '127.0.0.1', false)}
            {field('port', '8610', false)}
            {field('tlsCertPath', '/path/to/cert.pem', true)}
            {field('tlsKeyPath', '/path/to/key.pem', true)}
          </div>
          <p className="field-hint small settings-form__tls">
            With both TLS files set the listener serves https (TLS 1.2 or later) with that certificate; identity providers need a
            certificate they trust for the name they call. If a file is missing, does not match the other or has expired, the listener does
            not start and the tray says why. Without them it serves plain http: put a TLS proxy or tunnel in front.
          </p>
          <div className="form-actions">
            <BusyButton type="submit" className="button button--primary" busy={busy} busyLabel="Saving…" unavailable={!changed}>
              Save listener settings
            </BusyButton>
            <button type="button" className="button button--quiet" onClick={reset} disabled={!changed || busy}>
              Undo changes
            </button>
          </div>
        </fieldset>
        <p className="field-note small settings-saved" role="status">
          {done ?? ''}
        </p>
        {failure ? (
          <FailureNotice title="Could not save the listener settings" message={failure.message} details={failure.details} />
        ) : null}
      </form>
    </section>
  );
}
