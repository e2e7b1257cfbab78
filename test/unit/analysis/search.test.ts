/** People search: name and email prefixes merged by (term, id), each person once, in stable keyset pages. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { searchPeople } from '../../../src/main/analysis/queries';
import { Store } from '../../../src/main/core/store/store';
import { tmpDataDir } from '../../helpers/tmp';

let store: Store;
beforeEach(() => {
  store = Store.open(tmpDataDir(), { backgroundCheckpoints: false });
  const ins = store.db.prepare(
    `INSERT INTO people (id, display_name, name_key, primary_email, status, account_count, created_at, updated_at)
     VALUES (?, ?, lower(?), ?, 'active', 1, 'x', 'x')`,
  );
  store.write(() => {
    // names that match "an", emails that match "an", both, and neither
    for (let i = 1; i <= 20; i++) ins.run(i, `Ann ${i}`, `Ann ${i}`, `ann${i}@acme.com`);
    for (let i = 21; i <= 30; i++) ins.run(i, `Zed ${i}`, `Zed ${i}`, `an.z${i}@acme.com`);
    for (let i = 31; i <= 35; i++) ins.run(i, `Bob ${i}`, `Bob ${i}`, `bob${i}@acme.com`);
    ins.run(36, 'Gone', 'Gone', 'andy@acme.com');
    store.db.prepare('UPDATE people SET account_count = 0 WHERE id = 36').run();
  });
});
afterEach(() => store.close());

describe('searchPeople', () => {
  it('pages through name and email matches, each person once, in (term, id) order', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const r = searchPeople(store.db, { limit: 7, query: 'AN', cursor });
      seen.push(...r.items.map((p) => p.id));
      if (!r.nextCursor) break;
      cursor = r.nextCursor;
    }
    // emails "an.z…" sort before names "ann …"; a person emptied by a move (no accounts) is not listed
    expect(seen).toEqual([
      ...Array.from({ length: 10 }, (_, i) => 21 + i),
      1,
      10,
      11,
      12,
      13,
      14,
      15,
      16,
      17,
      18,
      19,
      2,
      20,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
    ]);
    expect(searchPeople(store.db, { limit: 100, query: 'bob3' }).items.map((p) => p.id)).toEqual([31, 32, 33, 34, 35]);
    expect(searchPeople(store.db, { limit: 100, query: 'nobody' }).items).toEqual([]);
  });
});
