import { describe, expect, it } from 'vitest';
import { createRollcallApi, RollcallApiError, type Transport } from '../../../src/shared/client';
import { callNames, contract, eventSchema, isoInstant } from '../../../src/shared/contract';
import { createDispatch, type Handlers } from '../../../src/main/core/dispatch';

describe('API contract', () => {
  it('defines every call name exactly once, with input and output schemas', () => {
    expect(Object.keys(contract).sort()).toEqual([...callNames].sort());
  });

  it('accepts the timestamps the store writes (UTC with milliseconds) and refuses local times', () => {
    expect(isoInstant.safeParse(new Date().toISOString()).success).toBe(true);
    expect(isoInstant.safeParse('2026-11-29T02:00:00Z').success).toBe(true);
    expect(isoInstant.safeParse('2026-11-29T02:00:00+01:00').success).toBe(false);
    expect(isoInstant.safeParse('yesterday').success).toBe(false);
    const ev = {
      seq: 1,
      type: 'user.created',
      sourceId: 's',
      sourceName: 'S',
      accountId: 'a',
      groupId: null,
      personId: null,
      subject: 'x',
      occurredAt: '2026-11-29T02:00:00.123Z',
      observedAt: '2026-11-29T02:00:00.123Z',
      actor: null,
      before: null,
      after: { a: 1 },
      exchangeId: null,
      hash: 'h',
    };
    expect(eventSchema.safeParse(ev).success).toBe(true);
  });

  it('rejects invalid input in the core with typed errors, and an unknown call', async () => {
    let called = 0;
    const handlers = Object.fromEntries(
      callNames.map((n) => [
        n,
        () => {
          called++;
          return {};
        },
      ]),
    ) as unknown as Handlers;
    const dispatch = createDispatch(handlers, () => {});
    expect(await dispatch('listEvents', { limit: 5000 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', issues: [{ path: 'limit' }] },
    });
    expect(await dispatch('createConnection', { name: 'x', app: 'y', provider: 'ldap' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    expect(called).toBe(0);
  });

  it('turns a handler crash into an internal error without echoing the input', async () => {
    const logs: string[] = [];
    const handlers = Object.fromEntries(
      callNames.map((n) => [
        n,
        () => {
          throw new Error('boom');
        },
      ]),
    ) as unknown as Handlers;
    const dispatch = createDispatch(handlers, (m) => logs.push(m));
    const r = await dispatch('createConnection', { name: 'secret-name', app: 'y', provider: 'okta' });
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'Internal error in createConnection' } });
    expect(logs.join('\n')).toContain('boom');
    expect(logs.join('\n')).not.toContain('secret-name');
  });

  it('the client validates answers against the contract', async () => {
    const transport = (value: unknown, ok = true): Transport => ({
      invoke: async () => (ok ? { ok: true, value } : { ok: false, error: value as never }),
      subscribe: () => () => {},
    });
    const good = createRollcallApi(transport({ theme: 'dark' }));
    expect(await good.getSettings({})).toMatchObject({ theme: 'dark' });
    await expect(createRollcallApi(transport({ theme: 'purple' })).getSettings({})).rejects.toThrow(/does not match the contract/);
    const err = createRollcallApi(transport({ code: 'unauthorized', message: 'no token' }, false));
    await expect(err.getSettings({})).rejects.toMatchObject({ code: 'unauthorized', message: 'no token' });
    await expect(err.getSettings({})).rejects.toBeInstanceOf(RollcallApiError);
  });
});
