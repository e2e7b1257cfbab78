import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/main/core/core';
import { startDashboardServer, type DashboardServer } from '../../src/main/host/dashboard-server';
import { insertSource } from '../helpers/seed';
import { migrations } from '../../src/main/core/store/migrations/index';
import { tmpDataDir } from '../helpers/tmp';

const TOKEN = 'test-token-0123456789abcdef';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Raw HTTP (not fetch), so tests can send any Host header. */
function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: opts.body === undefined ? opts.headers : { 'Content-Length': String(Buffer.byteLength(opts.body)), ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

describe('dashboard HTTP transport', () => {
  let core: Core;
  let server: DashboardServer;
  const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' };

  beforeEach(async () => {
    core = createCore({ dataDir: tmpDataDir(), host: 'headless', pollIntervalMs: 20 });
    server = await startDashboardServer({ core, token: TOKEN, host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    await server.close();
    await core.closeGracefully();
  });

  it('answers a valid call with the contract output', async () => {
    const r = await request(server.port, { method: 'POST', path: '/api/getAppInfo', headers: auth, body: '{}' });
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as { ok: boolean; value: { host: string; schemaVersion: number } };
    expect(body.ok).toBe(true);
    expect(body.value.host).toBe('headless');
    expect(body.value.schemaVersion).toBe(migrations.length);
  });

  it.each([
    ['POST', '/api/getAppInfo'],
    ['POST', '/api/noSuchCall'],
    ['GET', '/api/stream'],
    ['GET', '/anything/else'],
    ['DELETE', '/api/listEvents'],
  ])('requires the token for %s %s before any routing (401)', async (method, path) => {
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: 'Bearer wrong-token-wrong-token' },
      { Authorization: `Basic ${TOKEN}` },
      { Authorization: `Bearer ${TOKEN}x` },
    ]) {
      const r = await request(server.port, {
        method,
        path,
        headers: { 'Content-Type': 'application/json', ...headers },
        body: method === 'GET' ? undefined : '{}',
      });
      expect(r.status).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
  });

  it('refuses a foreign Host header with 403 even with a valid token (DNS rebinding)', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      `127.0.0.1:${server.port + 1}`,
      `127.0.0.1.evil.example:${server.port}`,
    ]) {
      const r = await request(server.port, { method: 'POST', path: '/api/getAppInfo', headers: { ...auth, Host: host }, body: '{}' });
      expect(r.status, host).toBe(403);
    }
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`]) {
      const r = await request(server.port, { method: 'POST', path: '/api/getAppInfo', headers: { ...auth, Host: host }, body: '{}' });
      expect(r.status, host).toBe(200);
    }
  });

  it('refuses a foreign Origin with 403 and never sends CORS headers', async () => {
    const bad = await request(server.port, {
      method: 'POST',
      path: '/api/getAppInfo',
      headers: { ...auth, Origin: 'https://evil.example' },
      body: '{}',
    });
    expect(bad.status).toBe(403);
    const same = await request(server.port, {
      method: 'POST',
      path: '/api/getAppInfo',
      headers: { ...auth, Origin: `http://127.0.0.1:${server.port}` },
      body: '{}',
    });
    expect(same.status).toBe(200);
    const preflight = await request(server.port, {
      method: 'OPTIONS',
      path: '/api/getAppInfo',
      headers: { Origin: `http://127.0.0.1:${server.port}`, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(401);
    for (const r of [bad, same, preflight]) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('rejects invalid input with a typed 400 error and stays up', async () => {
    const cases = [
      ['listEvents', '{"limit": 0}'],
      ['listEvents', '{"limit": "ten"}'],
      ['listEvents', '{"types": ["user.exploded"]}'],
      ['listEvents', '{"cursor": "abc"}'],
      ['updateSettings', '{"theme": "purple"}'],
      ['getAppInfo', '{"unexpected": 1}'],
      ['getAppInfo', '[1,2]'],
    ] as const;
    for (const [call, body] of cases) {
      const r = await request(server.port, { method: 'POST', path: `/api/${call}`, headers: auth, body });
      expect(r.status, `${call} ${body}`).toBe(400);
      expect(JSON.parse(r.body), body).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    }
    const malformed = await request(server.port, { method: 'POST', path: '/api/listEvents', headers: auth, body: '{"limit":' });
    expect(malformed.status).toBe(400);
    const unknown = await request(server.port, { method: 'POST', path: '/api/dropTables', headers: auth, body: '{}' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: 'unknown_call' } });
    const ok = await request(server.port, { method: 'POST', path: '/api/getSettings', headers: auth, body: '' });
    expect(ok.status).toBe(200);
  });

  it('limits body size (413) and content type (415)', async () => {
    const big = await request(server.port, {
      method: 'POST',
      path: '/api/listPeople',
      headers: auth,
      body: Buffer.alloc(1024 * 1024 + 10, 32),
    });
    expect(big.status).toBe(413);
    const form = await request(server.port, {
      method: 'POST',
      path: '/api/updateSettings',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'theme=dark',
    });
    expect(form.status).toBe(415);
  });

  it('round-trips settings and lists events newest first with a cursor', async () => {
    const set = await request(server.port, { method: 'POST', path: '/api/updateSettings', headers: auth, body: '{"theme":"dark"}' });
    expect(JSON.parse(set.body)).toMatchObject({ ok: true, value: { theme: 'dark' } });
    insertSource(core.store, { id: 'c1', kind: 'connection', name: 'Slack', app: 'Slack', slug: 'slack' });
    core.store.write(() =>
      core.store.events.append(
        Array.from({ length: 5 }, (_, i) => ({
          type: 'user.created' as const,
          sourceId: 'c1',
          accountId: `u${i}`,
          observedAt: new Date().toISOString(),
        })),
      ),
    );
    const p1 = JSON.parse(
      (await request(server.port, { method: 'POST', path: '/api/listEvents', headers: auth, body: '{"limit":3}' })).body,
    ) as {
      value: { items: { seq: number; sourceName: string }[]; nextCursor: string };
    };
    expect(p1.value.items.map((e) => e.seq)).toEqual([5, 4, 3]);
    expect(p1.value.items[0]!.sourceName).toBe('Slack');
    const p2 = JSON.parse(
      (
        await request(server.port, {
          method: 'POST',
          path: '/api/listEvents',
          headers: auth,
          body: JSON.stringify({ limit: 3, cursor: p1.value.nextCursor }),
        })
      ).body,
    ) as { value: { items: { seq: number }[]; nextCursor: string | null } };
    expect(p2.value.items.map((e) => e.seq)).toEqual([2, 1]);
    expect(p2.value.nextCursor).toBeNull();
  });

  it('streams new events as Server-Sent Events to an authorised client', async () => {
    insertSource(core.store, { id: 'c1', kind: 'connection', name: 'Slack', app: 'Slack', slug: 'slack' });
    const received = new Promise<string>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: server.port, path: '/api/stream', headers: { Authorization: `Bearer ${TOKEN}` } },
        (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          let buf = '';
          res.on('data', (c: Buffer) => {
            buf += c.toString('utf8');
            if (buf.includes('\n\n') && buf.includes('event: push')) {
              resolve(buf);
              req.destroy();
            } else if (buf.includes(': connected')) {
              core.store.write(() =>
                core.store.events.append([{ type: 'user.created', sourceId: 'c1', accountId: 'u1', observedAt: new Date().toISOString() }]),
              );
            }
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    const text = await received;
    const data = /data: (.*)\n/.exec(text)![1]!;
    expect(JSON.parse(data)).toMatchObject({ kind: 'events.appended', events: [{ type: 'user.created', accountId: 'u1' }] });
  });
});
