/**
 * Bad input never gets a 5xx or crashes the listener: invalid filters, bad PATCH paths on
 * multi-valued attributes, wrong tokens, malformed or oversize bodies, odd URLs and encodings.
 * Every answer is a SCIM error (RFC 7644 §3.12) and every request is one scim_exchanges row.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeQuery, ERROR, GROUP, PATCH_OP, startScim, USER, type Json, type Reply, type ScimHarness } from '../../helpers/scim';

let h: ScimHarness;
beforeEach(async () => {
  h = await startScim();
});
afterEach(async () => {
  await h.close();
});

const patch = (...Operations: Json[]): Json => ({
  schemas: [PATCH_OP],
  Operations,
});

function expectScimError(r: Reply, status: number, scimType?: string, label = ''): void {
  expect(r.status, `${label} ${r.text}`).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(r.json?.schemas).toEqual([ERROR]);
  expect(r.json?.status).toBe(String(status));
  if (scimType !== undefined) expect(r.json?.scimType, r.text).toBe(scimType);
}

async function healthy(): Promise<void> {
  const r = await h.req('GET', '/ServiceProviderConfig');
  expect(r.status).toBe(200);
  expect(h.rows<{ ok: string }>('PRAGMA integrity_check')[0]).toEqual({
    integrity_check: 'ok',
  });
}

/** Sends raw bytes on a fresh socket; resolves with the status line's code (0 if none) and the body. */
function rawSocket(payload: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const s = net.connect(h.scim.port, '127.0.0.1');
    let data = '';
    const done = (): void =>
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0), body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('error', done);
    s.on('close', done);
    s.setTimeout(3000, () => s.destroy());
    s.end(payload);
  });
}

describe('invalid filters → 400 invalidFilter', () => {
  const bad = [
    '',
    'userName',
    'userName eq',
    'userName xx "a"',
    'userName eq "unterminated',
    '(userName eq "a"',
    'userName eq "a")',
    'userName eq "a" and',
    'or userName eq "a"',
    'userName eq "a" userName eq "b"',
    'emails[type eq "work"',
    'emails[type eq "work"]]',
    'emails[type[value eq "x"]]',
    'active gt true',
    'userName co 5',
    'userName eq 01',
    'userName eq unquoted',
    "userName eq 'single'",
    'not userName eq "a"',
    '"userName" eq "a"',
    'user name eq "a"',
    'userName eq "a" && title eq "b"',
    'urn: eq "x"',
    `userName eq "${'x'.repeat(9000)}"`,
    `${'('.repeat(100)}userName pr${')'.repeat(100)}`,
    `${'not ('.repeat(100)}userName pr${')'.repeat(100)}`,
    'userName eq "\\x"',
    '\u0000',
  ];
  it.each(bad.map((f) => [f.length > 60 ? `${f.slice(0, 60)}…` : JSON.stringify(f), f]))('%s', async (_label, filter) => {
    expectScimError(await h.req('GET', `/Users?${encodeQuery({ filter })}`), 400, 'invalidFilter');
    expectScimError(await h.req('POST', '/Groups/.search', { body: { filter } }), 400, 'invalidFilter');
  });

  it('the listener is fine afterwards', async () => {
    for (const filter of bad) await h.req('GET', `/Users?${encodeQuery({ filter })}`);
    await healthy();
    expect(h.rows('SELECT id FROM scim_exchanges')).toHaveLength(bad.length + 1);
  });
});

describe('PATCH paths on multi-valued attributes with filters', () => {
  it('answers 400 with the right scimType (a refused PATCH changes nothing)', async () => {
    const u = (
      await h.req('POST', '/Users', {
        body: {
          schemas: [USER],
          userName: 'mv',
          emails: [{ value: 'a@x', type: 'work' }],
        },
      })
    ).json!;
    const uid = u.id as string;
    const g = (
      await h.req('POST', '/Groups', {
        body: {
          schemas: [GROUP],
          displayName: 'MV',
          members: [{ value: uid }],
        },
      })
    ).json!;
    const gid = g.id as string;
    const cases: [string, Json, number, string | undefined][] = [
      [
        `/Users/${uid}`,
        {
          op: 'replace',
          path: 'emails[type eq "work"]',
          value: [{ value: 'a' }, { value: 'b' }],
        },
        400,
        'invalidValue',
      ],
      [`/Users/${uid}`, { op: 'replace', path: 'emails[type eq "work"]', value: 1.5 }, 200, undefined],
      [
        `/Users/${uid}`,
        {
          op: 'replace',
          path: 'emails[value eq "1.5"]',
          value: { value: 'a@x', type: 'work' },
        },
        200,
        undefined,
      ],
      [`/Users/${uid}`, { op: 'replace', path: 'emails[type co "w"].value', value: 'b@x' }, 200, undefined],
      [`/Users/${uid}`, { op: 'replace', path: 'emails[type co "zzz"].value', value: 'b@x' }, 400, 'noTarget'],
      [
        `/Users/${uid}`,
        {
          op: 'add',
          path: 'emails[type eq "home" or type eq "other"].value',
          value: 'b@x',
        },
        400,
        'noTarget',
      ],
      [`/Users/${uid}`, { op: 'replace', path: 'emails[type eq "work"', value: 'b@x' }, 400, 'invalidPath'],
      [`/Users/${uid}`, { op: 'replace', path: 'emails[typo eq ]', value: 'b@x' }, 400, 'invalidFilter'],
      [`/Users/${uid}`, { op: 'replace', path: 'userName[value eq "mv"]', value: 'x' }, 400, 'invalidPath'],
      [
        `/Users/${uid}`,
        {
          op: 'replace',
          path: 'emails[type eq "work"].value.extra',
          value: 'x',
        },
        400,
        'invalidPath',
      ],
      [`/Users/${uid}`, { op: 'replace', path: 'emails[type eq "work"].primary', value: 'yes' }, 400, 'invalidValue'],
      [`/Users/${uid}`, { op: 'add', path: 'groups[value eq "x"].display', value: 'y' }, 400, 'mutability'],
      // creates the element the eq filter describes (the Entra rule), i.e. adds member "nobody":
      // member ids are not checked against existing users (see the report)
      [
        `/Groups/${gid}`,
        {
          op: 'replace',
          path: 'members[value eq "nobody"].display',
          value: 'y',
        },
        204,
        undefined,
      ],
      [`/Groups/${gid}`, { op: 'add', path: 'members', value: [{ display: 'no value' }] }, 400, 'invalidValue'],
      [`/Groups/${gid}`, { op: 'add', path: 'members', value: 'plain-string-id' }, 204, undefined],
      [`/Groups/${gid}`, { op: 'remove', path: 'members[value sw "zzz"]' }, 204, undefined],
      [`/Groups/${gid}`, { op: 'replace', path: 'members[value pr', value: [] }, 400, 'invalidPath'],
      [`/Groups/${gid}`, { op: 'remove', path: 'displayName' }, 400, 'mutability'],
    ];
    const version = async (p: string): Promise<unknown> => (await h.req('GET', p)).headers.etag;
    for (const [path, op, status, scimType] of cases) {
      const before = await version(path);
      const r = await h.req('PATCH', path, { body: patch(op) });
      if (status >= 400) {
        expectScimError(r, status, scimType, JSON.stringify(op));
        expect(await version(path), 'a refused PATCH changes nothing').toBe(before);
      } else expect(r.status, `${JSON.stringify(op)} → ${r.text}`).toBe(status);
    }
    await healthy();
  });

  // patch.ts checks mutability on the top-level attribute only: `members` is readWrite, so its
  // immutable sub-attribute `value` can be rewritten through a filtered path (the member is swapped:
  // member_removed + member_added). Reported, not fixed here (pure module).
  it('PATCH replace members[value eq "…"].value (an immutable sub-attribute) → 400 mutability', async () => {
    const uid = (
      await h.req('POST', '/Users', {
        body: { schemas: [USER], userName: 'imm' },
      })
    ).json!.id as string;
    const gid = (
      await h.req('POST', '/Groups', {
        body: {
          schemas: [GROUP],
          displayName: 'IMM',
          members: [{ value: uid }],
        },
      })
    ).json!.id as string;
    const r = await h.req('PATCH', `/Groups/${gid}`, {
      body: patch({
        op: 'replace',
        path: `members[value eq "${uid}"].value`,
        value: 'other',
      }),
    });
    expectScimError(r, 400, 'mutability');
  });
});

describe('authentication', () => {
  it('wrong, missing or foreign tokens → 401; no data, no write', async () => {
    const other = h.addConnection('Other');
    const u = (
      await h.req('POST', '/Users', {
        body: { schemas: [USER], userName: 'secret-user' },
      })
    ).json!;
    const attempts: Reply[] = [
      await h.req('GET', '/Users', { token: null }),
      await h.req('GET', '/Users', { token: 'x'.repeat(43) }),
      await h.req('GET', '/Users', { token: `${h.conn.token}x` }),
      await h.req('GET', '/Users', { token: h.conn.token.slice(0, -1) }),
      await h.req('GET', `/Users/${u.id as string}`, { token: other.token }),
      await h.req('DELETE', `/Users/${u.id as string}`, { token: other.token }),
      await h.req('GET', '/Users', {
        token: null,
        headers: { Authorization: 'Bearer' },
      }),
      await h.req('GET', '/Users', {
        token: null,
        headers: { Authorization: `bearer   ${h.conn.token}  extra` },
      }),
      await h.raw('GET', '/scim/v2/unknown/Users', {}),
      await h.raw('GET', `/scim/v2/${h.conn.slug.toUpperCase()}/Users`, {}),
      await h.raw('GET', '/scim/v2/%ZZ/Users', {}),
    ];
    for (const r of attempts) {
      expectScimError(r, 401);
      expect(r.text).toBe(attempts[0]!.text);
      expect(r.text).not.toContain('secret-user');
    }
    expect((await h.req('GET', `/Users/${u.id as string}`)).status).toBe(200);
    // after rotation the old token stops working at once; after removal the new one too
    const rotated = h.core.connections.rotateToken(h.conn.id);
    expectScimError(await h.req('GET', '/Users'), 401);
    expect((await h.req('GET', '/Users', { token: rotated.token })).status).toBe(200);
    h.core.connections.remove(h.conn.id);
    expectScimError(await h.req('GET', '/Users', { token: rotated.token }), 401);
  });
});

describe('malformed bodies', () => {
  const bodies: [string, string | Buffer][] = [
    ['truncated', '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x"'],
    ['trailing garbage', '{"userName":"x"} trailing'],
    ['single quotes', "{'userName':'x'}"],
    ['NaN', '{"userName":NaN}'],
    ['comments', '{"userName":"x" /* c */}'],
    ['bare word', 'undefined'],
    ['invalid utf-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    ['BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"userName":"bom"}')])],
    ['only whitespace', '   \n  '],
    ['NUL bytes', Buffer.alloc(100, 0)],
  ];
  it.each(bodies)('%s → 400 invalidSyntax', async (_label, body) => {
    for (const [method, path] of [
      ['POST', '/Users'],
      ['POST', '/Groups'],
      ['PATCH', '/Users/whatever'],
      ['PUT', '/Groups/whatever'],
      ['POST', '/Users/.search'],
    ] as const) {
      expectScimError(await h.req(method, path, { body }), 400, 'invalidSyntax');
    }
  });

  it('valid JSON of the wrong shape → 400, never 5xx', async () => {
    const shapes: unknown[] = [
      null,
      1,
      'str',
      true,
      [],
      [1, 2],
      {},
      { userName: ['a', 'b'] },
      { userName: [] },
      { userName: '' },
      { userName: { a: 1 } },
      { schemas: 'x', userName: 'a' },
    ];
    for (const body of shapes) {
      const r = await h.req('POST', '/Users', { body: JSON.stringify(body) });
      expect(r.status, `${JSON.stringify(body)} → ${r.text}`).toBe(400);
      const p = await h.req('PATCH', '/Groups/none', {
        body: JSON.stringify(body),
      });
      expect([400, 404]).toContain(p.status);
    }
  });

  it('deeply nested JSON → 400, the listener survives', async () => {
    const depth = 100_000;
    const deepArray = `{"schemas":["${USER}"],"userName":"deep","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const deepObject = `{"userName":"deep2","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
    for (const body of [deepArray, deepObject]) {
      for (const [method, path] of [
        ['POST', '/Users'],
        ['PATCH', '/Users/x'],
        ['POST', '/Users/.search'],
      ] as const) {
        const r = await h.req(method, path, { body });
        expect(r.status, r.text).toBeLessThan(500);
        expectScimError(r, 400, 'invalidSyntax');
      }
    }
    // moderately nested JSON (well within limits) is fine
    const ok = await h.req('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'nested',
        'urn:x:y:1.0:User': { a: { b: { c: { d: [[[1]]] } } } },
      },
    });
    expect(ok.status).toBe(201);
    await healthy();
    expect(h.rows('SELECT id FROM scim_exchanges')).toHaveLength(7 + 1);
  });

  it('oversize bodies → 413 (also for a valid token on any path), never a crash', async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x20);
    expectScimError(await h.req('POST', '/Users', { body: big }), 413);
    expectScimError(await h.req('PATCH', '/Users/x', { body: big }), 413);
    expect((await h.req('POST', '/Users', { body: big, token: 'bad' })).status).toBe(401);
    await healthy();
  });

  it('strings with a lone UTF-16 surrogate (JSON \\ud800 escapes) → 400 invalidSyntax', async () => {
    for (const body of [
      `{"schemas":["${USER}"],"userName":"a\\ud800b"}`,
      `{"schemas":["${USER}"],"userName":"ok","title":"\\udc00"}`,
      `{"schemas":["${USER}"],"userName":"ok2","x\\ud800":1}`,
    ]) {
      expectScimError(await h.req('POST', '/Users', { body }), 400, 'invalidSyntax');
    }
    // a proper pair (an emoji, escaped) is fine and round-trips
    const ok = await h.req('POST', '/Users', { body: `{"schemas":["${USER}"],"userName":"smile \\ud83d\\ude00"}` });
    expect(ok.status).toBe(201);
    expect(ok.json?.userName).toBe('smile 😀');
    expect(h.rows<{ user_name: string }>('SELECT user_name FROM accounts')).toEqual([{ user_name: 'smile 😀' }]);
  });

  it('a huge PATCH (more than 1000 operations) → 413', async () => {
    const u = (
      await h.req('POST', '/Users', {
        body: { schemas: [USER], userName: 'ops' },
      })
    ).json!;
    const ops = Array.from({ length: 1001 }, (_, i) => ({
      op: 'add',
      path: 'title',
      value: `t${i}`,
    }));
    expectScimError(await h.req('PATCH', `/Users/${u.id as string}`, { body: patch(...ops) }), 413);
  });

  it('a non-JSON Content-Type → 415', async () => {
    expectScimError(
      await h.req('POST', '/Users', {
        body: '<user/>',
        contentType: 'application/xml',
      }),
      415,
    );
    expectScimError(await h.req('POST', '/Users', { body: 'a=b', contentType: 'text/plain' }), 415);
  });
});

describe('odd URLs, query parameters, methods and strings', () => {
  it('never answers 5xx', async () => {
    const u = (
      await h.req('POST', '/Users', {
        body: { schemas: [USER], userName: 'odd' },
      })
    ).json!;
    const id = u.id as string;
    const paths = [
      '/Users/%E0%A4%A',
      '/Users/%00',
      `/Users/${id}/extra`,
      `/Users/${id}%2Fextra`,
      '/Users/..%2F..%2FGroups',
      '/Users?count=abc',
      '/Users?startIndex=1e3&count=-0',
      '/Users?count=99999999999999999999999',
      '/Users?startIndex=NaN',
      '/Users?sortBy=%5B%5D',
      '/Users?sortBy=emails[type%20eq%20"work"].value',
      '/Users?sortOrder=DESCENDING&sortBy=userName',
      '/Users?attributes=,,,',
      '/Users?attributes=urn:ietf:params:scim:schemas:core:2.0:User',
      '/Users?excludedAttributes=a.b.c',
      '/Users?filter=%FF%FE',
      '/Users?filter=userName%20eq%20%22%F0%9F%98%80%22',
      '/Users?filter=meta.lastModified%20gt%20%22not-a-date%22',
      '/Users?filter=active%20eq%20%22maybe%22',
      '/Groups?filter=userName%20eq%20%22odd%22',
      '/Groups?filter=members%20pr&attributes=members',
      '/Schemas/%FF',
      '/ResourceTypes/User/extra',
      '/ServiceProviderConfig/x',
      '/',
      '',
      '/%2e%2e',
      `/Users/${'a'.repeat(5000)}`,
    ];
    for (const p of paths) {
      const r = await h.req('GET', p);
      expect(r.status, `${p}: ${r.text}`).toBeLessThan(500);
      if (r.status >= 400) expect(r.json?.schemas, p).toEqual([ERROR]);
    }
    for (const method of ['OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE']) {
      const r = await h.req(method, `/Users/${id}`);
      expect(r.status, method).toBeLessThan(500);
    }
    // strings with unicode, control characters and lone surrogates round-trip or are refused cleanly
    const names = [
      'emoji 😀 user',
      'nul\u0000char',
      'tab\tnew\nline',
      'ünïcödé',
      '\u202eRTL',
      'lone \ud800 surrogate',
      'x'.repeat(100_000),
    ];
    for (const userName of names) {
      const r = await h.req('POST', '/Users', {
        body: { schemas: [USER], userName, displayName: userName },
      });
      expect(r.status, userName.slice(0, 20)).toBeLessThan(500);
      if (r.status === 201) {
        const got = await h.req('GET', `/Users/${r.json!.id as string}`);
        expect(got.status).toBe(200);
      }
    }
    await healthy();
  });

  it('requests the HTTP parser refuses get a SCIM error too, and a log row when their request line is readable', async () => {
    const before = h.rows('SELECT id FROM scim_exchanges').length;
    const garbage = await rawSocket('GARBAGE\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(JSON.parse(garbage.body)).toMatchObject({ schemas: [ERROR], status: '400' });
    const smuggle = await rawSocket(`GET ${h.prefix}/Users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n`);
    expect(smuggle.status).toBe(400);
    // a URL too long for the parser's 16 KiB header limit: 431
    const long = await h.req('GET', `/Users?filter=${'A'.repeat(20_000)}`);
    expectScimError(long, 431);
    const head = await h.req('HEAD', `/Users?filter=${'A'.repeat(20_000)}`);
    expect(head.status).toBe(431);
    expect(head.text).toBe('');
    await new Promise((r) => setTimeout(r, 20));
    const rows = h.rows<{ method: string; path: string; status: number; connection_id: string | null; authorized: number }>(
      'SELECT method, path, status, connection_id, authorized FROM scim_exchanges ORDER BY id',
    );
    // GARBAGE has no request line: not logged; the others are
    expect(rows.slice(before)).toEqual([
      { method: 'GET', path: `${h.prefix}/Users`, status: 400, connection_id: h.conn.id, authorized: 0 },
      { method: 'GET', path: `${h.prefix}/Users`, status: 431, connection_id: h.conn.id, authorized: 0 },
      { method: 'HEAD', path: `${h.prefix}/Users`, status: 431, connection_id: h.conn.id, authorized: 0 },
    ]);
    await healthy();
  });
});
