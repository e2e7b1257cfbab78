/**
 * Polled directories: their non-secret configuration (in sources.config), their credentials
 * (encrypted with the host's SecretStore into sources.secret, never returned or logged), and the
 * provider objects built from both when a sync runs.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { InvalidInputError, NotFoundError, zodIssues } from '../core/dispatch';
import type { SecretStore } from '../core/secrets/secret-store';
import type { Store } from '../core/store/store';
import { HttpClient, type AuthScheme, type FetchLike, type HttpClientOptions } from './http';
import type { DirectoryKind, DirectoryProvider } from './types';

export interface ProviderModule {
  readonly kind: DirectoryKind;
  /** Human name ("Okta", "Microsoft Entra ID", "Google Workspace"). */
  readonly label: string;
  readonly configSchema: z.ZodType;
  readonly secretsSchema: z.ZodType;
  create(
    config: never,
    secrets: never,
  ): { provider: DirectoryProvider; auth: AuthScheme; httpOptions: Pick<HttpClientOptions, 'isRetryable' | 'describeError'> };
}

/** The providers this build knows (providers/index.ts); tests may pass their own. */
export type ProviderModules = Readonly<Partial<Record<DirectoryKind, ProviderModule>>>;

export const DEFAULT_INTERVAL_MINUTES = 15;

/** When a directory is next due: its last run's start plus its interval (the schedule and the Sources page agree). */
export function dueAfter(lastStartedAt: string, intervalMinutes: number): Date {
  return new Date(Date.parse(lastStartedAt) + intervalMinutes * 60_000);
}

export interface Directory {
  id: string;
  kind: DirectoryKind;
  name: string;
  /** Non-secret provider configuration (URLs, ids, options). */
  config: Record<string, unknown>;
  intervalMinutes: number;
  paused: boolean;
  createdAt: string;
}

export interface NewDirectory {
  kind: DirectoryKind;
  name: string;
  config: unknown;
  secrets: unknown;
  intervalMinutes?: number;
}

interface Row {
  id: string;
  provider: DirectoryKind;
  name: string;
  config: string;
  secret: Buffer | null;
  paused: number;
  created_at: string;
}

interface StoredConfig {
  provider: Record<string, unknown>;
  intervalMinutes: number;
}

/** A directory's sources.config: its provider settings and its interval. */
export function parseStored(text: string): StoredConfig {
  const v = JSON.parse(text) as Partial<StoredConfig>;
  return { provider: v.provider ?? {}, intervalMinutes: v.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES };
}

const toDirectory = (r: Row): Directory => {
  const stored = parseStored(r.config);
  return {
    id: r.id,
    kind: r.provider,
    name: r.name,
    config: stored.provider,
    intervalMinutes: stored.intervalMinutes,
    paused: r.paused === 1,
    createdAt: r.created_at,
  };
};

export class Directories {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretStore,
    readonly modules: ProviderModules,
  ) {}

  private module(kind: string): ProviderModule {
    const m = (this.modules as Record<string, ProviderModule | undefined>)[kind];
    if (!m) throw new InvalidInputError(`Unknown directory kind "${kind}" (use ${Object.keys(this.modules).join(', ')})`);
    return m;
  }

  /** Validates, encrypts the credentials and stores a new directory. */
  async add(input: NewDirectory, now = new Date()): Promise<Directory> {
    const module = this.module(input.kind);
    const name = input.name.trim();
    if (!name) throw new InvalidInputError('A directory needs a name');
    const interval = input.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES;
    if (!Number.isInteger(interval) || interval < 1 || interval > 24 * 60) {
      throw new InvalidInputError('The sync interval must be a whole number of minutes between 1 and 1440');
    }
    const config = module.configSchema.safeParse(input.config);
    if (!config.success) throw new InvalidInputError(`Invalid ${module.label} settings`, zodIssues(config.error));
    const secrets = module.secretsSchema.safeParse(input.secrets);
    // Never echo secret values back: the issue paths and messages name the field, not its content.
    if (!secrets.success) throw new InvalidInputError(`Invalid ${module.label} credentials`, zodIssues(secrets.error));
    // Building the provider proves the pieces fit together (a key that parses, URLs that are URLs).
    try {
      module.create(config.data as never, secrets.data as never);
    } catch (err) {
      throw new InvalidInputError(`Invalid ${module.label} settings: ${err instanceof Error ? err.message : String(err)}`);
    }
    const sealed = await this.secrets.encrypt(JSON.stringify(secrets.data));
    const id = randomUUID();
    const t = now.toISOString();
    const stored: StoredConfig = { provider: config.data as Record<string, unknown>, intervalMinutes: interval };
    this.store.write(() => {
      this.store.db
        .prepare(
          `INSERT INTO sources (id, kind, provider, name, config, secret, created_at, updated_at)
           VALUES (?, 'directory', ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, input.kind, name, JSON.stringify(stored), sealed, t, t);
    });
    return this.get(id);
  }

  list(): Directory[] {
    return this.store.db
      .prepare<[], Row>(`SELECT * FROM sources WHERE kind = 'directory' AND removed_at IS NULL ORDER BY created_at, id`)
      .all()
      .map(toDirectory);
  }

  get(id: string): Directory {
    const row = this.row(id);
    return toDirectory(row);
  }

  private row(id: string): Row {
    const row = this.store.db
      .prepare<[string], Row>(`SELECT * FROM sources WHERE kind = 'directory' AND removed_at IS NULL AND id = ?`)
      .get(id);
    if (!row) throw new NotFoundError(`No directory "${id}"`);
    return row;
  }

  /** Stops polling and forgets the credentials; the directory's accounts and events stay as history. */
  remove(id: string, now = new Date()): Directory {
    const d = this.get(id);
    const t = now.toISOString();
    this.store.write(() => {
      this.store.db.prepare('UPDATE sources SET removed_at = ?, updated_at = ?, secret = NULL WHERE id = ?').run(t, t, id);
      this.store.db.prepare('DELETE FROM directory_cursors WHERE source_id = ?').run(id);
    });
    return d;
  }

  setPaused(id: string, paused: boolean, now = new Date()): Directory {
    this.get(id);
    this.store.write(() => {
      this.store.db.prepare('UPDATE sources SET paused = ?, updated_at = ? WHERE id = ?').run(paused ? 1 : 0, now.toISOString(), id);
    });
    return this.get(id);
  }

  /**
   * The validated settings and decrypted credentials of one directory, for a sync run on another
   * thread (the credentials stay in this process's memory; they are never logged or stored so).
   */
  async credentials(id: string): Promise<{ directory: Directory; config: unknown; secrets: unknown }> {
    const row = this.row(id);
    const directory = toDirectory(row);
    const module = this.module(directory.kind);
    if (!row.secret) throw new InvalidInputError(`Directory "${directory.name}" has no stored credentials; remove it and add it again`);
    let secrets: unknown;
    try {
      secrets = JSON.parse(await this.secrets.decrypt(row.secret));
    } catch {
      throw new InvalidInputError(`The credentials of directory "${directory.name}" cannot be decrypted (was the key file replaced?)`);
    }
    return { directory, config: module.configSchema.parse(directory.config), secrets: module.secretsSchema.parse(secrets) };
  }

  /** The provider and an HTTP client for one directory, credentials decrypted for this use only. */
  async open(
    id: string,
    options: { fetch?: FetchLike; http?: Partial<HttpClientOptions> } = {},
  ): Promise<{ directory: Directory; provider: DirectoryProvider; http: HttpClient }> {
    const { directory, config, secrets } = await this.credentials(id);
    const { provider, auth, httpOptions } = this.module(directory.kind).create(config as never, secrets as never);
    const http = new HttpClient({ ...httpOptions, ...options.http, auth, fetch: options.fetch ?? options.http?.fetch });
    return { directory, provider, http };
  }
}
