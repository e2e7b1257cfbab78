import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../../src/main/core/store/store';
import { insertSource } from '../../helpers/seed';
import { tmpDataDir } from '../../helpers/tmp';

describe('background checkpoints', () => {
  it('a worker thread copies the WAL into the database while the main connection keeps writing', async () => {
    const dir = tmpDataDir();
    const store = Store.open(dir, { backgroundCheckpoints: true });
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(16000);
    insertSource(store, { id: 'c1', kind: 'connection', name: 'S', app: 'S', slug: 's' });
    for (let b = 0; b < 20; b++) {
      store.write(() =>
        store.events.append(
          Array.from({ length: 200 }, (_, i) => ({
            type: 'user.created' as const,
            sourceId: 'c1',
            accountId: `u${b}-${i}`,
            observedAt: new Date().toISOString(),
          })),
        ),
      );
    }
    const dbFile = path.join(dir, 'rollcall.db');
    const sizeBefore = fs.statSync(dbFile).size;
    const deadline = Date.now() + 5000;
    // The database file grows as the worker backfills it from the WAL.
    while (fs.statSync(dbFile).size <= sizeBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(fs.statSync(dbFile).size).toBeGreaterThan(sizeBefore);
    await store.closeGracefully();
    // Last connection closed cleanly: WAL checkpointed and removed, data all there.
    expect(fs.existsSync(`${dbFile}-wal`)).toBe(false);
    const again = Store.open(dir);
    expect(again.db.prepare('SELECT count(*) FROM events').pluck().get()).toBe(4000);
    expect(again.db.pragma('integrity_check', { simple: true })).toBe('ok');
    again.close();
  });

  it("short-lived stores (the CLI) keep SQLite's own checkpoints and no worker", () => {
    const store = Store.open(tmpDataDir());
    expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    store.close();
  });
});
