/**
 * The desktop app's listener start (what the core utility process runs for a listener target from
 * the settings), under plain Node: https with both TLS files, and a failure reported as one
 * sentence for the listener status instead of a crash.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import { startListenerAt } from '../../../src/main/host/listener-target';
import type { ScimServer } from '../../../src/main/scim/server';
import { tmpDataDir } from '../../helpers/tmp';

const FIXTURES = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
const certPath = path.join(FIXTURES, 'server.pem');
const keyPath = path.join(FIXTURES, 'server-key.pem');

let core: Core;
const started: ScimServer[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.close();
  await core?.closeGracefully();
});

function newCore(): Core {
  core = createCore({ dataDir: tmpDataDir(), host: 'electron' });
  return core;
}

describe('startListenerAt (desktop listener target)', () => {
  it('listens with https when the settings carry both TLS paths', async () => {
    const c = newCore();
    const conn = c.connections.add({ name: 'Entra', app: 'Slack', provider: 'entra' });
    const result = await startListenerAt(c, { host: '127.0.0.1', port: 0, tls: { certPath, keyPath } });
    expect(result.error).toBeNull();
    started.push(result.scim!);
    expect(result.scim!.origin).toBe(`https://127.0.0.1:${result.scim!.port}`);

    const status = await new Promise<number>((resolve, reject) => {
      https
        .get(
          `${result.scim!.origin}/scim/v2/${conn.slug}/Users`,
          { ca: fs.readFileSync(path.join(FIXTURES, 'ca.pem')), agent: false, headers: { Authorization: `Bearer ${conn.token}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('listens with http without TLS paths', async () => {
    const result = await startListenerAt(newCore(), { host: '127.0.0.1', port: 0, tls: null });
    started.push(result.scim!);
    expect(result.scim!.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('reports unusable TLS files as the listener error, without listening', async () => {
    const c = newCore();
    const missing = path.join(tmpDataDir(), 'key.pem');
    expect(await startListenerAt(c, { host: '127.0.0.1', port: 0, tls: { certPath, keyPath: missing } })).toEqual({
      scim: null,
      error: `the TLS private key file ${missing} does not exist`,
    });
    const expired = await startListenerAt(c, {
      host: '127.0.0.1',
      port: 0,
      tls: { certPath: path.join(FIXTURES, 'expired.pem'), keyPath: path.join(FIXTURES, 'expired-key.pem') },
    });
    expect(expired.scim).toBeNull();
    expect(expired.error).toMatch(/expired on 2000-12-31T23:59:59\.000Z/);
    const info = await c.dispatch('getAppInfo', {});
    expect(info).toMatchObject({ ok: true, value: { scimOrigin: null } });
  });

  it('reports a busy port as the listener error', async () => {
    const c = newCore();
    const first = await startListenerAt(c, { host: '127.0.0.1', port: 0, tls: { certPath, keyPath } });
    started.push(first.scim!);
    const second = await startListenerAt(c, { host: '127.0.0.1', port: first.scim!.port, tls: { certPath, keyPath } });
    expect(second).toEqual({ scim: null, error: `127.0.0.1:${first.scim!.port} is already in use` });
  });
});
