/**
 * 0005: alert triage at scale. The alert rules look up open alerts by person and rule (each batch)
 * and by rule (each tick); the Alerts page filters by person and by source, newest first; an
 * alert's notes are read with it. None of these may scan the alerts table once it holds years of
 * resolved alerts.
 */
export const up = `
CREATE INDEX alerts_person ON alerts (person_id, id);
CREATE INDEX alerts_source ON alerts (source_id, id);
CREATE INDEX alerts_open_rule ON alerts (rule, person_id) WHERE status <> 'resolved';
CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);
-- The offboarding-gap tick: open deprovisionings whose person left within a time range.
CREATE INDEX deprovisions_open_left ON deprovisions (left_at) WHERE done_at IS NULL AND cancelled_at IS NULL;
`;
