import { afterEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src/main/core/core';
import { startScimServer, type ScimServer } from '../../../src/main/scim/server';
import { tmpDataDir } from '../../helpers/tmp';

describe('configured secret attributes', () => {
  let core: Core | undefined;
  let scim: ScimServer | undefined;
  afterEach(async () => {
    await scim?.close();
    await core?.closeGracefully();
  });

  it('are redacted in the request log of their connection, besides password', async () => {
    core = createCore({ dataDir: tmpDataDir(), host: 'headless' });
    scim = await startScimServer({ core, host: '127.0.0.1', port: 0 });
    const c = core.connections.add({ name: 'Vault', app: 'Vault', provider: 'generic', secretAttributes: ['apiKey', ' RecoveryCode '] });
    expect(c.secretAttributes).toEqual(['apikey', 'recoverycode']);
    expect(() => core!.connections.add({ name: 'x', app: 'x', provider: 'generic', secretAttributes: ['not a name'] })).toThrow(
      /not a SCIM attribute name/,
    );
    const ext = 'urn:example:vault:1.0:User';
    const r = await fetch(`${scim.origin}/scim/v2/${c.slug}/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${c.token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ext],
        userName: 'ann@acme.test',
        password: 'pw-111',
        [ext]: { apiKey: 'key-222', recoveryCode: 'code-333', team: 'blue' },
      }),
    });
    expect(r.status).toBe(201);
    await new Promise((resolve) => setImmediate(resolve));
    const stored = core.store.db.prepare<[], { request_body: string }>('SELECT request_body FROM scim_exchanges').get()!.request_body;
    for (const secret of ['pw-111', 'key-222', 'code-333']) expect(stored).not.toContain(secret);
    expect(stored).toContain('blue');
    expect(core.connections.get(c.slug).secretAttributes).toEqual(['apikey', 'recoverycode']);
  });
});
