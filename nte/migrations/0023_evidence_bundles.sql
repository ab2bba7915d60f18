-- Evidence bundles made for a licence review: who made which copy, for whom, and its hash,
-- so any copy handed round can be checked against the one the service made.

CREATE TABLE evidence_bundles (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    venue_id        bigint NOT NULL REFERENCES venues (id) ON DELETE CASCADE,
    audience        text NOT NULL CHECK (audience IN ('panel', 'venue', 'police')),
    period_from     date NOT NULL,
    period_to       date NOT NULL,
    -- Hex SHA-256 of the PDF exactly as it was sent.
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    pages           integer NOT NULL CHECK (pages > 0),
    exhibits        integer NOT NULL CHECK (exhibits >= 0),
    size            integer NOT NULL CHECK (size > 0),
    made_by         bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Kept when the account goes: the bundle says who made it on its cover.
    made_by_name    text NOT NULL,
    made_at         timestamptz NOT NULL DEFAULT now(),
    content         bytea NOT NULL,
    CONSTRAINT evidence_bundles_period_check CHECK (period_to >= period_from)
);

CREATE INDEX evidence_bundles_venue_idx ON evidence_bundles (venue_id, made_at DESC);
CREATE INDEX evidence_bundles_sha256_idx ON evidence_bundles (sha256);

-- The audit row names the hash, audience and maker; the PDF itself stays out of it.
CREATE TRIGGER evidence_bundles_audit AFTER INSERT OR UPDATE OR DELETE ON evidence_bundles
    FOR EACH ROW EXECUTE FUNCTION audit_change('content');
