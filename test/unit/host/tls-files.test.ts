/**
 * Reading the SCIM listener's certificate and key: every refusal is one sentence that names the
 * file, and is made before anything listens. Real certificates from test/fixtures/tls.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTlsFiles, tlsFromPaths, TlsFilesError } from '../../../src/main/host/tls-files';
import { tmpDataDir } from '../../helpers/tmp';

const FIXTURES = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
const fx = (name: string): string => path.join(FIXTURES, name);
const CERT = fx('server.pem');
const KEY = fx('server-key.pem');

function write(name: string, content: string | Buffer): string {
  const file = path.join(tmpDataDir('rollcall-tls-'), name);
  fs.writeFileSync(file, content);
  return file;
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(TlsFilesError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a TlsFilesError, but the files were accepted');
}

describe('readTlsFiles', () => {
  it('accepts the fixture server certificate and its key, returning the bytes as read', () => {
    const tls = readTlsFiles(CERT, KEY);
    expect(tls.cert.equals(fs.readFileSync(CERT))).toBe(true);
    expect(tls.key.equals(fs.readFileSync(KEY))).toBe(true);
    expect(tls.subject).toContain('CN=localhost');
    expect(tls.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(tls.validTo.toISOString()).toBe('2125-12-31T23:59:59.000Z');
  });

  it('accepts a chain that starts with the server certificate, and refuses one that does not', () => {
    const server = fs.readFileSync(CERT, 'utf8');
    const ca = fs.readFileSync(fx('ca.pem'), 'utf8');
    expect(readTlsFiles(write('chain.pem', server + ca), KEY).cert.toString()).toBe(server + ca);
    const reversed = write('reversed.pem', ca + server);
    expect(refusal(() => readTlsFiles(reversed, KEY))).toBe(
      `the private key in ${KEY} does not belong to the certificate in ${reversed} (with a chain, the server certificate must come first)`,
    );
  });

  it('names a missing certificate or key file', () => {
    const missing = path.join(tmpDataDir(), 'nope.pem');
    expect(refusal(() => readTlsFiles(missing, KEY))).toBe(`the TLS certificate file ${missing} does not exist`);
    expect(refusal(() => readTlsFiles(CERT, missing))).toBe(`the TLS private key file ${missing} does not exist`);
  });

  it('names a folder given instead of a file', () => {
    const dir = tmpDataDir();
    expect(refusal(() => readTlsFiles(dir, KEY))).toBe(`the TLS certificate file ${dir} is a folder, not a file`);
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')('names a file this user cannot read', () => {
    const key = write('key.pem', fs.readFileSync(KEY));
    fs.chmodSync(key, 0o000);
    expect(refusal(() => readTlsFiles(CERT, key))).toBe(`the TLS private key file ${key} is not readable by this user`);
  });

  it('refuses a file over 1 MiB without parsing it', () => {
    const big = write('big.pem', Buffer.alloc(1024 * 1024 + 1, 0x41));
    expect(refusal(() => readTlsFiles(big, KEY))).toBe(`the TLS certificate file ${big} is over 1 MiB: not a PEM certificate`);
  });

  it('refuses a certificate that is not PEM (DER, text) and says how to convert DER', () => {
    const der = write('cert.der', new X509Certificate(fs.readFileSync(CERT)).raw);
    expect(refusal(() => readTlsFiles(der, KEY))).toMatch(
      new RegExp(
        `^${escape(der)} is not a PEM certificate \\(no "-----BEGIN CERTIFICATE-----" line\\); a DER file converts with: openssl x509 -inform der`,
      ),
    );
    const text = write('cert.txt', 'hello\n');
    expect(refusal(() => readTlsFiles(text, KEY))).toMatch(/is not a PEM certificate/);
  });

  it('refuses a PEM certificate block whose content is not a certificate', () => {
    const bad = write('bad.pem', '-----BEGIN CERTIFICATE-----\nAAAAAAAA\n-----END CERTIFICATE-----\n');
    expect(refusal(() => readTlsFiles(bad, KEY))).toMatch(new RegExp(`^${escape(bad)}: the certificate cannot be read \\(.+\\)$`));
  });

  it('refuses a key file that is not a PEM private key, or a PEM key block that does not parse', () => {
    const text = write('key.txt', 'not a key');
    expect(refusal(() => readTlsFiles(CERT, text))).toBe(`${text} is not a PEM private key (no "-----BEGIN … PRIVATE KEY-----" line)`);
    const bad = write('bad-key.pem', '-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n');
    expect(refusal(() => readTlsFiles(CERT, bad))).toMatch(new RegExp(`^${escape(bad)}: the private key cannot be read \\(.+\\)$`));
  });

  it('says the files look swapped when the certificate and key are given the wrong way round', () => {
    expect(refusal(() => readTlsFiles(KEY, CERT))).toBe(
      `${KEY} holds a private key, not a certificate: are the certificate and key files swapped?`,
    );
    const certTwice = write('cert-as-key.pem', fs.readFileSync(CERT));
    expect(refusal(() => readTlsFiles(CERT, certTwice))).toBe(
      `${certTwice} holds a certificate, not a private key: are the certificate and key files swapped?`,
    );
  });

  it('refuses an encrypted key (PKCS#8 and traditional) instead of failing on a passphrase prompt', () => {
    const key = createPrivateKey(fs.readFileSync(KEY));
    const pkcs8 = write('enc.pem', key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }));
    expect(refusal(() => readTlsFiles(CERT, pkcs8))).toMatch(new RegExp(`^${escape(pkcs8)} is encrypted with a passphrase`));
    const sec1 = write('enc-ec.pem', key.export({ format: 'pem', type: 'sec1', cipher: 'aes-256-cbc', passphrase: 'secret' }));
    expect(fs.readFileSync(sec1, 'utf8')).toContain('Proc-Type: 4,ENCRYPTED');
    expect(refusal(() => readTlsFiles(CERT, sec1))).toMatch(/is encrypted with a passphrase/);
  });

  it('refuses a key that belongs to another certificate', () => {
    expect(refusal(() => readTlsFiles(CERT, fx('untrusted-key.pem')))).toBe(
      `the private key in ${fx('untrusted-key.pem')} does not belong to the certificate in ${CERT} (with a chain, the server certificate must come first)`,
    );
  });

  it('refuses an expired certificate, with its end date', () => {
    expect(refusal(() => readTlsFiles(fx('expired.pem'), fx('expired-key.pem')))).toBe(
      `the certificate in ${fx('expired.pem')} expired on 2000-12-31T23:59:59.000Z: identity providers refuse it; renew it and try again`,
    );
    // The same check on the long-lived certificate, seen from after its end date.
    expect(refusal(() => readTlsFiles(CERT, KEY, new Date('2126-01-01T00:00:00Z')))).toMatch(/expired on 2125-12-31T23:59:59\.000Z/);
  });

  it('refuses a certificate that is not valid yet', () => {
    expect(refusal(() => readTlsFiles(CERT, KEY, new Date('1999-06-01T00:00:00Z')))).toBe(
      `the certificate in ${CERT} is not valid until 2000-01-01T00:00:00.000Z: identity providers refuse it until then (check this computer's clock)`,
    );
  });
});

describe('tlsFromPaths (both or neither)', () => {
  it('is null without either path, and the checked material with both', () => {
    expect(tlsFromPaths(undefined, undefined)).toBeNull();
    expect(tlsFromPaths(null, null)).toBeNull();
    expect(tlsFromPaths('', '')).toBeNull();
    expect(tlsFromPaths(CERT, KEY)?.subject).toContain('CN=localhost');
  });

  it('refuses one path without the other', () => {
    expect(refusal(() => tlsFromPaths(CERT, undefined))).toBe(
      'TLS needs a private key file too: give both the certificate and the key, or neither',
    );
    expect(refusal(() => tlsFromPaths(null, KEY))).toBe(
      'TLS needs a certificate file too: give both the certificate and the key, or neither',
    );
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
