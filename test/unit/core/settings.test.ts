import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import { tmpDataDir } from '../../helpers/tmp';

let core: Core | undefined;
afterEach(() => core?.close());

async function call(name: 'getSettings' | 'updateSettings', input: unknown) {
  return core!.dispatch(name, input);
}

describe('settings', () => {
  it('starts from safe defaults: no login item, no clear-text secrets, SCIM on loopback', async () => {
    core = createCore({ dataDir: tmpDataDir(), host: 'electron', backgroundCheckpoints: false });
    expect(await call('getSettings', {})).toEqual({
      ok: true,
      value: {
        theme: 'system',
        startAtLogin: false,
        keepRunningInBackground: true,
        allowPlaintextSecrets: false,
        scimListener: { host: '127.0.0.1', port: 8610, tlsCertPath: null, tlsKeyPath: null },
        windowBounds: null,
      },
    });
  });

  it('changes only the fields given, merges the listener, and keeps them across a restart', async () => {
    const dir = tmpDataDir();
    core = createCore({ dataDir: dir, host: 'electron', backgroundCheckpoints: false });
    await call('updateSettings', { startAtLogin: true, scimListener: { port: 9000 } });
    const bounds = { x: 10, y: 20, width: 1000, height: 700, maximized: false };
    const after = await call('updateSettings', { windowBounds: bounds, theme: 'dark' });
    expect(after).toMatchObject({
      ok: true,
      value: { theme: 'dark', startAtLogin: true, scimListener: { host: '127.0.0.1', port: 9000 }, windowBounds: bounds },
    });
    core.close();
    core = createCore({ dataDir: dir, host: 'electron', backgroundCheckpoints: false });
    expect(await call('getSettings', {})).toMatchObject({ ok: true, value: { startAtLogin: true, windowBounds: bounds } });
  });

  it('refuses TLS with a certificate but no key, and bad hosts or ports, changing nothing', async () => {
    core = createCore({ dataDir: tmpDataDir(), host: 'headless', backgroundCheckpoints: false });
    expect(await call('updateSettings', { scimListener: { tlsCertPath: '/etc/rollcall/cert.pem' } })).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: /both a certificate and a key/ },
    });
    for (const bad of [{ port: 70000 }, { port: -1 }, { host: 'evil host/' }, { host: '' }, { color: 'red' }]) {
      expect(await call('updateSettings', { scimListener: bad }), JSON.stringify(bad)).toMatchObject({
        ok: false,
        error: { code: 'invalid_input' },
      });
    }
    expect(await call('updateSettings', { windowBounds: { x: 0, y: 0, width: 5, height: 5, maximized: false } })).toMatchObject({
      ok: false,
    });
    const both = await call('updateSettings', { scimListener: { tlsCertPath: '/c.pem', tlsKeyPath: '/k.pem' } });
    expect(both).toMatchObject({ ok: true, value: { scimListener: { port: 8610, tlsCertPath: '/c.pem', tlsKeyPath: '/k.pem' } } });
  });

  it('falls back to the default for a stored value that no longer parses', async () => {
    core = createCore({ dataDir: tmpDataDir(), host: 'electron', backgroundCheckpoints: false });
    core.store.setSetting('scimListener', '{"host":"127.0.0.1","port":"many"}');
    core.store.setSetting('startAtLogin', 'not json');
    expect(await call('getSettings', {})).toMatchObject({
      ok: true,
      value: { startAtLogin: false, scimListener: { port: 8610 } },
    });
  });
});
