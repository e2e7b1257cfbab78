import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createCore } from '../../../src/main/core/core';
import { CoreClient, serveCore, type FromCore, type ToCore } from '../../../src/main/core/port-protocol';
import { migrations } from '../../../src/main/core/store/migrations/index';
import { tmpDataDir } from '../../helpers/tmp';

describe('main ⇄ core utility-process protocol', () => {
  it('carries calls, typed errors and shutdown over a real MessageChannel', async () => {
    const core = createCore({ dataDir: tmpDataDir(), host: 'electron' });
    const { port1, port2 } = new MessageChannel();
    let shutdown = false;
    serveCore(
      core,
      { postMessage: (m: FromCore) => port2.postMessage(m), on: (_e, l) => port2.on('message', (data: ToCore) => l({ data })) },
      () => {
        shutdown = true;
      },
    );
    const client = new CoreClient({ postMessage: (m: ToCore) => port1.postMessage(m) });
    port1.on('message', (m: FromCore) => client.receive(m));

    const info = await client.call('getAppInfo', {});
    expect(info).toMatchObject({ ok: true, value: { host: 'electron', schemaVersion: migrations.length } });
    const bad = await client.call('listPeople', { limit: 'all' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const [a, b] = await Promise.all([client.call('updateSettings', { theme: 'light' }), client.call('getDashboard', {})]);
    expect(a).toMatchObject({ ok: true, value: { theme: 'light' } });
    expect(b.ok).toBe(true);

    port1.postMessage({ type: 'shutdown' } satisfies ToCore);
    await new Promise((r) => setTimeout(r, 50));
    expect(shutdown).toBe(true);
    port1.close();
    // Graceful: the checkpoint thread lets go of the files before the temporary folder is removed.
    await core.closeGracefully();
  });

  it('answers outstanding calls with an error when the core dies, and times out silent ones', async () => {
    const client = new CoreClient({ postMessage: () => {} });
    const pending = client.call('getAppInfo', {});
    client.failAll('The Rollcall core stopped (exit code 1)');
    expect(await pending).toMatchObject({ ok: false, error: { code: 'internal', message: /core stopped/ } });
    expect(await client.call('getAppInfo', {}, 20)).toMatchObject({ ok: false, error: { message: /did not answer/ } });
  });
});
