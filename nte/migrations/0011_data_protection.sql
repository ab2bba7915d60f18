-- Data protection (UK GDPR; incidents hold special-category data): a record of who read a
-- sensitive incident, retention of its free text, and an audit trail that keeps no such text.

-- Refuses any change to a table that is evidence, whoever asks (the table's owner included:
-- triggers fire for the owner too).
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- One row per sensitive incident whose details a person was shown, and through what.
-- No foreign keys: the record of a read outlives the account and the incident it names.
CREATE TABLE access_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    user_id     bigint NOT NULL,
    -- How the reader was known at the time ("email (role)"), as the audit trail names actors.
    reader      text NOT NULL,
    incident_id bigint NOT NULL,
    -- What showed it: "api_get", "incidents_page", "timeline_api", ... (nte/access_log.py).
    -- A pattern, not a list, so that a new door (an export) needs no migration.
    door        text NOT NULL CHECK (door ~ '^[a-z][a-z_]*$'),
    request_id  text
);
-- "Who has seen this" on an incident, and an admin's filters by incident and by person.
-- Every read inserts into both, so they are kept lean: one column for the incident (its
-- reads are few, and deduplicated in the index), and (user, id) ascending, so a person's
-- new reads land at the right end of their range (scanned backwards for newest first).
CREATE INDEX access_log_incident_idx ON access_log (incident_id);
CREATE INDEX access_log_user_idx ON access_log (user_id, id);

CREATE TRIGGER access_log_no_update_delete BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Retention: when a sensitive incident's free text was replaced by a note (NULL: not yet).
ALTER TABLE incidents ADD COLUMN redacted_at timestamptz;
-- The nightly run reads only what is still due, so a rerun costs an empty index scan.
CREATE INDEX incidents_retention_idx ON incidents (occurred_at)
    WHERE sensitive AND redacted_at IS NULL;
CREATE INDEX staff_left_idx ON staff (left_on) WHERE left_on IS NOT NULL;

-- What each retention run did: how many of each, never what it removed.
CREATE TABLE retention_runs (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger                 text NOT NULL,
    started_at              timestamptz NOT NULL DEFAULT now(),
    finished_at             timestamptz,
    -- Sensitive incidents that occurred before this lost their free text.
    incidents_before        timestamptz NOT NULL,
    -- Certificates of staff who left before this day were deleted.
    staff_left_before       date NOT NULL,
    incidents_redacted      integer NOT NULL DEFAULT 0,
    certificates_deleted    integer NOT NULL DEFAULT 0
);

-- The audit trail keeps no special-category text. These columns of a sensitive row (its
-- `sensitive` is true before or after the change) are written to audit_log as a hash, so the
-- trail still shows that the field changed, and can confirm a text someone produces, but
-- never holds the text. A new such column is one row here.
CREATE TABLE audit_withheld_columns (
    table_name  text NOT NULL,
    column_name text NOT NULL,
    PRIMARY KEY (table_name, column_name)
);
INSERT INTO audit_withheld_columns (table_name, column_name) VALUES
    ('incidents', 'description'),
    ('incidents', 'police_ref');

-- A row image with the withheld columns of its table replaced by {"withheld": true,
-- "sha256": ...}; a value already withheld (not a string) or NULL is left as it is.
CREATE FUNCTION audit_withhold(table_name_ text, row_ jsonb) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $$
DECLARE
    col text;
BEGIN
    IF row_ IS NULL THEN
        RETURN NULL;
    END IF;
    FOR col IN SELECT column_name FROM audit_withheld_columns WHERE table_name = table_name_ LOOP
        IF jsonb_typeof(row_ -> col) = 'string' THEN
            row_ := jsonb_set(row_, ARRAY[col], jsonb_build_object(
                'withheld', true,
                'sha256', encode(sha256(convert_to(row_ ->> col, 'UTF8')), 'hex')));
        END IF;
    END LOOP;
    RETURN row_;
END $$;

-- On audit_log itself, so whatever writes an audit row (the audit_change trigger, or code
-- that one day writes its own) cannot put the text there.
CREATE FUNCTION audit_log_withhold_text() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce((NEW.before ->> 'sensitive')::boolean, false)
       OR coalesce((NEW.after ->> 'sensitive')::boolean, false) THEN
        NEW.before := audit_withhold(NEW.table_name, NEW.before);
        NEW.after := audit_withhold(NEW.table_name, NEW.after);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_withhold_text BEFORE INSERT ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_withhold_text();

-- The one sanctioned change to the audit trail: strip the text already copied there from
-- sensitive incidents (the row said sensitive then, or the incident is sensitive now). In
-- this migration's own transaction, so no other session ever sees the table unguarded,
-- and the guard is back on before anyone can write again.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete;
UPDATE audit_log a
SET before = audit_withhold(a.table_name, a.before),
    after = audit_withhold(a.table_name, a.after)
WHERE a.table_name IN (SELECT table_name FROM audit_withheld_columns)
  AND (coalesce((a.before ->> 'sensitive')::boolean, false)
       OR coalesce((a.after ->> 'sensitive')::boolean, false)
       OR (a.table_name = 'incidents'
           AND a.record_id IN (SELECT id FROM incidents WHERE sensitive)));
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete;
