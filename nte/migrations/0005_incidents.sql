-- Incidents at (or near) venues, and test purchases of alcohol by young people.

CREATE TABLE incidents (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- NULL for an incident in the street, not at any one venue.
    venue_id        bigint REFERENCES venues (id) ON DELETE CASCADE,
    occurred_at     timestamptz NOT NULL,
    category        text NOT NULL CHECK (category IN
                        ('violence', 'sexual_offence', 'sexual_harassment', 'asb', 'public_order',
                         'underage_sale', 'drugs', 'drink_spiking', 'vulnerable_person', 'theft',
                         'criminal_damage', 'weapons', 'other')),
    severity        text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'serious')),
    source          text NOT NULL CHECK (source IN ('police', 'venue', 'officer', 'radio', 'public')),
    police_ref      text,
    description     text NOT NULL CHECK (length(btrim(description)) > 0),
    involved_child  boolean NOT NULL DEFAULT false,
    -- Details shown only to officers, admins, partners and the reporter.
    sensitive       boolean NOT NULL DEFAULT false,
    -- Kept when the account goes: the incident is the venue's record, not the person's.
    reported_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    -- True where `nte demo` made it up; the pages say so.
    generated       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Sexual offences and anything involving a child are always sensitive (DOMAIN.md).
    CONSTRAINT incidents_sensitive_check CHECK (
        sensitive OR NOT (category = 'sexual_offence' OR involved_child))
);

-- A venue's incidents newest first; the borough's list and the window rules by time.
CREATE INDEX incidents_venue_idx ON incidents (venue_id, occurred_at DESC);
CREATE INDEX incidents_occurred_idx ON incidents (occurred_at DESC);
CREATE INDEX incidents_street_idx ON incidents (reported_by, occurred_at DESC) WHERE venue_id IS NULL;

CREATE TABLE test_purchases (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    attempted_on    date NOT NULL,
    agency          text NOT NULL CHECK (length(btrim(agency)) > 0),
    -- "fail" means alcohol was sold to the young person.
    outcome         text NOT NULL CHECK (outcome IN ('pass', 'fail')),
    notes           text NOT NULL DEFAULT '',
    recorded_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    generated       boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX test_purchases_venue_idx ON test_purchases (venue_id, attempted_on DESC, id DESC);
CREATE INDEX test_purchases_failed_idx ON test_purchases (attempted_on) WHERE outcome = 'fail';

CREATE TRIGGER incidents_audit AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER test_purchases_audit AFTER INSERT OR UPDATE OR DELETE ON test_purchases
    FOR EACH ROW EXECUTE FUNCTION audit_change();
