import fs from 'node:fs';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  RefusingSecretStore,
  SafeStorageSecretStore,
  SecretStorageRefusedError,
  selectDesktopSecretStore,
  withKeyFileFallback,
  type SafeStorageLike,
} from '../../../src/main/core/secrets/desktop-secret-store';
import { KEY_FILE_NAME, KeyFileSecretStore } from '../../../src/main/core/secrets/secret-store';
import { CoreClient, PortSecretStore, type FromCore, type ToCore } from '../../../src/main/core/port-protocol';
import { tmpDataDir } from '../../helpers/tmp';

/** A stand-in for Electron's safeStorage: reversible, and visibly not clear text. */
function fakeSafeStorage(available: boolean, backend?: string): SafeStorageLike & { calls: number } {
  const fake = {
    calls: 0,
    isAsyncEncryptionAvailable: async () => available,
    encryptStringAsync: async (s: string) => {
      fake.calls++;
      return Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ 0x5a));
    },
    decryptStringAsync: async (b: Buffer) => ({ result: Buffer.from(b.map((x) => x ^ 0x5a)).toString('utf8') }),
    ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
  };
  return fake;
}

describe('desktop secret store selection', () => {
  it('uses the OS keyring when it is available', async () => {
    for (const [platform, backend] of [
      ['darwin', undefined],
      ['win32', undefined],
      ['linux', 'gnome_libsecret'],
      ['linux', 'kwallet6'],
    ] as const) {
      const dataDir = tmpDataDir();
      const safe = fakeSafeStorage(true, backend);
      const choice = await selectDesktopSecretStore({ safeStorage: safe, platform, allowPlaintext: false, dataDir });
      expect(choice.store.kind, `${platform} ${backend}`).toBe('safe-storage');
      expect(choice.warning).toBeNull();
      const sealed = await choice.store.encrypt('okta-ssws-token');
      expect(sealed.includes(Buffer.from('okta-ssws-token'))).toBe(false);
      expect(await choice.store.decrypt(sealed)).toBe('okta-ssws-token');
      expect(fs.existsSync(path.join(dataDir, KEY_FILE_NAME))).toBe(false);
    }
  });

  it('refuses to store secrets when there is no keyring, unless the user allowed it', async () => {
    for (const [platform, available, backend] of [
      ['linux', true, 'basic_text'], // Chromium's hard-coded key: clear text in all but name
      ['linux', false, 'gnome_libsecret'],
      ['linux', true, 'unknown'],
      ['darwin', false, undefined],
    ] as const) {
      const dataDir = tmpDataDir();
      const refused = await selectDesktopSecretStore({
        safeStorage: fakeSafeStorage(available, backend),
        platform,
        allowPlaintext: false,
        dataDir,
      });
      expect(refused.store).toBeInstanceOf(RefusingSecretStore);
      expect(refused.keyring.available).toBe(false);
      await expect(refused.store.encrypt('s3cret')).rejects.toBeInstanceOf(SecretStorageRefusedError);
      await expect(refused.store.encrypt('s3cret')).rejects.toThrow(
        /will not store secrets in clear.*Store secrets without the OS keyring/,
      );
      expect(fs.existsSync(path.join(dataDir, KEY_FILE_NAME))).toBe(false);

      const allowed = await selectDesktopSecretStore({
        safeStorage: fakeSafeStorage(available, backend),
        platform,
        allowPlaintext: true,
        dataDir,
      });
      expect(allowed.store).toBeInstanceOf(KeyFileSecretStore);
      expect(allowed.warning).toMatch(/protected only by the file permissions/);
      expect(await allowed.store.decrypt(await allowed.store.encrypt('s3cret'))).toBe('s3cret');
    }
  });

  it('tells its ciphertexts apart from the key file’s', async () => {
    const safe = new SafeStorageSecretStore(fakeSafeStorage(true));
    const keyFile = KeyFileSecretStore.open(tmpDataDir());
    await expect(safe.decrypt(await keyFile.encrypt('x'))).rejects.toThrow(/Not a secret stored with the OS keyring/);
    await expect(keyFile.decrypt(await safe.encrypt('x'))).rejects.toThrow(/unknown format/);
  });
});

describe('secrets across the utility-process boundary', () => {
  it('lets the core encrypt and decrypt through the main process, and carries refusals back', async () => {
    const { port1, port2 } = new MessageChannel();
    const coreSide = new PortSecretStore({ postMessage: (m: FromCore) => port2.postMessage(m) });
    port2.on('message', (m: ToCore) => {
      if (m.type === 'secret-result') coreSide.receive(m);
    });
    const client = new CoreClient({ postMessage: (m: ToCore) => port1.postMessage(m) });
    port1.on('message', (m: FromCore) => client.receive(m));
    const safe = fakeSafeStorage(true);
    client.setSecretStore(Promise.resolve(new SafeStorageSecretStore(safe)));

    const sealed = await coreSide.encrypt('entra-client-secret');
    expect(sealed[0]).toBe(2);
    expect(safe.calls).toBe(1);
    expect(await coreSide.decrypt(sealed)).toBe('entra-client-secret');
    await expect(coreSide.decrypt(Buffer.from([9, 9, 9]))).rejects.toThrow(/Not a secret stored with the OS keyring/);

    client.setSecretStore(Promise.resolve(new RefusingSecretStore('no keyring')));
    await expect(coreSide.encrypt('x')).rejects.toThrow('no keyring');
    port1.close();
  });
});

describe('secrets sealed by the CLI, opened by the desktop app', () => {
  it('decrypts key-file secrets when the key file exists, and seals new ones with the keyring', async () => {
    const dataDir = tmpDataDir();
    const fromCli = await KeyFileSecretStore.open(dataDir).encrypt('okta-api-token');
    const keyring = new SafeStorageSecretStore(fakeSafeStorage(true));
    const store = withKeyFileFallback(keyring, dataDir, () => fs.existsSync(path.join(dataDir, KEY_FILE_NAME)));
    expect(await store.decrypt(fromCli)).toBe('okta-api-token');
    const sealed = await store.encrypt('graph-secret');
    expect(sealed[0]).toBe(2);
    expect(await store.decrypt(sealed)).toBe('graph-secret');
    // without the key file there is nothing to fall back on: the keyring store's own error
    const elsewhere = withKeyFileFallback(keyring, tmpDataDir(), () => false);
    await expect(elsewhere.decrypt(fromCli)).rejects.toThrow(/OS keyring/);
  });
});
