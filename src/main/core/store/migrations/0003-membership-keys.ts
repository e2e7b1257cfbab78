/**
 * 0003: memberships keyed by the integer keys of their group and member, not by three text ids.
 *
 * Why: a 100,000-person directory has about a million memberships. Keyed by (source id, group
 * UUID, member UUID) with a second index on the member UUID, each row cost about 150 bytes in the
 * table and 90 in the index; every page of a sync scattered inserts over both, and each commit
 * rewrote most of the index into the WAL (the first sync of such a directory took about 8× the
 * time of fetching it). Keyed by integers the index entry is a few bytes and the table a third of
 * the size (issue #5; figures in docs/benchmarks.md). `last_seen` is gone from memberships: a
 * membership only starts and ends, so its last change is `deleted_at` or `first_seen` (the view
 * still shows it).
 *
 * A member must therefore be a row. A member nobody listed (a Google external member, a Graph
 * member created between the users and groups phases of a round, a SCIM member value that names
 * no resource) becomes an *unlisted* row: status 'unlisted', deleted (so no list, lookup or
 * uniqueness rule sees it), known only by its id. If the object is listed later the row is revived
 * as that object, exactly as a deleted object that comes back.
 *
 * The source's own ids stay the key of accounts and groups; `membership_ids` shows memberships by
 * those ids for readers that want them.
 */
export const up = `
INSERT INTO accounts (source_id, id, active, status, raw, version, created_at, updated_at, first_seen, last_seen, deleted_at)
  SELECT m.source_id, m.member_id, 0, 'unlisted', '{}', 1, min(m.first_seen), min(m.first_seen), min(m.first_seen),
         max(m.last_seen), min(m.first_seen)
    FROM memberships m
   WHERE m.member_type = 'User'
     AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.source_id = m.source_id AND a.id = m.member_id)
   GROUP BY m.source_id, m.member_id;

INSERT INTO groups (source_id, id, raw, version, created_at, updated_at, first_seen, last_seen, deleted_at)
  SELECT source_id, id, '{}', 1, min(seen), min(seen), min(seen), max(last), min(seen)
    FROM (SELECT source_id, group_id AS id, first_seen AS seen, last_seen AS last FROM memberships
          UNION ALL
          SELECT source_id, member_id, first_seen, last_seen FROM memberships WHERE member_type = 'Group') x
   WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.source_id = x.source_id AND g.id = x.id)
   GROUP BY source_id, id;

CREATE TABLE memberships_0003 (
  group_pk     INTEGER NOT NULL REFERENCES groups (pk),
  -- accounts.pk of a User, groups.pk of a Group
  member_pk    INTEGER NOT NULL,
  member_type  TEXT NOT NULL CHECK (member_type IN ('User', 'Group')),
  -- since when the membership holds (re-set when an ended membership starts again)
  first_seen   TEXT NOT NULL,
  -- when it ended; a membership changes only by starting and ending, so this is also its last change
  deleted_at   TEXT,
  PRIMARY KEY (group_pk, member_pk, member_type)
) STRICT, WITHOUT ROWID;

INSERT INTO memberships_0003 (group_pk, member_pk, member_type, first_seen, deleted_at)
  SELECT g.pk, CASE m.member_type WHEN 'User' THEN a.pk ELSE mg.pk END, m.member_type, m.first_seen, m.deleted_at
    FROM memberships m
    JOIN groups g ON g.source_id = m.source_id AND g.id = m.group_id
    LEFT JOIN accounts a ON m.member_type = 'User' AND a.source_id = m.source_id AND a.id = m.member_id
    LEFT JOIN groups mg ON m.member_type = 'Group' AND mg.source_id = m.source_id AND mg.id = m.member_id
   ORDER BY 1, 2, 3;

DROP TABLE memberships;
ALTER TABLE memberships_0003 RENAME TO memberships;
-- A member's groups (a user's groups on GET /Users, ending a deleted user's memberships).
CREATE INDEX memberships_member ON memberships (member_pk, member_type);

-- Memberships by the sources' own ids.
CREATE VIEW membership_ids AS
  SELECT g.source_id AS source_id, g.id AS group_id, COALESCE(a.id, mg.id) AS member_id, m.member_type AS member_type,
         m.group_pk AS group_pk, m.member_pk AS member_pk, m.first_seen AS first_seen,
         COALESCE(m.deleted_at, m.first_seen) AS last_seen, m.deleted_at AS deleted_at
    FROM memberships m
    JOIN groups g ON g.pk = m.group_pk
    LEFT JOIN accounts a ON m.member_type = 'User' AND a.pk = m.member_pk
    LEFT JOIN groups mg ON m.member_type = 'Group' AND mg.pk = m.member_pk;
`;
