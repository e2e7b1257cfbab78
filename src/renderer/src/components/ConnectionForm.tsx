import { useId, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import type { CallOutput } from '../../../shared/contract';
import { useScrubbedState } from '../hooks';
import {
  AUTH_KIND_LABELS,
  AUTH_KINDS,
  caFileSizeProblem,
  caFileSummary,
  caPemProblem,
  createConnectionError,
  DEFAULT_TIMEOUT_SECONDS,
  EMPTY_CONNECTION_FORM,
  FIELD_LABELS,
  firstInvalidField,
  hasErrors,
  MAX_TIMEOUT_SECONDS,
  MIN_TIMEOUT_SECONDS,
  slugHint,
  switchAuthKind,
  switchMode,
  toCreateConnectionInput,
  validateConnectionForm,
  type ConnectionField,
  type ConnectionFormValues,
  type ConnectionMode,
  type FieldErrors,
  type SubmitError,
} from '../lib/connection-form';
import { providerLabel } from '../lib/format';
import { PROVIDER_ORDER } from '../lib/idp';
import { BusyButton } from './BusyButton';
import { FailureNotice } from './FailureNotice';
import { FilePick, readTextFile } from './FilePick';

type Created = CallOutput<'createConnection'>;
type TextField = 'name' | 'app' | 'slug' | 'baseUrl' | 'username' | 'tokenUrl' | 'clientId' | 'scope';
type SecretField = 'token' | 'password' | 'clientSecret';

const MODES: readonly { value: ConnectionMode; label: string }[] = [
  { value: 'store', label: 'Store them (Rollcall is the SCIM app)' },
  { value: 'relay', label: 'Relay them to the app’s own SCIM API' },
];

/**
 * "Add connection": name, app, identity provider, an optional slug, and what Rollcall does with
 * the IdP's requests — store them, or relay them to the app's own SCIM API with the app's
 * credentials. Problems are shown next to their field (after the field was left or the form was
 * sent) and tied to it with aria-invalid and aria-describedby; what the core refuses is shown in
 * an alert under the buttons.
 *
 * The app's credentials are write-only: typed into this form's own state (never the store or the
 * URL), masked, sent once, and cleared when the connection is added; the core encrypts them and
 * never returns them.
 */
export function ConnectionForm({ takenSlugs, onCreated }: { takenSlugs: readonly string[]; onCreated(result: Created): void }) {
  const baseId = useId();
  const ids = (field: ConnectionField) => ({
    input: `${baseId}-${field}`,
    hint: `${baseId}-${field}-hint`,
    error: `${baseId}-${field}-error`,
  });
  // The values hold secrets: every change is followed by a render that overwrites the old ones.
  const [values, setValues] = useScrubbedState<ConnectionFormValues>(EMPTY_CONNECTION_FORM);
  const [touched, setTouched] = useState<Partial<Record<ConnectionField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverFields, setServerFields] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<SubmitError | null>(null);
  const [busy, setBusy] = useState(false);
  const [caFile, setCaFile] = useState<string | null>(null);
  // The file input is uncontrolled: a new key empties it when the form is reset.
  const [resetCount, setResetCount] = useState(0);
  const inputs = useRef<Partial<Record<ConnectionField, HTMLElement | null>>>({});

  const clientErrors = validateConnectionForm(values);
  const shownError = (field: ConnectionField): string | undefined =>
    serverFields[field] ?? (submitted || touched[field] ? clientErrors[field] : undefined);

  const clearServerError = (field: ConnectionField): void => {
    if (serverFields[field] !== undefined) setServerFields(({ [field]: _dropped, ...rest }) => rest);
  };
  const change = (field: ConnectionField, value: string): void => {
    setValues((v) => ({ ...v, [field]: value }));
    clearServerError(field);
  };
  const leave = (field: ConnectionField): void => {
    // An untouched empty field is not an error yet: only once something was typed or the form sent.
    if (values[field] !== EMPTY_CONNECTION_FORM[field]) setTouched((t) => ({ ...t, [field]: true }));
  };
  const focusField = (field: ConnectionField | null): void => {
    // After a render, so a field that just appeared (relay mode) exists.
    if (field) requestAnimationFrame(() => inputs.current[field]?.focus());
  };
  const register = (field: ConnectionField) => (el: HTMLElement | null) => {
    inputs.current[field] = el;
  };

  const chooseMode = (mode: ConnectionMode): void => {
    setValues((v) => switchMode(v, mode));
    setServerFields({});
    if (mode === 'store') {
      setCaFile(null);
      setResetCount((n) => n + 1);
    }
  };

  async function loadCa(e: ChangeEvent<HTMLInputElement>): Promise<void> {
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    setTouched((t) => ({ ...t, caPem: true }));
    try {
      const tooBig = caFileSizeProblem(file.size);
      if (tooBig) throw new Error(tooBig);
      const text = await readTextFile(file);
      const problem = caPemProblem(text);
      if (problem) throw new Error(problem);
      change('caPem', text);
      setCaFile(caFileSummary(file.name, file.size, text));
    } catch (err) {
      // A refused file is not kept: the previous one (if any) stays.
      setServerFields((s) => ({ ...s, caPem: `${file.name}: ${err instanceof Error ? err.message : String(err)}` }));
    }
  }

  const removeCa = (): void => {
    change('caPem', '');
    setCaFile(null);
    setResetCount((n) => n + 1);
    focusField('caPem');
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
      // The credentials leave the form's state (and, with the next render, React's memory of it);
      // the mode and authentication kind stay for the next connection.
      setValues({ ...EMPTY_CONNECTION_FORM, mode: values.mode, authKind: values.authKind });
      setTouched({});
      setSubmitted(false);
      setCaFile(null);
      setResetCount((n) => n + 1);
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
  const invalid = (field: ConnectionField): true | undefined => (shownError(field) ? true : undefined);

  const shell = (field: ConnectionField, hint: ReactNode, control: ReactNode, options: { optional?: boolean; wide?: boolean } = {}) => (
    <div className={`field form-field${options.wide ? ' form-field--wide' : ''}`} key={field}>
      <label htmlFor={ids(field).input} className="field__label">
        {FIELD_LABELS[field]}
        {options.optional ? <span className="field__optional"> (optional)</span> : null}
      </label>
      {control}
      {hint !== null ? (
        <p id={ids(field).hint} className="field-hint small">
          {hint}
        </p>
      ) : null}
      <p id={ids(field).error} className="field-error small">
        {shownError(field) ?? ''}
      </p>
    </div>
  );

  const textField = (
    field: TextField,
    hint: ReactNode,
    options: { placeholder?: string; optional?: boolean; type?: 'text' | 'url'; code?: boolean; wide?: boolean } = {},
  ) =>
    shell(
      field,
      hint,
      <input
        ref={register(field)}
        id={ids(field).input}
        type={options.type ?? 'text'}
        name={field}
        value={values[field]}
        placeholder={options.placeholder}
        required={!options.optional}
        autoComplete="off"
        spellCheck={options.code ? false : undefined}
        autoCapitalize={options.code ? 'off' : undefined}
        className={options.code ? 'mono' : undefined}
        aria-invalid={invalid(field)}
        aria-describedby={describedBy(field, hint !== null)}
        onChange={(e) => change(field, e.target.value)}
        onBlur={() => leave(field)}
      />,
      { optional: options.optional, wide: options.wide },
    );

  /** A write-only secret on one line: masked, never filled back in, gone once the connection is added. */
  const secretField = (field: SecretField, hint: ReactNode, options: { optional?: boolean } = {}) =>
    shell(
      field,
      hint,
      <input
        ref={register(field)}
        id={ids(field).input}
        type="password"
        name={field}
        value={values[field]}
        required={!options.optional}
        // Not the person's own password: keep password managers from saving or filling it.
        autoComplete="new-password"
        spellCheck={false}
        autoCapitalize="off"
        className="mono"
        aria-invalid={invalid(field)}
        aria-describedby={describedBy(field, true)}
        onChange={(e) => change(field, e.target.value)}
        onBlur={() => leave(field)}
      />,
      { optional: options.optional },
    );

  const authFields = (() => {
    switch (values.authKind) {
      case 'bearer':
        return secretField('token', 'The token the app issues for SCIM provisioning. Stored encrypted, never shown again.');
      case 'basic':
        return (
          <>
            {textField('username', null, { code: true })}
            {secretField('password', 'Some apps take an API key as the user name and no password. Stored encrypted, never shown again.', {
              optional: true,
            })}
          </>
        );
      case 'oauth':
        return (
          <>
            {textField('tokenUrl', 'Where Rollcall gets an access token (client credentials grant).', {
              type: 'url',
              code: true,
              placeholder: 'https://auth.example.com/oauth/token',
              wide: true,
            })}
            {textField('clientId', null, { code: true })}
            {secretField('clientSecret', 'Stored encrypted, never shown again.')}
            {textField('scope', 'Space-separated, if the app asks for one.', { optional: true, code: true })}
          </>
        );
    }
  })();

  const relayFields = (
    <>
      {textField('baseUrl', 'What the app’s /Users and /Groups hang off. http:// only for a server on this computer.', {
        type: 'url',
        code: true,
        placeholder: 'https://api.slack.com/scim/v2',
        wide: true,
      })}
      <fieldset className="segmented form-field--wide" key="authKind">
        <legend>{FIELD_LABELS.authKind}</legend>
        {AUTH_KINDS.map((k) => (
          <label key={k} className="segmented__option">
            <input
              ref={k === values.authKind ? register('authKind') : undefined}
              type="radio"
              name={`${baseId}-authKind`}
              value={k}
              checked={values.authKind === k}
              onChange={() => {
                setValues((v) => switchAuthKind(v, k));
                setServerFields({});
              }}
            />
            {AUTH_KIND_LABELS[k]}
          </label>
        ))}
      </fieldset>
      {authFields}
      {shell(
        'timeoutSeconds',
        `How long to wait for the app’s answer (${MIN_TIMEOUT_SECONDS}–${MAX_TIMEOUT_SECONDS}; ${DEFAULT_TIMEOUT_SECONDS} is usual). Past it, the IdP gets 504.`,
        <input
          ref={register('timeoutSeconds')}
          id={ids('timeoutSeconds').input}
          type="number"
          inputMode="numeric"
          min={MIN_TIMEOUT_SECONDS}
          max={MAX_TIMEOUT_SECONDS}
          step={1}
          name="timeoutSeconds"
          value={values.timeoutSeconds}
          required
          aria-invalid={invalid('timeoutSeconds')}
          aria-describedby={describedBy('timeoutSeconds', true)}
          onChange={(e) => change('timeoutSeconds', e.target.value)}
          onBlur={() => leave('timeoutSeconds')}
        />,
      )}
      {shell(
        'caPem',
        'Only if the app’s certificate is issued by a private CA: the CA’s certificate, in PEM.',
        <div className="ca-pick">
          <FilePick
            id={ids('caPem').input}
            inputRef={register('caPem')}
            accept=".pem,.crt,.cer"
            label={caFile ? 'Choose another file…' : 'Choose a certificate file…'}
            loaded={caFile ?? undefined}
            resetKey={resetCount}
            invalid={invalid('caPem')}
            describedBy={describedBy('caPem', true)}
            onChange={(e) => void loadCa(e)}
          />
          {caFile ? (
            <button type="button" className="button button--small button--quiet" onClick={removeCa}>
              Remove<span className="visually-hidden"> the CA certificate</span>
            </button>
          ) : null}
        </div>,
        { optional: true, wide: true },
      )}
      <p className="small muted form-field--wide">
        Extra headers and turning off TLS verification are set from the command line or the API only.
      </p>
    </>
  );

  return (
    <form className="connection-form" noValidate aria-busy={busy} onSubmit={(e) => void submit(e)}>
      <div className="form-grid">
        {textField('name', null, { placeholder: 'Slack via Okta' })}
        {textField('app', null, { placeholder: 'Slack' })}
        <div className="field form-field">
          <label htmlFor={ids('provider').input} className="field__label">
            Identity provider
          </label>
          <select
            ref={register('provider')}
            id={ids('provider').input}
            name="provider"
            value={values.provider}
            required
            aria-invalid={invalid('provider')}
            aria-describedby={describedBy('provider', false)}
            onChange={(e) => change('provider', e.target.value)}
          >
            {PROVIDER_ORDER.map((p) => (
              <option key={p} value={p}>
                {providerLabel(p)}
              </option>
            ))}
          </select>
          <p id={ids('provider').error} className="field-error small">
            {shownError('provider') ?? ''}
          </p>
        </div>
        {textField('slug', slugHint(values.app, takenSlugs), { placeholder: 'slack', optional: true, code: true })}
        <fieldset className="segmented form-field--wide connection-form__mode">
          <legend>{FIELD_LABELS.mode}</legend>
          {MODES.map((m) => (
            <label key={m.value} className="segmented__option">
              <input
                ref={m.value === values.mode ? register('mode') : undefined}
                type="radio"
                name={`${baseId}-mode`}
                value={m.value}
                checked={values.mode === m.value}
                onChange={() => chooseMode(m.value)}
              />
              {m.label}
            </label>
          ))}
        </fieldset>
        {values.mode === 'relay' ? relayFields : null}
      </div>
      <div className="form-actions">
        <BusyButton type="submit" className="button button--primary" busy={busy} busyLabel="Adding…">
          Add connection
        </BusyButton>
        <span className="small muted">
          You get a SCIM URL and a token to paste into the identity provider.
          {values.mode === 'relay' ? ' The app’s credentials are encrypted at rest and never shown again.' : ''}
        </span>
      </div>
      {failure ? <FailureNotice title={failure.title} message={failure.message} details={failure.details} /> : null}
    </form>
  );
}
