/**
 * The Settings page's rules: the SCIM listener form (validation with messages a person can act
 * on, the call input, server errors turned into field messages), what the desktop-only controls
 * say in a browser, and the texts that explain each setting. Pure.
 *
 * The contract stays the judge: the form accepts a listener exactly when the contract's
 * `scimListenerSettingsSchema` does (and the core's "both TLS paths or neither" rule holds), so
 * the form can never accept what the core refuses.
 */
import { RollcallApiError } from '../../../shared/client';
import { scimListenerSettingsSchema, type CallInput, type ScimListenerSettings } from '../../../shared/contract';
import { errorMessage } from './errors';

export type Host = 'electron' | 'headless';

/** The listener form as typed: every field is text (the port too, so "80a" can be explained). */
export interface ListenerFormValues {
  host: string;
  port: string;
  tlsCertPath: string;
  tlsKeyPath: string;
}
export type ListenerField = keyof ListenerFormValues;
export type ListenerErrors = Partial<Record<ListenerField, string>>;

/** The fields in the order they appear (the first invalid one gets focus). */
export const LISTENER_FIELDS: readonly ListenerField[] = ['host', 'port', 'tlsCertPath', 'tlsKeyPath'];

export const LISTENER_LABELS: Readonly<Record<ListenerField, string>> = {
  host: 'Host',
  port: 'Port',
  tlsCertPath: 'TLS certificate file',
  tlsKeyPath: 'TLS key file',
};

export const HOST_MAX = 253;
export const PATH_MAX = 4096;
export const PORT_MAX = 65535;

/** The desktop-only settings, with the label the page shows. */
export const DESKTOP_TOGGLES = ['startAtLogin', 'keepRunningInBackground', 'allowPlaintextSecrets'] as const;
export type DesktopToggle = (typeof DESKTOP_TOGGLES)[number];
export const TOGGLE_LABELS: Readonly<Record<DesktopToggle, string>> = {
  startAtLogin: 'Start Rollcall when I log in',
  keepRunningInBackground: 'Keep running in the background when the window closes',
  allowPlaintextSecrets: 'Store secrets without the OS keyring',
};
export const TOGGLE_HINTS: Readonly<Record<DesktopToggle, string>> = {
  startAtLogin: 'Opens Rollcall in the tray when you log in to this computer (installed app only).',
  keepRunningInBackground:
    'The SCIM listener keeps relaying and directories keep syncing from the tray. When off, closing the window quits Rollcall.',
  allowPlaintextSecrets:
    'Only matters when the OS keyring (Keychain, Windows credential store, GNOME Keyring or KWallet) is not available. ' +
    'Rollcall then encrypts directory and upstream credentials with a key file kept next to the database: anyone who can ' +
    'read your data folder can read those credentials. When off, Rollcall refuses to save credentials without the keyring.',
};

/** Why the desktop-only controls are disabled here, in one line; null in the desktop app. */
export function desktopOnlyNote(host: Host): string | null {
  return host === 'electron' ? null : 'Desktop app only: these settings do nothing for rollcall serve, so they cannot be changed here.';
}

/** Why the listener form is disabled here (serve takes flags), in one line; null in the desktop app. */
export function listenerOnlyNote(host: Host): string | null {
  return host === 'electron'
    ? null
    : 'Desktop app only: rollcall serve takes --scim-host and --scim-port when it starts, so this form is disabled here.';
}

export function listenerFormValues(s: ScimListenerSettings): ListenerFormValues {
  return { host: s.host, port: String(s.port), tlsCertPath: s.tlsCertPath ?? '', tlsKeyPath: s.tlsKeyPath ?? '' };
}

const hostSchema = scimListenerSettingsSchema.shape.host;

function hostProblem(raw: string): string | null {
  const host = raw.trim();
  if (host === '') return 'Enter a host name or IP address, e.g. 127.0.0.1 (this computer only) or 0.0.0.0 (every network).';
  if (host.length > HOST_MAX) return `Too long: ${host.length} characters, at most ${HOST_MAX}.`;
  if (!hostSchema.safeParse(host).success) {
    if (/^\[.*\]$/.test(host)) return `Leave out the brackets: ${host.slice(1, -1)}.`;
    if (/[/]/.test(host) || /^[a-z]+:\/\//i.test(host)) return 'Enter only the host name or IP address, without http:// or a path.';
    return 'Use letters, digits, dots, colons and dashes only (a host name or IP address).';
  }
  return null;
}

function portProblem(raw: string): string | null {
  const port = raw.trim();
  if (port === '') return `Enter a port from 0 to ${PORT_MAX} (0 picks a free one).`;
  if (!/^\d+$/.test(port)) return `Enter a whole number from 0 to ${PORT_MAX}.`;
  if (Number(port) > PORT_MAX) return `Too high: ports go up to ${PORT_MAX}.`;
  return null;
}

function pathProblem(raw: string): string | null {
  const p = raw.trim();
  return p.length > PATH_MAX ? `Too long: ${p.length} characters, at most ${PATH_MAX}.` : null;
}

/** Every problem of the listener form, one message per field; an empty object means it can be sent. */
export function validateListenerForm(values: ListenerFormValues): ListenerErrors {
  const errors: ListenerErrors = {};
  const host = hostProblem(values.host);
  if (host) errors.host = host;
  const port = portProblem(values.port);
  if (port) errors.port = port;
  const cert = pathProblem(values.tlsCertPath);
  if (cert) errors.tlsCertPath = cert;
  const key = pathProblem(values.tlsKeyPath);
  if (key) errors.tlsKeyPath = key;
  const hasCert = values.tlsCertPath.trim() !== '';
  const hasKey = values.tlsKeyPath.trim() !== '';
  if (hasCert && !hasKey && !errors.tlsKeyPath) errors.tlsKeyPath = 'Enter the key file too: TLS needs both files, or neither.';
  if (hasKey && !hasCert && !errors.tlsCertPath) errors.tlsCertPath = 'Enter the certificate file too: TLS needs both files, or neither.';
  return errors;
}

export function hasErrors(errors: ListenerErrors): boolean {
  return LISTENER_FIELDS.some((f) => errors[f] !== undefined);
}

export function firstInvalidField(errors: ListenerErrors): ListenerField | null {
  return LISTENER_FIELDS.find((f) => errors[f] !== undefined) ?? null;
}

/** The listener as the core stores it, for valid `values`: trimmed, empty paths as null. */
export function toListenerSettings(values: ListenerFormValues): ScimListenerSettings {
  const path = (p: string): string | null => (p.trim() === '' ? null : p.trim());
  return {
    host: values.host.trim(),
    port: Number(values.port.trim()),
    tlsCertPath: path(values.tlsCertPath),
    tlsKeyPath: path(values.tlsKeyPath),
  };
}

export function toUpdateListenerInput(values: ListenerFormValues): CallInput<'updateSettings'> {
  return { scimListener: toListenerSettings(values) };
}

/** True when the form differs from what is saved (after the same trimming the save does). */
export function listenerChanged(values: ListenerFormValues, saved: ScimListenerSettings): boolean {
  if (hasErrors(validateListenerForm(values))) return true;
  return JSON.stringify(toListenerSettings(values)) !== JSON.stringify(saved);
}

/** Where the listener will be reachable, as a person would type it in a browser (IPv6 in brackets). */
export function listenerAddress(s: Pick<ScimListenerSettings, 'host' | 'port'>): string {
  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  return s.port === 0 ? `${host} on a free port` : `${host}:${s.port}`;
}

export interface SaveError {
  message: string;
  /** One line per problem the core reported that belongs to no field. */
  details: string[];
  /** Messages to show next to fields. */
  fields: ListenerErrors;
}

function sentence(text: string): string {
  const t = text.trim();
  if (t === '') return t;
  const capital = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(capital) ? capital : `${capital}.`;
}

/** `scimListener.port` (or `port`) → `port`. */
function listenerFieldOf(path: string): ListenerField | null {
  const parts = path.split('.');
  const head = parts[0] === 'scimListener' ? parts[1] : parts[0];
  return (LISTENER_FIELDS as readonly string[]).includes(head ?? '') ? (head as ListenerField) : null;
}

/** What the page shows when `updateSettings` fails: field messages for the core's invalid_input issues. */
export function settingsSaveError(error: unknown): SaveError {
  if (!(error instanceof RollcallApiError)) return { message: errorMessage(error), details: [], fields: {} };
  if (error.code === 'invalid_input' && error.issues && error.issues.length > 0) {
    const fields: ListenerErrors = {};
    const details: string[] = [];
    for (const issue of error.issues) {
      const field = listenerFieldOf(issue.path);
      if (field) {
        if (fields[field] === undefined) fields[field] = sentence(issue.message);
      } else details.push(`${issue.path}: ${issue.message}`);
    }
    return { message: 'Rollcall did not accept these values.', details, fields };
  }
  if (error.code === 'conflict' && /\bTLS\b/.test(error.message)) {
    const message = sentence(error.message);
    return { message, details: [], fields: { tlsCertPath: message, tlsKeyPath: message } };
  }
  return { message: sentence(error.message) || 'Something went wrong.', details: [], fields: {} };
}
