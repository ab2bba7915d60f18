-- People at a venue (DPS, managers, bar staff, door supervisors), their training, and the
-- certificates that prove it.

CREATE TABLE staff (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id            bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    name                text NOT NULL CHECK (length(btrim(name)) > 0),
    role                text NOT NULL CHECK (role IN
                            ('dps', 'personal_licence_holder', 'manager', 'bar',
                             'door_supervisor', 'other')),
    front_of_house      boolean NOT NULL DEFAULT false,
    started_on          date,
    -- NULL while they work here; `active` is derived from it when read (it depends on the day).
    left_on             date,
    -- Stored without spaces: exactly the 16 digits printed on the SIA badge.
    sia_licence_no      text CHECK (sia_licence_no ~ '^[0-9]{16}$'),
    sia_expires_on      date,
    -- True for the people (and so their training) made up by `nte demo`; the pages say so.
    generated           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (left_on IS NULL OR started_on IS NULL OR left_on >= started_on),
    -- Door work without a licence is a breach; a door supervisor cannot be recorded without one.
    CHECK (role <> 'door_supervisor' OR (sia_licence_no IS NOT NULL AND sia_expires_on IS NOT NULL)),
    -- Lets training and certificates carry the venue and be sure it is this person's venue.
    UNIQUE (id, venue_id)
);

CREATE INDEX staff_venue_idx ON staff (venue_id);
CREATE INDEX staff_sia_expiry_idx ON staff (sia_expires_on) WHERE sia_expires_on IS NOT NULL;
-- A premises has one DPS at a time (Licensing Act 2003 s.15); the old one leaves first.
CREATE UNIQUE INDEX staff_one_dps_idx ON staff (venue_id) WHERE role = 'dps' AND left_on IS NULL;

-- One course completed by one person. expires_on is derived from the course's validity
-- (a setting) when the record is made, so a later change of policy does not rewrite history.
CREATE TABLE training (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id            bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    staff_id            bigint NOT NULL,
    course              text NOT NULL CHECK (course IN
                            ('wave', 'ask_for_angela', 'age_verification', 'drink_spiking',
                             'act', 'conflict_management', 'first_aid', 'safeguarding')),
    completed_on        date NOT NULL,
    expires_on          date NOT NULL CHECK (expires_on >= completed_on),
    created_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (staff_id, venue_id) REFERENCES staff (id, venue_id) ON DELETE CASCADE,
    UNIQUE (id, venue_id)
);

-- The latest record per person and course, and the valid ones on a day (coverage, checks).
CREATE INDEX training_staff_course_idx ON training (staff_id, course, expires_on DESC);
CREATE INDEX training_venue_idx ON training (venue_id, expires_on);

-- The uploaded proof of a training record, kept apart so that listing training never reads
-- the bytes; in PostgreSQL so that every server process can serve it.
CREATE TABLE training_certificates (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id            bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    training_id         bigint NOT NULL UNIQUE,
    filename            text NOT NULL,
    content_type        text NOT NULL CHECK (content_type IN
                            ('application/pdf', 'image/jpeg', 'image/png')),
    size                integer NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    content             bytea NOT NULL CHECK (octet_length(content) = size),
    uploaded_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (training_id, venue_id) REFERENCES training (id, venue_id) ON DELETE CASCADE
);
-- PDFs, JPEGs and PNGs are compressed already: store them out of line without trying again.
ALTER TABLE training_certificates ALTER COLUMN content SET STORAGE EXTERNAL;
CREATE INDEX training_certificates_venue_idx ON training_certificates (venue_id);

CREATE TRIGGER staff_audit AFTER INSERT OR UPDATE OR DELETE ON staff
    FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER training_audit AFTER INSERT OR UPDATE OR DELETE ON training
    FOR EACH ROW EXECUTE FUNCTION audit_change();
-- The file itself stays out of the audit trail; its name, type and size are enough evidence.
CREATE TRIGGER training_certificates_audit AFTER INSERT OR UPDATE OR DELETE ON training_certificates
    FOR EACH ROW EXECUTE FUNCTION audit_change('content');
