-- Wake the scheduled checks when something they read changes. Statement-level, so an import
-- of thousands of rows sends one notification; the payload names the moment, which every
-- listening server uses to claim the same debounced run.

CREATE FUNCTION notify_checks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('nte_checks', to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                            'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'));
    RETURN NULL;
END $$;

-- New venues (an FHRS import) come under the rules too. Inserts only: the checks themselves
-- update venues (their badges), and must not wake themselves.
CREATE TRIGGER venues_notify_checks AFTER INSERT ON venues
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER incidents_notify_checks AFTER INSERT OR UPDATE OR DELETE ON incidents
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER test_purchases_notify_checks AFTER INSERT OR UPDATE OR DELETE ON test_purchases
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER angela_tests_notify_checks AFTER INSERT OR UPDATE OR DELETE ON angela_tests
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER staff_notify_checks AFTER INSERT OR UPDATE OR DELETE ON staff
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER training_notify_checks AFTER INSERT OR UPDATE OR DELETE ON training
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER monthly_returns_notify_checks AFTER INSERT OR UPDATE OR DELETE ON monthly_returns
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();
CREATE TRIGGER angela_participation_notify_checks AFTER INSERT OR UPDATE OR DELETE ON angela_participation
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checks();

-- The checks read these windows over the whole borough. Each index carries every column its
-- rule reads, so the sweep answers from the index alone (an index-only scan) instead of
-- visiting tens of thousands of scattered incident rows.
CREATE INDEX incidents_violent_recent_idx ON incidents (occurred_at)
    INCLUDE (venue_id, id, category, severity)
    WHERE category IN ('violence', 'sexual_offence', 'weapons') AND venue_id IS NOT NULL;
CREATE INDEX incidents_underage_idx ON incidents (occurred_at)
    INCLUDE (venue_id, id)
    WHERE category = 'underage_sale' AND venue_id IS NOT NULL;
CREATE INDEX training_valid_idx ON training (course, expires_on)
    INCLUDE (staff_id, completed_on, venue_id)
    WHERE course IN ('wave', 'ask_for_angela');
