import { useId, useRef, useState, type FormEvent } from 'react';
import { api } from '../api';
import type { CallOutput } from '../../../shared/contract';
import {
  createConnectionError,
  EMPTY_CONNECTION_FORM,
  firstInvalidField,
  hasErrors,
  slugHint,
  toCreateConnectionInput,
  validateConnectionForm,
  type ConnectionField,
  type ConnectionFormValues,
  type FieldErrors,
  type SubmitError,
} from '../lib/connection-form';
import { providerLabel } from '../lib/format';
import { PROVIDER_ORDER } from '../lib/idp';
import { BusyButton } from './BusyButton';
import { FailureNotice } from './FailureNotice';

type Created = CallOutput<'createConnection'>;

/**
 * "Add connection": name, app, identity provider and an optional slug. Problems are shown next to
 * their field (after the field was left or the form was sent) and tied to it with aria-invalid and
 * aria-describedby; what the core refuses is shown in an alert under the buttons.
 */
export function ConnectionForm({ takenSlugs, onCreated }: { takenSlugs: readonly string[]; onCreated(result: Created): void }) {
  const baseId = useId();
  const ids = (field: ConnectionField) => ({
    input: `${baseId}-${field}`,
    hint: `${baseId}-${field}-hint`,
    error: `${baseId}-${field}-error`,
  });
  const [values, setValues] = useState<ConnectionFormValues>(EMPTY_CONNECTION_FORM);
  const [touched, setTouched] = useState<Partial<Record<ConnectionField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverFields, setServerFields] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<SubmitError | null>(null);
  const [busy, setBusy] = useState(false);
  const inputs = useRef<Partial<Record<ConnectionField, HTMLInputElement | HTMLSelectElement | null>>>({});

  const clientErrors = validateConnectionForm(values);
  const shownError = (field: ConnectionField): string | undefined =>
    serverFields[field] ?? (submitted || touched[field] ? clientErrors[field] : undefined);

  const change = (field: ConnectionField, value: string): void => {
    setValues((v) => ({ ...v, [field]: value }));
    if (serverFields[field] !== undefined) setServerFields(({ [field]: _dropped, ...rest }) => rest);
  };
  const leave = (field: ConnectionField): void => {
    // An untouched empty field is not an error yet: only once something was typed or the form sent.
    if (values[field] !== EMPTY_CONNECTION_FORM[field]) setTouched((t) => ({ ...t, [field]: true }));
  };
  const focusField = (field: ConnectionField | null): void => {
    if (field) inputs.current[field]?.focus();
  };

  async function submit(e: FormEvent<HTMLFormElement>): Promise<void> {
    e.preventDefault();
    if (busy) return;
    setSubmitted(true);
    setFailure(null);
    setServerFields({});
    const errors = validateConnectionForm(values);
    if (hasErrors(errors)) {
      focusField(firstInvalidField(errors));
      return;
    }
    setBusy(true);
    try {
      const result = await api.createConnection(toCreateConnectionInput(values));
      setValues(EMPTY_CONNECTION_FORM);
      setTouched({});
      setSubmitted(false);
      onCreated(result);
    } catch (err) {
      const failed = createConnectionError(err);
      setFailure(failed);
      setServerFields(failed.fields);
      focusField(firstInvalidField(failed.fields));
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (field: ConnectionField, withHint: boolean): string =>
    [withHint ? ids(field).hint : null, ids(field).error].filter(Boolean).join(' ');
  const errorSlot = (field: ConnectionField) => (
    <p id={ids(field).error} className="field-error small">
      {shownError(field) ?? ''}
    </p>
  );
  const textField = (field: 'name' | 'app' | 'slug', label: string, placeholder: string, hint: string | null, required: boolean) => (
    <div className="field form-field">
      <label htmlFor={ids(field).input} className="field__label">
        {label}
        {required ? null : <span className="field__optional"> (optional)</span>}
      </label>
      <input
        ref={(el) => {
          inputs.current[field] = el;
        }}
        id={ids(field).input}
        type="text"
        name={field}
        value={values[field]}
        placeholder={placeholder}
        required={required}
        autoComplete="off"
        spellCheck={field !== 'slug'}
        autoCapitalize={field === 'slug' ? 'off' : undefined}
        aria-invalid={shownError(field) ? true : undefined}
        aria-describedby={describedBy(field, hint !== null)}
        onChange={(e) => change(field, e.target.value)}
        onBlur={() => leave(field)}
      />
      {hint !== null ? (
        <p id={ids(field).hint} className="field-hint small">
          {hint}
        </p>
      ) : null}
      {errorSlot(field)}
    </div>
  );

  return (
    <form className="connection-form" noValidate aria-busy={busy} onSubmit={(e) => void submit(e)}>
      <div className="form-grid">
        {textField('name', 'Name', 'Slack via Okta', null, true)}
        {textField('app', 'App', 'Slack', null, true)}
        <div className="field form-field">
          <label htmlFor={ids('provider').input} className="field__label">
            Identity provider
          </label>
          <select
            ref={(el) => {
              inputs.current.provider = el;
            }}
            id={ids('provider').input}
            name="provider"
            value={values.provider}
            required
            aria-invalid={shownError('provider') ? true : undefined}
            aria-describedby={describedBy('provider', false)}
            onChange={(e) => change('provider', e.target.value)}
          >
            {PROVIDER_ORDER.map((p) => (
              <option key={p} value={p}>
                {providerLabel(p)}
              </option>
            ))}
          </select>
          {errorSlot('provider')}
        </div>
        {textField('slug', 'Slug', 'slack', slugHint(values.app, takenSlugs), false)}
      </div>
      <div className="form-actions">
        <BusyButton type="submit" className="button button--primary" busy={busy} busyLabel="Adding…">
          Add connection
        </BusyButton>
        <span className="small muted">You get a SCIM URL and a token to paste into the identity provider.</span>
      </div>
      {failure ? <FailureNotice title={failure.title} message={failure.message} details={failure.details} /> : null}
    </form>
  );
}
