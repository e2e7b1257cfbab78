import { describe, expect, it, vi } from 'vitest';
import { callNames } from '../../../src/shared/call-names';
import { createIpcTransport, ipcErrorMessage, type Bridge } from '../../../src/renderer/src/transports/ipc';

function fakeBridge(impl: (name: string, input: unknown) => Promise<unknown>): Bridge & { pushListeners: Set<(m: unknown) => void> } {
  const bridge: Record<string, unknown> = {};
  for (const name of callNames) bridge[name] = (input: unknown) => impl(name, input);
  const pushListeners = new Set<(m: unknown) => void>();
  bridge.onPush = (listener: (m: unknown) => void) => {
    pushListeners.add(listener);
    return () => pushListeners.delete(listener);
  };
  bridge.pushListeners = pushListeners;
  return bridge as Bridge & { pushListeners: Set<(m: unknown) => void> };
}

describe('IPC transport', () => {
  it('calls the bridge function of the call and returns its envelope', async () => {
    const impl = vi.fn(async () => ({ ok: true, value: { theme: 'light' } }));
    const t = createIpcTransport(fakeBridge(impl));
    await expect(t.invoke('getSettings', {})).resolves.toEqual({
      ok: true,
      value: { theme: 'light' },
    });
    expect(impl).toHaveBeenCalledWith('getSettings', {});
  });

  it('passes error envelopes through', async () => {
    const t = createIpcTransport(
      fakeBridge(async () => ({
        ok: false,
        error: { code: 'not_found', message: 'gone' },
      })),
    );
    await expect(t.invoke('getDashboard', {})).resolves.toEqual({
      ok: false,
      error: { code: 'not_found', message: 'gone' },
    });
  });

  it('turns a rejected call into an error envelope without Electron’s prefix', async () => {
    const t = createIpcTransport(
      fakeBridge(async () => {
        throw new Error("Error invoking remote method 'rollcall:getDashboard': Error: The Rollcall core stopped (exit code 1)");
      }),
    );
    await expect(t.invoke('getDashboard', {})).resolves.toEqual({
      ok: false,
      error: {
        code: 'internal',
        message: 'The Rollcall core stopped (exit code 1)',
      },
    });
  });

  it('refuses answers that are not envelopes', async () => {
    const t = createIpcTransport(fakeBridge(async () => 42));
    await expect(t.invoke('getDashboard', {})).resolves.toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });

  it('reports a call the bridge does not have', async () => {
    const bridge = fakeBridge(async () => ({ ok: true, value: {} }));
    delete (bridge as unknown as Record<string, unknown>).getSeats;
    await expect(createIpcTransport(bridge).invoke('getSeats', {})).resolves.toMatchObject({ ok: false, error: { code: 'unknown_call' } });
  });

  it('subscribes through onPush and unsubscribes', () => {
    const bridge = fakeBridge(async () => ({ ok: true, value: {} }));
    const got: unknown[] = [];
    const off = createIpcTransport(bridge).subscribe((m) => got.push(m));
    for (const l of bridge.pushListeners) l({ kind: 'sources.changed' });
    expect(got).toEqual([{ kind: 'sources.changed' }]);
    off();
    expect(bridge.pushListeners.size).toBe(0);
  });
});

describe('ipcErrorMessage', () => {
  it('strips the prefix and keeps other messages', () => {
    expect(ipcErrorMessage(new Error("Error invoking remote method 'rollcall:x': TypeError: boom"))).toBe('boom');
    expect(ipcErrorMessage(new Error('plain'))).toBe('plain');
    expect(ipcErrorMessage('text')).toBe('text');
  });
});
