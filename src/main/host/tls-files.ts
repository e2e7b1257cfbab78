/**
 * The SCIM listener's certificate and key, read from PEM files (`rollcall serve --scim-tls-cert
 * --scim-tls-key`, and the desktop settings' TLS paths), checked before anything listens so that a
 * mistake is one clear sentence naming the file instead of a TLS failure seen only by the identity
 * provider.
 *
 * Refused, with a `TlsFilesError`: only one of the two paths; a file missing, unreadable, a folder
 * or over 1 MiB; a certificate file with no PEM certificate (or holding a key: swapped files); a
 * key file with no PEM private key, an encrypted key (there is no one to ask for its passphrase)
 * or a key that is not the certificate's (the first certificate in the file, so a chain must
 * start with the server's own); a certificate that has expired or is not yet valid. An expired
 * certificate is refused, not merely warned about: every identity-provider call would fail its
 * TLS handshake, which looks like a silent provisioning outage from Rollcall's side.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';

export class TlsFilesError extends Error {}

export interface TlsMaterial {
  /** The certificate file as read: the server certificate, then any intermediates. */
  cert: Buffer;
  key: Buffer;
  /** The server certificate's subject and names, for messages. */
  subject: string;
  subjectAltName: string | undefined;
  validTo: Date;
}

const MAX_PEM_BYTES = 1024 * 1024;
const CERT_BLOCK = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----/;
const KEY_BLOCK = /-----BEGIN (?:(?:RSA|EC|DSA|ENCRYPTED) )?PRIVATE KEY-----/;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,\s*ENCRYPTED/;

/**
 * Both paths or neither: `null` when neither is set (plain http), the checked material when both
 * are, a `TlsFilesError` when only one is.
 */
export function tlsFromPaths(
  certPath: string | null | undefined,
  keyPath: string | null | undefined,
  now: Date = new Date(),
): TlsMaterial | null {
  const hasCert = certPath !== undefined && certPath !== null && certPath !== '';
  const hasKey = keyPath !== undefined && keyPath !== null && keyPath !== '';
  if (!hasCert && !hasKey) return null;
  if (!hasKey) throw new TlsFilesError('TLS needs a private key file too: give both the certificate and the key, or neither');
  if (!hasCert) throw new TlsFilesError('TLS needs a certificate file too: give both the certificate and the key, or neither');
  return readTlsFiles(certPath, keyPath, now);
}

/** Reads and checks a PEM certificate (chain) and its private key. */
export function readTlsFiles(certPath: string, keyPath: string, now: Date = new Date()): TlsMaterial {
  const cert = readPem(certPath, 'certificate');
  const key = readPem(keyPath, 'private key');
  const certText = cert.toString('latin1');
  const keyText = key.toString('latin1');

  if (!CERT_BLOCK.test(certText)) {
    if (KEY_BLOCK.test(certText)) {
      throw new TlsFilesError(`${certPath} holds a private key, not a certificate: are the certificate and key files swapped?`);
    }
    throw new TlsFilesError(
      `${certPath} is not a PEM certificate (no "-----BEGIN CERTIFICATE-----" line); a DER file converts with: openssl x509 -inform der -in FILE -out cert.pem`,
    );
  }
  if (!KEY_BLOCK.test(keyText)) {
    if (CERT_BLOCK.test(keyText)) {
      throw new TlsFilesError(`${keyPath} holds a certificate, not a private key: are the certificate and key files swapped?`);
    }
    throw new TlsFilesError(`${keyPath} is not a PEM private key (no "-----BEGIN … PRIVATE KEY-----" line)`);
  }
  if (ENCRYPTED_KEY.test(keyText)) {
    throw new TlsFilesError(
      `${keyPath} is encrypted with a passphrase, which Rollcall cannot ask for: store it unencrypted, readable by this user only (openssl pkey -in FILE -out key.pem)`,
    );
  }

  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new TlsFilesError(`${certPath}: the certificate cannot be read (${reason(err)})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new TlsFilesError(`${keyPath}: the private key cannot be read (${reason(err)})`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new TlsFilesError(
      `the private key in ${keyPath} does not belong to the certificate in ${certPath} (with a chain, the server certificate must come first)`,
    );
  }

  const validFrom = new Date(x509.validFrom);
  const validTo = new Date(x509.validTo);
  if (now.getTime() > validTo.getTime()) {
    throw new TlsFilesError(
      `the certificate in ${certPath} expired on ${validTo.toISOString()}: identity providers refuse it; renew it and try again`,
    );
  }
  if (now.getTime() < validFrom.getTime()) {
    throw new TlsFilesError(
      `the certificate in ${certPath} is not valid until ${validFrom.toISOString()}: identity providers refuse it until then (check this computer's clock)`,
    );
  }
  return { cert, key, subject: x509.subject, subjectAltName: x509.subjectAltName, validTo };
}

function readPem(file: string, what: 'certificate' | 'private key'): Buffer {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new TlsFilesError(`the TLS ${what} file ${file} is a folder, not a file`);
    if (stat.size > MAX_PEM_BYTES) throw new TlsFilesError(`the TLS ${what} file ${file} is over 1 MiB: not a PEM ${what}`);
    return fs.readFileSync(fd);
  } catch (err) {
    if (err instanceof TlsFilesError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TlsFilesError(`the TLS ${what} file ${file} does not exist`);
    if (code === 'EACCES' || code === 'EPERM') throw new TlsFilesError(`the TLS ${what} file ${file} is not readable by this user`);
    if (code === 'EISDIR') throw new TlsFilesError(`the TLS ${what} file ${file} is a folder, not a file`);
    throw new TlsFilesError(`the TLS ${what} file ${file} cannot be read (${reason(err)})`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
