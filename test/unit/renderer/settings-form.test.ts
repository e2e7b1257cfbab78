import { describe, expect, it } from 'vitest';
import { RollcallApiError } from '../../../src/shared/client';
import { contract, DEFAULT_SCIM_LISTENER, scimListenerSettingsSchema } from '../../../src/shared/contract';
import {
  desktopOnlyNote,
  firstInvalidField,
  hasErrors,
  listenerAddress,
  listenerChanged,
  listenerFormValues,
  listenerOnlyNote,
  settingsSaveError,
  toListenerSettings,
  toUpdateListenerInput,
  validateListenerForm,
  type ListenerFormValues,
} from '../../../src/renderer/src/lib/settings-form';

const valid: ListenerFormValues = { host: '127.0.0.1', port: '8610', tlsCertPath: '', tlsKeyPath: '' };

/** What the core accepts: the contract's schema plus its "both TLS paths or neither" rule. */
function coreAccepts(v: ListenerFormValues): boolean {
  const cert = v.tlsCertPath.trim() === '' ? null : v.tlsCertPath;
  const key = v.tlsKeyPath.trim() === '' ? null : v.tlsKeyPath;
  const port = /^\s*\d+\s*$/.test(v.port) ? Number(v.port) : NaN;
  const parsed = scimListenerSettingsSchema.safeParse({ host: v.host, port, tlsCertPath: cert, tlsKeyPath: key });
  return parsed.success && (cert === null) === (key === null);
}

describe('the SCIM listener form', () => {
  it('round-trips saved settings, with null paths as empty fields', () => {
    expect(listenerFormValues(DEFAULT_SCIM_LISTENER)).toEqual(valid);
    expect(toListenerSettings(listenerFormValues(DEFAULT_SCIM_LISTENER))).toEqual(DEFAULT_SCIM_LISTENER);
    const tls = { host: '0.0.0.0', port: 443, tlsCertPath: '/etc/rc/cert.pem', tlsKeyPath: '/etc/rc/key.pem' };
    expect(toListenerSettings(listenerFormValues(tls))).toEqual(tls);
  });

  it('accepts exactly what the core accepts', () => {
    const samples: Partial<ListenerFormValues>[] = [
      {},
      { host: 'localhost' },
      { host: '0.0.0.0' },
      { host: '::1' },
      { host: 'fe80::1' },
      { host: 'scim.example.com' },
      { host: '' },
      { host: '   ' },
      { host: '[::1]' },
      { host: 'http://localhost' },
      { host: 'local host' },
      { host: 'a'.repeat(253) },
      { host: 'a'.repeat(254) },
      { host: 'bücher.example' },
      { port: '0' },
      { port: '65535' },
      { port: '65536' },
      { port: '-1' },
      { port: '80a' },
      { port: '8.5' },
      { port: '' },
      { port: ' 8080 ' },
      { tlsCertPath: '/c.pem' },
      { tlsKeyPath: '/k.pem' },
      { tlsCertPath: '/c.pem', tlsKeyPath: '/k.pem' },
      { tlsCertPath: '  ', tlsKeyPath: '' },
      { tlsCertPath: 'x'.repeat(4097), tlsKeyPath: '/k.pem' },
    ];
    for (const s of samples) {
      const v = { ...valid, ...s };
      expect(!hasErrors(validateListenerForm(v)), JSON.stringify(s)).toBe(coreAccepts(v));
      if (coreAccepts(v)) expect(contract.updateSettings.input.safeParse(toUpdateListenerInput(v)).success).toBe(true);
    }
  });

  it('says what is wrong, next to the field that is wrong', () => {
    expect(validateListenerForm({ ...valid, host: '' }).host).toMatch(/Enter a host name or IP address/);
    expect(validateListenerForm({ ...valid, host: '[::1]' }).host).toBe('Leave out the brackets: ::1.');
    expect(validateListenerForm({ ...valid, host: 'http://localhost:8610' }).host).toMatch(/without http:\/\//);
    expect(validateListenerForm({ ...valid, port: '' }).port).toMatch(/0 to 65535/);
    expect(validateListenerForm({ ...valid, port: '80a' }).port).toBe('Enter a whole number from 0 to 65535.');
    expect(validateListenerForm({ ...valid, port: '70000' }).port).toBe('Too high: ports go up to 65535.');
    expect(validateListenerForm({ ...valid, tlsCertPath: '/c.pem' })).toEqual({
      tlsKeyPath: 'Enter the key file too: TLS needs both files, or neither.',
    });
    expect(validateListenerForm({ ...valid, tlsKeyPath: '/k.pem' })).toEqual({
      tlsCertPath: 'Enter the certificate file too: TLS needs both files, or neither.',
    });
    expect(validateListenerForm(valid)).toEqual({});
  });

  it('focuses the first invalid field in form order', () => {
    expect(firstInvalidField(validateListenerForm({ ...valid, port: 'x', host: '' }))).toBe('host');
    expect(firstInvalidField(validateListenerForm({ ...valid, port: 'x', tlsKeyPath: '/k' }))).toBe('port');
    expect(firstInvalidField({})).toBeNull();
  });

  it('trims what it sends and sends empty paths as null', () => {
    expect(toUpdateListenerInput({ host: ' localhost ', port: ' 9000 ', tlsCertPath: ' ', tlsKeyPath: '' })).toEqual({
      scimListener: { host: 'localhost', port: 9000, tlsCertPath: null, tlsKeyPath: null },
    });
  });

  it('knows when the form differs from what is saved', () => {
    expect(listenerChanged(valid, DEFAULT_SCIM_LISTENER)).toBe(false);
    expect(listenerChanged({ ...valid, host: ' 127.0.0.1 ' }, DEFAULT_SCIM_LISTENER)).toBe(false);
    expect(listenerChanged({ ...valid, port: '8611' }, DEFAULT_SCIM_LISTENER)).toBe(true);
    expect(listenerChanged({ ...valid, port: 'nope' }, DEFAULT_SCIM_LISTENER)).toBe(true);
  });

  it('writes the address as a person would type it', () => {
    expect(listenerAddress({ host: '127.0.0.1', port: 8610 })).toBe('127.0.0.1:8610');
    expect(listenerAddress({ host: '::1', port: 8610 })).toBe('[::1]:8610');
    expect(listenerAddress({ host: 'localhost', port: 0 })).toBe('localhost on a free port');
  });
});

describe('errors from the core', () => {
  it('puts invalid_input issues next to their fields, with or without the scimListener prefix', () => {
    const err = new RollcallApiError({
      code: 'invalid_input',
      message: 'Invalid input for updateSettings',
      issues: [
        { path: 'scimListener.port', message: 'too big: expected number to be <=65535' },
        { path: 'host', message: 'a host name or IP address' },
        { path: 'theme', message: 'invalid option' },
      ],
    });
    expect(settingsSaveError(err)).toEqual({
      message: 'Rollcall did not accept these values.',
      details: ['theme: invalid option'],
      fields: { port: 'Too big: expected number to be <=65535.', host: 'A host name or IP address.' },
    });
  });

  it('puts the core’s TLS refusal on both TLS fields', () => {
    const err = new RollcallApiError({ code: 'conflict', message: 'TLS needs both a certificate and a key file (or neither)' });
    const shown = settingsSaveError(err);
    expect(shown.fields.tlsCertPath).toBe('TLS needs both a certificate and a key file (or neither).');
    expect(shown.fields.tlsKeyPath).toBe(shown.fields.tlsCertPath);
  });

  it('passes other failures through as a sentence', () => {
    expect(settingsSaveError(new RollcallApiError({ code: 'internal', message: 'Internal error in updateSettings' }))).toEqual({
      message: 'Internal error in updateSettings.',
      details: [],
      fields: {},
    });
    expect(settingsSaveError(new TypeError('Failed to fetch')).message).toBe('Failed to fetch');
  });
});

describe('desktop-only controls', () => {
  it('explain themselves in a browser and say nothing in the desktop app', () => {
    expect(desktopOnlyNote('electron')).toBeNull();
    expect(listenerOnlyNote('electron')).toBeNull();
    expect(desktopOnlyNote('headless')).toMatch(/^Desktop app only: .*rollcall serve/);
    expect(listenerOnlyNote('headless')).toMatch(/--scim-host and --scim-port/);
    for (const note of [desktopOnlyNote('headless'), listenerOnlyNote('headless')]) expect(note).not.toContain('\n');
  });
});
