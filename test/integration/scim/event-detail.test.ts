/**
 * getEvent and getSourceHealth (issue #7) through the core's dispatch, on events and exchanges
 * written by the real SCIM listener: the event detail carries the recorded request and response
 * (secrets redacted), and the sources' health counts the errors an admin must see.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/shared/contract';
import { startScim, USER, type ScimHarness } from '../../helpers/scim';

let h: ScimHarness;
beforeEach(async () => {
  h = await startScim({ name: 'Slack via Okta', app: 'Slack' });
});
afterEach(async () => {
  await h.close();
});

async function call<T>(name: string, input: unknown): Promise<T> {
  const r = (await h.core.dispatch(name, input)) as Envelope<T>;
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return r.value;
}

interface EventDetail {
  event: { seq: number; type: string; subject: string | null; exchangeId: number | null; before: unknown; after: unknown };
  exchange: {
    method: string;
    path: string;
    status: number;
    requestBody: string | null;
    responseBody: string | null;
  } | null;
}

describe('getEvent', () => {
  it('returns the event with the SCIM request and response it came from, the password redacted', async () => {
    const created = await h.req('POST', '/Users', {
      body: { schemas: [USER], userName: 'dana@acme.test', active: true, password: 'hunter2-secret' },
    });
    expect(created.status).toBe(201);
    const id = created.json!.id as string;
    const off = await h.req('PATCH', `/Users/${id}`, {
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      },
    });
    expect(off.status).toBe(200);

    const seqs = h.rows<{ seq: number; type: string }>('SELECT seq, type FROM events ORDER BY seq');
    const createdSeq = seqs.find((e) => e.type === 'user.created')!.seq;
    const deactivatedSeq = seqs.find((e) => e.type === 'user.deactivated')!.seq;

    const first = await call<EventDetail>('getEvent', { seq: createdSeq });
    expect(first.event.type).toBe('user.created');
    expect(first.exchange).not.toBeNull();
    expect(first.exchange!.method).toBe('POST');
    expect(first.exchange!.status).toBe(201);
    expect(first.exchange!.requestBody).toContain('dana@acme.test');
    expect(first.exchange!.requestBody).not.toContain('hunter2-secret');
    expect(first.exchange!.requestBody).toContain('[redacted]');
    expect(JSON.parse(first.exchange!.responseBody!)).toMatchObject({ id, userName: 'dana@acme.test' });
    // the token that authorised the request is nowhere in what the UI gets
    expect(JSON.stringify(first)).not.toContain(h.conn.token);

    const second = await call<EventDetail>('getEvent', { seq: deactivatedSeq });
    expect(second.event.type).toBe('user.deactivated');
    expect(second.exchange!.method).toBe('PATCH');
    expect(second.exchange!.path).toContain(id);
    expect(second.exchange!.requestBody).toContain('"replace"');
  });

  it('answers not_found for an unknown event and invalid_input for a bad seq', async () => {
    expect(await h.core.dispatch('getEvent', { seq: 987654 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await h.core.dispatch('getEvent', { seq: -1 })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});

interface Health {
  windowHours: number;
  sources: {
    id: string;
    kind: string;
    name: string;
    lastActivityAt: string | null;
    errorCount: number;
    recentErrors: { message: string }[];
  }[];
}

describe('getSourceHealth', () => {
  it('shows the last request and counts refused requests and server errors, not ordinary 404s', async () => {
    const before = await call<Health>('getSourceHealth', {});
    const mine = () => before.sources.find((s) => s.id === h.conn.id)!;
    expect(mine()).toMatchObject({ kind: 'connection', lastActivityAt: null, errorCount: 0, recentErrors: [] });

    expect((await h.req('GET', '/Users/does-not-exist')).status).toBe(404);
    expect((await h.req('GET', '/Users', { token: 'wrong-token-wrong-token-wrong-token' })).status).toBe(401);
    expect((await h.req('GET', '/Users', { token: 'another-wrong-token-another-wrong' })).status).toBe(401);

    const after = await call<Health>('getSourceHealth', {});
    const s = after.sources.find((x) => x.id === h.conn.id)!;
    expect(after.windowHours).toBe(24);
    expect(s.lastActivityAt).not.toBeNull();
    expect(s.errorCount).toBe(2);
    expect(s.recentErrors).toHaveLength(2);
    expect(s.recentErrors[0]!.message).toMatch(/refused \(401\)/);
  });

  it('lists failed directory syncs of the last 24 hours', async () => {
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo).toISOString();
    h.core.store.write(() => {
      h.core.store.db
        .prepare(
          `INSERT INTO sources (id, kind, provider, name, config, created_at, updated_at)
           VALUES ('d-okta', 'directory', 'okta', 'Acme Okta', '{}', @t, @t)`,
        )
        .run({ t: at(3 * 86_400_000) });
      const sync = h.core.store.db.prepare(
        `INSERT INTO directory_syncs (source_id, trigger, full, status, started_at, heartbeat_at, finished_at, error)
         VALUES ('d-okta', 'schedule', 0, @status, @t, @t, @t, @error)`,
      );
      sync.run({ status: 'failed', t: at(2 * 86_400_000), error: 'too old to count' });
      sync.run({ status: 'ok', t: at(3_600_000), error: null });
      sync.run({ status: 'failed', t: at(600_000), error: 'Okta answered 401: Invalid token provided' });
    });
    const health = await call<Health>('getSourceHealth', {});
    const d = health.sources.find((x) => x.id === 'd-okta')!;
    expect(d).toMatchObject({ kind: 'directory', name: 'Acme Okta', errorCount: 1, lastSyncStatus: 'failed' });
    expect(d.lastActivityAt).toBe(at(3_600_000));
    expect(d.recentErrors.map((e) => e.message)).toEqual(['Okta answered 401: Invalid token provided']);
  });
});
