-- Ask for Angela: each venue's participation in the scheme, and the mystery-shopper tests of it.

-- One row per venue that has ever been enrolled; no row means "never enrolled".
CREATE TABLE angela_participation (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id            bigint NOT NULL UNIQUE REFERENCES venues (id) ON DELETE CASCADE,
    enrolled_on         date,
    posters_displayed   boolean NOT NULL DEFAULT false,
    withdrawn_on        date,
    -- True where `nte demo` made it up; the pages say so.
    generated           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT angela_participation_withdrawn_on_check CHECK (
        withdrawn_on IS NULL OR (enrolled_on IS NOT NULL AND withdrawn_on >= enrolled_on))
);

CREATE TABLE angela_tests (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id            bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    tested_on           date NOT NULL,
    tester_organisation text NOT NULL CHECK (length(btrim(tester_organisation)) > 0),
    outcome             text NOT NULL CHECK (outcome IN ('pass', 'fail')),
    notes               text NOT NULL DEFAULT '',
    -- Kept when the account goes: the test is the venue's record, not the person's.
    recorded_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    generated           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- A venue's tests newest first, and its last test (readiness, the re-test rule).
CREATE INDEX angela_tests_venue_idx ON angela_tests (venue_id, tested_on DESC, id DESC);

CREATE TRIGGER angela_participation_audit AFTER INSERT OR UPDATE OR DELETE ON angela_participation
    FOR EACH ROW EXECUTE FUNCTION audit_change();
CREATE TRIGGER angela_tests_audit AFTER INSERT OR UPDATE OR DELETE ON angela_tests
    FOR EACH ROW EXECUTE FUNCTION audit_change();
