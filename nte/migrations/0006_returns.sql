-- Monthly returns: each venue's self-report for one calendar month, and the officer's review of it.

CREATE TABLE monthly_returns (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id                bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    -- The month reported on, as its first day; one return per venue per month.
    period                  date NOT NULL CHECK (extract(day FROM period) = 1),
    refusals                integer NOT NULL CHECK (refusals >= 0),
    incidents_unreported    integer NOT NULL CHECK (incidents_unreported >= 0),
    incidents_note          text NOT NULL DEFAULT '',
    angela_activations      integer NOT NULL CHECK (angela_activations >= 0),
    door_staff_hours        double precision NOT NULL CHECK (door_staff_hours >= 0),
    cctv_checks             integer NOT NULL CHECK (cctv_checks >= 0),
    staff_changes           text NOT NULL DEFAULT '',
    notes                   text NOT NULL DEFAULT '',
    -- Kept when the account goes: the return is the venue's record, not the person's.
    submitted_by            bigint REFERENCES users (id) ON DELETE SET NULL,
    submitted_at            timestamptz NOT NULL DEFAULT now(),
    reviewed_by             bigint REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at             timestamptz,
    review_note             text NOT NULL DEFAULT '',
    -- True where `nte demo` made the return up; the pages say so.
    generated               boolean NOT NULL DEFAULT false,
    UNIQUE (venue_id, period)
);

-- The unique index serves a venue's list (newest first) and the missing-returns anti-join;
-- this one serves the borough's "waiting for review" list.
CREATE INDEX monthly_returns_unreviewed_idx ON monthly_returns (submitted_at)
    WHERE reviewed_at IS NULL;

CREATE TRIGGER monthly_returns_audit AFTER INSERT OR UPDATE OR DELETE ON monthly_returns
    FOR EACH ROW EXECUTE FUNCTION audit_change();
