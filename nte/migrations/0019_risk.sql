-- Risk rating: each venue's score, band and next inspection due, with the factors that made
-- them, kept by the scheduled checks; the band changes they saw; and an officer's earlier date.

-- One row per rated venue (active licences), rewritten by the checks only where it changed.
CREATE TABLE venue_risk (
    venue_id            bigint PRIMARY KEY REFERENCES venues (id) ON DELETE CASCADE,
    score               integer NOT NULL,
    band                text NOT NULL CHECK (band IN ('A', 'B', 'C', 'D')),
    -- [{"name", "title", "points", "reason"}] in the rating's order
    factors             jsonb NOT NULL,
    last_inspected_on   date,
    next_inspection_due date NOT NULL,
    -- Why the due date is what it is: the band's interval, or the officer's reason.
    due_reason          text NOT NULL,
    computed_at         timestamptz NOT NULL
);
CREATE INDEX venue_risk_due_idx ON venue_risk (next_inspection_due);

-- A band change, with the factors whose points moved: the digest and the timeline read these.
CREATE TABLE risk_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id    bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL,
    old_band    text NOT NULL,
    new_band    text NOT NULL,
    old_score   integer NOT NULL,
    new_score   integer NOT NULL,
    -- [{"name", "title", "old_points", "new_points", "reason"}]
    moved       jsonb NOT NULL
);
CREATE INDEX risk_changes_venue_idx ON risk_changes (venue_id, at DESC);
CREATE INDEX risk_changes_at_idx ON risk_changes (at);

-- An officer may bring the next inspection forward, with a reason; an inspection completed
-- after it was set makes it spent.
CREATE TABLE inspection_due_overrides (
    venue_id    bigint PRIMARY KEY REFERENCES venues (id) ON DELETE CASCADE,
    due_on      date NOT NULL,
    reason      text NOT NULL CHECK (length(btrim(reason)) > 0),
    set_by      bigint REFERENCES users (id) ON DELETE SET NULL,
    set_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER inspection_due_overrides_audit AFTER INSERT OR UPDATE OR DELETE ON inspection_due_overrides
    FOR EACH ROW EXECUTE FUNCTION audit_change();

-- The band and score the venue list filters and sorts on, kept beside the flag badge by the
-- checks (the venues package reads columns, never the rating's code); not a person's change,
-- so the audit trail leaves them out.
ALTER TABLE venues
    ADD COLUMN risk_band text CHECK (risk_band IN ('A', 'B', 'C', 'D')),
    ADD COLUMN risk_score integer,
    ADD COLUMN next_inspection_due date;
DROP TRIGGER venues_audit ON venues;
CREATE TRIGGER venues_audit AFTER INSERT OR UPDATE OR DELETE ON venues
    FOR EACH ROW EXECUTE FUNCTION audit_change('open_flags', 'flag_severity', 'risk_band',
                                               'risk_score', 'next_inspection_due');
CREATE INDEX venues_risk_idx ON venues (risk_score DESC NULLS LAST, id);
CREATE INDEX venues_due_idx ON venues (next_inspection_due NULLS LAST, id);

-- The rating reads inspections (outcome, confidence) and the officer's date: wake the checks.
CREATE TRIGGER inspections_notify_checks AFTER INSERT OR UPDATE OR DELETE ON inspections
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER inspection_due_overrides_notify_checks AFTER INSERT OR UPDATE OR DELETE ON inspection_due_overrides
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();

-- The timeline shows band changes too (it reads this view and knows nothing of the rating).
CREATE OR REPLACE VIEW venue_work_events AS
    SELECT i.venue_id, i.completed_at AS at, 'inspection'::text AS kind,
           'Inspection: ' || CASE i.outcome WHEN 'compliant' THEN 'compliant'
                                            WHEN 'minor' THEN 'minor breach'
                                            ELSE 'major breach' END AS title,
           i.summary AS detail, i.id AS record_id,
           '/inspections/' || i.id || '/report' AS link
    FROM inspections i WHERE i.completed_at IS NOT NULL
    UNION ALL
    SELECT a.venue_id, a.created_at, 'action',
           'Action set (' || a.severity || '), due ' || to_char(a.due_on, 'FMDD Mon YYYY'),
           a.item, a.id, '/venues/' || a.venue_id || '/actions#action-' || a.id
    FROM actions a
    UNION ALL
    SELECT a.venue_id, a.answered_at, 'action', 'Action answered by the venue',
           coalesce(a.answer, ''), a.id, '/venues/' || a.venue_id || '/actions#action-' || a.id
    FROM actions a WHERE a.answered_at IS NOT NULL
    UNION ALL
    SELECT a.venue_id, a.verified_at, 'action', 'Action verified by an officer',
           a.item, a.id, '/venues/' || a.venue_id || '/actions#action-' || a.id
    FROM actions a WHERE a.verified_at IS NOT NULL
    UNION ALL
    SELECT r.venue_id, r.at, 'risk',
           'Risk band ' || r.old_band || ' to ' || r.new_band
               || ' (score ' || r.old_score || ' to ' || r.new_score || ')',
           coalesce((SELECT string_agg(m ->> 'reason', '; ') FROM jsonb_array_elements(r.moved) m), ''),
           r.id, '/venues/' || r.venue_id || '#risk'
    FROM risk_changes r;

-- The home page's trends read venue-linked incidents by week, category and hour: from the
-- index alone.
CREATE INDEX incidents_venue_linked_idx ON incidents (occurred_at) INCLUDE (category)
    WHERE venue_id IS NOT NULL;
