import { describe, expect, it } from 'vitest';
import { Store } from '../../../src/main/core/store/store';
import { matches, parseFilter } from '../../../src/main/scim/filter';
import { emailLookup, filterNeedles, listResources, parseListParams } from '../../../src/main/scim/list';
import { renderUser } from '../../../src/main/scim/render';
import { ScimResources, type StoredUser } from '../../../src/main/scim/resources';
import { mulberry32 } from '../../helpers/rng';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('filter narrowing by folded text', () => {
  it('asks for the texts a match must contain, and nothing under or/not', () => {
    const n = (f: string) => filterNeedles(parseFilter(f, 'User'), 'User');
    expect(n('userName eq "Ann@X.test"')).toEqual(['ann@x.test']);
    expect(n('emails[type eq "work"].value eq "A\\"B"')).toEqual(['work', 'a\\"b']);
    expect(n(`title co "Eng" and ${ENT}:department sw "R&D"`)).toEqual(['eng', 'r&d']);
    expect(n('title eq "a" or title eq "b"')).toEqual([]);
    expect(n('not (title eq "a")')).toEqual([]);
    expect(n('title ne "a"')).toEqual([]);
    expect(n('active eq true')).toEqual([]);
    expect(n('meta.lastModified gt "2026-01-01T00:00:00Z"')).toEqual([]);
    expect(n('id eq "x"')).toEqual([]);
    expect(n('groups.value eq "g1"')).toEqual([]);
    expect(n('someCustomThing eq "x"')).toEqual([]);
  });

  it('never changes an answer: 600 seeded filters over 300 users with awkward text', () => {
    const store = Store.open(tmpDataDir());
    insertSource(store, { id: 'c1', kind: 'connection', name: 'S', app: 'S', slug: 's' });
    const res = new ScimResources(store);
    const r = mulberry32(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const words = [
      'Ann',
      'ann',
      'ÅSA',
      'åsa',
      'Café',
      'Cafe\u0301',
      'ΟΔΟΣ',
      'KELVIN \u212a',
      'İstanbul',
      'quote"d',
      'back\\slash',
      'R&D',
      'Eng',
      'eng',
      'x',
    ];
    store.write(() => {
      for (let i = 0; i < 300; i++) {
        res.createUser(
          { connectionId: 'c1', exchangeId: null, now: new Date().toISOString(), actor: null },
          {
            userName: `${pick(words)}-${i}@example.test`,
            title: pick(words),
            displayName: `${pick(words)} ${pick(words)}`,
            emails: [{ value: `${pick(words)}${i}@x.test`, type: pick(['work', 'home', 'Work']) }],
            [ENT]: { department: pick(words) },
          },
        );
      }
    });
    // Some users change their emails, so account_emails must follow updates.
    store.write(() => {
      for (const row of store.db.prepare<[], StoredUser>("SELECT * FROM accounts WHERE source_id = 'c1' AND pk % 7 = 0").all()) {
        res.patchUser(
          { connectionId: 'c1', exchangeId: null, now: new Date().toISOString(), actor: null },
          row.id,
          {
            Operations: [{ op: 'replace', path: 'emails', value: [{ value: `${pick(words)}@moved.test`, type: 'work' }] }],
          },
          undefined,
        );
      }
    });
    const attrs = ['title', 'displayName', 'userName', 'emails.value', 'emails[type eq "work"].value', `${ENT}:department`, 'emails'];
    const render = (row: StoredUser) => renderUser(row, [], 'https://x');
    const all = store.db
      .prepare<[], StoredUser>("SELECT * FROM accounts WHERE source_id = 'c1' AND deleted_at IS NULL ORDER BY pk")
      .all()
      .map(render);
    let narrowed = 0;
    let examinedFewer = 0;
    let byEmail = 0;
    for (let i = 0; i < 600; i++) {
      const users = store.db.prepare<[], { raw: string }>("SELECT raw FROM accounts WHERE source_id = 'c1'").all();
      const someEmail = () => {
        const e = (JSON.parse(pick(users).raw) as { emails: { value: string }[] }).emails[0]!.value;
        return r() < 0.5 ? e.toUpperCase() : e;
      };
      const emailTerm = (e: string) =>
        pick([
          `emails eq ${JSON.stringify(e)}`,
          `emails.value eq ${JSON.stringify(e)}`,
          `emails[type eq "work"].value eq ${JSON.stringify(e)}`,
          `emails[value eq ${JSON.stringify(e)}]`,
        ]);
      const term = () =>
        r() < 0.25
          ? emailTerm(someEmail())
          : `${pick(attrs)} ${pick(['eq', 'co', 'sw', 'ew'])} ${JSON.stringify(pick(words).slice(0, 1 + Math.floor(r() * 4)))}`;
      const text = r() < 0.5 ? term() : `${term()} ${pick(['and', 'or'])} ${term()}`;
      const ast = parseFilter(text, 'User');
      const got = listResources(
        store.db,
        'User',
        'c1',
        parseListParams((n) => ({ filter: text, count: '1000' })[n], 'User'),
        render,
      );
      if (emailLookup(ast) !== undefined) {
        byEmail++;
        expect(got.examined, text).toBeLessThan(all.length / 10);
      } else if (filterNeedles(ast, 'User').length > 0) {
        narrowed++;
        if (got.examined < all.length) examinedFewer++;
      } else if (!/userName eq/.test(text)) expect(got.examined).toBe(all.length);
      const expected = all.filter((u) => matches(ast, u, 'User')).map((u) => u.id);
      expect(
        got.resources.map((u) => u.id),
        text,
      ).toEqual(expected);
    }
    // sortBy userName over the whole connection is answered by the key index, in the same order.
    for (const order of ['ascending', 'descending']) {
      const q = { sortBy: 'userName', sortOrder: order, startIndex: '11', count: '50' } as Record<string, string>;
      const got = listResources(
        store.db,
        'User',
        'c1',
        parseListParams((n) => q[n], 'User'),
        render,
      );
      expect(got.examined).toBe(50);
      const key = (u: { userName?: unknown }) => String(u.userName).normalize('NFC').toLowerCase();
      const sorted = [...all].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      if (order === 'descending') sorted.reverse();
      expect(got.total).toBe(300);
      expect(got.resources.map((u) => u.id)).toEqual(sorted.slice(10, 60).map((u) => u.id));
    }
    expect(byEmail).toBeGreaterThan(50);
    expect(narrowed).toBeGreaterThan(150);
    // The narrowing really runs: most narrowed filters parse only a fraction of the users.
    expect(examinedFewer).toBeGreaterThan(narrowed * 0.8);
    store.close();
  });
});
