/**
 * 0002: what polling a directory needs besides its state (which lives in accounts, groups and
 * memberships like any source's): the provider's cursor, and one row per sync run (the Sources
 * page's last result and progress, the silent-source alert, and a lease so two processes never
 * poll the same directory at once).
 */
export const up = `
CREATE TABLE directory_cursors (
  source_id   TEXT PRIMARY KEY REFERENCES sources (id),
  cursor      TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE directory_syncs (
  id            INTEGER PRIMARY KEY,
  source_id     TEXT NOT NULL REFERENCES sources (id),
  trigger       TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'cli')),
  full          INTEGER NOT NULL CHECK (full IN (0, 1)),
  -- the directory's first successful sync: state recorded, no per-object events (see docs/directories.md)
  baseline      INTEGER NOT NULL DEFAULT 0 CHECK (baseline IN (0, 1)),
  status        TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'cancelled')),
  mode          TEXT CHECK (mode IN ('snapshot', 'delta')),
  started_at    TEXT NOT NULL,
  -- a running sync renews this; a crashed one stops renewing and its lease lapses
  heartbeat_at  TEXT NOT NULL,
  finished_at   TEXT,
  pages         INTEGER NOT NULL DEFAULT 0,
  users         INTEGER NOT NULL DEFAULT 0,
  groups        INTEGER NOT NULL DEFAULT 0,
  memberships   INTEGER NOT NULL DEFAULT 0,
  events        INTEGER NOT NULL DEFAULT 0,
  error         TEXT
) STRICT;
CREATE INDEX directory_syncs_source ON directory_syncs (source_id, id);
`;
