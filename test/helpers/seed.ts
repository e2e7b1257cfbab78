import type { Store } from '../../src/main/core/store/store';

/** Inserts a source row directly (the connections/directories commands arrive in later issues). */
export function insertSource(
  store: Store,
  s: { id: string; kind: 'connection' | 'directory'; name: string; app?: string; slug?: string; provider?: string },
): void {
  const now = new Date().toISOString();
  store.db
    .prepare(
      `INSERT INTO sources (id, kind, provider, name, app, slug, created_at, updated_at)
       VALUES (@id, @kind, @provider, @name, @app, @slug, @now, @now)`,
    )
    .run({ provider: 'generic', app: null, slug: null, ...s, now });
}
