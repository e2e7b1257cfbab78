/**
 * SCIM connections: one per app, each with its own slug (the SCIM base URL is
 * `{scim origin}/scim/v2/{slug}`) and its own bearer token. The token is 256 random bits, shown
 * once, and stored only as its SHA-256; requests are checked against the hash in constant time.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SLUG_PATTERN, slugify } from '../../shared/slug';
import { storedUpstreamOf, type StoredUpstream } from '../relay/upstream';
import type { Store } from './store/store';
import { ConflictError, NotFoundError } from './dispatch';

export type Provider = 'okta' | 'entra' | 'google' | 'onelogin' | 'jumpcloud' | 'generic';

export interface Connection {
  id: string;
  name: string;
  app: string;
  provider: Provider;
  slug: string;
  createdAt: string;
  /** Changes whenever the connection's settings or token change (the relay rebuilds its client). */
  updatedAt: string;
  /** Relay mode: the app's SCIM API (credentials are sealed apart, in sources.secret); null: store mode. */
  upstream: StoredUpstream | null;
  /**
   * Attribute names redacted in the SCIM request log besides `password` (e.g. a custom
   * extension's `apiKey` the app receives through SCIM). Lowercase.
   */
  secretAttributes: string[];
}

export interface NewConnection {
  name: string;
  app: string;
  provider: Provider;
  slug?: string;
  secretAttributes?: string[];
  /** Relay mode: the upstream's stored settings and its credentials, already sealed by the SecretStore. */
  upstream?: { stored: StoredUpstream; sealed: Buffer };
}

const ATTR_NAME_RE = /^\$?[A-Za-z][A-Za-z0-9_-]{0,127}$/;

export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export { slugify };

interface Row {
  id: string;
  name: string;
  app: string | null;
  provider: Provider;
  slug: string;
  config: string;
  token_hash: Buffer | null;
  created_at: string;
  updated_at: string;
}

function parseConfig(config: string): { secretAttributes?: unknown; upstream?: unknown } {
  try {
    const parsed = JSON.parse(config) as unknown;
    return typeof parsed === 'object' && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

function toConnection(r: Row): Connection {
  const config = parseConfig(r.config);
  return {
    id: r.id,
    name: r.name,
    app: r.app ?? r.name,
    provider: r.provider,
    slug: r.slug,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    upstream: storedUpstreamOf(config),
    secretAttributes: Array.isArray(config.secretAttributes)
      ? config.secretAttributes.filter((a): a is string => typeof a === 'string')
      : [],
  };
}

export class Connections {
  private readonly bySlug;
  /**
   * Connection rows by slug, valid while no process has written to the database since they were
   * read (PRAGMA data_version) and this process has not changed a connection. A rotated or
   * removed token, from this process or the CLI, therefore stops working at once.
   */
  private cache = new Map<string, { row: Row; connection: Connection } | undefined>();
  private cacheVersion = -1;

  constructor(private readonly store: Store) {
    // Prepared once: authenticate runs on every SCIM request.
    this.bySlug = store.db.prepare<[string], Row>(`SELECT * FROM sources WHERE kind = 'connection' AND removed_at IS NULL AND slug = ?`);
  }

  private rowBySlug(slug: string): { row: Row; connection: Connection } | undefined {
    const version = this.store.dataVersion();
    if (version !== this.cacheVersion || this.cache.size > 1000) {
      this.cache = new Map();
      this.cacheVersion = version;
    }
    if (this.cache.has(slug)) return this.cache.get(slug);
    const row = this.bySlug.get(slug);
    const entry = row ? { row, connection: toConnection(row) } : undefined;
    this.cache.set(slug, entry);
    return entry;
  }

  private invalidate(): void {
    this.cache = new Map();
  }

  /** Creates a connection and returns it with its token (the only time the token is visible). */
  add(input: NewConnection, now = new Date()): Connection & { token: string } {
    const name = input.name.trim();
    const app = input.app.trim();
    if (!name) throw new ConflictError('A connection needs a name');
    if (!app) throw new ConflictError('A connection needs an app');
    if (input.slug !== undefined && !SLUG_PATTERN.test(input.slug)) {
      throw new ConflictError(`Invalid slug "${input.slug}": use lowercase letters, digits and dashes (1–64)`);
    }
    const secretAttributes = [...new Set((input.secretAttributes ?? []).map((a) => a.trim().toLowerCase()))];
    for (const a of secretAttributes) {
      if (!ATTR_NAME_RE.test(a)) throw new ConflictError(`"${a}" is not a SCIM attribute name`);
    }
    const config = JSON.stringify({
      ...(secretAttributes.length ? { secretAttributes } : {}),
      ...(input.upstream ? { upstream: input.upstream.stored } : {}),
    });
    const sealed = input.upstream?.sealed ?? null;
    const token = newToken();
    const id = randomUUID();
    const t = now.toISOString();
    const slug = this.store.write(() => {
      const taken = (s: string): boolean =>
        this.store.db.prepare('SELECT 1 FROM sources WHERE slug = ? AND removed_at IS NULL').get(s) !== undefined;
      let slug = input.slug ?? slugify(app);
      if (input.slug !== undefined && taken(slug)) throw new ConflictError(`The slug "${slug}" is already used by another connection`);
      for (let i = 2; taken(slug); i++) slug = `${slugify(app)}-${i}`;
      this.store.db
        .prepare(
          `INSERT INTO sources (id, kind, provider, name, app, slug, config, secret, token_hash, created_at, updated_at)
           VALUES (?, 'connection', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.provider, name, app, slug, config, sealed, hashToken(token), t, t);
      return slug;
    });
    this.invalidate();
    return {
      id,
      name,
      app,
      provider: input.provider,
      slug,
      createdAt: t,
      updatedAt: t,
      upstream: input.upstream?.stored ?? null,
      secretAttributes,
      token,
    };
  }

  list(): Connection[] {
    return this.store.db
      .prepare<[], Row>(`SELECT * FROM sources WHERE kind = 'connection' AND removed_at IS NULL ORDER BY created_at, id`)
      .all()
      .map(toConnection);
  }

  /** Finds a live connection by id or slug. */
  get(idOrSlug: string): Connection {
    const row = this.store.db
      .prepare<[string, string], Row>(`SELECT * FROM sources WHERE kind = 'connection' AND removed_at IS NULL AND (id = ? OR slug = ?)`)
      .get(idOrSlug, idOrSlug);
    if (!row) throw new NotFoundError(`No connection "${idOrSlug}"`);
    return toConnection(row);
  }

  /**
   * Removes a connection: its token stops working at once and its slug becomes free. Its accounts,
   * events and exchanges stay (the audit trail must not lose history).
   */
  remove(idOrSlug: string, now = new Date()): Connection {
    const c = this.get(idOrSlug);
    this.store.write(() => {
      this.store.db
        .prepare('UPDATE sources SET removed_at = ?, updated_at = ?, token_hash = NULL, secret = NULL WHERE id = ?')
        .run(now.toISOString(), now.toISOString(), c.id);
    });
    this.invalidate();
    return c;
  }

  /** Issues a new token; the old one stops working immediately. */
  rotateToken(idOrSlug: string, now = new Date()): Connection & { token: string } {
    const c = this.get(idOrSlug);
    const token = newToken();
    this.store.write(() => {
      this.store.db
        .prepare('UPDATE sources SET token_hash = ?, updated_at = ? WHERE id = ?')
        .run(hashToken(token), now.toISOString(), c.id);
    });
    this.invalidate();
    return { ...c, updatedAt: now.toISOString(), token };
  }

  /**
   * The connection a SCIM request may act on: the slug must exist and the bearer token must be
   * *that* connection's token. Same work whether the slug exists or not.
   */
  authenticate(slug: string, token: string | undefined): Connection | undefined {
    const entry = this.rowBySlug(slug);
    const presented = hashToken(token ?? '');
    const expected = entry?.row.token_hash ?? DUMMY_HASH;
    const ok = timingSafeEqual(presented, expected.length === 32 ? expected : DUMMY_HASH);
    return ok && entry && token !== undefined && entry.row.token_hash ? entry.connection : undefined;
  }
}

const DUMMY_HASH = hashToken(randomBytes(32).toString('hex'));
