/**
 * `rollcall connections add|list|remove|rotate-token`. Works on the database directly, so it is
 * live in a running `serve` at once (the SCIM listener reads connections per request).
 */
import fs from 'node:fs';
import { upstreamInputSchema, type UpstreamInput } from '../../shared/contract';
import { Connections, type Provider } from '../core/connections';
import { testUpstream } from '../core/core';
import { ConflictError, NotFoundError } from '../core/dispatch';
import { KeyFileSecretStore } from '../core/secrets/secret-store';
import type { Store } from '../core/store/store';
import { splitUpstream } from '../relay/upstream';
import { CommandError, type FlagSpec, fromEnv, type ParsedFlags, parseFlags, str, UsageError } from './args';

export const PROVIDERS: readonly Provider[] = ['okta', 'entra', 'onelogin', 'google', 'jumpcloud', 'generic'];
/** The last SCIM origin a `serve` on this data folder listened on (set by serve). */
export const SCIM_ORIGIN_SETTING = 'scim_origin';
const DEFAULT_SCIM_ORIGIN = 'http://127.0.0.1:8610';

export const CONNECTIONS_USAGE = `Usage: rollcall connections <add|list|remove|rotate-token|test> [options]

  add --name N --app APP --idp okta|entra|onelogin|google|jumpcloud|generic [--slug S]
      [--secret-attribute NAME ...] [relay options]
      Creates a SCIM connection and prints {id, slug, scimUrl, token}. The token is shown only
      now; Rollcall keeps a hash of it. --secret-attribute (repeatable) names attributes to
      redact in the request log besides password.
      Without --upstream the connection stores what the IdP sends; with it, it relays every
      request to the app's own SCIM API and records both sides:
        --upstream URL                      the app's SCIM base URL (e.g. https://api.slack.com/scim/v2)
        --upstream-token-env VAR            bearer token, read from the environment variable VAR
        --upstream-username U --upstream-password-env VAR          HTTP Basic instead
        --upstream-token-url URL --upstream-client-id ID --upstream-client-secret-env VAR
          [--upstream-scope S]              OAuth 2.0 client credentials instead
        --upstream-timeout SECONDS          per request, 1-300 (default 30)
        --upstream-header-env NAME=VAR      an extra header whose value is in VAR (repeatable)
        --upstream-ca-file FILE             PEM certificate(s) to trust besides the system's
        --upstream-insecure-skip-verify     do not verify the app's TLS certificate (not advised)
      Credentials are encrypted at rest and never printed.
  list
      Lists connections (never their tokens).
  remove ID|SLUG
      Removes a connection: its token stops working at once; its history is kept.
  rotate-token ID|SLUG
      Issues a new token; the old one stops working at once.
  test ID|SLUG
      Relay connections: calls the app's /ServiceProviderConfig with the stored credentials
      (exit code 1 when it fails).

Options: --data-dir DIR, --json, -h/--help`;

export interface Out {
  stdout: (t: string) => void;
  env?: NodeJS.ProcessEnv;
}

const UPSTREAM_FLAGS: FlagSpec = {
  upstream: { type: 'string' },
  'upstream-token-env': { type: 'string' },
  'upstream-username': { type: 'string' },
  'upstream-password-env': { type: 'string' },
  'upstream-token-url': { type: 'string' },
  'upstream-client-id': { type: 'string' },
  'upstream-client-secret-env': { type: 'string' },
  'upstream-scope': { type: 'string' },
  'upstream-timeout': { type: 'string' },
  'upstream-header-env': { type: 'string', multiple: true },
  'upstream-ca-file': { type: 'string' },
  'upstream-insecure-skip-verify': { type: 'boolean' },
};

/** The upstream the relay flags describe (validated like the API's), or undefined without --upstream. */
export function upstreamFromFlags(values: ParsedFlags, env: NodeJS.ProcessEnv): UpstreamInput | undefined {
  const url = str(values, 'upstream');
  const relayFlags = Object.keys(UPSTREAM_FLAGS).filter((f) => f !== 'upstream' && values[f] !== undefined);
  if (url === undefined) {
    if (relayFlags.length) throw new UsageError(`--${relayFlags[0]!} needs --upstream URL`);
    return undefined;
  }
  const kinds = [
    str(values, 'upstream-token-env') !== undefined ? 'token' : null,
    str(values, 'upstream-username') !== undefined || str(values, 'upstream-password-env') !== undefined ? 'basic' : null,
    ['upstream-token-url', 'upstream-client-id', 'upstream-client-secret-env', 'upstream-scope'].some((f) => values[f] !== undefined)
      ? 'oauth'
      : null,
  ].filter((k) => k !== null);
  if (kinds.length !== 1) {
    throw new UsageError(
      '--upstream needs exactly one kind of credentials: --upstream-token-env VAR, or --upstream-username and --upstream-password-env, or --upstream-token-url, --upstream-client-id and --upstream-client-secret-env',
    );
  }
  const need = (flag: string): string => {
    const v = str(values, flag);
    if (v === undefined) throw new UsageError(`--upstream with ${kinds[0]} credentials needs --${flag}`);
    return v;
  };
  let auth: UpstreamInput['auth'];
  if (kinds[0] === 'token') auth = { kind: 'bearer', token: fromEnv(env, 'upstream-token-env', need('upstream-token-env')) };
  else if (kinds[0] === 'basic') {
    auth = {
      kind: 'basic',
      username: need('upstream-username'),
      password: fromEnv(env, 'upstream-password-env', need('upstream-password-env')),
    };
  } else {
    auth = {
      kind: 'oauth',
      tokenUrl: need('upstream-token-url'),
      clientId: need('upstream-client-id'),
      clientSecret: fromEnv(env, 'upstream-client-secret-env', need('upstream-client-secret-env')),
      ...(str(values, 'upstream-scope') !== undefined ? { scope: str(values, 'upstream-scope')! } : {}),
    };
  }
  const timeout = str(values, 'upstream-timeout');
  if (timeout !== undefined && !/^\d+(\.\d+)?$/.test(timeout)) throw new UsageError(`--upstream-timeout takes seconds (got "${timeout}")`);
  const headers: Record<string, string> = {};
  const headerFlags = values['upstream-header-env'];
  for (const h of Array.isArray(headerFlags) ? headerFlags : []) {
    const m = /^([^=]+)=(.+)$/.exec(String(h));
    if (!m) throw new UsageError(`--upstream-header-env takes NAME=VAR (got "${String(h)}")`);
    headers[m[1]!.trim()] = fromEnv(env, 'upstream-header-env', m[2]!.trim());
  }
  const caFile = str(values, 'upstream-ca-file');
  let caPem: string | undefined;
  if (caFile !== undefined) {
    try {
      caPem = fs.readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new CommandError(`cannot read --upstream-ca-file ${caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new CommandError(`--upstream-ca-file ${caFile} holds no PEM certificate`);
  }
  const parsed = upstreamInputSchema.safeParse({
    baseUrl: url,
    auth,
    ...(timeout !== undefined ? { timeoutMs: Math.round(Number(timeout) * 1000) } : {}),
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(caPem !== undefined ? { caPem } : {}),
    ...(values['upstream-insecure-skip-verify'] === true ? { tlsVerify: false } : {}),
  });
  if (!parsed.success) {
    // Name the field, never echo a value (it may be a secret).
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    const flag: Record<string, string> = {
      baseUrl: '--upstream',
      'auth.tokenUrl': '--upstream-token-url',
      timeoutMs: '--upstream-timeout',
      'auth.username': '--upstream-username',
      'auth.clientId': '--upstream-client-id',
    };
    const name = flag[field] ?? (field.startsWith('headers') ? '--upstream-header-env' : field);
    throw new UsageError(`${name}: ${field === 'timeoutMs' ? 'must be 1 to 300 seconds' : issue.message}`);
  }
  return parsed.data;
}

export async function runConnections(args: string[], out: Out, openStore: (values: ParsedFlags) => Store): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '-h' || sub === '--help') {
    out.stdout(CONNECTIONS_USAGE);
    return sub === undefined ? 2 : 0;
  }
  const positional = rest[0] !== undefined && !rest[0].startsWith('-') ? rest[0] : undefined;
  const flagArgs = positional === undefined ? rest : rest.slice(1);
  const flagSpec: FlagSpec =
    sub === 'add'
      ? {
          name: { type: 'string' },
          app: { type: 'string' },
          idp: { type: 'string' },
          slug: { type: 'string' },
          'secret-attribute': { type: 'string', multiple: true },
          ...UPSTREAM_FLAGS,
        }
      : {};
  if (!['add', 'list', 'remove', 'rotate-token', 'test'].includes(sub)) {
    throw new UsageError(`Unknown connections command "${sub}" (add, list, remove, rotate-token, test)`);
  }
  const values = parseFlags(flagArgs, flagSpec);
  if (values.help) {
    out.stdout(CONNECTIONS_USAGE);
    return 0;
  }
  if ((sub === 'add' || sub === 'list') && positional !== undefined) throw new UsageError(`Unexpected argument "${positional}"`);
  if ((sub === 'remove' || sub === 'rotate-token' || sub === 'test') && positional === undefined) {
    throw new UsageError(`connections ${sub} needs a connection id or slug`);
  }
  let provider: Provider | undefined;
  let upstream: UpstreamInput | undefined;
  if (sub === 'add') {
    for (const f of ['name', 'app', 'idp']) if (!str(values, f)?.trim()) throw new UsageError(`connections add needs --${f}`);
    const idp = str(values, 'idp')!;
    if (!PROVIDERS.includes(idp as Provider)) throw new UsageError(`--idp must be one of ${PROVIDERS.join(', ')} (got "${idp}")`);
    provider = idp as Provider;
    upstream = upstreamFromFlags(values, out.env ?? process.env);
  }

  const store = openStore(values);
  try {
    const connections = new Connections(store);
    const origin = store.getSetting(SCIM_ORIGIN_SETTING) ?? DEFAULT_SCIM_ORIGIN;
    const scimUrl = (slug: string) => `${origin}/scim/v2/${slug}`;
    const json = values.json === true;
    switch (sub) {
      case 'add': {
        const secret = values['secret-attribute'];
        let relay;
        if (upstream) {
          const split = splitUpstream(upstream);
          relay = { stored: split.stored, sealed: await KeyFileSecretStore.open(store.dataDir).encrypt(JSON.stringify(split.secrets)) };
        }
        const c = connections.add({
          name: str(values, 'name')!,
          app: str(values, 'app')!,
          provider: provider!,
          slug: str(values, 'slug'),
          secretAttributes: Array.isArray(secret) ? secret.filter((x): x is string => typeof x === 'string') : [],
          upstream: relay,
        });
        const result = {
          id: c.id,
          slug: c.slug,
          scimUrl: scimUrl(c.slug),
          token: c.token,
          mode: c.upstream ? 'relay' : 'store',
          ...(c.upstream ? { upstream: c.upstream.baseUrl } : {}),
        };
        if (json) out.stdout(JSON.stringify(result));
        else {
          out.stdout(`Created connection "${c.name}" for ${c.app} (${c.provider}).`);
          if (c.upstream) out.stdout(`Relays to: ${c.upstream.baseUrl}`);
          out.stdout(`id:       ${c.id}`);
          out.stdout(`SCIM URL: ${result.scimUrl}`);
          out.stdout(`Token:    ${c.token}`);
          out.stdout('Copy the token now: it is not shown again (use rotate-token to issue a new one).');
        }
        return 0;
      }
      case 'list': {
        const list = connections.list().map(({ upstream: up, updatedAt: _u, ...c }) => ({
          ...c,
          scimUrl: scimUrl(c.slug),
          mode: up ? 'relay' : 'store',
          upstream: up ? up.baseUrl : null,
        }));
        if (json) out.stdout(JSON.stringify(list));
        else if (list.length === 0) out.stdout('No connections. Add one: rollcall connections add --name N --app APP --idp okta');
        else for (const c of list) out.stdout(`${c.id}  ${c.slug.padEnd(20)} ${c.app.padEnd(16)} ${c.provider.padEnd(9)} ${c.scimUrl}`);
        return 0;
      }
      case 'remove': {
        const c = connections.remove(positional!);
        out.stdout(json ? JSON.stringify({ id: c.id, slug: c.slug, removed: true }) : `Removed connection ${c.slug} (${c.id}).`);
        return 0;
      }
      case 'test': {
        const c = connections.get(positional!);
        const result = await testUpstream(c, store, KeyFileSecretStore.open(store.dataDir));
        out.stdout(json ? JSON.stringify(result) : `${result.ok ? 'OK' : 'FAILED'}: ${result.message}`);
        return result.ok ? 0 : 1;
      }
      default: {
        const c = connections.rotateToken(positional!);
        const result = { id: c.id, slug: c.slug, scimUrl: scimUrl(c.slug), token: c.token };
        out.stdout(json ? JSON.stringify(result) : `New token for ${c.slug}: ${c.token}\nThe previous token no longer works.`);
        return 0;
      }
    }
  } catch (err) {
    if (err instanceof NotFoundError || err instanceof ConflictError) throw new CommandError(err.message);
    throw err;
  } finally {
    store.close();
  }
}

export { CommandError };
