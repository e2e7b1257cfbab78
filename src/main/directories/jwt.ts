/**
 * Signed JWTs for the three assertion flavours the providers need, with node:crypto only:
 * Okta private_key_jwt (RS256), Microsoft client assertion with a certificate (PS256 or RS256,
 * `x5t#S256` header), Google service-account JWT bearer grant (RS256).
 */
import { constants, createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

export type JwtAlg = 'RS256' | 'PS256';

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function signingKey(alg: JwtAlg, key: KeyObject) {
  return alg === 'PS256' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } : key;
}

/** Parses a PEM (PKCS#8 or PKCS#1) private key or a private JWK object, with a clear error. */
export function privateKeyFrom(material: string | Record<string, unknown>): KeyObject {
  try {
    return typeof material === 'string' ? createPrivateKey(material) : createPrivateKey({ key: material as never, format: 'jwk' });
  } catch {
    throw new Error('the private key is not a valid PEM or JWK RSA private key');
  }
}

export function signJwt(header: Record<string, unknown> & { alg: JwtAlg }, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64url(JSON.stringify({ typ: 'JWT', ...header }))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), signingKey(header.alg, key));
  return `${input}.${b64url(signature)}`;
}

/** Standard claims for a client assertion / grant assertion valid for `lifetimeS` seconds. */
export function assertionClaims(
  claims: { iss: string; sub: string; aud: string; scope?: string },
  nowMs: number,
  lifetimeS = 300,
): Record<string, unknown> {
  const iat = Math.floor(nowMs / 1000);
  return { ...claims, iat, exp: iat + lifetimeS, jti: randomUUID() };
}

/** SHA-256 thumbprint of a DER certificate, as Microsoft's `x5t#S256` header wants it. */
export function certificateThumbprintS256(certPem: string): string {
  const der = Buffer.from(certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return createHash('sha256').update(der).digest('base64url');
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * Verifies a JWT's signature against a public key (PEM, JWK or KeyObject) and returns its parts;
 * throws on a bad signature or a malformed token. Expiry and audience are the caller's to check.
 * (Used by the fake IdP token endpoints in tests.)
 */
export function verifyJwt(token: string, publicKey: KeyObject | string | Record<string, unknown>): DecodedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('malformed JWT');
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new Error('malformed JWT');
  }
  const alg = header.alg;
  if (alg !== 'RS256' && alg !== 'PS256') throw new Error(`unsupported JWT alg ${String(alg)}`);
  const key =
    typeof publicKey === 'string'
      ? createPublicKey(publicKey)
      : 'type' in publicKey && typeof (publicKey as KeyObject).export === 'function'
        ? (publicKey as KeyObject)
        : createPublicKey({ key: publicKey as never, format: 'jwk' });
  if (!verify('sha256', Buffer.from(`${h}.${p}`), signingKey(alg, key), Buffer.from(s, 'base64url')))
    throw new Error('JWT signature does not verify');
  return { header, payload };
}
