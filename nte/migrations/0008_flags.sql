-- Scheduled checks: the flags they raise, and the claims that make each scheduled fire run once.

CREATE TABLE flags (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    rule            text NOT NULL,
    -- What raised it: an event ("test_purchase:42") or a state first seen on a day
    -- ("cluster@2026-11-28"). The same cause never opens a second flag.
    cause_key       text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'serious')),
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    explanation     text NOT NULL,
    evidence        jsonb NOT NULL DEFAULT '{}',
    opened_at       timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    acknowledged_at timestamptz,
    acknowledged_by bigint REFERENCES users (id) ON DELETE SET NULL,
    resolved_at     timestamptz,
    resolved_by     bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Why it closed: the officer's note, or the sentence the checks wrote when the cause cleared.
    resolution      text,
    UNIQUE (venue_id, rule, cause_key)
);
CREATE INDEX flags_open_idx ON flags (rule, venue_id) WHERE status <> 'resolved';
CREATE INDEX flags_venue_idx ON flags (venue_id, opened_at DESC);
CREATE TRIGGER flags_audit AFTER INSERT OR UPDATE OR DELETE ON flags
    FOR EACH ROW EXECUTE FUNCTION audit_change();

-- The badge a venue shows in lists, kept by the checks; not a change anyone made to the
-- venue, so the venue's audit trigger leaves these two columns out.
ALTER TABLE venues
    ADD COLUMN open_flags integer NOT NULL DEFAULT 0,
    ADD COLUMN flag_severity text CHECK (flag_severity IN ('low', 'medium', 'high', 'serious'));
DROP TRIGGER venues_audit ON venues;
CREATE TRIGGER venues_audit AFTER INSERT OR UPDATE OR DELETE ON venues
    FOR EACH ROW EXECUTE FUNCTION audit_change('open_flags', 'flag_severity');
CREATE INDEX venues_flagged_idx ON venues (open_flags) WHERE open_flags > 0;

-- One row per scheduled fire that some process took on: INSERT ... ON CONFLICT DO NOTHING
-- decides which of many `nte serve` processes runs it.
CREATE TABLE job_claims (
    job         text NOT NULL,
    fire_time   timestamptz NOT NULL,
    claimed_by  text NOT NULL,
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (job, fire_time)
);

-- What each sweep did, for "last checked" and for the figures.
CREATE TABLE check_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger     text NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    opened      integer NOT NULL DEFAULT 0,
    updated     integer NOT NULL DEFAULT 0,
    resolved    integer NOT NULL DEFAULT 0,
    by_rule     jsonb NOT NULL DEFAULT '{}'
);
