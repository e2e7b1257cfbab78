/**
 * Relay mode against a real local app SCIM server: transparent forwarding for every method, the
 * app's errors passed through, every kind of failed forward answered, recorded and alerted, and
 * the mirror and its events kept from successful exchanges only.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { GROUP, PATCH_OP, USER, type Json } from '../../helpers/scim';
import { startRelay, type RelayHarness } from '../../helpers/relay';

let h: RelayHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const deactivate = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] };

interface ExchangeRow {
  id: number;
  method: string;
  path: string;
  status: number;
  upstream_status: number | null;
  upstream_error: string | null;
  upstream_latency_ms: number | null;
  request_body: string | null;
  response_body: string | null;
}

const exchanges = (r: RelayHarness): ExchangeRow[] => r.rows<ExchangeRow>('SELECT * FROM scim_exchanges ORDER BY id');
const eventTypes = (r: RelayHarness): string[] => r.rows<{ type: string }>('SELECT type FROM events ORDER BY seq').map((e) => e.type);

describe('relay: transparent forwarding', () => {
  it('forwards every method with the app credentials and returns the app answer byte for byte', async () => {
    h = await startRelay();
    const created = await h.req('POST', '/Users', {
      body: {
        schemas: [USER],
        userName: 'jane@acme.com',
        name: { givenName: 'Jane', familyName: 'Doe' },
        active: true,
        password: 'pw-never-stored',
      },
    });
    expect(created.status).toBe(201);
    const id = created.json!.id as string;
    const appUser = h.app.users.get(id)!;
    // The body is the app's, unchanged (meta.location still names the app), the Location the relay's.
    expect(created.text).toBe(JSON.stringify(appUser));
    expect(created.headers.location).toBe(`${h.base}/Users/${id}`);
    expect(created.headers.etag).toBe((appUser.meta as Json).version);
    // The app saw its own credentials, never the IdP's token.
    expect(h.app.requests.at(-1)!.authorization).toBe('Bearer app-secret-token-7f3a9c');
    expect(h.app.requests.every((r) => !r.authorization?.includes(h!.token))).toBe(true);
    // The password went upstream as sent but is redacted in the record.
    expect(h.app.requests.at(-1)!.body).toContain('pw-never-stored');

    const got = await h.req('GET', `/Users/${id}`);
    expect(got.status).toBe(200);
    expect(got.text).toBe(JSON.stringify(h.app.users.get(id)));
    const listed = await h.req('GET', `/Users?filter=${encodeURIComponent('userName eq "jane@acme.com"')}`);
    expect(listed.json!.totalResults).toBe(1);
    expect(h.app.requests.at(-1)!.path).toBe(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "jane@acme.com"')}`);

    const etag = got.headers.etag as string;
    const replaced = await h.req('PUT', `/Users/${id}`, {
      body: { schemas: [USER], userName: 'jane@acme.com', displayName: 'Jane D.', active: true },
      headers: { 'If-Match': etag },
    });
    expect(replaced.status).toBe(200);
    const patched = await h.req('PATCH', `/Users/${id}`, { body: deactivate });
    expect(patched.status).toBe(200);
    expect(h.app.users.get(id)!.active).toBe(false);

    const group = await h.req('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Engineering', members: [{ value: id }] } });
    expect(group.status).toBe(201);
    const gid = group.json!.id as string;
    const removeMember = await h.req('PATCH', `/Groups/${gid}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }] },
    });
    expect(removeMember.status).toBe(204);
    expect(removeMember.text).toBe('');
    const deleted = await h.req('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    const spc = await h.req('GET', '/ServiceProviderConfig');
    expect(spc.status).toBe(200);

    const rows = exchanges(h);
    expect(rows.map((r) => `${r.method} ${r.status}/${r.upstream_status}`)).toEqual([
      'POST 201/201',
      'GET 200/200',
      'GET 200/200',
      'PUT 200/200',
      'PATCH 200/200',
      'POST 201/201',
      'PATCH 204/204',
      'DELETE 204/204',
      'GET 200/200',
    ]);
    expect(rows.every((r) => r.upstream_latency_ms !== null && r.upstream_error === null)).toBe(true);
    expect(rows[0]!.request_body).not.toContain('pw-never-stored');
    expect(rows[0]!.request_body).toContain('[redacted]');

    // The mirror followed with the app's ids, and events are those of store mode.
    expect(eventTypes(h)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'group.created',
      'group.member_added',
      'group.member_removed',
      'user.deleted',
    ]);
    const account = h.rows<{ id: string; active: number; deleted_at: string | null; display_name: string }>(
      'SELECT id, active, deleted_at, display_name FROM accounts WHERE source_id = ?',
      h.connectionId,
    );
    expect(account).toEqual([{ id, active: 0, deleted_at: expect.any(String), display_name: 'Jane D.' }]);
    const evs = h.rows<{ exchange_id: number; type: string }>('SELECT exchange_id, type FROM events ORDER BY seq');
    expect(evs[0]!.exchange_id).toBe(rows[0]!.id);
    expect(h.rows('SELECT * FROM alerts')).toEqual([]);
  });

  it('passes the app 4xx answers through unchanged without calling them failures', async () => {
    h = await startRelay();
    const missing = await h.req('GET', '/Users/does-not-exist');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ detail: 'User does-not-exist not found' });
    await h.req('POST', '/Users', { body: { schemas: [USER], userName: 'dup@acme.com' } });
    const dup = await h.req('POST', '/Users', { body: { schemas: [USER], userName: 'dup@acme.com' } });
    expect(dup.status).toBe(409);
    expect(dup.json).toMatchObject({ scimType: 'uniqueness' });
    // A deprovisioning of a user the app does not have is not a failure either.
    const gone = await h.req('DELETE', '/Users/never-there');
    expect(gone.status).toBe(404);
    expect(exchanges(h).map((r) => r.upstream_status)).toEqual([404, 201, 409, 404]);
    expect(eventTypes(h)).toEqual(['user.created']);
    expect(h.rows('SELECT * FROM alerts')).toEqual([]);
  });

  it('keeps Group PATCH member changes in the mirror when the app answers 204 without a body', async () => {
    h = await startRelay();
    const ids: string[] = [];
    for (const n of ['a', 'b', 'c'])
      ids.push((await h.req('POST', '/Users', { body: { schemas: [USER], userName: `${n}@acme.com` } })).json!.id as string);
    const g = await h.req('POST', '/Groups', { body: { schemas: [GROUP], displayName: 'Editors' } });
    const gid = g.json!.id as string;
    const add = await h.req('PATCH', `/Groups/${gid}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }] },
    });
    expect(add.status).toBe(204);
    await h.req('PATCH', `/Groups/${gid}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "${ids[1]!}"]` }] },
    });
    const mirrored = h.rows<{ member_id: string }>(
      'SELECT member_id FROM membership_ids WHERE source_id = ? AND group_id = ? AND deleted_at IS NULL ORDER BY member_id',
      h.connectionId,
      gid,
    );
    const upstream = (h.app.groups.get(gid)!.members as Json[]).map((m) => m.value).sort();
    expect(mirrored.map((m) => m.member_id)).toEqual(upstream);
    expect(upstream).toEqual([ids[0], ids[2]].sort());
  });
});

describe('relay: failed forwards', () => {
  async function userIn(r: RelayHarness, userName = 'leaver@acme.com'): Promise<string> {
    const c = await r.req('POST', '/Users', { body: { schemas: [USER], userName, active: true } });
    expect(c.status).toBe(201);
    return c.json!.id as string;
  }
  const alerts = (r: RelayHarness) =>
    r.rows<{ id: number; rule: string; severity: string; status: string; details: string; title: string; resolution: string | null }>(
      'SELECT * FROM alerts ORDER BY id',
    );

  it('an app 500 on a deactivate: passed to the IdP, recorded, relay.failed, one high alert that resolves when a retry succeeds', async () => {
    h = await startRelay();
    const id = await userIn(h);
    h.app.fault = ({ method }) => (method === 'PATCH' ? 'fail' : undefined);
    const first = await h.req('PATCH', `/Users/${id}`, { body: deactivate });
    expect(first.status).toBe(500);
    expect(first.json).toMatchObject({ detail: 'the app failed' });
    const again = await h.req('PATCH', `/Users/${id}`, { body: deactivate });
    expect(again.status).toBe(500);
    const failed = h.rows<{ seq: number; type: string; account_id: string; subject: string; exchange_id: number; after: string }>(
      "SELECT * FROM events WHERE type = 'relay.failed' ORDER BY seq",
    );
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({ account_id: id, subject: 'leaver@acme.com' });
    expect(JSON.parse(failed[0]!.after)).toMatchObject({ method: 'PATCH', status: 500, upstreamStatus: 500, deprovision: true });
    // One alert (no duplicates), high, linked to both failures and to the exchange.
    const [alert, ...more] = alerts(h);
    expect(more).toEqual([]);
    expect(alert).toMatchObject({
      rule: 'deprovision_failed',
      severity: 'high',
      status: 'open',
      title: 'Deprovisioning of leaver@acme.com failed in Slack',
    });
    expect(JSON.parse(alert!.details)).toMatchObject({ exchangeId: failed[1]!.exchange_id, accountId: id, upstreamStatus: 500 });
    expect(h.rows<{ event_seq: number }>('SELECT event_seq FROM alert_evidence WHERE alert_id = ? ORDER BY event_seq', alert!.id)).toEqual(
      failed.map((f) => ({ event_seq: f.seq })),
    );
    // The mirror did not follow a failed write.
    expect(h.rows<{ active: number }>('SELECT active FROM accounts WHERE id = ?', id)).toEqual([{ active: 1 }]);

    h.app.fault = null;
    const ok = await h.req('PATCH', `/Users/${id}`, { body: deactivate });
    expect(ok.status).toBe(200);
    expect(alerts(h)[0]).toMatchObject({ status: 'resolved', resolution: 'auto' });
    expect(h.rows<{ active: number }>('SELECT active FROM accounts WHERE id = ?', id)).toEqual([{ active: 0 }]);
  });

  it('a refused connection: 502 to the IdP, the error recorded, and a failed DELETE of a user raises the alert', async () => {
    h = await startRelay();
    const id = await userIn(h);
    await h.app.close();
    const del = await h.req('DELETE', `/Users/${id}`);
    expect(del.status).toBe(502);
    expect(del.json).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '502' });
    const row = exchanges(h).at(-1)!;
    expect(row).toMatchObject({ method: 'DELETE', status: 502, upstream_status: null });
    expect(row.upstream_error).toMatch(/^refused: connection refused/);
    expect(eventTypes(h)).toEqual(['user.created', 'relay.failed']);
    expect(alerts(h).map((a) => a.rule)).toEqual(['deprovision_failed']);
    // Not deleted in the mirror: the app never heard of it.
    expect(h.rows<{ deleted_at: string | null }>('SELECT deleted_at FROM accounts WHERE id = ?', id)).toEqual([{ deleted_at: null }]);
  });

  it('an app that hangs past the timeout: 504, recorded with a timeout error, and the deactivate alert', async () => {
    h = await startRelay({ upstream: { timeoutMs: 1000 } });
    const id = await userIn(h);
    h.app.fault = ({ method }) => (method === 'PATCH' ? 'hang' : undefined);
    const t0 = Date.now();
    const r = await h.req('PATCH', `/Users/${id}`, {
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] },
    });
    const took = Date.now() - t0;
    expect(r.status).toBe(504);
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(5000);
    expect(exchanges(h).at(-1)!.upstream_error).toMatch(/^timeout: no answer within/);
    expect(eventTypes(h)).toEqual(['user.created', 'relay.failed']);
    expect(alerts(h).map((a) => a.rule)).toEqual(['deprovision_failed']);
  });

  it('garbage (a non-JSON answer): 502, recorded, relay.failed; a dropped connection too', async () => {
    h = await startRelay();
    const id = await userIn(h);
    h.app.fault = () => 'garbage';
    const r = await h.req('PUT', `/Users/${id}`, { body: { schemas: [USER], userName: 'leaver@acme.com', active: false } });
    expect(r.status).toBe(502);
    expect(r.json!.detail).toBe('The app answered 200 with a body that is not JSON');
    expect(exchanges(h).at(-1)).toMatchObject({ status: 502, upstream_status: 200 });
    expect(exchanges(h).at(-1)!.upstream_error).toMatch(/not JSON .*text\/html/);
    h.app.fault = () => 'drop';
    const dropped = await h.req('GET', `/Users/${id}`);
    expect(dropped.status).toBe(502);
    expect(exchanges(h).at(-1)!.upstream_error).toMatch(/^reset:/);
    expect(eventTypes(h)).toEqual(['user.created', 'relay.failed', 'relay.failed']);
    // The PUT was a deactivation: alerted; the GET was not.
    expect(alerts(h).map((a) => a.rule)).toEqual(['deprovision_failed']);
  });

  it('an app that refuses the credentials raises "upstream credentials rejected" once, resolved by the next accepted request', async () => {
    h = await startRelay();
    h.app.fault = () => 'unauthorized';
    for (let i = 0; i < 3; i++) {
      const r = await h.req('GET', '/Users');
      expect(r.status).toBe(401);
      // The IdP is not told to re-authenticate with Rollcall: the app's challenge is not passed on.
      expect(r.headers['www-authenticate']).toBeUndefined();
    }
    expect(alerts(h)).toHaveLength(1);
    expect(alerts(h)[0]).toMatchObject({ rule: 'upstream_credentials_rejected', severity: 'high', status: 'open' });
    expect(h.rows('SELECT * FROM alert_evidence')).toHaveLength(3);
    h.app.fault = null;
    expect((await h.req('GET', '/Users')).status).toBe(200);
    expect(alerts(h)[0]).toMatchObject({ status: 'resolved', resolution: 'auto' });
  });
});

describe('relay: upstream credentials', () => {
  it('HTTP Basic reaches the app', async () => {
    h = await startRelay({ appAuth: { kind: 'basic', username: 'scim-bot', password: 'b4sic-pa55word' } });
    expect((await h.req('GET', '/Users')).status).toBe(200);
    expect(h.app.requests.at(-1)!.authorization).toBe(`Basic ${Buffer.from('scim-bot:b4sic-pa55word').toString('base64')}`);
  });

  it('OAuth client credentials: one token shared, fetched again after expiry and after the app revokes it', async () => {
    h = await startRelay({ appAuth: { kind: 'oauth', clientId: 'rollcall', clientSecret: 'cl1ent-s3cret', tokenLifetimeSec: 1 } });
    const burst = await Promise.all(Array.from({ length: 5 }, () => h!.req('GET', '/Users')));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(h.app.tokensIssued).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await h.req('GET', '/Users')).status).toBe(200);
    expect(h.app.tokensIssued).toBe(2);
    // Revoked before its expiry: the 401 makes the relay fetch a new token and resend once.
    h.app.revokeTokens();
    const r = await h.req('GET', '/Users');
    expect(r.status).toBe(200);
    expect(h.app.tokensIssued).toBe(3);
    expect(h.rows('SELECT * FROM alerts')).toEqual([]);
  });

  it('OAuth with a wrong client secret: 502 naming the token endpoint, and the credentials alert', async () => {
    h = await startRelay({
      appAuth: { kind: 'oauth', clientId: 'rollcall', clientSecret: 'right', tokenLifetimeSec: 60 },
      upstream: (app) => ({ auth: { kind: 'oauth', tokenUrl: app.tokenUrl, clientId: 'rollcall', clientSecret: 'wrong' } }),
    });
    const r = await h.req('GET', '/Users');
    expect(r.status).toBe(502);
    expect(r.json!.detail).toMatch(/token endpoint answered 401: invalid_client/);
    expect(h.app.requests).toHaveLength(0);
    expect(h.rows<{ rule: string }>('SELECT rule FROM alerts')).toEqual([{ rule: 'upstream_credentials_rejected' }]);
  });

  it('credentials never reach logs, API answers or the database in clear', async () => {
    const secret = 'app-secret-token-7f3a9c';
    h = await startRelay({ upstream: { headers: { 'X-Api-Key': 'xk-9d8e7f6a5b4c' } } });
    h.app.fault = ({ method }) => (method === 'DELETE' ? 'fail' : undefined);
    const id = (await h.req('POST', '/Users', { body: { schemas: [USER], userName: 'x@acme.com' } })).json!.id as string;
    await h.req('DELETE', `/Users/${id}`);
    expect(h.app.requests.at(-1)!.authorization).toBe(`Bearer ${secret}`);
    const sources = await h.core.dispatch('listSources', {});
    const text = JSON.stringify(sources);
    expect(text).toContain('"authKind":"bearer"');
    expect(text).toContain('X-Api-Key');
    for (const s of [secret, 'xk-9d8e7f6a5b4c']) {
      expect(text).not.toContain(s);
      expect(h.logs.join('\n')).not.toContain(s);
    }
    const fs = await import('node:fs');
    const path = await import('node:path');
    // The database and its WAL (where the latest writes still are).
    const files = fs.readdirSync(h.core.store.dataDir).filter((f) => f.startsWith('rollcall.db'));
    expect(files).toContain('rollcall.db');
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(h.core.store.dataDir, f));
      expect(bytes.includes(Buffer.from(secret)), f).toBe(false);
      expect(bytes.includes(Buffer.from('xk-9d8e7f6a5b4c')), f).toBe(false);
    }
  });
});

describe('relay: TLS to the app', () => {
  const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/tls/${name}`, import.meta.url), 'utf8');

  it('an app whose certificate no trusted CA signed: 502 with the TLS error, recorded, relay.failed', async () => {
    h = await startRelay({ app: { tls: { cert: fixture('untrusted.pem'), key: fixture('untrusted-key.pem') } } });
    const r = await h.req('GET', '/Users');
    expect(r.status).toBe(502);
    expect(r.json!.detail).toMatch(/TLS failed/);
    expect(exchanges(h).at(-1)!.upstream_error).toMatch(/^tls: TLS failed/);
    expect(h.app.requests).toHaveLength(0);
    expect(eventTypes(h)).toEqual(['relay.failed']);
  });

  it('the same app behind a certificate from an internal CA: trusted once the CA is given', async () => {
    const tls = { cert: fixture('server.pem'), key: fixture('server-key.pem') };
    h = await startRelay({ app: { tls } });
    expect((await h.req('GET', '/Users')).status).toBe(502);
    await h.close();
    h = await startRelay({ app: { tls }, upstream: { caPem: fixture('ca.pem') } });
    const r = await h.req('GET', '/Users');
    expect(r.status).toBe(200);
    expect(r.json!.totalResults).toBe(0);
  });
});
