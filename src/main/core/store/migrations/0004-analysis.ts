/**
 * 0004: what the analysis layer (src/main/analysis/, issue #6) derives from state and events.
 *
 * Everything here is *derived*: the analyzer writes it, nothing else does, and it could be rebuilt
 * from accounts, memberships, person_links, the role map and the event log. The write paths of the
 * SCIM listener and the directory sync touch none of these tables and gain no index, so their
 * throughput is unchanged; the analyzer pays for the indexes, in the background.
 *
 * - people gets the aggregates its status is derived from (directory accounts, how many are active,
 *   active app accounts) and a folded name for prefix search (its primary_email index already
 *   orders by (primary_email, id), which keyset pages need).
 * - account_state: per account, what the analyzer last concluded (person, correlation keys after
 *   normalisation, live or not, the seats it holds) — the "before" of the next change.
 * - account_events / audit_events: indexes over the event log that the log itself cannot carry
 *   (an event's person is part of its hash and can never be set later; adding indexes to `events`
 *   would slow every write).
 * - seat_deltas: +/- per app, role and UTC day; a daily series is a running sum.
 * - deprovisions: one row per app account that had to go when its person left every directory.
 * - analysis_meta / analysis_walks: the analyzer's cursor and resumable walks over accounts.
 */
export const up = `
ALTER TABLE people ADD COLUMN name_key TEXT;
-- null until the analyzer has derived the person (a row written before 0004, or by hand)
ALTER TABLE people ADD COLUMN account_count INTEGER;
ALTER TABLE people ADD COLUMN directory_accounts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN directory_active INTEGER NOT NULL DEFAULT 0;
ALTER TABLE people ADD COLUMN app_active INTEGER NOT NULL DEFAULT 0;
-- when the person last stopped being active in every directory (null while active in one)
ALTER TABLE people ADD COLUMN left_at TEXT;
CREATE INDEX people_name_key ON people (name_key);
-- the dashboard's people per status (covering)
CREATE INDEX people_status ON people (status, account_count);

ALTER TABLE roles ADD COLUMN removed_at TEXT;
CREATE INDEX role_mappings_role ON role_mappings (role_id);

CREATE TABLE account_state (
  account_pk       INTEGER PRIMARY KEY REFERENCES accounts (pk),
  source_id        TEXT NOT NULL,
  kind             TEXT NOT NULL CHECK (kind IN ('connection', 'directory')),
  person_id        INTEGER REFERENCES people (id),
  -- correlation keys, normalised (email per the correlation settings)
  email            TEXT,
  external_id      TEXT,
  employee_number  TEXT,
  -- a directory account's own id: IdPs send it to apps as the SCIM externalId
  source_key       TEXT,
  present          INTEGER NOT NULL CHECK (present IN (0, 1)),
  live             INTEGER NOT NULL CHECK (live IN (0, 1)),
  inactive_since   TEXT,
  -- the seats counted for this account in seat_deltas: role ids (0 = no mapped role), and whether idle
  seat_roles       TEXT NOT NULL DEFAULT '[]',
  seat_idle        INTEGER NOT NULL DEFAULT 0 CHECK (seat_idle IN (0, 1)),
  -- display name (or userName) as last analysed: a change renames the person
  label            TEXT,
  flag             TEXT CHECK (flag IN ('ambiguous', 'conflicting_keys', 'shared_key')),
  flag_people      TEXT,
  analysed_at      TEXT NOT NULL
) STRICT;
CREATE INDEX account_state_email ON account_state (email) WHERE email IS NOT NULL;
CREATE INDEX account_state_external_id ON account_state (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX account_state_employee ON account_state (employee_number) WHERE employee_number IS NOT NULL;
CREATE INDEX account_state_source_key ON account_state (source_key) WHERE source_key IS NOT NULL;
CREATE INDEX account_state_person ON account_state (person_id);
-- flagged accounts by person (the people list's flag, the dashboard's count)
CREATE INDEX account_state_flagged ON account_state (person_id) WHERE flag IS NOT NULL;

CREATE TABLE account_events (
  account_pk  INTEGER NOT NULL,
  seq         INTEGER NOT NULL,
  PRIMARY KEY (account_pk, seq)
) STRICT, WITHOUT ROWID;

-- Role and group-membership events, ordered by when they happened (the table is its own index on
-- time; one index per filter).
CREATE TABLE audit_events (
  at          TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  type        TEXT NOT NULL,
  source_id   TEXT NOT NULL,
  account_pk  INTEGER,
  group_pk    INTEGER,
  role_id     INTEGER,
  PRIMARY KEY (at, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_source ON audit_events (source_id, at, seq);
CREATE INDEX audit_account ON audit_events (account_pk, at, seq);
CREATE INDEX audit_group ON audit_events (group_pk, at, seq) WHERE group_pk IS NOT NULL;
CREATE INDEX audit_role ON audit_events (role_id, at, seq) WHERE role_id IS NOT NULL;

CREATE TABLE seat_deltas (
  source_id  TEXT NOT NULL,
  -- 0: accounts no mapping gives a role
  role_id    INTEGER NOT NULL,
  -- UTC day as days since 1970-01-01 (a small integer: a year of 50 apps is read in one pass)
  day        INTEGER NOT NULL,
  active     INTEGER NOT NULL DEFAULT 0,
  idle       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (source_id, role_id, day)
) STRICT, WITHOUT ROWID;
-- a role's series across apps
CREATE INDEX seat_deltas_role ON seat_deltas (role_id, source_id, day, active, idle);

CREATE TABLE deprovisions (
  id            INTEGER PRIMARY KEY,
  account_pk    INTEGER NOT NULL REFERENCES accounts (pk),
  source_id     TEXT NOT NULL,
  person_id     INTEGER NOT NULL REFERENCES people (id),
  left_at       TEXT NOT NULL,
  done_at       TEXT,
  duration_ms   INTEGER,
  -- the person became active in a directory again before the account was removed
  cancelled_at  TEXT
) STRICT;
CREATE INDEX deprovisions_open ON deprovisions (source_id, left_at) WHERE done_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX deprovisions_open_account ON deprovisions (account_pk) WHERE done_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX deprovisions_open_person ON deprovisions (person_id) WHERE done_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX deprovisions_done ON deprovisions (done_at) WHERE done_at IS NOT NULL;
CREATE INDEX deprovisions_source_done ON deprovisions (source_id, done_at) WHERE done_at IS NOT NULL;

CREATE TABLE analysis_meta (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) STRICT;

-- Accounts whose events a chunk consumed but that did not fit in its time budget: the next chunk
-- takes them first (with the cause it would have used).
CREATE TABLE analysis_pending (
  account_pk   INTEGER PRIMARY KEY,
  at           TEXT NOT NULL,
  seq          INTEGER,
  exchange_id  INTEGER,
  actor        TEXT,
  may_move     INTEGER NOT NULL DEFAULT 0 CHECK (may_move IN (0, 1)),
  recorrelate  INTEGER NOT NULL DEFAULT 0 CHECK (recorrelate IN (0, 1))
) STRICT;

-- Resumable walks over accounts in key order: 'roles:<source id>' after a role-map change,
-- 'correlation' after the correlation settings changed.
CREATE TABLE analysis_walks (
  name        TEXT PRIMARY KEY,
  source_id   TEXT,
  after_pk    INTEGER NOT NULL DEFAULT 0,
  started_at  TEXT NOT NULL
) STRICT;
`;
