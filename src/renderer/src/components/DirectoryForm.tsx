import { useId, useRef, useState, type ChangeEvent, type FormEvent, type ReactNode } from 'react';
import { api } from '../api';
import { DEFAULT_MEMBERS_CONCURRENCY, MAX_MEMBERS_CONCURRENCY, type CallOutput } from '../../../shared/contract';
import { useScrubbedState } from '../hooks';
import {
  createDirectoryError,
  DIRECTORY_FIELD_LABELS,
  DIRECTORY_KINDS,
  EMPTY_DIRECTORY_FORM,
  firstInvalidDirectoryField,
  hasDirectoryErrors,
  keyFileSizeProblem,
  MAX_INTERVAL_MINUTES,
  MIN_INTERVAL_MINUTES,
  NAME_EXAMPLES,
  parseServiceAccountKey,
  switchDirectoryKind,
  toCreateDirectoryInput,
  validateDirectoryForm,
  type DirectoryField,
  type DirectoryFieldErrors,
  type DirectoryFormValues,
  type DirectoryKind,
  type DirectorySubmitError,
} from '../lib/directory-form';
import { providerLabel } from '../lib/format';
import { BusyButton } from './BusyButton';
import { FailureNotice } from './FailureNotice';
import { FilePick, readTextFile } from './FilePick';

type Created = CallOutput<'createDirectory'>['directory'];
type TextField = Exclude<DirectoryField, 'oktaAuth' | 'entraAuth' | 'serviceAccount'>;

const ADVANCED_FIELDS: readonly DirectoryField[] = ['authorityUrl', 'graphUrl'];

/**
 * "Add directory": a form per provider. Credentials are write-only: typed or loaded into this
 * form's own state (never the store or the URL), sent once, and cleared when the directory is
 * added; the core encrypts them and never returns them.
 */
export function DirectoryForm({ onCreated }: { onCreated(directory: Created): void }) {
  const baseId = useId();
  const ids = (field: string) => ({
    input: `${baseId}-${field}`,
    hint: `${baseId}-${field}-hint`,
    error: `${baseId}-${field}-error`,
    file: `${baseId}-${field}-file`,
  });
  // The values hold secrets: every change is followed by a render that overwrites the old ones.
  const [values, setValues] = useScrubbedState<DirectoryFormValues>(EMPTY_DIRECTORY_FORM);
  const [touched, setTouched] = useState<Partial<Record<DirectoryField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [serverFields, setServerFields] = useState<DirectoryFieldErrors>({});
  const [failure, setFailure] = useState<DirectorySubmitError | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  const [fileNames, setFileNames] = useState<Partial<Record<DirectoryField, string>>>({});
  // File inputs are uncontrolled: a new key empties them when the form is reset.
  const [resetCount, setResetCount] = useState(0);
  const inputs = useRef<Partial<Record<DirectoryField, HTMLElement | null>>>({});

  const clientErrors = validateDirectoryForm(values);
  const shownError = (field: DirectoryField): string | undefined =>
    serverFields[field] ?? (submitted || touched[field] ? clientErrors[field] : undefined);

  const clearServerError = (field: DirectoryField): void => {
    if (serverFields[field] !== undefined) setServerFields(({ [field]: _dropped, ...rest }) => rest);
  };
  const change = <F extends keyof DirectoryFormValues>(field: F, value: DirectoryFormValues[F]): void => {
    setValues((v) => ({ ...v, [field]: value }));
    setAdded(null);
    if (field !== 'kind' && field !== 'serviceAccountError') clearServerError(field);
  };
  const leave = (field: DirectoryField): void => {
    // An untouched field keeps quiet until something was typed or the form was sent.
    if (values[field] !== EMPTY_DIRECTORY_FORM[field]) setTouched((t) => ({ ...t, [field]: true }));
  };
  const focusField = (field: DirectoryField | null): void => {
    if (!field) return;
    if (ADVANCED_FIELDS.includes(field)) setAdvancedOpen(true);
    // After a render, so a field inside the advanced part is open and visible.
    requestAnimationFrame(() => inputs.current[field]?.focus());
  };

  const chooseKind = (kind: DirectoryKind): void => {
    setValues((v) => switchDirectoryKind(v, kind));
    setTouched({});
    setSubmitted(false);
    setServerFields({});
    setFailure(null);
    setAdded(null);
    setFileNames({});
    setResetCount((n) => n + 1);
  };

  async function loadPem(field: 'oktaPrivateKey' | 'certificate' | 'entraPrivateKey', e: ChangeEvent<HTMLInputElement>): Promise<void> {
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    const tooBig = keyFileSizeProblem(file.size);
    try {
      if (tooBig) throw new Error(tooBig);
      const text = await readTextFile(file);
      change(field, text.trim());
      setFileNames((n) => ({ ...n, [field]: file.name }));
      setTouched((t) => ({ ...t, [field]: true }));
    } catch (err) {
      setServerFields((s) => ({ ...s, [field]: `${file.name}: ${err instanceof Error ? err.message : String(err)}` }));
    }
  }

  async function loadServiceAccount(e: ChangeEvent<HTMLInputElement>): Promise<void> {
    const file = e.currentTarget.files?.[0];
    if (!file) return;
    const tooBig = keyFileSizeProblem(file.size);
    let next: Pick<DirectoryFormValues, 'serviceAccount' | 'serviceAccountError'>;
    try {
      const parsed = tooBig ? { ok: false as const, error: tooBig } : parseServiceAccountKey(await readTextFile(file));
      next = parsed.ok
        ? { serviceAccount: parsed.key, serviceAccountError: null }
        : { serviceAccount: null, serviceAccountError: parsed.error };
    } catch (err) {
      next = { serviceAccount: null, serviceAccountError: err instanceof Error ? err.message : String(err) };
    }
    setValues((v) => ({ ...v, ...next }));
    setFileNames(({ serviceAccount: _previous, ...rest }) => (next.serviceAccount ? { ...rest, serviceAccount: file.name } : rest));
    setTouched((t) => ({ ...t, serviceAccount: true }));
    setAdded(null);
    clearServerError('serviceAccount');
  }

  async function submit(e: FormEvent<HTMLFormElement>): Promise<void> {
    e.preventDefault();
    if (busy) return;
    setSubmitted(true);
    setFailure(null);
    setAdded(null);
    setServerFields({});
    const errors = validateDirectoryForm(values);
    if (hasDirectoryErrors(errors)) {
      focusField(firstInvalidDirectoryField(values, errors));
      return;
    }
    setBusy(true);
    try {
      const { directory } = await api.createDirectory(toCreateDirectoryInput(values));
      // The credentials leave the form's state (and, with the next render, React's memory of it).
      setValues({ ...EMPTY_DIRECTORY_FORM, kind: values.kind });
      setTouched({});
      setSubmitted(false);
      setFileNames({});
      setResetCount((n) => n + 1);
      setAdvancedOpen(false);
      setAdded(directory.name);
      onCreated(directory);
    } catch (err) {
      const failed = createDirectoryError(err, values.kind);
      setFailure(failed);
      setServerFields(failed.fields);
      focusField(firstInvalidDirectoryField(values, failed.fields));
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (field: DirectoryField, withHint: boolean): string =>
    [withHint ? ids(field).hint : null, ids(field).error].filter(Boolean).join(' ');
  const invalid = (field: DirectoryField): true | undefined => (shownError(field) ? true : undefined);
  const register = (field: DirectoryField) => (el: HTMLElement | null) => {
    inputs.current[field] = el;
  };

  const shell = (field: DirectoryField, hint: ReactNode, control: ReactNode, options: { optional?: boolean; wide?: boolean } = {}) => (
    <div className={`field form-field${options.wide ? ' form-field--wide' : ''}`} key={field}>
      <label htmlFor={ids(field).input} className="field__label">
        {DIRECTORY_FIELD_LABELS[field]}
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
    options: { placeholder?: string; optional?: boolean; type?: 'text' | 'url' | 'email'; code?: boolean } = {},
  ) =>
    shell(
      field,
      hint,
      <input
        ref={register(field)}
        id={ids(field).input}
        type={options.type ?? 'text'}
        name={field}
        value={values[field] as string}
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
      { optional: options.optional },
    );

  /** A whole number within bounds (the interval, the groups listed at once). */
  const numberField = (
    field: 'intervalMinutes' | 'membersConcurrency',
    hint: ReactNode,
    bounds: { min: number; max: number; optional?: boolean; placeholder?: string },
  ) =>
    shell(
      field,
      hint,
      <input
        ref={register(field)}
        id={ids(field).input}
        type="number"
        inputMode="numeric"
        min={bounds.min}
        max={bounds.max}
        step={1}
        name={field}
        value={values[field]}
        placeholder={bounds.placeholder}
        required={!bounds.optional}
        aria-invalid={invalid(field)}
        aria-describedby={describedBy(field, true)}
        onChange={(e) => change(field, e.target.value)}
        onBlur={() => leave(field)}
      />,
      { optional: bounds.optional },
    );

  const membersConcurrencyField = (idp: string) =>
    numberField(
      'membersConcurrency',
      `How many groups’ members a full sync lists at once (1–${MAX_MEMBERS_CONCURRENCY}; empty: ${DEFAULT_MEMBERS_CONCURRENCY}). Lower it if ${idp} keeps throttling the syncs.`,
      { min: 1, max: MAX_MEMBERS_CONCURRENCY, optional: true, placeholder: String(DEFAULT_MEMBERS_CONCURRENCY) },
    );

  /** A write-only secret on one line (API token, client secret). */
  const secretField = (field: 'apiToken' | 'clientSecret', hint: ReactNode) =>
    shell(
      field,
      hint,
      <input
        ref={register(field)}
        id={ids(field).input}
        type="password"
        name={field}
        value={values[field]}
        required
        autoComplete="off"
        spellCheck={false}
        className="mono"
        aria-invalid={invalid(field)}
        aria-describedby={describedBy(field, true)}
        onChange={(e) => change(field, e.target.value)}
        onBlur={() => leave(field)}
      />,
    );

  /** PEM text, pasted or loaded from a file; `secret` masks it on screen and keeps it from spell checkers. */
  const pemField = (field: 'oktaPrivateKey' | 'certificate' | 'entraPrivateKey', hint: ReactNode, secret: boolean, accept: string) =>
    shell(
      field,
      hint,
      <>
        <textarea
          ref={register(field)}
          id={ids(field).input}
          name={field}
          rows={4}
          value={values[field]}
          required
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="off"
          className={`mono pem-input${secret ? ' pem-input--secret' : ''}`}
          placeholder={field === 'certificate' ? '-----BEGIN CERTIFICATE-----' : '-----BEGIN PRIVATE KEY-----'}
          aria-invalid={invalid(field)}
          aria-describedby={describedBy(field, true)}
          onChange={(e) => {
            change(field, e.target.value);
            setFileNames(({ [field]: _gone, ...rest }) => rest);
          }}
          onBlur={() => leave(field)}
        />
        <FilePick
          id={ids(field).file}
          accept={accept}
          label={field === 'certificate' ? 'Load the certificate from a file…' : 'Load the key from a file…'}
          loaded={fileNames[field]}
          resetKey={resetCount}
          onChange={(e) => void loadPem(field, e)}
        />
      </>,
      { wide: true },
    );

  const radios = <V extends string>(
    field: 'oktaAuth' | 'entraAuth',
    legend: string,
    options: readonly { value: V; label: string }[],
    current: V,
    onChoose: (value: V) => void,
  ) => (
    <fieldset className="segmented form-field--wide" key={field}>
      <legend>{legend}</legend>
      {options.map((o) => (
        <label key={o.value} className="segmented__option">
          <input
            type="radio"
            name={`${baseId}-${field}`}
            value={o.value}
            checked={current === o.value}
            onChange={() => onChoose(o.value)}
          />
          {o.label}
        </label>
      ))}
    </fieldset>
  );

  const keyFile = values.serviceAccount;
  const providerFields = (() => {
    switch (values.kind) {
      case 'okta':
        return (
          <>
            {textField('baseUrl', 'Your Okta org address, not the Admin Console one (no “-admin”).', {
              placeholder: 'https://acme.okta.com',
              type: 'url',
              code: true,
            })}
            {radios(
              'oktaAuth',
              'Authentication',
              [
                { value: 'ssws', label: 'API token (SSWS)' },
                { value: 'oauth', label: 'OAuth 2.0 service app' },
              ],
              values.oktaAuth,
              (v) => change('oktaAuth', v),
            )}
            {values.oktaAuth === 'ssws' ? (
              secretField('apiToken', 'Security → API → Tokens. A read-only admin’s token is enough. Stored encrypted, never shown again.')
            ) : (
              <>
                {textField(
                  'oktaClientId',
                  'Applications → your API service app → General. Grant it okta.users.read, okta.groups.read and okta.logs.read.',
                  {
                    placeholder: '0oa1b2c3d4EXAMPLE',
                    code: true,
                  },
                )}
                {textField('keyId', 'The kid of the public key registered on the app; taken from a JWK when left empty.', {
                  optional: true,
                  code: true,
                })}
                {pemField(
                  'oktaPrivateKey',
                  'The private key whose public half is registered on the app: PEM, or the JWK Okta generated. Stored encrypted, never shown again.',
                  true,
                  '.pem,.key,.json,application/json,application/x-pem-file,text/plain',
                )}
              </>
            )}
            {membersConcurrencyField('Okta')}
          </>
        );
      case 'entra':
        return (
          <>
            {textField('tenantId', 'Directory (tenant) ID, on the app registration’s Overview.', {
              placeholder: '00000000-0000-0000-0000-000000000000',
              code: true,
            })}
            {textField(
              'entraClientId',
              'Give the app the User.Read.All and GroupMember.Read.All application permissions, with admin consent.',
              {
                placeholder: '00000000-0000-0000-0000-000000000000',
                code: true,
              },
            )}
            {radios(
              'entraAuth',
              'Authentication',
              [
                { value: 'secret', label: 'Client secret' },
                { value: 'certificate', label: 'Certificate' },
              ],
              values.entraAuth,
              (v) => change('entraAuth', v),
            )}
            {values.entraAuth === 'secret' ? (
              secretField(
                'clientSecret',
                'Certificates & secrets → Client secrets: the Value (not the Secret ID). Stored encrypted, never shown again.',
              )
            ) : (
              <>
                {pemField(
                  'certificate',
                  'The certificate uploaded to the app registration (public, PEM).',
                  false,
                  '.pem,.crt,.cer,text/plain',
                )}
                {pemField(
                  'entraPrivateKey',
                  'The certificate’s private key (PEM, without a passphrase). Stored encrypted, never shown again.',
                  true,
                  '.pem,.key,text/plain',
                )}
              </>
            )}
            <details className="advanced form-field--wide" open={advancedOpen} onToggle={(e) => setAdvancedOpen(e.currentTarget.open)}>
              <summary>National clouds (advanced)</summary>
              <p className="small muted">Leave empty for the global Azure cloud. For a national cloud, set both.</p>
              <div className="form-grid">
                {textField('authorityUrl', 'Default https://login.microsoftonline.com', {
                  optional: true,
                  type: 'url',
                  code: true,
                  placeholder: 'https://login.microsoftonline.us',
                })}
                {textField('graphUrl', 'Default https://graph.microsoft.com', {
                  optional: true,
                  type: 'url',
                  code: true,
                  placeholder: 'https://graph.microsoft.us',
                })}
              </div>
            </details>
          </>
        );
      case 'google':
        return (
          <>
            {shell(
              'serviceAccount',
              keyFile ? (
                <>
                  Read {fileNames.serviceAccount ?? 'the key file'}: service account <code>{keyFile.clientEmail}</code>
                  {keyFile.clientId ? (
                    <>
                      . In the Admin console (Security → API controls → Domain-wide delegation), authorise client ID{' '}
                      <code>{keyFile.clientId}</code> for the admin.directory.user.readonly and admin.directory.group.readonly scopes.
                    </>
                  ) : (
                    '.'
                  )}
                </>
              ) : (
                'Google Cloud console → IAM → Service accounts → Keys → Add key → JSON. Read here, the private key is stored encrypted and never shown again.'
              ),
              <FilePick
                id={ids('serviceAccount').input}
                inputRef={register('serviceAccount')}
                accept=".json,application/json"
                label={keyFile ? 'Choose another key file…' : 'Choose the JSON key file…'}
                loaded={fileNames.serviceAccount}
                resetKey={resetCount}
                invalid={invalid('serviceAccount')}
                describedBy={describedBy('serviceAccount', true)}
                onChange={(e) => void loadServiceAccount(e)}
              />,
              { wide: true },
            )}
            {textField('subject', 'A Workspace admin the service account acts as (domain-wide delegation).', {
              type: 'email',
              placeholder: 'admin@acme.com',
              code: true,
            })}
            {textField('customer', 'Leave empty for the admin’s own account (my_customer).', {
              optional: true,
              placeholder: 'C03az79cb',
              code: true,
            })}
            {membersConcurrencyField('Google')}
          </>
        );
    }
  })();

  return (
    <form className="directory-form" noValidate aria-busy={busy} onSubmit={(e) => void submit(e)}>
      <fieldset className="segmented">
        <legend>Identity provider</legend>
        {DIRECTORY_KINDS.map((k) => (
          <label key={k} className="segmented__option">
            <input type="radio" name={`${baseId}-kind`} value={k} checked={values.kind === k} onChange={() => chooseKind(k)} />
            {providerLabel(k)}
          </label>
        ))}
      </fieldset>
      <div className="form-grid directory-form__grid">
        {textField('name', null, {
          placeholder: NAME_EXAMPLES[values.kind],
        })}
        {providerFields}
        {numberField('intervalMinutes', `${MIN_INTERVAL_MINUTES}–${MAX_INTERVAL_MINUTES}; Rollcall polls on its own at this interval.`, {
          min: MIN_INTERVAL_MINUTES,
          max: MAX_INTERVAL_MINUTES,
        })}
      </div>
      <div className="form-actions">
        <BusyButton type="submit" className="button button--primary" busy={busy} busyLabel="Adding…">
          Add directory
        </BusyButton>
        <span className="small muted">Credentials are encrypted at rest and never shown again.</span>
      </div>
      {/* Always there, so screen readers announce what appears in it. */}
      <div role="status">
        {added ? (
          <div className="notice notice--ok">
            <p className="notice__body">
              Directory “{added}” added. Use <strong>Test connection</strong> in the list above to check its credentials, then{' '}
              <strong>Sync now</strong>.
            </p>
          </div>
        ) : null}
      </div>
      {failure ? <FailureNotice title={failure.title} message={failure.message} details={failure.details} /> : null}
    </form>
  );
}
