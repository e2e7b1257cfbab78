import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/main/core/store/store';
import { runRollcall, startServe, type Served } from '../helpers/cli';
import { tmpDataDir } from '../helpers/tmp';

describe('SCIM durability', () => {
  let served: Served | undefined;
  afterEach(async () => {
    await served?.stop('SIGKILL');
    served = undefined;
  });

  it('every answered write survives a kill -9 of the server right after the answer', async () => {
    const dir = tmpDataDir();
    const added = await runRollcall([
      'connections',
      'add',
      '--data-dir',
      dir,
      '--name',
      'Okta',
      '--app',
      'Slack',
      '--idp',
      'okta',
      '--json',
    ]);
    expect(added.code).toBe(0);
    const { slug, token } = JSON.parse(added.stdout) as { slug: string; token: string };
    served = await startServe(dir);
    const base = `${served.scimUrl}/${slug}`;
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };

    // 64 concurrent creates: they share group commits, which is what must not weaken durability.
    const answered = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const r = await fetch(`${base}/Users`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `user${i}@acme.test`, active: true }),
        });
        expect(r.status).toBe(201);
        return ((await r.json()) as { id: string }).id;
      }),
    );
    const deactivate = await fetch(`${base}/Users/${answered[0]}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      }),
    });
    expect(deactivate.status).toBe(200);
    // No graceful shutdown: the process dies at once.
    expect(await served.stop('SIGKILL')).toBeNull();
    served = undefined;

    const store = Store.open(dir);
    try {
      const ids = new Set(
        store.db
          .prepare<[], { id: string }>('SELECT id FROM accounts')
          .all()
          .map((r) => r.id),
      );
      expect(answered.filter((id) => !ids.has(id))).toEqual([]);
      expect(store.db.prepare('SELECT active FROM accounts WHERE id = ?').pluck().get(answered[0])).toBe(0);
      const types = store.db.prepare<[], { type: string; n: number }>('SELECT type, count(*) AS n FROM events GROUP BY type').all();
      expect(Object.fromEntries(types.map((t) => [t.type, t.n]))).toEqual({ 'user.created': 64, 'user.deactivated': 1 });
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      store.close();
    }
  });

  it('a connection added or rotated by the CLI is live in a running serve at once', async () => {
    const dir = tmpDataDir();
    served = await startServe(dir);
    const added = await runRollcall([
      'connections',
      'add',
      '--data-dir',
      dir,
      '--name',
      'Entra',
      '--app',
      'Zoom',
      '--idp',
      'entra',
      '--json',
    ]);
    const { slug, token, scimUrl } = JSON.parse(added.stdout) as { slug: string; token: string; scimUrl: string };
    // The CLI prints the URL the running serve really answers on.
    expect(scimUrl).toBe(`${served.scimUrl}/${slug}`);
    const ok = await fetch(`${scimUrl}/Users?filter=userName+eq+%22nobody%22`, { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const rotated = await runRollcall(['connections', 'rotate-token', slug, '--data-dir', dir, '--json']);
    const fresh = (JSON.parse(rotated.stdout) as { token: string }).token;
    expect((await fetch(`${scimUrl}/Users`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
    expect((await fetch(`${scimUrl}/Users`, { headers: { Authorization: `Bearer ${fresh}` } })).status).toBe(200);
  });
});
