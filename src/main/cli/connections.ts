/**
 * `rollcall connections add|list|remove|rotate-token`. Works on the database directly, so it is
 * live in a running `serve` at once (the SCIM listener reads connections per request).
 */
import { Connections, type Provider } from '../core/connections';
import { ConflictError, NotFoundError } from '../core/dispatch';
import type { Store } from '../core/store/store';
import { parseFlags, UsageError, type FlagSpec, type ParsedFlags } from './args';

export const PROVIDERS: readonly Provider[] = ['okta', 'entra', 'onelogin', 'google', 'jumpcloud', 'generic'];
/** The last SCIM origin a `serve` on this data folder listened on (set by serve). */
export const SCIM_ORIGIN_SETTING = 'scim_origin';
const DEFAULT_SCIM_ORIGIN = 'http://127.0.0.1:8610';

export const CONNECTIONS_USAGE = `Usage: rollcall connections <add|list|remove|rotate-token> [options]

  add --name N --app APP --idp okta|entra|onelogin|google|jumpcloud|generic [--slug S]
      [--secret-attribute NAME ...]
      Creates a SCIM connection and prints {id, slug, scimUrl, token}. The token is shown only
      now; Rollcall keeps a hash of it. --secret-attribute (repeatable) names attributes to
      redact in the request log besides password.
  list
      Lists connections (never their tokens).
  remove ID|SLUG
      Removes a connection: its token stops working at once; its history is kept.
  rotate-token ID|SLUG
      Issues a new token; the old one stops working at once.

Options: --data-dir DIR, --json, -h/--help`;

export interface Out {
  stdout: (t: string) => void;
}

function str(values: ParsedFlags, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function runConnections(args: string[], out: Out, openStore: (values: ParsedFlags) => Store): number {
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
        }
      : {};
  if (!['add', 'list', 'remove', 'rotate-token'].includes(sub)) {
    throw new UsageError(`Unknown connections command "${sub}" (add, list, remove, rotate-token)`);
  }
  const values = parseFlags(flagArgs, flagSpec);
  if (values.help) {
    out.stdout(CONNECTIONS_USAGE);
    return 0;
  }
  if ((sub === 'add' || sub === 'list') && positional !== undefined) throw new UsageError(`Unexpected argument "${positional}"`);
  if ((sub === 'remove' || sub === 'rotate-token') && positional === undefined) {
    throw new UsageError(`connections ${sub} needs a connection id or slug`);
  }
  let provider: Provider | undefined;
  if (sub === 'add') {
    for (const f of ['name', 'app', 'idp']) if (!str(values, f)?.trim()) throw new UsageError(`connections add needs --${f}`);
    const idp = str(values, 'idp')!;
    if (!PROVIDERS.includes(idp as Provider)) throw new UsageError(`--idp must be one of ${PROVIDERS.join(', ')} (got "${idp}")`);
    provider = idp as Provider;
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
        const c = connections.add({
          name: str(values, 'name')!,
          app: str(values, 'app')!,
          provider: provider!,
          slug: str(values, 'slug'),
          secretAttributes: Array.isArray(secret) ? secret.filter((x): x is string => typeof x === 'string') : [],
        });
        const result = { id: c.id, slug: c.slug, scimUrl: scimUrl(c.slug), token: c.token };
        if (json) out.stdout(JSON.stringify(result));
        else {
          out.stdout(`Created connection "${c.name}" for ${c.app} (${c.provider}).`);
          out.stdout(`id:       ${c.id}`);
          out.stdout(`SCIM URL: ${result.scimUrl}`);
          out.stdout(`Token:    ${c.token}`);
          out.stdout('Copy the token now: it is not shown again (use rotate-token to issue a new one).');
        }
        return 0;
      }
      case 'list': {
        const list = connections.list().map((c) => ({ ...c, scimUrl: scimUrl(c.slug) }));
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

/** A command that could not be carried out (exit code 1, one line on stderr). */
export class CommandError extends Error {}
