import { describe, expect, it } from 'vitest';
import { eventHash, GENESIS_HASH, type EventRow } from '../../../src/main/core/store/events';
import { Store } from '../../../src/main/core/store/store';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';

describe('event log', () => {
  it('chains each event to the previous one and is append-only', () => {
    const store = Store.open(tmpDataDir());
    insertSource(store, { id: 'c1', kind: 'connection', name: 'Slack', app: 'Slack', slug: 'slack' });
    const t = '2026-11-01T10:00:00.000Z';
    const seqs = store.write(() =>
      store.events.append([
        { type: 'user.created', sourceId: 'c1', accountId: 'u1', subject: 'ann@acme.test', observedAt: t, after: { active: true } },
        { type: 'user.deactivated', sourceId: 'c1', accountId: 'u1', observedAt: t, before: { active: true }, after: { active: false } },
      ]),
    );
    expect(seqs).toHaveLength(2);
    const rows = store.db.prepare<[], EventRow>('SELECT * FROM events ORDER BY seq').all();
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    for (const r of rows) {
      const { seq: _seq, hash, ...fields } = r;
      expect(eventHash(fields)).toBe(hash);
    }
    expect(store.events.headHash()).toBe(rows[1]!.hash);
    expect(() => store.db.prepare("UPDATE events SET actor = 'x'").run()).toThrow(/append-only/);
    expect(() => store.db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
    store.close();
  });

  it('refuses to append outside a write transaction', () => {
    const store = Store.open(tmpDataDir());
    insertSource(store, { id: 'c1', kind: 'connection', name: 'Slack', app: 'Slack', slug: 'slack' });
    expect(() => store.events.append([{ type: 'user.created', sourceId: 'c1', observedAt: new Date().toISOString() }])).toThrow(
      /inside Store.write/,
    );
    store.close();
  });

  it('changes the hash when any stored field changes', () => {
    const base = {
      prev_hash: GENESIS_HASH,
      type: 'user.created',
      source_id: 'c1',
      account_id: 'u1',
      group_id: null,
      person_id: null,
      subject: 's',
      occurred_at: 't',
      observed_at: 't',
      actor: null,
      before: null,
      after: '{"a":1}',
      exchange_id: null,
    };
    const h = eventHash(base);
    expect(eventHash({ ...base, after: '{"a":2}' })).not.toBe(h);
    expect(eventHash({ ...base, actor: 'x' })).not.toBe(h);
    expect(eventHash({ ...base, prev_hash: 'f'.repeat(64) })).not.toBe(h);
  });
});
