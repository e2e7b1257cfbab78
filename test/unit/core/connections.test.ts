import { describe, expect, it } from 'vitest';
import { Connections, hashToken, slugify } from '../../../src/main/core/connections';
import { Store } from '../../../src/main/core/store/store';
import { tmpDataDir } from '../../helpers/tmp';

describe('connections', () => {
  it('issues a 256-bit token, stores only its hash, and authenticates only that connection', () => {
    const store = Store.open(tmpDataDir());
    const c = new Connections(store);
    const slack = c.add({ name: 'Slack via Okta', app: 'Slack', provider: 'okta' });
    const zoom = c.add({ name: 'Zoom', app: 'Zoom', provider: 'entra' });
    expect(Buffer.from(slack.token, 'base64url')).toHaveLength(32);
    expect(slack.slug).toBe('slack');
    const row = store.db.prepare<[string], { token_hash: Buffer }>('SELECT token_hash FROM sources WHERE id = ?').get(slack.id)!;
    expect(row.token_hash.equals(hashToken(slack.token))).toBe(true);
    const dump = store.db.prepare('SELECT * FROM sources').all();
    expect(JSON.stringify(dump)).not.toContain(slack.token);

    expect(c.authenticate('slack', slack.token)?.id).toBe(slack.id);
    expect(c.authenticate('slack', zoom.token)).toBeUndefined();
    expect(c.authenticate('zoom', slack.token)).toBeUndefined();
    expect(c.authenticate('slack', undefined)).toBeUndefined();
    expect(c.authenticate('slack', '')).toBeUndefined();
    expect(c.authenticate('nope', slack.token)).toBeUndefined();
    store.close();
  });

  it('rotates and removes: old tokens stop working at once, slugs stay unique', () => {
    const store = Store.open(tmpDataDir());
    const c = new Connections(store);
    const a = c.add({ name: 'Slack', app: 'Slack', provider: 'okta' });
    const b = c.add({ name: 'Slack EU', app: 'Slack', provider: 'okta' });
    expect(b.slug).toBe('slack-2');
    expect(() => c.add({ name: 'x', app: 'y', provider: 'okta', slug: 'slack' })).toThrow(/already used/);
    expect(() => c.add({ name: 'x', app: 'y', provider: 'okta', slug: 'Bad Slug' })).toThrow(/Invalid slug/);
    const rotated = c.rotateToken('slack');
    expect(c.authenticate('slack', a.token)).toBeUndefined();
    expect(c.authenticate('slack', rotated.token)?.id).toBe(a.id);
    c.remove(a.id);
    expect(c.authenticate('slack', rotated.token)).toBeUndefined();
    expect(c.list().map((x) => x.slug)).toEqual(['slack-2']);
    expect(() => c.get('slack')).toThrow(/No connection/);
    expect(c.add({ name: 'Slack again', app: 'Slack', provider: 'okta' }).slug).toBe('slack');
    store.close();
  });

  it('makes URL-safe slugs from any app name', () => {
    expect(slugify('Google Workspace (EU)')).toBe('google-workspace-eu');
    expect(slugify('Zoë’s Café')).toBe('zoe-s-cafe');
    expect(slugify('!!!')).toBe('app');
  });
});
