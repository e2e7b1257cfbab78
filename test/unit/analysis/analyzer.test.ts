/**
 * The Analyzer's incremental machinery on a real store: bounded chunks, a cursor that moves with
 * the work, state written without events (a baseline), and the rule extension point.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Analyzer, type AnalysisRule } from '../../../src/main/analysis/analyzer';
import { linkAccount } from '../../../src/main/analysis/queries';
import { Store } from '../../../src/main/core/store/store';
import { DirectoryApplier } from '../../../src/main/directories/sync';
import { user } from '../../helpers/directory';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';

let store: Store;
const clock = { t: Date.parse('2026-02-01T00:00:00.000Z') };
const iso = () => new Date(clock.t).toISOString();
beforeEach(() => {
  store = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
  insertSource(store, { id: 'dir', kind: 'directory', name: 'Okta', provider: 'okta' });
});
afterEach(() => store.close());

const count = (sql: string) => store.db.prepare(sql).pluck().get() as number;
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `u${String(i + from).padStart(4, '0')}`);

describe('Analyzer', () => {
  it('analyses a baseline written without events, then new events in bounded chunks, the cursor moving with each', async () => {
    new DirectoryApplier(store, 'dir', iso, true, false).applyPage({ users: ids(300).map((id) => user(id)) });
    expect(count('SELECT count(*) FROM events')).toBe(0);
    const analyzer = new Analyzer(store, { now: () => new Date(clock.t), maxEvents: 50 });
    expect(analyzer.hasWork()).toBe(true);
    await analyzer.runUntilIdle();
    expect(count('SELECT count(*) FROM accounts WHERE person_id IS NULL')).toBe(0);
    expect(count("SELECT count(*) FROM people WHERE status = 'active' AND account_count = 1")).toBe(300);
    expect(analyzer.hasWork()).toBe(false);

    clock.t += 3_600_000;
    const applier = new DirectoryApplier(store, 'dir', iso);
    applier.applyPage({ users: ids(120).map((id) => user(id, { attributes: { title: 'Lead' } })) });
    applier.applyPage({ users: ids(10).map((id) => user(id, { status: 'suspended', active: false })) });
    const head = count('SELECT max(seq) FROM events');
    expect(head).toBe(130);
    const chunks = [];
    while (analyzer.hasWork()) chunks.push(analyzer.runChunk());
    expect(chunks.every((c) => c.events <= 50)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.events, 0)).toBe(130);
    expect(analyzer.cursor).toBe(head);
    expect(count('SELECT count(*) FROM account_events')).toBe(130);
    expect(count("SELECT count(*) FROM people WHERE status = 'gone'")).toBe(10);
  });

  it('defers the accounts a chunk has no time for to the next one, losing none of their causes', async () => {
    const applier = new DirectoryApplier(store, 'dir', iso);
    applier.applyPage({ users: ids(60).map((id) => user(id)) });
    // a budget no chunk can meet: each analyses a few accounts and defers the rest
    const analyzer = new Analyzer(store, { now: () => new Date(clock.t), budgetMs: 0.0001 });
    const first = analyzer.runChunk();
    expect(first.events).toBe(60);
    expect(first.accounts).toBeLessThan(60);
    expect(count('SELECT count(*) FROM analysis_pending')).toBe(60 - first.accounts);
    await analyzer.runUntilIdle();
    expect(count('SELECT count(*) FROM analysis_pending')).toBe(0);
    expect(count('SELECT count(*) FROM accounts WHERE person_id IS NULL')).toBe(0);
    // every account's timeline has its event, and the people were created once each
    expect(count('SELECT count(*) FROM account_events')).toBe(60);
    expect(count('SELECT count(*) FROM people WHERE account_count = 1')).toBe(60);
  });

  it('runs rules inside its transaction: what a rule writes commits with the cursor; a failing rule is rolled back alone', async () => {
    const logs: string[] = [];
    const analyzer = new Analyzer(store, { now: () => new Date(clock.t), log: (m) => logs.push(m) });
    const seen: { events: string[]; people: number; inTx: boolean }[] = [];
    const ticks: string[] = [];
    // A tiny rule: an alert for each deactivation it sees.
    const rule: AnalysisRule = {
      name: 'test-deactivations',
      onBatch({ db, events, people, now }) {
        seen.push({ events: events.map((e) => e.type), people: people.size, inTx: db.inTransaction });
        for (const e of events.filter((x) => x.type === 'user.deactivated')) {
          db.prepare(
            `INSERT INTO alerts (rule, severity, dedupe_key, title, source_id, opened_at) VALUES ('test', 'high', ?, 'deactivated', ?, ?)`,
          ).run(`test:${e.account_id!}`, e.source_id, now.toISOString());
        }
      },
      tick({ now }) {
        ticks.push(now.toISOString());
      },
    };
    analyzer.addRule(rule);
    analyzer.addRule({
      name: 'broken',
      onBatch({ db }) {
        db.prepare(`INSERT INTO alerts (rule, severity, dedupe_key, title, opened_at) VALUES ('broken', 'low', 'b', 'b', 'x')`).run();
        throw new Error('boom');
      },
    });
    const applier = new DirectoryApplier(store, 'dir', iso);
    applier.applyPage({ users: [user('a'), user('b')] });
    applier.applyPage({ users: [user('a', { status: 'suspended', active: false })] });
    await analyzer.runUntilIdle();
    expect(seen).toEqual([{ events: ['user.created', 'user.created', 'user.deactivated'], people: 2, inTx: true }]);
    expect(store.db.prepare('SELECT rule, dedupe_key FROM alerts').all()).toEqual([{ rule: 'test', dedupe_key: 'test:a' }]);
    expect(logs.join('\n')).toMatch(/rule broken failed: .*boom/);
    expect(analyzer.cursor).toBe(3);

    analyzer.tick(new Date('2026-02-02T00:00:00.000Z'));
    expect(ticks).toEqual(['2026-02-02T00:00:00.000Z']);

    // A manual link is a batch without events for the rules: they see the people it changed.
    const personOf = (id: string) => store.db.prepare('SELECT person_id FROM accounts WHERE id = ?').pluck().get(id) as number;
    const [pa, pb] = [personOf('a'), personOf('b')];
    linkAccount(store, analyzer, { sourceId: 'dir', accountId: 'b', personId: pa }, iso());
    expect(seen.at(-1)).toEqual({ events: [], people: 2, inTx: true });
    expect(personOf('b')).toBe(pa);
    expect(pb).not.toBe(pa);
  });
});
