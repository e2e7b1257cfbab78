/**
 * 0001: the SPEC data model. Immutable once released: later changes are new migrations.
 *
 * Conventions: STRICT tables; times are ISO-8601 UTC text with milliseconds ("…Z"), which sort
 * correctly as text; JSON is stored as text; a source's own ids are kept as text.
 */
export const up = `
CREATE TABLE sources (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('connection', 'directory')),
  provider      TEXT NOT NULL CHECK (provider IN ('okta', 'entra', 'google', 'onelogin', 'jumpcloud', 'generic')),
  name          TEXT NOT NULL,
  app           TEXT,
  slug          TEXT,
  config        TEXT NOT NULL DEFAULT '{}',
  secret        BLOB,
  token_hash    BLOB,
  paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  removed_at    TEXT,
  CHECK ((kind = 'connection') = (slug IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX sources_slug ON sources (slug) WHERE slug IS NOT NULL AND removed_at IS NULL;

CREATE TABLE people (
  id             INTEGER PRIMARY KEY,
  display_name   TEXT,
  primary_email  TEXT,
  status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'leaving', 'gone')),
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
) STRICT;
CREATE INDEX people_email ON people (primary_email);

CREATE TABLE accounts (
  pk               INTEGER PRIMARY KEY,
  source_id        TEXT NOT NULL REFERENCES sources (id),
  id               TEXT NOT NULL,
  user_name        TEXT,
  user_name_key    TEXT,
  external_id      TEXT,
  email_key        TEXT,
  employee_number  TEXT,
  display_name     TEXT,
  active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  status           TEXT,
  raw              TEXT NOT NULL DEFAULT '{}',
  -- raw, NFC-normalised and lower-cased: SCIM filters that no index serves are narrowed with instr()
  raw_fold         TEXT,
  version          INTEGER NOT NULL DEFAULT 1,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL,
  first_seen       TEXT NOT NULL,
  last_seen        TEXT NOT NULL,
  last_sign_in_at  TEXT,
  deleted_at       TEXT,
  person_id        INTEGER REFERENCES people (id),
  UNIQUE (source_id, id)
) STRICT;
CREATE UNIQUE INDEX accounts_user_name ON accounts (source_id, user_name_key) WHERE deleted_at IS NULL AND user_name_key IS NOT NULL;
CREATE INDEX accounts_external_id ON accounts (source_id, external_id);
-- SCIM list pages: live accounts of a source in creation order (count and LIMIT/OFFSET walk this).
CREATE INDEX accounts_page ON accounts (source_id, pk) WHERE deleted_at IS NULL;
CREATE INDEX accounts_email ON accounts (email_key);
CREATE INDEX accounts_person ON accounts (person_id);

-- Every email value of an account, folded (NFC, lower case): IdPs match users by email
-- (Entra: emails[type eq "work"].value eq …), which must not scan a 100,000-user connection.
CREATE TABLE account_emails (
  source_id   TEXT NOT NULL,
  value_key   TEXT NOT NULL,
  account_pk  INTEGER NOT NULL REFERENCES accounts (pk),
  PRIMARY KEY (source_id, value_key, account_pk)
) STRICT, WITHOUT ROWID;

CREATE TABLE groups (
  pk                 INTEGER PRIMARY KEY,
  source_id          TEXT NOT NULL REFERENCES sources (id),
  id                 TEXT NOT NULL,
  display_name       TEXT,
  display_name_key   TEXT,
  external_id        TEXT,
  raw                TEXT NOT NULL DEFAULT '{}',
  raw_fold           TEXT,
  version            INTEGER NOT NULL DEFAULT 1,
  created_at         TEXT NOT NULL,
  updated_at         TEXT NOT NULL,
  first_seen         TEXT NOT NULL,
  last_seen          TEXT NOT NULL,
  deleted_at         TEXT,
  UNIQUE (source_id, id)
) STRICT;
CREATE UNIQUE INDEX groups_display_name ON groups (source_id, display_name_key) WHERE deleted_at IS NULL AND display_name_key IS NOT NULL;
CREATE INDEX groups_page ON groups (source_id, pk) WHERE deleted_at IS NULL;

CREATE TABLE memberships (
  source_id    TEXT NOT NULL REFERENCES sources (id),
  group_id     TEXT NOT NULL,
  member_id    TEXT NOT NULL,
  member_type  TEXT NOT NULL DEFAULT 'User' CHECK (member_type IN ('User', 'Group')),
  first_seen   TEXT NOT NULL,
  last_seen    TEXT NOT NULL,
  deleted_at   TEXT,
  PRIMARY KEY (source_id, group_id, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_member ON memberships (source_id, member_id);

CREATE TABLE person_links (
  source_id   TEXT NOT NULL REFERENCES sources (id),
  account_id  TEXT NOT NULL,
  person_id   INTEGER NOT NULL REFERENCES people (id),
  kind        TEXT NOT NULL CHECK (kind IN ('link', 'unlink')),
  created_at  TEXT NOT NULL,
  created_by  TEXT,
  PRIMARY KEY (source_id, account_id, person_id)
) STRICT;

CREATE TABLE scim_exchanges (
  id                   INTEGER PRIMARY KEY,
  connection_id        TEXT REFERENCES sources (id),
  received_at          TEXT NOT NULL,
  method               TEXT NOT NULL,
  path                 TEXT NOT NULL,
  query                TEXT,
  remote_addr          TEXT,
  user_agent           TEXT,
  authorized           INTEGER NOT NULL CHECK (authorized IN (0, 1)),
  is_probe             INTEGER NOT NULL DEFAULT 0 CHECK (is_probe IN (0, 1)),
  request_body         TEXT,
  status               INTEGER NOT NULL,
  response_body        TEXT,
  latency_ms           REAL NOT NULL,
  upstream_status      INTEGER,
  upstream_latency_ms  REAL,
  upstream_error       TEXT
) STRICT;
CREATE INDEX scim_exchanges_connection ON scim_exchanges (connection_id, received_at);

CREATE TABLE events (
  seq           INTEGER PRIMARY KEY,
  type          TEXT NOT NULL,
  source_id     TEXT NOT NULL REFERENCES sources (id),
  account_id    TEXT,
  group_id      TEXT,
  person_id     INTEGER REFERENCES people (id),
  subject       TEXT,
  occurred_at   TEXT NOT NULL,
  observed_at   TEXT NOT NULL,
  actor         TEXT,
  before        TEXT,
  after         TEXT,
  exchange_id   INTEGER REFERENCES scim_exchanges (id),
  prev_hash     TEXT NOT NULL,
  hash          TEXT NOT NULL
) STRICT;
CREATE INDEX events_occurred ON events (occurred_at);
CREATE INDEX events_source ON events (source_id, seq);
CREATE INDEX events_person ON events (person_id, seq);
CREATE INDEX events_type ON events (type, seq);
-- Append-only: the application never updates or deletes an event. (Tampering that drops these
-- triggers is caught by the hash chain.)
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE alerts (
  id               INTEGER PRIMARY KEY,
  rule             TEXT NOT NULL,
  severity         TEXT NOT NULL CHECK (severity IN ('high', 'medium', 'low')),
  status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  dedupe_key       TEXT NOT NULL,
  title            TEXT NOT NULL,
  person_id        INTEGER REFERENCES people (id),
  source_id        TEXT REFERENCES sources (id),
  details          TEXT NOT NULL DEFAULT '{}',
  opened_at        TEXT NOT NULL,
  acknowledged_at  TEXT,
  acknowledged_by  TEXT,
  resolved_at      TEXT,
  resolved_by      TEXT,
  resolution       TEXT CHECK (resolution IN ('auto', 'manual'))
) STRICT;
CREATE UNIQUE INDEX alerts_one_open ON alerts (dedupe_key) WHERE status <> 'resolved';
CREATE INDEX alerts_status ON alerts (status, severity);

CREATE TABLE alert_evidence (
  alert_id   INTEGER NOT NULL REFERENCES alerts (id),
  event_seq  INTEGER NOT NULL REFERENCES events (seq),
  PRIMARY KEY (alert_id, event_seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE alert_notes (
  id        INTEGER PRIMARY KEY,
  alert_id  INTEGER NOT NULL REFERENCES alerts (id),
  at        TEXT NOT NULL,
  author    TEXT,
  text      TEXT NOT NULL
) STRICT;

CREATE TABLE roles (
  id               INTEGER PRIMARY KEY,
  source_id        TEXT NOT NULL REFERENCES sources (id),
  name             TEXT NOT NULL,
  billed           INTEGER NOT NULL DEFAULT 1 CHECK (billed IN (0, 1)),
  privileged       INTEGER NOT NULL DEFAULT 0 CHECK (privileged IN (0, 1)),
  seats_purchased  INTEGER CHECK (seats_purchased IS NULL OR seats_purchased >= 0),
  UNIQUE (source_id, name)
) STRICT;

CREATE TABLE role_mappings (
  id         INTEGER PRIMARY KEY,
  role_id    INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('group', 'attribute')),
  attribute  TEXT,
  match      TEXT NOT NULL
) STRICT;

CREATE TABLE account_roles (
  source_id   TEXT NOT NULL REFERENCES sources (id),
  account_id  TEXT NOT NULL,
  role_id     INTEGER NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  since       TEXT NOT NULL,
  PRIMARY KEY (source_id, account_id, role_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
) STRICT;
`;
