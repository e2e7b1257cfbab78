/**
 * The request log (scim_exchanges: one row per request, authorised or not, secrets redacted) and
 * the events each change produces (same transaction, attribute-level diffs, no event for a no-op,
 * exchange links and the hash chain).
 */
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventHash, GENESIS_HASH, type EventRow } from '../../../src/main/core/store/events';
import { ENTERPRISE, GROUP, PATCH_OP, startScim, USER, type Json, type ScimHarness } from '../../helpers/scim';

let h: ScimHarness;
beforeEach(async () => {
  h = await startScim();
});
afterEach(async () => {
  await h.close();
});

interface ExchangeRow {
  id: number;
  connection_id: string | null;
  method: string;
  path: string;
  query: string | null;
  authorized: number;
  is_probe: number;
  request_body: string | null;
  status: number;
  response_body: string | null;
  latency_ms: number;
  user_agent: string | null;
}

const exchanges = (): ExchangeRow[] => h.rows<ExchangeRow>('SELECT * FROM scim_exchanges ORDER BY id');
const events = (): EventRow[] => h.rows<EventRow>('SELECT * FROM events ORDER BY seq');
const patch = (...Operations: Json[]): Json => ({
  schemas: [PATCH_OP],
  Operations,
});

async function createUser(userName: string, extra: Json = {}): Promise<Json> {
  const r = await h.req('POST', '/Users', {
    body: { schemas: [USER], userName, ...extra },
  });
  expect(r.status, r.text).toBe(201);
  return r.json!;
}

/** Sends a body in chunks without Content-Length (chunked transfer encoding). */
function chunked(path: string, totalBytes: number, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: h.scim.port,
        method: 'POST',
        path,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/scim+json',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may close the socket after answering 413 while we are still writing.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') return;
      reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < totalBytes) {
        const n = Math.min(chunk.length, totalBytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe('scim_exchanges', () => {
  it('records every request exactly once, authorised or not, with method, path, query, status, latency and bodies', async () => {
    const other = h.addConnection('Other');
    const sent: {
      method: string;
      path: string;
      query: string | null;
      status: number;
      authorized: number;
      conn: string | null;
    }[] = [];
    const go = async (
      method: string,
      rawPath: string,
      opts: Parameters<ScimHarness['raw']>[2],
      authorized: number,
      conn: string | null,
    ): Promise<number> => {
      const r = await h.raw(method, rawPath, opts);
      const [p, q] = rawPath.split('?') as [string, string | undefined];
      sent.push({
        method,
        path: p,
        query: q ?? null,
        status: r.status,
        authorized,
        conn,
      });
      return r.status;
    };
    const P = h.prefix;
    expect(
      await go(
        'POST',
        `${P}/Users`,
        {
          body: { schemas: [USER], userName: 'rec@example.com' },
          headers: { 'User-Agent': 'Okta SCIM Client 1.0.0' },
        },
        1,
        h.conn.id,
      ),
    ).toBe(201);
    expect(await go('GET', `${P}/Users?filter=userName%20eq%20%22rec%40example.com%22&startIndex=1&count=100`, {}, 1, h.conn.id)).toBe(200);
    expect(await go('GET', `${P}/Users`, { token: null }, 0, h.conn.id)).toBe(401);
    expect(await go('GET', `${P}/Users`, { token: other.token }, 0, h.conn.id)).toBe(401);
    expect(await go('GET', '/scim/v2/no-such-slug/Users', {}, 0, null)).toBe(401);
    expect(await go('GET', '/favicon.ico', {}, 0, null)).toBe(404);
    expect(await go('GET', `${P}/Users/missing`, {}, 1, h.conn.id)).toBe(404);
    expect(await go('POST', `${P}/Users`, { body: '{broken' }, 1, h.conn.id)).toBe(400);
    expect(await go('DELETE', `${P}/Groups`, {}, 1, h.conn.id)).toBe(405);
    expect(await go('GET', `${P}/Me`, {}, 1, h.conn.id)).toBe(501);
    expect(await go('POST', `${P}/Users`, { body: { schemas: [USER], userName: 'REC@example.com' } }, 1, h.conn.id)).toBe(409);

    const rows = exchanges();
    expect(rows).toHaveLength(sent.length);
    rows.forEach((row, i) => {
      const s = sent[i]!;
      expect({
        method: row.method,
        path: row.path,
        query: row.query,
        status: row.status,
        authorized: row.authorized,
        conn: row.connection_id,
      }).toEqual(s);
      expect(row.latency_ms).toBeGreaterThanOrEqual(0);
      expect(row.latency_ms).toBeLessThan(10_000);
      expect(row.response_body).not.toBeNull();
    });
    expect(rows[0]!.user_agent).toBe('Okta SCIM Client 1.0.0');
    expect(JSON.parse(rows[0]!.request_body!)).toEqual({
      schemas: [USER],
      userName: 'rec@example.com',
    });
    expect(JSON.parse(rows[0]!.response_body!).userName).toBe('rec@example.com');
    expect(rows[7]!.request_body).toBe('[unparseable body, 7 bytes]');
    expect(JSON.parse(rows[7]!.response_body!).scimType).toBe('invalidSyntax');
    expect(JSON.parse(rows[10]!.response_body!).scimType).toBe('uniqueness');
  });

  it('redacts password in stored request bodies: resource bodies, no-path values, and PATCH ops whose path is password', async () => {
    const SECRETS: string[] = [
      'S3cr3t-create',
      'S3cr3t-path',
      'S3cr3t-caps',
      'S3cr3t-nopath',
      'S3cr3t-urn',
      'S3cr3t-put',
      'S3cr3t-keys',
      'S3cr3t-space',
      'S3cr3t-list',
    ];
    const u = await createUser('pw@example.com', { password: SECRETS[0] });
    const id = u.id as string;
    const ops: Json[] = [
      { op: 'replace', path: 'password', value: SECRETS[1] },
      { op: 'Replace', path: 'PASSWORD', value: SECRETS[2] },
      { op: 'replace', value: { password: SECRETS[3], title: 'kept' } },
      { op: 'replace', path: `${USER}:password`, value: SECRETS[4] },
      { Op: 'Replace', Path: 'password', Value: SECRETS[6] },
      { op: 'replace', path: ' password ', value: SECRETS[7] },
    ];
    for (const op of ops) {
      const r = await h.req('PATCH', `/Users/${id}`, { body: patch(op) });
      expect(r.status, `${JSON.stringify(op)} → ${r.text}`).toBe(200);
    }
    const bare = await h.req('PATCH', `/Users/${id}`, {
      body: [{ op: 'replace', path: 'password', value: SECRETS[8] }],
    });
    expect(bare.status).toBe(200);
    // a no-path key that is a path to password; a refused request is logged redacted too
    const urnKey = await h.req('PATCH', `/Users/${id}`, {
      body: patch({
        op: 'replace',
        value: { [`${USER}:password`]: 'S3cr3t-urnkey' },
      }),
    });
    expect(urnKey.status).toBe(200);
    SECRETS.push('S3cr3t-urnkey', 'S3cr3t-refused');
    const refused = await h.req('PATCH', `/Users/${id}`, {
      body: patch({
        op: 'replace',
        path: 'password[value eq "a.b"]',
        value: 'S3cr3t-refused',
      }),
    });
    expect(refused.status).toBe(400);
    const put = await h.req('PUT', `/Users/${id}`, {
      body: {
        schemas: [USER],
        userName: 'pw@example.com',
        password: SECRETS[5],
      },
    });
    expect(put.status).toBe(200);

    const dump =
      JSON.stringify(h.rows('SELECT * FROM scim_exchanges')) + JSON.stringify(h.rows('SELECT * FROM accounts')) + JSON.stringify(events());
    for (const s of SECRETS) expect(dump, s).not.toContain(s);
    const bodies = exchanges().map((r) => r.request_body);
    expect(bodies.every((b) => b !== null && b.includes('[redacted]'))).toBe(true);
    // other values are kept
    expect(bodies[3]).toContain('"title":"kept"');
    // the user never got a password attribute
    expect((await h.req('GET', `/Users/${id}`)).text).not.toMatch(/password/i);
  });

  it('bodies over 1 MiB: 413, the row has no body, the server still answers', async () => {
    const big = JSON.stringify({
      schemas: [USER],
      userName: 'big',
      title: 'x'.repeat(1024 * 1024),
    });
    const r = await h.req('POST', '/Users', { body: big });
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '413',
    });
    const c = await chunked(`${h.prefix}/Users`, 1024 * 1024 + 10, h.conn.token);
    expect(c.status).toBe(413);
    // exactly 1 MiB is accepted (as far as size goes)
    const exact = await h.req('POST', '/Users', {
      body: Buffer.alloc(1024 * 1024, 0x20),
    });
    expect(exact.status).toBe(400);
    const rows = exchanges();
    expect(rows.map((x) => x.status)).toEqual([413, 413, 400]);
    expect(rows[0]!.request_body).toBeNull();
    expect(rows[1]!.request_body).toBeNull();
    expect((await h.req('GET', '/Users')).status).toBe(200);
    expect(h.rows('SELECT id FROM accounts')).toHaveLength(0);
  });

  it('an unauthorised request leaves the same answer whether the slug exists or not, and discloses nothing', async () => {
    const other = h.addConnection('Other');
    const u = await createUser('private@example.com');
    const withOtherToken = await h.req('GET', `/Users/${u.id as string}`, {
      token: other.token,
    });
    const unknownSlug = await h.raw('GET', `/scim/v2/unknown-slug/Users/${u.id as string}`, { token: h.conn.token });
    const noToken = await h.req('GET', '/Users', { token: null });
    const badScheme = await h.req('GET', '/Users', {
      headers: { Authorization: `Basic ${h.conn.token}` },
      token: null,
    });
    for (const r of [withOtherToken, unknownSlug, noToken, badScheme]) {
      expect(r.status).toBe(401);
      expect(r.text).toBe(withOtherToken.text);
      expect(r.headers['www-authenticate']).toBe(withOtherToken.headers['www-authenticate']);
      expect(r.text).not.toContain('private');
    }
    // the other connection's token works on its own slug only
    expect(
      (
        await h.raw('GET', `/scim/v2/${other.slug}/Users`, {
          token: other.token,
        })
      ).json?.totalResults,
    ).toBe(0);
    // unauthorised request bodies are not stored
    const w = await h.req('POST', '/Users', {
      token: 'nope',
      body: { schemas: [USER], userName: 'x', password: 'p' },
    });
    expect(w.status).toBe(401);
    expect(exchanges().at(-1)!.request_body).toBeNull();
  });
});

describe('events', () => {
  it('user lifecycle: created, updated (attribute diff), deactivated, reactivated, deleted', async () => {
    const u = await createUser('life@example.com', {
      externalId: 'ext-1',
      displayName: 'Life Cycle',
      title: 'Engineer',
      emails: [{ value: 'Life@Example.com', type: 'work', primary: true }],
      [ENTERPRISE]: { employeeNumber: '7' },
      active: true,
    });
    const id = u.id as string;
    await h.req('PATCH', `/Users/${id}`, {
      body: patch(
        { op: 'replace', path: 'title', value: 'Manager' },
        { op: 'replace', path: `${ENTERPRISE}:employeeNumber`, value: '8' },
        { op: 'add', path: 'nickName', value: 'LC' },
      ),
    });
    await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'replace', value: { active: false } }),
    });
    await h.req('PATCH', `/Users/${id}`, {
      body: patch({ op: 'replace', path: 'active', value: true }, { op: 'remove', path: 'nickName' }),
    });
    const g = await h.req('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'G', members: [{ value: id }] },
    });
    await h.req('DELETE', `/Users/${id}`);

    const ev = events();
    expect(ev.map((e) => e.type)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'user.updated',
      'user.reactivated',
      'group.created',
      'group.member_added',
      'group.member_removed',
      'user.deleted',
    ]);
    const j = (s: string | null): unknown => (s === null ? null : JSON.parse(s));
    expect(ev[0]).toMatchObject({
      account_id: id,
      subject: 'life@example.com',
      source_id: h.conn.id,
      before: null,
    });
    expect(j(ev[0]!.after)).toEqual({
      userName: 'life@example.com',
      active: true,
      displayName: 'Life Cycle',
      email: 'life@example.com',
      externalId: 'ext-1',
    });
    expect(j(ev[1]!.before)).toEqual({
      title: 'Engineer',
      [`${ENTERPRISE}:employeeNumber`]: '7',
    });
    expect(j(ev[1]!.after)).toEqual({
      title: 'Manager',
      [`${ENTERPRISE}:employeeNumber`]: '8',
      nickName: 'LC',
    });
    expect(j(ev[2]!.before)).toEqual({ active: true });
    expect(j(ev[2]!.after)).toEqual({ active: false });
    expect(j(ev[3]!.before)).toEqual({ nickName: 'LC' });
    expect(j(ev[3]!.after)).toEqual({});
    expect(j(ev[4]!.after)).toEqual({ active: true });
    expect(ev[6]).toMatchObject({
      group_id: g.json!.id,
      account_id: id,
      subject: 'life@example.com',
    });
    expect(j(ev[7]!.before)).toEqual({
      group: 'G',
      member: 'life@example.com',
    });
    expect(ev[8]).toMatchObject({ type: 'user.deleted', account_id: id });
    expect(j(ev[8]!.before)).toMatchObject({ userName: 'life@example.com' });
  });

  it('groups: created, one member_added/removed event per member, updated on rename, deleted', async () => {
    const ids: string[] = [];
    for (const n of ['a', 'b', 'c']) ids.push((await createUser(n)).id as string);
    const [a, b, c] = ids as [string, string, string];
    const g = await h.req('POST', '/Groups', {
      body: {
        schemas: [GROUP],
        displayName: 'Team',
        members: [{ value: a }, { value: b }],
      },
    });
    const gid = g.json!.id as string;
    await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({
        op: 'replace',
        path: 'members',
        value: [{ value: b }, { value: c }],
      }),
    });
    await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({ op: 'replace', path: 'displayName', value: 'Team B' }),
    });
    await h.req('DELETE', `/Groups/${gid}`);
    const ev = events().filter((e) => e.type.startsWith('group.'));
    // the members removed by the DELETE come in no particular order
    const tail = ev.slice(6, 8).sort((x, y) => (x.account_id! < y.account_id! ? -1 : 1));
    const sortedIds = [b, c].sort();
    expect(tail.map((e) => e.account_id)).toEqual(sortedIds);
    ev.splice(6, 2, ...[b, c].map((m) => ev.slice(6, 8).find((e) => e.account_id === m)!));
    expect(ev.map((e) => [e.type, e.account_id])).toEqual([
      ['group.created', null],
      ['group.member_added', a],
      ['group.member_added', b],
      ['group.member_added', c],
      ['group.member_removed', a],
      ['group.updated', null],
      ['group.member_removed', b],
      ['group.member_removed', c],
      ['group.deleted', null],
    ]);
    expect(ev.every((e) => e.group_id === gid)).toBe(true);
    expect(JSON.parse(ev[5]!.before!)).toEqual({ displayName: 'Team' });
    expect(JSON.parse(ev[5]!.after!)).toEqual({ displayName: 'Team B' });
    expect(JSON.parse(ev[8]!.before!)).toEqual({ displayName: 'Team B' });
  });

  it('a request that changes nothing produces no event and does not bump the version', async () => {
    const u = await createUser('same@example.com', {
      title: 'T',
      active: true,
      emails: [{ value: 'same@example.com', type: 'work' }],
    });
    const id = u.id as string;
    const g = await h.req('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Same', members: [{ value: id }] },
    });
    const gid = g.json!.id as string;
    const before = events().length;
    const noops: [string, string, unknown][] = [
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'T' })],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: 'True' })],
      [
        'PATCH',
        `/Users/${id}`,
        patch({
          op: 'add',
          path: 'emails',
          value: [{ value: 'same@example.com', type: 'work' }],
        }),
      ],
      ['PATCH', `/Users/${id}`, patch({ op: 'remove', path: 'nickName' })],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'password', value: 'new password' })],
      [
        'PUT',
        `/Users/${id}`,
        {
          schemas: [USER],
          userName: 'same@example.com',
          title: 'T',
          active: true,
          emails: [{ value: 'same@example.com', type: 'work' }],
        },
      ],
      ['PUT', `/Users/${id}`, { ...u, groups: [] }],
      ['PATCH', `/Groups/${gid}`, patch({ op: 'add', path: 'members', value: [{ value: id }] })],
      ['PATCH', `/Groups/${gid}`, patch({ op: 'replace', value: { id: gid, displayName: 'Same' } })],
      ['PUT', `/Groups/${gid}`, { schemas: [GROUP], displayName: 'Same', members: [{ value: id }] }],
    ];
    for (const [method, path, body] of noops) {
      const r = await h.req(method, path, { body });
      expect(r.status, `${method} ${JSON.stringify(body)}: ${r.text}`).toBeLessThan(300);
      expect(r.headers.etag, JSON.stringify(body)).toBe('W/"1"');
    }
    expect(events()).toHaveLength(before);
    expect(h.rows<{ version: number }>('SELECT version FROM accounts')[0]!.version).toBe(1);
    expect(h.rows<{ version: number }>('SELECT version FROM groups')[0]!.version).toBe(1);
    expect(exchanges()).toHaveLength(2 + noops.length);
  });

  it('events carry their exchange_id; the exchange row holds the final status; the hash chain links', async () => {
    const u = await createUser('chain@example.com');
    await h.req('PATCH', `/Users/${u.id as string}`, {
      body: patch({ op: 'add', path: 'title', value: 'x' }),
    });
    await h.req('POST', '/Groups', {
      body: {
        schemas: [GROUP],
        displayName: 'Chain',
        members: [{ value: u.id }],
      },
    });
    await h.req('DELETE', `/Users/${u.id as string}`);
    const ev = events();
    const ex = new Map(exchanges().map((r) => [r.id, r]));
    expect(ev.length).toBeGreaterThan(4);
    let prev = GENESIS_HASH;
    for (const e of ev) {
      const row = ex.get(e.exchange_id!);
      expect(row, `event ${e.seq}`).toBeDefined();
      expect(row!.status).toBeGreaterThanOrEqual(200);
      expect(row!.status).toBeLessThan(300);
      expect(e.prev_hash).toBe(prev);
      const { seq: _seq, hash, ...fields } = e;
      expect(eventHash(fields)).toBe(hash);
      prev = e.hash;
    }
    expect(ex.get(ev[0]!.exchange_id!)!.method).toBe('POST');
    expect(ex.get(ev.at(-1)!.exchange_id!)!.method).toBe('DELETE');
    // a refused write leaves no event, no state change, and its own exchange row
    const n = ev.length;
    const r = await h.req('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'chain' },
    });
    expect(r.status).toBe(409);
    expect(events()).toHaveLength(n);
    expect(exchanges().at(-1)!.status).toBe(409);
  });
});
