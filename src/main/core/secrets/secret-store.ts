/**
 * Secrets at rest (upstream and IdP credentials). The core only sees this interface; the
 * headless host implements it with a key file (mode 0600) beside the database, the desktop app
 * with Electron's safeStorage (OS keychain), decrypting in the main process on request.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export interface SecretStore {
  readonly kind: 'key-file' | 'safe-storage' | 'refused' | 'main-process';
  encrypt(plaintext: string): Promise<Buffer>;
  decrypt(ciphertext: Buffer): Promise<string>;
}

export const KEY_FILE_NAME = 'secret.key';
/** First byte of a key-file ciphertext. */
export const KEY_FILE_FORMAT = 1;
const VERSION = KEY_FILE_FORMAT;

/**
 * AES-256-GCM with a random 256-bit key stored in `<data-dir>/secret.key` (0600). Ciphertext
 * layout: version byte, 12-byte IV, 16-byte tag, data. Tampered ciphertext fails to decrypt.
 */
export class KeyFileSecretStore implements SecretStore {
  readonly kind = 'key-file';
  private constructor(private readonly key: Buffer) {}

  /** Whether a key file already exists in dataDir (secrets were stored with it). */
  static exists(dataDir: string): boolean {
    return fs.existsSync(path.join(dataDir, KEY_FILE_NAME));
  }

  static open(dataDir: string): KeyFileSecretStore {
    const file = path.join(dataDir, KEY_FILE_NAME);
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    let key: Buffer;
    try {
      // 'wx' creates only if absent: two processes starting together cannot overwrite each other.
      key = randomBytes(32);
      fs.writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      key = fs.readFileSync(file);
    }
    if (key.length !== 32) throw new Error(`${file} is not a Rollcall key file (expected 32 bytes, found ${key.length})`);
    if (process.platform !== 'win32') {
      const mode = fs.statSync(file).mode & 0o777;
      if (mode & 0o077) fs.chmodSync(file, 0o600);
    }
    return new KeyFileSecretStore(key);
  }

  async encrypt(plaintext: string): Promise<Buffer> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), data]);
  }

  async decrypt(ciphertext: Buffer): Promise<string> {
    if (ciphertext.length < 29 || ciphertext[0] !== VERSION) throw new Error('Not a Rollcall secret (unknown format)');
    const decipher = createDecipheriv('aes-256-gcm', this.key, ciphertext.subarray(1, 13));
    decipher.setAuthTag(ciphertext.subarray(13, 29));
    return Buffer.concat([decipher.update(ciphertext.subarray(29)), decipher.final()]).toString('utf8');
  }
}
