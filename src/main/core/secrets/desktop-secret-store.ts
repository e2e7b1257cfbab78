/**
 * The desktop app's secret store: Electron `safeStorage` (macOS Keychain, Windows DPAPI, the
 * Linux Secret Service or KWallet), and the rule for when the OS keyring is unavailable.
 *
 * No `electron` import: the shell passes `safeStorage` in as a `SafeStorageLike`, so the selection
 * logic is unit-tested under Node with a small fake instead of a mocked Electron.
 */
import { KEY_FILE_FORMAT, KeyFileSecretStore, type SecretStore } from './secret-store';

/** The part of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt?: boolean }>;
  /** Linux only. */
  getSelectedStorageBackend?(): string;
}

/** First byte of a safeStorage ciphertext (the key-file format starts with 1). */
export const SAFE_STORAGE_FORMAT = 2;

export class SafeStorageSecretStore implements SecretStore {
  readonly kind = 'safe-storage';
  constructor(private readonly safeStorage: SafeStorageLike) {}

  async encrypt(plaintext: string): Promise<Buffer> {
    return Buffer.concat([Buffer.from([SAFE_STORAGE_FORMAT]), await this.safeStorage.encryptStringAsync(plaintext)]);
  }

  async decrypt(ciphertext: Buffer): Promise<string> {
    if (ciphertext[0] !== SAFE_STORAGE_FORMAT) throw new Error('Not a secret stored with the OS keyring');
    return (await this.safeStorage.decryptStringAsync(ciphertext.subarray(1))).result;
  }
}

export class SecretStorageRefusedError extends Error {}

/** Stands in when no store may be used: every operation fails with the reason and the way out. */
export class RefusingSecretStore implements SecretStore {
  readonly kind = 'refused';
  constructor(readonly reason: string) {}
  async encrypt(): Promise<Buffer> {
    throw new SecretStorageRefusedError(this.reason);
  }
  async decrypt(): Promise<string> {
    throw new SecretStorageRefusedError(this.reason);
  }
}

/**
 * Linux backends that are not an OS keyring: `basic_text` encrypts with a key hard-coded in
 * Chromium (clear text in all but name); `unknown` means the app was not ready yet.
 */
const NOT_A_KEYRING = new Set(['basic_text', 'unknown']);

export interface KeyringStatus {
  readonly available: boolean;
  /** What was found, for the settings page and logs. */
  readonly backend: string;
}

export async function keyringStatus(safeStorage: SafeStorageLike, platform: NodeJS.Platform): Promise<KeyringStatus> {
  const encryption = await safeStorage.isAsyncEncryptionAvailable();
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    return { available: encryption && !NOT_A_KEYRING.has(backend), backend };
  }
  const backend = platform === 'darwin' ? 'keychain' : platform === 'win32' ? 'dpapi' : platform;
  return { available: encryption, backend };
}

export interface DesktopSecretStoreChoice {
  readonly store: SecretStore;
  readonly keyring: KeyringStatus;
  /** Shown to the user when secrets are not protected by the OS keyring. */
  readonly warning: string | null;
}

export const ALLOW_PLAINTEXT_HINT =
  'Turn on “Store secrets without the OS keyring” in Settings to store them protected only by file permissions, or start a keyring (e.g. GNOME Keyring, KWallet) and restart Rollcall.';

/**
 * Picks the store:
 * - OS keyring available → safeStorage;
 * - unavailable, and the user explicitly allowed it → the key file beside the database (AES-GCM,
 *   mode 0600: protected only by file permissions, like the headless host), with a warning;
 * - unavailable and not allowed → a store that refuses, saying why and how to allow it.
 */
export async function selectDesktopSecretStore(options: {
  safeStorage: SafeStorageLike;
  platform: NodeJS.Platform;
  allowPlaintext: boolean;
  dataDir: string;
}): Promise<DesktopSecretStoreChoice> {
  const keyring = await keyringStatus(options.safeStorage, options.platform);
  if (keyring.available) return { store: new SafeStorageSecretStore(options.safeStorage), keyring, warning: null };
  if (options.allowPlaintext) {
    return {
      store: KeyFileSecretStore.open(options.dataDir),
      keyring,
      warning: `The OS keyring is unavailable (${keyring.backend}); secrets are stored protected only by the file permissions of the data folder, as you allowed.`,
    };
  }
  return {
    store: new RefusingSecretStore(
      `Rollcall will not store secrets in clear: the OS keyring is unavailable (${keyring.backend}). ${ALLOW_PLAINTEXT_HINT}`,
    ),
    keyring,
    warning: null,
  };
}

/**
 * The CLI and `rollcall serve` seal credentials with the key file of the data folder; the desktop
 * app with the OS keyring. Both share one database, so the desktop also opens key-file secrets
 * (format byte 1) when that key file exists — a directory added with `rollcall directories add`
 * then polls in the desktop app too. New secrets still go to the chosen store.
 */
export function withKeyFileFallback(store: SecretStore, dataDir: string, keyFileExists: () => boolean): SecretStore {
  return {
    kind: store.kind,
    encrypt: (plaintext) => store.encrypt(plaintext),
    async decrypt(ciphertext) {
      if (ciphertext[0] === KEY_FILE_FORMAT && store.kind !== 'key-file' && keyFileExists())
        return KeyFileSecretStore.open(dataDir).decrypt(ciphertext);
      return store.decrypt(ciphertext);
    },
  };
}
