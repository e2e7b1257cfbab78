import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { callNames, ipcChannel, type CallName, type Envelope } from '../../../src/shared/contract';
import { registerApiHandlers, type InvokeEventLike, type IpcMainLike } from '../../../src/main/electron/ipc';

const APP_URL = 'file:///opt/Rollcall/resources/app.asar/out/renderer/index.html';

function fakeIpcMain() {
  const handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipc: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipc, handlers };
}

describe('IPC registration', () => {
  it('registers exactly one handler per contract call, and removes them all', () => {
    const { ipc, handlers } = fakeIpcMain();
    const dispose = registerApiHandlers(ipc, { isTrustedUrl: () => true, invoke: async () => ({ ok: true, value: null }) });
    expect([...handlers.keys()].sort()).toEqual(callNames.map(ipcChannel).sort());
    dispose();
    expect(handlers.size).toBe(0);
  });

  it('refuses untrusted senders and sub-frames, validates input, forwards valid calls', async () => {
    const { ipc, handlers } = fakeIpcMain();
    const forwarded: [CallName, unknown][] = [];
    registerApiHandlers(ipc, {
      isTrustedUrl: (url) => url === APP_URL,
      invoke: async (name, input) => {
        forwarded.push([name, input]);
        return { ok: true, value: 'fine' };
      },
    });
    const h = handlers.get(ipcChannel('listEvents'))!;
    const top = { senderFrame: { url: APP_URL, parent: null } };
    const foreign = (await h({ senderFrame: { url: 'https://evil.example/', parent: null } }, {})) as Envelope;
    expect(foreign).toMatchObject({ ok: false, error: { code: 'invalid_input', message: /untrusted sender/ } });
    const sub = (await h({ senderFrame: { url: APP_URL, parent: {} } }, {})) as Envelope;
    expect(sub.ok).toBe(false);
    const gone = (await h({ senderFrame: null }, {})) as Envelope;
    expect(gone.ok).toBe(false);
    const bad = (await h(top, { limit: -1 })) as Envelope;
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'limit' }] } });
    expect(forwarded).toEqual([]);
    const good = (await h(top, { limit: 5 })) as Envelope;
    expect(good).toEqual({ ok: true, value: 'fine' });
    expect(forwarded).toEqual([['listEvents', { limit: 5 }]]);
  });

  it('lets the shell answer a call itself, after the same sender check and input validation', async () => {
    const { ipc, handlers } = fakeIpcMain();
    const forwarded: CallName[] = [];
    const revealed: unknown[] = [];
    registerApiHandlers(ipc, {
      isTrustedUrl: (url) => url === APP_URL,
      invoke: async (name) => {
        forwarded.push(name);
        return { ok: true, value: { revealed: false, message: 'from the core' } };
      },
      shellHandlers: {
        revealDataFolder: (input) => {
          revealed.push(input);
          return { revealed: true, message: 'shown' };
        },
      },
    });
    const h = handlers.get(ipcChannel('revealDataFolder'))!;
    const top = { senderFrame: { url: APP_URL, parent: null } };
    // Untrusted senders and sub-frames never reach the shell handler.
    expect(await h({ senderFrame: { url: 'https://evil.example/', parent: null } }, {})).toMatchObject({
      ok: false,
      error: { message: /untrusted sender/ },
    });
    expect(await h({ senderFrame: { url: APP_URL, parent: {} } }, {})).toMatchObject({ ok: false });
    // Input the contract refuses (the call takes no fields) never reaches it either.
    expect(await h(top, { path: '/etc' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(revealed).toEqual([]);
    // A valid call runs the shell handler, not the core.
    expect(await h(top, undefined)).toEqual({ ok: true, value: { revealed: true, message: 'shown' } });
    expect(revealed).toEqual([{}]);
    expect(forwarded).toEqual([]);
    // Every other call still goes to the core.
    expect(await handlers.get(ipcChannel('getSettings'))!(top, {})).toMatchObject({ ok: true });
    expect(forwarded).toEqual(['getSettings']);
  });

  it('turns a failing shell handler into an internal error envelope', async () => {
    const { ipc, handlers } = fakeIpcMain();
    registerApiHandlers(ipc, {
      isTrustedUrl: () => true,
      invoke: async () => ({ ok: true, value: null }),
      shellHandlers: {
        revealDataFolder: () => {
          throw new Error('no file manager');
        },
      },
    });
    const answer = await handlers.get(ipcChannel('revealDataFolder'))!({ senderFrame: { url: APP_URL, parent: null } }, {});
    expect(answer).toEqual({ ok: false, error: { code: 'internal', message: 'revealDataFolder failed: no file manager' } });
  });

  it('is the only code that calls ipcMain.handle or imports electron outside the shell', () => {
    const root = fileURLToPath(new URL('../../../src', import.meta.url));
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(e.name)) files.push(p);
      }
    };
    walk(root);
    expect(files.length).toBeGreaterThan(10);
    const rel = (f: string): string => path.relative(root, f).split(path.sep).join('/');
    const handleCallers = files.filter((f) => /ipcMain\s*\.\s*handle(Once)?\s*\(|\.handle\(\s*['"`]/.test(fs.readFileSync(f, 'utf8')));
    expect(handleCallers.map(rel)).toEqual(['main/electron/ipc.ts']);
    const electronImporters = files.filter((f) =>
      /from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)/.test(fs.readFileSync(f, 'utf8')),
    );
    for (const f of electronImporters.map(rel)) {
      expect(f === 'main/index.ts' || f.startsWith('main/electron/') || f.startsWith('preload/'), f).toBe(true);
    }
  });
});
