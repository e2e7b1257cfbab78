/**
 * `rollcall directories add|list|remove` and `rollcall sync`. Secrets never come from flag values
 * (they would land in shell history and process lists): only from a named environment variable
 * or a file, read now and stored encrypted.
 */
import fs from 'node:fs';
import { InvalidInputError, NotFoundError } from '../core/dispatch';
import { KeyFileSecretStore } from '../core/secrets/secret-store';
import type { Store } from '../core/store/store';
import { parseServiceAccountFile } from '../directories/providers/google';
import { providerModules } from '../directories/providers/index';
import { Directories, type Directory, type ProviderModules } from '../directories/registry';
import { DirectorySync } from '../directories/service';
import { SyncBusyError, type SyncProgress, type SyncSummary } from '../directories/sync';
import type { FetchLike } from '../directories/http';
import type { DirectoryKind } from '../directories/types';
import { DEFAULT_MEMBERS_CONCURRENCY, MAX_MEMBERS_CONCURRENCY } from '../../shared/contract';
import { type FlagSpec, fromEnv, type ParsedFlags, parseFlags, str, UsageError } from './args';
import { CommandError } from './connections';

export const DIRECTORIES_USAGE = `Usage: rollcall directories <add|list|remove> [options]

  add --kind okta --name N --base-url URL --token-env VAR
      Okta with an API token (SSWS), read from the environment variable VAR.
  add --kind okta --name N --base-url URL --client-id C --private-key-file F [--key-id K] [--scopes "…"]
      Okta with an OAuth 2.0 service app (private_key_jwt; scopes default to
      okta.users.read okta.groups.read okta.logs.read).
  add --kind entra --name N --tenant-id T --client-id C --client-secret-env VAR
      [--authority-url URL --graph-url URL]
      Microsoft Entra ID through Microsoft Graph with a client secret (national clouds: set both URLs).
  add --kind entra --name N --tenant-id T --client-id C --certificate-file CERT.pem --private-key-file KEY.pem
      The same with a certificate.
  add --kind google --name N --service-account-file F --subject ADMIN_EMAIL
      [--customer C] [--token-url URL --base-url URL]
      Google Workspace through a service account with domain-wide delegation.
  Every add takes --interval-minutes M (default 15) and prints {id, …}. Okta and Google also take
  --members-concurrency N (1–${MAX_MEMBERS_CONCURRENCY}, default ${DEFAULT_MEMBERS_CONCURRENCY}): how many groups' members a full round lists at once.
  list
      Lists directories with their last sync (never their credentials).
  remove ID
      Stops polling and forgets the credentials; the directory's history is kept.

Options: --data-dir DIR, --json, -h/--help`;

export const SYNC_USAGE = `Usage: rollcall sync [--directory ID] [--full] [--json]

Polls every directory (or one) now. Progress goes to stderr; with --json, stdout gets a JSON
array with one summary per directory: {directory, name, status, baseline, mode, users, groups,
memberships, events, error} (users/groups/memberships seen, events emitted by this sync; a
directory's first sync is its baseline and emits none). Exit code 1 if any directory failed.

Options:
  --directory ID   Only this directory
  --full           Ignore incremental cursors and read everything (a full reconcile)
  --data-dir DIR, --json, -h/--help`;

export interface CliOut {
  stdout: (t: string) => void;
  stderr: (t: string) => void;
  env: NodeJS.ProcessEnv;
}

export interface DirectoryCliDeps {
  openStore: (values: ParsedFlags) => Store;
  /** Test seams. */
  providers?: ProviderModules;
  fetch?: FetchLike;
  readFile?: (file: string) => string;
}

const KINDS: readonly DirectoryKind[] = ['okta', 'entra', 'google'];

const ADD_FLAGS: FlagSpec = {
  kind: { type: 'string' },
  name: { type: 'string' },
  'interval-minutes': { type: 'string' },
  'members-concurrency': { type: 'string' },
  'base-url': { type: 'string' },
  'token-env': { type: 'string' },
  'client-id': { type: 'string' },
  'private-key-file': { type: 'string' },
  'key-id': { type: 'string' },
  scopes: { type: 'string' },
  'token-url': { type: 'string' },
  'tenant-id': { type: 'string' },
  'client-secret-env': { type: 'string' },
  'certificate-file': { type: 'string' },
  'authority-url': { type: 'string' },
  'graph-url': { type: 'string' },
  'service-account-file': { type: 'string' },
  subject: { type: 'string' },
  customer: { type: 'string' },
};

function required(values: ParsedFlags, name: string, kind: string): string {
  const v = str(values, name)?.trim();
  if (!v) throw new UsageError(`directories add --kind ${kind} needs --${name}`);
  return v;
}

function readFileOf(deps: DirectoryCliDeps, flag: string, file: string): string {
  try {
    return (deps.readFile ?? ((f) => fs.readFileSync(f, 'utf8')))(file);
  } catch (err) {
    throw new CommandError(`cannot read --${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Drops undefined values so the provider's schema applies its defaults. */
const defined = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function membersConcurrency(values: ParsedFlags): number | undefined {
  const raw = str(values, 'members-concurrency');
  if (raw === undefined) return undefined;
  const n = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_MEMBERS_CONCURRENCY))
    throw new UsageError(`--members-concurrency must be a whole number from 1 to ${MAX_MEMBERS_CONCURRENCY} (got "${raw}")`);
  return n;
}

/** The settings and credentials a `directories add` command line describes. */
export function directoryInputFromFlags(
  kind: DirectoryKind,
  values: ParsedFlags,
  env: NodeJS.ProcessEnv,
  deps: DirectoryCliDeps,
): { settings: Record<string, unknown>; credentials: Record<string, unknown> } {
  switch (kind) {
    case 'okta': {
      const baseUrl = required(values, 'base-url', kind);
      if (str(values, 'token-env')) {
        return {
          settings: defined({ baseUrl, auth: 'ssws', membersConcurrency: membersConcurrency(values) }),
          credentials: { apiToken: fromEnv(env, 'token-env', str(values, 'token-env')!) },
        };
      }
      if (str(values, 'client-id')) {
        const keyFile = required(values, 'private-key-file', kind);
        return {
          settings: defined({
            baseUrl,
            auth: 'oauth',
            clientId: required(values, 'client-id', kind),
            keyId: str(values, 'key-id'),
            scopes: str(values, 'scopes'),
            tokenUrl: str(values, 'token-url'),
            membersConcurrency: membersConcurrency(values),
          }),
          credentials: { privateKey: readFileOf(deps, 'private-key-file', keyFile) },
        };
      }
      throw new UsageError(
        'directories add --kind okta needs --token-env VAR (API token) or --client-id and --private-key-file (OAuth service app)',
      );
    }
    case 'entra': {
      // Graph's delta rounds return members with their groups: there is nothing to list per group.
      if (str(values, 'members-concurrency') !== undefined) throw new UsageError('--members-concurrency applies to okta and google only');
      const common = {
        tenantId: required(values, 'tenant-id', kind),
        clientId: required(values, 'client-id', kind),
        authorityUrl: str(values, 'authority-url'),
        graphUrl: str(values, 'graph-url'),
      };
      if (str(values, 'client-secret-env')) {
        return {
          settings: defined({ ...common, auth: 'secret' }),
          credentials: { clientSecret: fromEnv(env, 'client-secret-env', str(values, 'client-secret-env')!) },
        };
      }
      if (str(values, 'certificate-file')) {
        return {
          settings: defined({
            ...common,
            auth: 'certificate',
            certificate: readFileOf(deps, 'certificate-file', str(values, 'certificate-file')!),
          }),
          credentials: { privateKey: readFileOf(deps, 'private-key-file', required(values, 'private-key-file', kind)) },
        };
      }
      throw new UsageError('directories add --kind entra needs --client-secret-env VAR, or --certificate-file and --private-key-file');
    }
    case 'google': {
      const file = required(values, 'service-account-file', kind);
      let parsed: ReturnType<typeof parseServiceAccountFile>;
      try {
        parsed = parseServiceAccountFile(readFileOf(deps, 'service-account-file', file));
      } catch (err) {
        if (err instanceof CommandError) throw err;
        throw new CommandError(`--service-account-file ${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
      return {
        settings: defined({
          ...parsed.config,
          subject: required(values, 'subject', kind),
          customer: str(values, 'customer'),
          tokenUrl: str(values, 'token-url'),
          baseUrl: str(values, 'base-url'),
          membersConcurrency: membersConcurrency(values),
        }),
        credentials: { ...parsed.secrets },
      };
    }
  }
}

function describeDirectory(d: Directory, last: { status: string; finished_at: string | null; error: string | null } | undefined): string {
  const sync = last
    ? `${last.status}${last.finished_at ? ` ${last.finished_at}` : ''}${last.error ? ` (${last.error})` : ''}`
    : 'never synced';
  return `${d.id}  ${d.kind.padEnd(6)} ${d.name.padEnd(24)} every ${d.intervalMinutes} min  last sync: ${sync}`;
}

export async function runDirectories(args: string[], io: CliOut, deps: DirectoryCliDeps): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    io.stdout(DIRECTORIES_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (!['add', 'list', 'remove'].includes(sub)) throw new UsageError(`Unknown directories command "${sub}" (add, list, remove)`);
  const positional = rest[0] !== undefined && !rest[0].startsWith('-') ? rest[0] : undefined;
  const values = parseFlags(positional === undefined ? rest : rest.slice(1), sub === 'add' ? ADD_FLAGS : {});
  if (values.help) {
    io.stdout(DIRECTORIES_USAGE);
    return 0;
  }
  if (sub !== 'remove' && positional !== undefined) throw new UsageError(`Unexpected argument "${positional}"`);
  if (sub === 'remove' && positional === undefined) throw new UsageError('directories remove needs a directory id');

  let input:
    | {
        kind: DirectoryKind;
        name: string;
        intervalMinutes?: number;
        settings: Record<string, unknown>;
        credentials: Record<string, unknown>;
      }
    | undefined;
  if (sub === 'add') {
    const kind = str(values, 'kind');
    if (!kind) throw new UsageError(`directories add needs --kind (${KINDS.join(', ')})`);
    if (!KINDS.includes(kind as DirectoryKind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')} (got "${kind}")`);
    const name = required(values, 'name', kind);
    const interval = str(values, 'interval-minutes');
    if (interval !== undefined && !/^\d{1,4}$/.test(interval))
      throw new UsageError(`--interval-minutes must be a whole number (got "${interval}")`);
    input = {
      kind: kind as DirectoryKind,
      name,
      intervalMinutes: interval === undefined ? undefined : Number(interval),
      ...directoryInputFromFlags(kind as DirectoryKind, values, io.env, deps),
    };
  }

  const store = deps.openStore(values);
  try {
    const directories = new Directories(store, KeyFileSecretStore.open(store.dataDir), deps.providers ?? providerModules);
    const json = values.json === true;
    switch (sub) {
      case 'add': {
        const d = await directories.add({
          kind: input!.kind,
          name: input!.name,
          config: input!.settings,
          secrets: input!.credentials,
          intervalMinutes: input!.intervalMinutes,
        });
        const result = { id: d.id, kind: d.kind, name: d.name, intervalMinutes: d.intervalMinutes, settings: d.config };
        if (json) io.stdout(JSON.stringify(result));
        else {
          io.stdout(`Added directory "${d.name}" (${d.kind}), polled every ${d.intervalMinutes} minutes.`);
          io.stdout(`id: ${d.id}`);
          io.stdout(`Run "rollcall sync --directory ${d.id}" to poll it now.`);
        }
        return 0;
      }
      case 'list': {
        const lastOf = store.db.prepare<[string], { status: string; finished_at: string | null; error: string | null }>(
          'SELECT status, finished_at, error FROM directory_syncs WHERE source_id = ? ORDER BY id DESC LIMIT 1',
        );
        const list = directories.list();
        if (json) {
          io.stdout(
            JSON.stringify(
              list.map((d) => ({
                id: d.id,
                kind: d.kind,
                name: d.name,
                intervalMinutes: d.intervalMinutes,
                paused: d.paused,
                settings: d.config,
                lastSync: lastOf.get(d.id) ?? null,
              })),
            ),
          );
        } else if (list.length === 0)
          io.stdout('No directories. Add one: rollcall directories add --kind okta --name N --base-url URL --token-env VAR');
        else for (const d of list) io.stdout(describeDirectory(d, lastOf.get(d.id)));
        return 0;
      }
      default: {
        const d = directories.remove(positional!);
        io.stdout(json ? JSON.stringify({ id: d.id, removed: true }) : `Removed directory "${d.name}" (${d.id}); its history is kept.`);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof NotFoundError) throw new CommandError(err.message);
    if (err instanceof InvalidInputError) {
      const details = err.issues?.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw new CommandError(details ? `${err.message}: ${details}` : err.message);
    }
    throw err;
  } finally {
    store.close();
  }
}

const count = (n: number) => n.toLocaleString('en-US');

export async function runSyncCommand(args: string[], io: CliOut, deps: DirectoryCliDeps): Promise<number> {
  const values = parseFlags(args, { directory: { type: 'string' }, full: { type: 'boolean' } });
  if (values.help) {
    io.stdout(SYNC_USAGE);
    return 0;
  }
  const store = deps.openStore(values);
  try {
    const directories = new Directories(store, KeyFileSecretStore.open(store.dataDir), deps.providers ?? providerModules);
    const only = str(values, 'directory');
    const targets = only ? [directories.get(only)] : directories.list();
    if (targets.length === 0) {
      io.stderr('rollcall: no directories to sync (add one with "rollcall directories add")');
      if (values.json) io.stdout('[]');
      return 0;
    }
    let lastLine = 0;
    const names = new Map(targets.map((d) => [d.id, d.name]));
    const progress = (p: SyncProgress) => {
      const final = p.phase === 'done' || p.phase === 'failed';
      if (!final && Date.now() - lastLine < 1000 && p.phase !== 'starting') return;
      lastLine = Date.now();
      const wait = p.waiting ? ` — ${p.waiting}` : '';
      io.stderr(
        `${names.get(p.directoryId)}: ${p.phase} · ${count(p.users)} users · ${count(p.groups)} groups · ${count(p.memberships)} memberships · ${count(p.events)} events${wait}`,
      );
    };
    const service = new DirectorySync(store, directories, { onProgress: progress, fetch: deps.fetch, log: (m) => io.stderr(m) });
    const summaries: (Pick<SyncSummary, 'users' | 'groups' | 'memberships' | 'events' | 'error' | 'mode' | 'baseline'> & {
      directory: string;
      name: string;
      status: string;
    })[] = [];
    // One after another: one failing directory never stops the others.
    for (const d of targets) {
      try {
        const s = await service.syncNow(d.id, 'cli', values.full === true);
        summaries.push({
          directory: d.id,
          name: d.name,
          status: s.status,
          baseline: s.baseline,
          mode: s.mode,
          users: s.users,
          groups: s.groups,
          memberships: s.memberships,
          events: s.events,
          error: s.error,
        });
        if (s.status !== 'ok') io.stderr(`rollcall: ${d.name}: sync failed: ${s.error}`);
      } catch (err) {
        const message = err instanceof SyncBusyError ? err.message : err instanceof Error ? err.message : String(err);
        io.stderr(`rollcall: ${d.name}: ${message}`);
        summaries.push({
          directory: d.id,
          name: d.name,
          status: err instanceof SyncBusyError ? 'busy' : 'failed',
          baseline: false,
          mode: null,
          users: 0,
          groups: 0,
          memberships: 0,
          events: 0,
          error: message,
        });
      }
    }
    if (values.json) io.stdout(JSON.stringify(summaries));
    else
      for (const s of summaries)
        io.stdout(
          `${s.name}: ${s.status} · ${count(s.users)} users · ${count(s.groups)} groups · ${count(s.memberships)} memberships · ${count(s.events)} events${s.error ? ` · ${s.error}` : ''}`,
        );
    return summaries.every((s) => s.status === 'ok') ? 0 : 1;
  } catch (err) {
    if (err instanceof NotFoundError) throw new CommandError(err.message);
    throw err;
  } finally {
    store.close();
  }
}
