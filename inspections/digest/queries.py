"""All of the digest's SQL: one set-based query per kind of line, for many venues or people at once.

The digest for two thousand people and the "this week" page for one run the same queries:
each takes the venues (or people) it is for as an array and answers rows that name their
venue (or person), so a batch costs one round trip per kind of line, not one per person.
``NULL`` for the venues means the whole borough.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from nte.db import Connection

__all__ = [
    "actions_open",
    "actions_overdue",
    "actions_verified",
    "angela_passed",
    "angela_retests_due",
    "band_changes",
    "clean_inspections",
    "flags_escalated",
    "flags_opened",
    "incidents_by_week",
    "incidents_reported_by",
    "inspections_due",
    "recipient_by_id",
    "recipients",
    "returns_missing",
    "sia_expiring",
    "test_purchases_passed",
    "training_expiring",
]

Rows = list[Any]

_RECIPIENT = """
    SELECT u.id, u.email, u.display_name, u.role, u.digest_subscribed, u.digest_when_empty,
           coalesce((SELECT array_agg(uv.venue_id ORDER BY uv.venue_id) FROM user_venues uv
                     WHERE uv.user_id = u.id), '{}') AS venue_ids
    FROM users u"""
RECIPIENTS = (
    _RECIPIENT
    + """
    WHERE NOT u.disabled AND ($1::text IS NULL OR u.email = $1)
    ORDER BY u.id"""
)
RECIPIENT_BY_ID = _RECIPIENT + " WHERE u.id = $1"


async def recipients(conn: Connection, email: str | None = None) -> Rows:
    """Everyone with an account that is not disabled (or the one with this e-mail)."""
    return list(await conn.fetch(RECIPIENTS, email))


async def recipient_by_id(conn: Connection, user_id: int) -> Any:
    return await conn.fetchrow(RECIPIENT_BY_ID, user_id)


# -- flags ---------------------------------------------------------------------------------------

FLAGS_OPENED = """
    SELECT f.id, f.venue_id, v.name AS venue_name, f.rule, f.severity, f.opened_at
    FROM flags f JOIN venues v ON v.id = f.venue_id
    WHERE f.opened_at >= $1 AND f.opened_at < $2
      AND ($3::text[] IS NULL OR f.rule = ANY ($3))
    ORDER BY array_position(ARRAY['serious', 'high', 'medium', 'low'], f.severity), f.opened_at"""


async def flags_opened(
    conn: Connection, start: datetime, end: datetime, rules: list[str] | None = None
) -> Rows:
    return list(await conn.fetch(FLAGS_OPENED, start, end, rules))


# A flag escalates when the checks raise its severity; the audit trail keeps the before and
# after of every change, so the week's escalations are read from it. Flags opened in the same
# week are new, not escalated.
FLAGS_ESCALATED = """
    SELECT DISTINCT ON (a.record_id)
           f.id, f.venue_id, v.name AS venue_name, f.rule,
           a.before ->> 'severity' AS was, a.after ->> 'severity' AS severity
    FROM audit_log a
    JOIN flags f ON f.id = a.record_id
    JOIN venues v ON v.id = f.venue_id
    WHERE a.table_name = 'flags' AND a.action = 'update' AND a.at >= $1 AND a.at < $2
      AND f.opened_at < $1
      AND array_position(ARRAY['low', 'medium', 'high', 'serious'], a.after ->> 'severity')
        > array_position(ARRAY['low', 'medium', 'high', 'serious'], a.before ->> 'severity')
    ORDER BY a.record_id, a.at DESC"""


async def flags_escalated(conn: Connection, start: datetime, end: datetime) -> Rows:
    return list(await conn.fetch(FLAGS_ESCALATED, start, end))


# The risk rating's band changes (risk_changes), each with the factors whose points moved,
# largest move first: "a major breach at the last inspection (+30)".
BAND_CHANGES = """
    SELECT c.venue_id, v.name AS venue_name, c.old_band AS was, c.new_band AS band,
           (SELECT string_agg(
                       (m ->> 'reason') || ' ('
                       || to_char((m ->> 'new_points')::int - (m ->> 'old_points')::int, 'FMSG999')
                       || ')', '; '
                       ORDER BY abs((m ->> 'new_points')::int - (m ->> 'old_points')::int) DESC)
            FROM jsonb_array_elements(c.moved) m) AS reasons
    FROM risk_changes c JOIN venues v ON v.id = c.venue_id
    WHERE c.at >= $1 AND c.at < $2
    ORDER BY c.new_band, lower(v.name), c.at"""


async def band_changes(conn: Connection, start: datetime, end: datetime) -> Rows:
    """Risk band changes in the window, each with its reasons: (venue_id, venue_name, was,
    band, reasons)."""
    return list(await conn.fetch(BAND_CHANGES, start, end))


# -- inspections and actions ---------------------------------------------------------------------

# Planned visits up to a week ahead that no completed inspection has answered, and the venues
# the checks flag as overdue for their band.
INSPECTIONS_DUE = """
    SELECT vi.venue_id, v.name AS venue_name, vi.planned_on AS due_on, 'visit' AS why
    FROM visits vi JOIN venues v ON v.id = vi.venue_id
    WHERE vi.planned_on <= $1::date + 7 AND vi.planned_on >= $1::date - 90
      AND NOT EXISTS (SELECT 1 FROM inspections i
                      WHERE i.visit_id = vi.id AND i.completed_at IS NOT NULL)
    UNION ALL
    SELECT f.venue_id, v.name, f.opened_at::date, 'flag'
    FROM flags f JOIN venues v ON v.id = f.venue_id
    WHERE f.rule = 'inspection_overdue' AND f.status <> 'resolved'
    ORDER BY 3, 2"""


async def inspections_due(conn: Connection, as_of: date) -> Rows:
    return list(await conn.fetch(INSPECTIONS_DUE, as_of))


ACTIONS_OPEN = """
    SELECT a.id, a.venue_id, v.name AS venue_name, a.item, a.due_on, a.status
    FROM actions a JOIN venues v ON v.id = a.venue_id
    WHERE a.status IN ('open', 'reopened') AND a.venue_id = ANY ($1::bigint[])
    ORDER BY a.due_on, a.id"""


async def actions_open(conn: Connection, venue_ids: list[int]) -> Rows:
    """Actions waiting for the venue's answer: open, or reopened by the officer."""
    return list(await conn.fetch(ACTIONS_OPEN, venue_ids))


ACTIONS_OVERDUE = """
    SELECT a.id, a.venue_id, v.name AS venue_name, a.item, a.due_on, a.status
    FROM actions a JOIN venues v ON v.id = a.venue_id
    WHERE a.status <> 'verified' AND a.due_on < $1
    ORDER BY a.due_on, a.id"""


async def actions_overdue(conn: Connection, as_of: date) -> Rows:
    """Across the borough: past due and not verified (DOMAIN.md's "overdue")."""
    return list(await conn.fetch(ACTIONS_OVERDUE, as_of))


ACTIONS_VERIFIED = """
    SELECT a.id, a.venue_id, a.item, a.verified_at
    FROM actions a
    WHERE a.status = 'verified' AND a.verified_at >= $2 AND a.verified_at < $3
      AND a.venue_id = ANY ($1::bigint[])
    ORDER BY a.verified_at"""


async def actions_verified(
    conn: Connection, venue_ids: list[int], start: datetime, end: datetime
) -> Rows:
    return list(await conn.fetch(ACTIONS_VERIFIED, venue_ids, start, end))


CLEAN_INSPECTIONS = """
    SELECT i.id, i.venue_id, i.completed_at
    FROM inspections i
    WHERE i.outcome = 'compliant' AND i.completed_at >= $2 AND i.completed_at < $3
      AND i.venue_id = ANY ($1::bigint[])
    ORDER BY i.completed_at"""


async def clean_inspections(
    conn: Connection, venue_ids: list[int], start: datetime, end: datetime
) -> Rows:
    return list(await conn.fetch(CLEAN_INSPECTIONS, venue_ids, start, end))


# -- people and training -------------------------------------------------------------------------

# The latest course of its kind for each person still working there, ending within the days
# ahead (or in the last 30 days and not renewed since).
TRAINING_EXPIRING = """
    SELECT t.venue_id, v.name AS venue_name, s.id AS staff_id, s.name AS staff_name, t.course,
           t.expires_on
    FROM training t
    JOIN staff s ON s.id = t.staff_id
    JOIN venues v ON v.id = t.venue_id
    WHERE ($1::bigint[] IS NULL OR t.venue_id = ANY ($1))
      AND staff_active_on(s.left_on, $2)
      AND t.expires_on BETWEEN $2::date - 30 AND $2::date + $3::int
      AND NOT EXISTS (SELECT 1 FROM training n
                      WHERE n.staff_id = t.staff_id AND n.course = t.course
                        AND n.expires_on > t.expires_on)
    ORDER BY t.expires_on, v.name, s.name"""


async def training_expiring(
    conn: Connection, venue_ids: list[int] | None, as_of: date, days: int
) -> Rows:
    return list(await conn.fetch(TRAINING_EXPIRING, venue_ids, as_of, days))


SIA_EXPIRING = """
    SELECT s.venue_id, v.name AS venue_name, s.id AS staff_id, s.name AS staff_name,
           s.sia_expires_on AS expires_on
    FROM staff s JOIN venues v ON v.id = s.venue_id
    WHERE ($1::bigint[] IS NULL OR s.venue_id = ANY ($1))
      AND s.role = 'door_supervisor' AND staff_active_on(s.left_on, $2)
      AND s.sia_expires_on <= $2::date + $3::int
    ORDER BY s.sia_expires_on, v.name, s.name"""


async def sia_expiring(
    conn: Connection, venue_ids: list[int] | None, as_of: date, days: int
) -> Rows:
    """Door supervisors on the books whose SIA licence has ended or ends within ``days``."""
    return list(await conn.fetch(SIA_EXPIRING, venue_ids, as_of, days))


# -- monthly returns, Angela, test purchases -----------------------------------------------------

# Every month of the last year whose return falls due by a week from now and is not in (the
# same months the return_overdue check reads, through the same return_due_on).
RETURNS_MISSING = """
    WITH months AS (
        SELECT m::date AS period, return_due_on(m::date, $3) AS due_on
        FROM generate_series(date_trunc('month', $2::date - interval '13 months'),
                             date_trunc('month', $2::date), interval '1 month') AS m
        WHERE return_due_on(m::date, $3) <= $2::date + 7
          AND return_due_on(m::date, $3) >= ($2::date - interval '12 months')::date
    )
    SELECT v.id AS venue_id, v.name AS venue_name, months.period, months.due_on
    FROM venues v CROSS JOIN months
    WHERE v.status = 'active' AND ($1::bigint[] IS NULL OR v.id = ANY ($1))
      AND NOT EXISTS (SELECT 1 FROM monthly_returns r
                      WHERE r.venue_id = v.id AND r.period = months.period)
    ORDER BY months.due_on, v.name"""


async def returns_missing(
    conn: Connection, venue_ids: list[int] | None, as_of: date, due_days: int
) -> Rows:
    return list(await conn.fetch(RETURNS_MISSING, venue_ids, as_of, due_days))


# A venue whose latest Angela test failed owes a re-test within the setting's days.
ANGELA_RETESTS_DUE = """
    SELECT DISTINCT ON (t.venue_id) t.venue_id, t.tested_on, t.outcome,
           t.tested_on + $2::int AS due_on
    FROM angela_tests t
    WHERE t.venue_id = ANY ($1::bigint[])
    ORDER BY t.venue_id, t.tested_on DESC, t.id DESC"""


async def angela_retests_due(conn: Connection, venue_ids: list[int], retest_days: int) -> Rows:
    rows = await conn.fetch(ANGELA_RETESTS_DUE, venue_ids, retest_days)
    return [r for r in rows if r["outcome"] == "fail"]


ANGELA_PASSED = """
    SELECT t.id, t.venue_id, t.tested_on FROM angela_tests t
    WHERE t.outcome = 'pass' AND t.tested_on >= $2 AND t.tested_on < $3
      AND t.venue_id = ANY ($1::bigint[])
    ORDER BY t.tested_on"""


async def angela_passed(conn: Connection, venue_ids: list[int], start: date, end: date) -> Rows:
    return list(await conn.fetch(ANGELA_PASSED, venue_ids, start, end))


TEST_PURCHASES_PASSED = """
    SELECT p.id, p.venue_id, p.attempted_on, p.agency FROM test_purchases p
    WHERE p.outcome = 'pass' AND p.attempted_on >= $2 AND p.attempted_on < $3
      AND p.venue_id = ANY ($1::bigint[])
    ORDER BY p.attempted_on"""


async def test_purchases_passed(
    conn: Connection, venue_ids: list[int], start: date, end: date
) -> Rows:
    return list(await conn.fetch(TEST_PURCHASES_PASSED, venue_ids, start, end))


# -- incidents -----------------------------------------------------------------------------------

# Incidents at venues in the window's week and each of the four before it (0 = this week).
INCIDENTS_BY_WEEK = """
    SELECT w.n, count(i.id)::int AS count
    FROM generate_series(0, 4) AS w(n)
    LEFT JOIN incidents i
      ON i.venue_id IS NOT NULL
     AND i.occurred_at >= $1::timestamptz - make_interval(days => 7 * w.n)
     AND i.occurred_at < $2::timestamptz - make_interval(days => 7 * w.n)
    GROUP BY w.n ORDER BY w.n DESC"""


async def incidents_by_week(conn: Connection, start: datetime, end: datetime) -> Rows:
    return list(await conn.fetch(INCIDENTS_BY_WEEK, start, end))


# A partner's own reports: they wrote them, so they may read them; the digest still names
# only the category, the place and the day, never the description.
INCIDENTS_REPORTED_BY = """
    SELECT i.id, i.reported_by, i.venue_id, v.name AS venue_name, i.category, i.occurred_at
    FROM incidents i LEFT JOIN venues v ON v.id = i.venue_id
    WHERE i.reported_by = ANY ($1::bigint[]) AND i.created_at >= $2 AND i.created_at < $3
    ORDER BY i.occurred_at"""


async def incidents_reported_by(
    conn: Connection, user_ids: list[int], start: datetime, end: datetime
) -> Rows:
    return list(await conn.fetch(INCIDENTS_REPORTED_BY, user_ids, start, end))


# -- subscriptions -------------------------------------------------------------------------------


async def add_unsubscribe_tokens(conn: Connection, rows: list[tuple[bytes, int, str]]) -> None:
    await conn.execute(
        """INSERT INTO digest_unsubscribe_tokens (token_hash, user_id, week)
           SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::text[])""",
        [r[0] for r in rows],
        [r[1] for r in rows],
        [r[2] for r in rows],
    )


UNSUBSCRIBE_ONCE = """
    WITH used AS (
        UPDATE digest_unsubscribe_tokens SET used_at = now()
        WHERE token_hash = $1 AND used_at IS NULL
        RETURNING user_id
    )
    UPDATE users SET digest_subscribed = false, updated_at = now()
    FROM used WHERE users.id = used.user_id
    RETURNING users.id"""


async def use_unsubscribe_token(conn: Connection, digest: bytes) -> int | None:
    """Unsubscribe the token's person, once; None for an unknown or already used token."""
    user_id: int | None = await conn.fetchval(UNSUBSCRIBE_ONCE, digest)
    return user_id


async def unsubscribe_token_known(conn: Connection, digest: bytes) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT 1 FROM digest_unsubscribe_tokens WHERE token_hash = $1 AND used_at IS NULL",
            digest,
        )
    )


async def set_subscription(
    conn: Connection, user_id: int, *, subscribed: bool, when_empty: bool
) -> None:
    await conn.execute(
        """UPDATE users SET digest_subscribed = $2, digest_when_empty = $3, updated_at = now()
           WHERE id = $1""",
        user_id,
        subscribed,
        when_empty,
    )


async def existing_digest_keys(conn: Connection, keys: list[str]) -> set[str]:
    rows = await conn.fetch("SELECT key FROM outbox WHERE key = ANY ($1::text[])", keys)
    return {r["key"] for r in rows}
