/** Under a real core the analyzer runs by itself shortly after SCIM writes: no test hook needed. */
import { afterEach, describe, expect, it } from 'vitest';
import { startScim, USER, type ScimHarness } from '../../helpers/scim';

let h: ScimHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('analysis in the core', () => {
  it('correlates an account written over SCIM within a second or two, and reports itself caught up', async () => {
    h = await startScim();
    const r = await h.req('POST', '/Users', { body: { schemas: [USER], userName: 'kim@acme.com', emails: [{ value: 'kim@acme.com' }] } });
    expect(r.status).toBe(201);
    const id = r.json!.id as string;
    const deadline = Date.now() + 10_000;
    let personId: number | null = null;
    while (personId === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      personId = h.rows<{ person_id: number | null }>('SELECT person_id FROM accounts WHERE id = ?', id)[0]!.person_id;
    }
    expect(personId).not.toBeNull();
    const summary = await h.core.dispatch('getAnalysisSummary', {});
    expect(summary).toMatchObject({ ok: true, value: { analysisBehind: 0, people: { active: 1 } } });
  });
});
