/**
 * The SCIM listener over TLS: a real https listener with the fixture server certificate, a real
 * client that trusts (or does not trust) the fixture CA, and the same SCIM answers and
 * malformed-request handling as over plain http.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import { readTlsFiles } from '../../../src/main/host/tls-files';
import { startScimServer, type ScimServer } from '../../../src/main/scim/server';
import { LIST, USER, type Json } from '../../helpers/scim';
import { tmpDataDir } from '../../helpers/tmp';

const FIXTURES = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
const CA = fs.readFileSync(path.join(FIXTURES, 'ca.pem'));

let core: Core | undefined;
let scim: ScimServer | undefined;
afterEach(async () => {
  await scim?.close();
  await core?.closeGracefully();
  scim = undefined;
  core = undefined;
});

async function start(certName: string, keyName: string) {
  core = createCore({ dataDir: tmpDataDir(), host: 'headless' });
  const material = readTlsFiles(path.join(FIXTURES, certName), path.join(FIXTURES, keyName));
  scim = await startScimServer({ core, host: '127.0.0.1', port: 0, tls: { cert: material.cert, key: material.key } });
  const conn = core.connections.add({ name: 'Okta', app: 'Slack', provider: 'okta' });
  return { scim, conn };
}

interface Answer {
  status: number;
  json: Json;
  protocol: string | null;
}

function request(
  port: number,
  method: string,
  target: string,
  options: { token: string; ca?: Buffer; host?: string; body?: unknown },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const req = https.request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        method,
        path: target,
        ca: options.ca,
        agent: false,
        headers: {
          Authorization: `Bearer ${options.token}`,
          ...(payload ? { 'Content-Type': 'application/scim+json', 'Content-Length': String(payload.length) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const protocol = (res.socket as tls.TLSSocket).getProtocol();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json, protocol }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('SCIM listener over TLS', () => {
  it('answers SCIM over https to a client that trusts the CA, with https locations', async () => {
    const { scim, conn } = await start('server.pem', 'server-key.pem');
    expect(scim.origin).toBe(`https://127.0.0.1:${scim.port}`);
    const prefix = `/scim/v2/${conn.slug}`;

    const created = await request(scim.port, 'POST', `${prefix}/Users`, {
      token: conn.token,
      ca: CA,
      body: { schemas: [USER], userName: 'ada@example.com', active: true },
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.protocol).toMatch(/^TLSv1\.[23]$/);
    const meta = created.json.meta as { location: string };
    expect(meta.location).toBe(`https://127.0.0.1:${scim.port}${prefix}/Users/${String(created.json.id)}`);

    // Verified by name as well as by address: the certificate covers DNS:localhost.
    const listed = await request(scim.port, 'GET', `${prefix}/Users?filter=${encodeURIComponent('userName eq "ada@example.com"')}`, {
      token: conn.token,
      ca: CA,
      host: 'localhost',
    });
    expect(listed.status).toBe(200);
    expect(listed.json).toMatchObject({ schemas: [LIST], totalResults: 1, Resources: [{ userName: 'ada@example.com' }] });

    // The connection's SCIM URL shown in the UI is the https one.
    const sources = await core!.dispatch('listSources', {});
    expect(sources).toMatchObject({ ok: true, value: { connections: [{ scimUrl: `https://127.0.0.1:${scim.port}${prefix}` }] } });

    // A wrong token is still refused: TLS adds transport security, not a way around the token.
    const refused = await request(scim.port, 'GET', `${prefix}/Users`, { token: 'x'.repeat(43), ca: CA });
    expect(refused.status).toBe(401);
  });

  it('fails certificate verification for a client that does not trust the CA', async () => {
    const { scim, conn } = await start('server.pem', 'server-key.pem');
    await expect(request(scim.port, 'GET', `/scim/v2/${conn.slug}/Users`, { token: conn.token })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    expect(core!.store.db.prepare('SELECT count(*) AS n FROM scim_exchanges').get()).toEqual({ n: 0 });
  });

  it('fails verification of a self-signed certificate even for a client that trusts the CA', async () => {
    const { scim, conn } = await start('untrusted.pem', 'untrusted-key.pem');
    await expect(request(scim.port, 'GET', `/scim/v2/${conn.slug}/Users`, { token: conn.token, ca: CA })).rejects.toMatchObject({
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
    });
  });

  it('answers a malformed request inside TLS with a SCIM 400, as over http', async () => {
    const { scim } = await start('server.pem', 'server-key.pem');
    const text = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: scim.port, ca: CA, servername: 'localhost' }, () => {
        socket.write('NOT A REQUEST\r\n\r\n');
      });
      let out = '';
      socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain('urn:ietf:params:scim:api:messages:2.0:Error');
  });

  it('does not answer plain http on the TLS port', async () => {
    const { scim, conn } = await start('server.pem', 'server-key.pem');
    const net = await import('node:net');
    const text = await new Promise<string>((resolve) => {
      const socket = net.connect(scim.port, '127.0.0.1', () => {
        socket.write(`GET /scim/v2/${conn.slug}/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${conn.token}\r\n\r\n`);
      });
      let out = '';
      socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
      socket.on('close', () => resolve(out));
      socket.on('error', () => resolve(out));
    });
    expect(text).not.toContain('HTTP/1.1 200');
    expect(text).not.toContain('ListResponse');
  });
});
