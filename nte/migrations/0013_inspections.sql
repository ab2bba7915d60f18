-- Inspections: planned visits, the checklist snapshot each inspection asked, its photos, and
-- the actions its breaches raised. Evidence for a licence review, so nothing here is rewritten
-- by a later change to the venue's conditions.

CREATE TABLE visits (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    officer_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    planned_on      date NOT NULL,
    kind            text NOT NULL DEFAULT 'planned' CHECK (kind IN ('planned', 'reactive')),
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- A reactive visit answers something (a complaint, an incident): it must say what.
    CONSTRAINT visits_reason_check CHECK (kind = 'planned' OR length(btrim(reason)) > 0)
);
CREATE INDEX visits_officer_idx ON visits (officer_id, planned_on);
CREATE INDEX visits_venue_idx ON visits (venue_id, planned_on DESC);

CREATE TABLE inspections (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id                    bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    -- Made by the tablet when the officer started; a retried upload finds the same row.
    client_uuid                 uuid NOT NULL UNIQUE,
    -- sha256 of what the start request said, so a different body under the same uuid is a 409.
    fingerprint                 bytea NOT NULL,
    visit_id                    bigint REFERENCES visits (id) ON DELETE SET NULL,
    officer_id                  bigint REFERENCES users (id) ON DELETE SET NULL,
    kind                        text NOT NULL DEFAULT 'planned' CHECK (kind IN ('planned', 'reactive')),
    reason                      text NOT NULL DEFAULT '',
    scheduled_for               date,
    started_at                  timestamptz NOT NULL DEFAULT now(),
    completed_at                timestamptz,
    outcome                     text CHECK (outcome IN ('compliant', 'minor', 'major')),
    confidence_in_management    integer CHECK (confidence_in_management IN (0, 5, 10, 20, 30)),
    summary                     text NOT NULL DEFAULT '',
    generated                   boolean NOT NULL DEFAULT false,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inspections_completed_check CHECK (completed_at IS NULL OR outcome IS NOT NULL)
);
CREATE INDEX inspections_venue_idx ON inspections (venue_id, started_at DESC);
CREATE UNIQUE INDEX inspections_visit_idx ON inspections (visit_id) WHERE visit_id IS NOT NULL;

-- The checklist as it was asked: the question's words are copied, so editing or removing the
-- condition later leaves this inspection as it was.
CREATE TABLE inspection_items (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inspection_id   bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    position        integer NOT NULL,
    -- "condition:12" or "check:dps": how the tablet names an item before the server has seen it.
    key             text NOT NULL,
    condition_id    bigint REFERENCES conditions (id) ON DELETE SET NULL,
    "check"         text,
    kind            text NOT NULL,
    question        text NOT NULL,
    guidance        text NOT NULL DEFAULT '',
    condition_text  text NOT NULL DEFAULT '',
    result          text NOT NULL DEFAULT 'not_checked'
                        CHECK (result IN ('compliant', 'minor', 'major', 'not_checked', 'na')),
    note            text NOT NULL DEFAULT '',
    UNIQUE (inspection_id, key),
    UNIQUE (inspection_id, position)
);

CREATE TABLE inspection_photos (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inspection_id   bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    item_id         bigint REFERENCES inspection_items (id) ON DELETE SET NULL,
    client_uuid     uuid NOT NULL UNIQUE,
    sha256          bytea NOT NULL,
    content_type    text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    size            integer NOT NULL,
    content         bytea NOT NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inspection_photos_inspection_idx ON inspection_photos (inspection_id, id);

CREATE TABLE actions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inspection_id   bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    item_id         bigint UNIQUE REFERENCES inspection_items (id) ON DELETE SET NULL,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    item            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('minor', 'major')),
    description     text NOT NULL,
    due_on          date NOT NULL,
    status          text NOT NULL DEFAULT 'open'
                        CHECK (status IN ('open', 'answered', 'verified', 'reopened')),
    answer          text,
    answered_at     timestamptz,
    answered_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    verified_at     timestamptz,
    verified_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    officer_note    text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actions_venue_idx ON actions (venue_id, due_on);
CREATE INDEX actions_unverified_idx ON actions (due_on) INCLUDE (venue_id, id)
    WHERE status <> 'verified';

-- The venue's answer to an action may carry one photo or file (the latest answer's).
CREATE TABLE action_files (
    action_id       bigint PRIMARY KEY REFERENCES actions (id) ON DELETE CASCADE,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    filename        text NOT NULL,
    content_type    text NOT NULL,
    size            integer NOT NULL,
    content         bytea NOT NULL,
    uploaded_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    uploaded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER visits_audit AFTER INSERT OR UPDATE OR DELETE ON visits
    FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER inspections_audit AFTER INSERT OR UPDATE OR DELETE ON inspections
    FOR EACH ROW EXECUTE FUNCTION audit_change('fingerprint');
CREATE TRIGGER inspection_items_audit AFTER INSERT OR UPDATE OR DELETE ON inspection_items
    FOR EACH ROW EXECUTE FUNCTION audit_change();
-- The image itself stays out of the trail: its hash says which one it was.
CREATE TRIGGER inspection_photos_audit AFTER INSERT OR UPDATE OR DELETE ON inspection_photos
    FOR EACH ROW EXECUTE FUNCTION audit_change('content', 'sha256');
CREATE TRIGGER actions_audit AFTER INSERT OR UPDATE OR DELETE ON actions
    FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER action_files_audit AFTER INSERT OR UPDATE OR DELETE ON action_files
    FOR EACH ROW EXECUTE FUNCTION audit_change('content');

-- The actions_overdue check reads actions: wake it when they change.
CREATE TRIGGER actions_notify_checks AFTER INSERT OR UPDATE OR DELETE ON actions
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();

-- What the venue's timeline shows of this work. The timeline (package venues) reads this view
-- and knows nothing else of inspections; the rows stay where they are.
CREATE VIEW venue_work_events AS
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
    FROM actions a WHERE a.verified_at IS NOT NULL;
