import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KEY_FILE_NAME, KeyFileSecretStore } from '../../../src/main/core/secrets/secret-store';
import { tmpDataDir } from '../../helpers/tmp';

describe('key-file secret store', () => {
  it('encrypts with a 0600 key file, decrypts across reopen, and detects tampering', async () => {
    const dir = tmpDataDir();
    const a = KeyFileSecretStore.open(dir);
    const secret = 'okta-ssws-00aBcD_secret';
    const ct = await a.encrypt(secret);
    expect(ct.includes(Buffer.from(secret))).toBe(false);
    expect((await a.encrypt(secret)).equals(ct)).toBe(false); // random IV
    if (process.platform !== 'win32') expect(fs.statSync(path.join(dir, KEY_FILE_NAME)).mode & 0o777).toBe(0o600);
    const b = KeyFileSecretStore.open(dir);
    expect(await b.decrypt(ct)).toBe(secret);
    const tampered = Buffer.from(ct);
    tampered[tampered.length - 1]! ^= 1;
    await expect(b.decrypt(tampered)).rejects.toThrow();
    await expect(b.decrypt(Buffer.from('junk'))).rejects.toThrow(/unknown format/);
  });

  it('refuses a key file that is not one', () => {
    const dir = tmpDataDir();
    fs.writeFileSync(path.join(dir, KEY_FILE_NAME), 'short');
    expect(() => KeyFileSecretStore.open(dir)).toThrow(/not a Rollcall key file/);
  });
});
