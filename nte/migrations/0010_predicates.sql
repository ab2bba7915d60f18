-- The record's rules of the day, each defined once: the API, the pages and the scheduled
-- checks all read them, so a page can never say one thing and a flag another.
--
-- Plain SQL expressions, IMMUTABLE and not STRICT, so the planner inlines them where they
-- are called: an index on the columns inside still serves a query that calls one.

-- Someone works at the venue on `day` unless they had left by then (the leaving day is
-- their first day away).
CREATE FUNCTION staff_active_on(left_on date, day date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT left_on IS NULL OR left_on > day $$;

-- A course counts on `day` from the day it was completed up to and including its expiry day.
CREATE FUNCTION training_valid_on(completed_on date, expires_on date, day date) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT completed_on <= day AND expires_on >= day $$;

-- The last day on which the return for the month starting `period` is on time: the month's
-- last day plus the due-days setting. Overdue from the day after.
CREATE FUNCTION return_due_on(period date, due_days integer) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (period + interval '1 month')::date - 1 + due_days $$;
