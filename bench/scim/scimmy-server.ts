/**
 * The comparison for bench/scim.bench.ts: SCIMMY 1.x behind scimmy-routers (express 4), with an
 * in-memory store behind the User and Group ingress/egress/degress handlers, written the way the
 * SCIMMY docs show (SCIMMY.Types.Resource type definitions): ingress creates or replaces, egress
 * answers one resource by id or a filtered, paged list, degress deletes.
 *
 * The store is as quick as a store can be, so the figures are SCIMMY's and express's own cost:
 * - userName is indexed (lowercased, as userName is case-insensitive), so the IdP's
 *   `userName eq "…"` lookup before each create is a map hit; other filters fall back to
 *   SCIMMY's own Filter.match over all users.
 * - egress pages the list itself (startIndex/count from resource.constraints) and reports the
 *   full count by setting constraints.totalResults, which Resource#read passes on to
 *   ListResponse; otherwise each list request would turn every stored user into a schema
 *   instance before ListResponse slices the page. (ListResponse's "already offset?" test only
 *   recognises the last page, so it slices again a page that starts between 2 and count; the
 *   client asks for startIndex 1, 101, 201, … which it leaves alone.)
 * - Entra sends `"value": "False"` for active; SCIMMY rejects a string for a boolean (400, see
 *   scimmyjs/scimmy#51), so a middleware turns "True"/"False" into booleans before the routers, the
 *   workaround given in that issue.
 * - express's ETag and X-Powered-By are off: less work for SCIMMY, not more.
 *
 * Bearer auth with a fixed token. Prints `READY <baseUrl> <token>` once listening.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import SCIMMY from 'scimmy';
import SCIMMYRouters from 'scimmy-routers';

const TOKEN = 'scimmy-bench-token';

// express has no bundled types and @types/express isn't installed; this is the part used here.
interface ExpressRequest {
  method: string;
  body: unknown;
  header(name: string): string | undefined;
}
type Next = (err?: unknown) => void;
type Middleware = (req: ExpressRequest, res: unknown, next: Next) => void;
interface ExpressApp {
  disable(setting: string): void;
  use(...args: unknown[]): ExpressApp;
  listen(port: number, host: string, callback: () => void): http.Server;
}
interface Express {
  (): ExpressApp;
  json(options: { type: string[]; limit: string | number }): Middleware;
}
const express = createRequire(import.meta.url)('express') as Express;

type Json = Record<string, unknown>;
interface Meta {
  created: string;
  lastModified: string;
}
type Stored<S> = Omit<S, 'schemas' | 'meta'> & { meta: Meta };
type UserRecord = Stored<SCIMMY.Schemas.User>;
type GroupRecord = Stored<SCIMMY.Schemas.Group>;
type ResourceLike = {
  id?: string;
  filter?: SCIMMY.Types.Filter;
  constraints?: { startIndex?: number; count?: number; totalResults?: number };
};

const now = (): string => new Date().toISOString();
/** A plain copy of a schema instance without the attributes the server owns. */
function plain<S>(instance: S): Omit<S, 'schemas' | 'meta' | 'id'> {
  const copy = JSON.parse(JSON.stringify(instance)) as S & Json;
  delete copy.schemas;
  delete copy.meta;
  delete copy.id;
  return copy;
}

/** Pages a list as egress should, recording the full count for ListResponse. */
function page<T>(resource: ResourceLike, all: T[]): T[] {
  const c = resource.constraints;
  if (!c) return all;
  c.totalResults = all.length;
  const start = Math.max(1, c.startIndex ?? 1);
  const count = Math.max(0, c.count ?? 20);
  return all.slice(start - 1, start - 1 + count);
}

/** The attribute and value of a single `attr eq "value"` filter, if the filter is just that. */
function simpleEq(filter: SCIMMY.Types.Filter | undefined): { attr: string; value: unknown } | undefined {
  if (!filter || filter.length !== 1) return undefined;
  const expr = filter[0] as Record<string, unknown>;
  const keys = Object.keys(expr);
  if (keys.length !== 1) return undefined;
  const attr = keys[0]!;
  const cmp = expr[attr];
  if (!Array.isArray(cmp) || cmp.length !== 2 || String(cmp[0]).toLowerCase() !== 'eq') return undefined;
  return { attr, value: cmp[1] };
}

// --- the in-memory store ----------------------------------------------------------------------

const users = new Map<string, UserRecord>();
const userOrder: string[] = [];
const byUserName = new Map<string, string>();
const groups = new Map<string, GroupRecord>();
const groupOrder: string[] = [];

const notFound = (id: string | undefined): InstanceType<typeof SCIMMY.Types.Error> =>
  new SCIMMY.Types.Error(404, '', `Resource ${id ?? ''} not found`);

SCIMMY.Resources.declare(SCIMMY.Resources.User)
  .extend(SCIMMY.Schemas.EnterpriseUser, false)
  .ingress((resource, instance) => {
    const data = plain(instance);
    const key = data.userName.toLowerCase();
    const holder = byUserName.get(key);
    if (resource.id) {
      const existing = users.get(resource.id);
      if (!existing) throw notFound(resource.id);
      if (holder !== undefined && holder !== resource.id) throw new SCIMMY.Types.Error(409, 'uniqueness', 'userName is already taken');
      const oldKey = existing.userName.toLowerCase();
      if (oldKey !== key) byUserName.delete(oldKey);
      byUserName.set(key, resource.id);
      const updated: UserRecord = { ...data, id: resource.id, meta: { created: existing.meta.created, lastModified: now() } };
      users.set(resource.id, updated);
      return updated;
    }
    if (holder !== undefined) throw new SCIMMY.Types.Error(409, 'uniqueness', 'userName is already taken');
    const id = randomUUID();
    const at = now();
    const created: UserRecord = { ...data, id, meta: { created: at, lastModified: at } };
    users.set(id, created);
    userOrder.push(id);
    byUserName.set(key, id);
    return created;
  })
  .egress((resource) => {
    if (resource.id) {
      const user = users.get(resource.id);
      if (!user) throw notFound(resource.id);
      return user;
    }
    const eq = simpleEq(resource.filter);
    if (eq && eq.attr.toLowerCase() === 'username' && typeof eq.value === 'string') {
      const id = byUserName.get(eq.value.toLowerCase());
      const user = id === undefined ? undefined : users.get(id);
      return page(resource, user ? [user] : []);
    }
    const all = userOrder.map((id) => users.get(id)!);
    return page(resource, resource.filter ? resource.filter.match(all) : all);
  })
  .degress((resource) => {
    const user = resource.id ? users.get(resource.id) : undefined;
    if (!user || !resource.id) throw notFound(resource.id);
    users.delete(resource.id);
    byUserName.delete(user.userName.toLowerCase());
    userOrder.splice(userOrder.indexOf(resource.id), 1);
  });

SCIMMY.Resources.declare(SCIMMY.Resources.Group)
  .ingress((resource, instance) => {
    const data = plain(instance);
    if (resource.id) {
      const existing = groups.get(resource.id);
      if (!existing) throw notFound(resource.id);
      const updated: GroupRecord = { ...data, id: resource.id, meta: { created: existing.meta.created, lastModified: now() } };
      groups.set(resource.id, updated);
      return updated;
    }
    const id = randomUUID();
    const at = now();
    const created: GroupRecord = { ...data, id, meta: { created: at, lastModified: at } };
    groups.set(id, created);
    groupOrder.push(id);
    return created;
  })
  .egress((resource) => {
    if (resource.id) {
      const group = groups.get(resource.id);
      if (!group) throw notFound(resource.id);
      return group;
    }
    const all = groupOrder.map((id) => groups.get(id)!);
    return page(resource, resource.filter ? resource.filter.match(all) : all);
  })
  .degress((resource) => {
    if (!resource.id || !groups.delete(resource.id)) throw notFound(resource.id);
    groupOrder.splice(groupOrder.indexOf(resource.id), 1);
  });

// --- the HTTP side --------------------------------------------------------------------------

/** Entra's string booleans ("True"/"False") in PatchOp values, as booleans (scimmyjs/scimmy#51). */
const entraBooleans: Middleware = (req, _res, next) => {
  const body = req.body as { Operations?: unknown } | undefined;
  if (req.method === 'PATCH' && body && Array.isArray(body.Operations)) {
    for (const op of body.Operations as Json[]) {
      if (typeof op.value === 'string' && /^(true|false)$/i.test(op.value)) op.value = op.value.toLowerCase() === 'true';
    }
  }
  next();
};

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.use(express.json({ type: ['application/scim+json', 'application/json'], limit: '1mb' }));
app.use('/scim/v2', entraBooleans);
app.use(
  '/scim/v2',
  new SCIMMYRouters({
    type: 'bearer',
    handler: (req: ExpressRequest) => {
      if (req.header('Authorization') !== `Bearer ${TOKEN}`) throw new Error('Authorization failed');
      return 'bench';
    },
  }),
);

const server = app.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY http://127.0.0.1:${port}/scim/v2 ${TOKEN}\n`);
});
server.keepAliveTimeout = 60_000;

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
