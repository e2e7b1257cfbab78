/**
 * The record of every SCIM request (scim_exchanges): time, connection, method, path, query, status,
 * latency, and the request and response bodies with secrets redacted. Bodies are capped so a huge
 * list response cannot bloat the database; the cap is noted in the stored text.
 */
import type { Store } from '../core/store/store';

export const REDACTED = '[redacted]';
export const MAX_STORED_BODY = 256 * 1024;

export interface ExchangeStart {
  connectionId: string | null;
  receivedAt: string;
  method: string;
  path: string;
  query: string | null;
  remoteAddr: string | null;
  userAgent: string | null;
  authorized: boolean;
  requestBody: string | null;
}

export interface ExchangeEnd {
  status: number;
  responseBody: string | null;
  latencyMs: number;
  isProbe?: boolean;
  /** Relay mode: what the app answered (null when it did not), how long it took, or why it failed. */
  upstreamStatus?: number | null;
  upstreamLatencyMs?: number | null;
  upstreamError?: string | null;
}

/**
 * Replaces the values of secret attributes (`password` and any configured one), wherever they
 * appear: as keys at any depth, and in PATCH operations whose path names them.
 */
export function redact(value: unknown, secretNames: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, secretNames));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  // PATCH reads `op`, `path` and `value` case-insensitively (patch.ts), so redaction must too.
  const member = (name: string): unknown => obj[Object.keys(obj).find((k) => k.toLowerCase() === name) ?? name];
  const path = member('path');
  // Whatever `op` says (even a malformed operation that will be refused is logged).
  const pathNamesSecret = typeof path === 'string' && isSecretPath(path, secretNames);
  for (const [k, v] of Object.entries(obj)) {
    // A key may itself be a path (no-path PATCH values: `{"urn:…:User:password": …}`).
    if (isSecretPath(k, secretNames) || (pathNamesSecret && k.toLowerCase() === 'value')) out[k] = REDACTED;
    else out[k] = redact(v, secretNames);
  }
  return out;
}

function isSecretPath(path: string, secretNames: ReadonlySet<string>): boolean {
  // The attribute a path names: its last segment, value filters (`[…]`, which may hold dots) removed.
  const last =
    path
      .replace(/\[[^\]]*\]?/g, '')
      .trim()
      .split(/[:.]/)
      .pop()
      ?.trim()
      .toLowerCase() ?? '';
  return secretNames.has(last);
}

/** The request body as stored: redacted JSON when it parses, else a note (never the raw bytes of a secret). */
export function storedRequestBody(raw: Buffer | null, parsed: unknown, secretNames: ReadonlySet<string>, text?: string): string | null {
  if (raw === null || raw.length === 0) return null;
  if (parsed === undefined) {
    // Unparseable: a secret might be in there, so keep only its size.
    return `[unparseable body, ${raw.length} bytes]`;
  }
  // Fast path: when no secret name occurs anywhere in the text (keys are JSON strings, so a secret
  // key or path would contain the name), the body is stored as received.
  if (text !== undefined) {
    const lower = text.toLowerCase();
    let mentions = false;
    for (const name of secretNames) if (lower.includes(name)) mentions = true;
    if (!mentions && !lower.includes('\\u')) return cap(text);
  }
  return cap(JSON.stringify(redact(parsed, secretNames)));
}

export function cap(text: string | null): string | null {
  if (text === null || text.length <= MAX_STORED_BODY) return text;
  return `${text.slice(0, MAX_STORED_BODY)}…[truncated, ${text.length} characters in all]`;
}

export class ExchangeLog {
  private readonly insertStmt;

  constructor(store: Store) {
    this.insertStmt = store.db.prepare(
      `INSERT INTO scim_exchanges (connection_id, received_at, method, path, query, remote_addr, user_agent, authorized,
         request_body, status, response_body, latency_ms, is_probe, upstream_status, upstream_latency_ms, upstream_error)
       VALUES (@connectionId, @receivedAt, @method, @path, @query, @remoteAddr, @userAgent, @authorized,
         @requestBody, @status, @responseBody, @latencyMs, @isProbe, @upstreamStatus, @upstreamLatencyMs, @upstreamError)`,
    );
  }

  /** Inserts a complete exchange; returns its id. */
  record(start: ExchangeStart, end: ExchangeEnd): number {
    const info = this.insertStmt.run({
      ...start,
      authorized: start.authorized ? 1 : 0,
      status: end.status,
      responseBody: cap(end.responseBody),
      latencyMs: end.latencyMs,
      isProbe: end.isProbe ? 1 : 0,
      upstreamStatus: end.upstreamStatus ?? null,
      upstreamLatencyMs: end.upstreamLatencyMs ?? null,
      upstreamError: end.upstreamError ?? null,
    });
    return Number(info.lastInsertRowid);
  }
}
