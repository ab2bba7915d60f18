"""SQL for monthly returns: one venue's returns, the review, and the borough's missing returns."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from msgspec import UNSET

from nte.db import Connection
from venues.returns.schemas import (
    MissingReturn,
    OverdueReturn,
    Return,
    ReturnCreate,
    ReturnPatch,
    ReviewItem,
)

__all__ = [
    "DEFAULT_DUE_DAYS",
    "RETURN_OWNER",
    "create_return",
    "due_dates",
    "get_return",
    "list_returns",
    "missing_returns",
    "overdue_returns",
    "review_return",
    "waiting_for_review",
]

# The Settings default (DOMAIN.md); callers with settings pass settings.return_due_days.
DEFAULT_DUE_DAYS = 14

# $1 in every statement below is the due-days setting. The due date is derived, never
# stored, so a change of the setting applies to every month at once.
DUE_ON = "return_due_on(r.period, $1::int)"


async def due_dates(conn: Connection, months: list[date], *, due_days: int) -> dict[date, date]:
    """Each month's due date (months by their first day), in the order given."""
    rows = await conn.fetch(
        "SELECT m, return_due_on(m, $2) AS due FROM unnest($1::date[]) WITH ORDINALITY AS x(m, n)"
        " ORDER BY n",
        months,
        due_days,
    )
    return {r["m"]: r["due"] for r in rows}


RETURN_COLUMNS = f"""
    r.id, r.venue_id, r.period, {DUE_ON} AS due_on, r.refusals, r.incidents_unreported,
    r.incidents_note, r.angela_activations, r.door_staff_hours, r.cctv_checks,
    r.staff_changes, r.notes, r.submitted_by,
    coalesce(nullif(s.display_name, ''), s.email) AS submitted_by_name, r.submitted_at,
    CASE WHEN r.reviewed_at IS NULL THEN 'submitted' ELSE 'reviewed' END AS status,
    r.reviewed_by, coalesce(nullif(rv.display_name, ''), rv.email) AS reviewed_by_name,
    r.reviewed_at, r.review_note, r.generated"""

PEOPLE = """
    LEFT JOIN users s ON s.id = r.submitted_by
    LEFT JOIN users rv ON rv.id = r.reviewed_by"""


def _return(record: Any) -> Return:
    return msgspec.convert(dict(record), Return)


async def list_returns(conn: Connection, venue_id: int, *, due_days: int) -> list[Return]:
    """A venue's returns, newest month first."""
    rows = await conn.fetch(
        f"""SELECT {RETURN_COLUMNS} FROM monthly_returns r {PEOPLE}
            WHERE r.venue_id = $2 ORDER BY r.period DESC""",
        due_days,
        venue_id,
    )
    return [_return(r) for r in rows]


async def get_return(conn: Connection, return_id: int, *, due_days: int) -> Return | None:
    row = await conn.fetchrow(
        f"SELECT {RETURN_COLUMNS} FROM monthly_returns r {PEOPLE} WHERE r.id = $2",
        due_days,
        return_id,
    )
    return _return(row) if row else None


async def create_return(
    conn: Connection,
    venue_id: int,
    data: ReturnCreate,
    *,
    submitted_by: int | None,
    due_days: int,
    generated: bool = False,
) -> Return | None:
    """The saved return, or None when the venue already has one for that month."""
    # ON CONFLICT rather than a caught error: a refused duplicate leaves the request's
    # transaction usable, and two submissions racing each other still store one.
    row = await conn.fetchrow(
        f"""WITH r AS (
                INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported,
                    incidents_note, angela_activations, door_staff_hours, cctv_checks,
                    staff_changes, notes, submitted_by, generated)
                VALUES ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (venue_id, period) DO NOTHING
                RETURNING *)
            SELECT {RETURN_COLUMNS} FROM r {PEOPLE}""",
        due_days,
        venue_id,
        data.period,
        data.refusals,
        data.incidents_unreported,
        data.incidents_note,
        data.angela_activations,
        data.door_staff_hours,
        data.cctv_checks,
        data.staff_changes,
        data.notes,
        submitted_by,
        generated,
    )
    return _return(row) if row else None


async def review_return(
    conn: Connection, return_id: int, patch: ReturnPatch, *, reviewer_id: int, due_days: int
) -> Return | None:
    """Mark (or unmark) a return reviewed; marking again keeps the first reviewer and time."""
    reviewed = None if patch.reviewed is UNSET else patch.reviewed
    note = None if patch.review_note is UNSET else patch.review_note
    row = await conn.fetchrow(
        f"""WITH r AS (
                UPDATE monthly_returns SET
                    reviewed_by = CASE WHEN $3::boolean IS NULL THEN reviewed_by
                                       WHEN NOT $3 THEN NULL
                                       WHEN reviewed_at IS NULL THEN $4
                                       ELSE reviewed_by END,
                    reviewed_at = CASE WHEN $3::boolean IS NULL THEN reviewed_at
                                       WHEN NOT $3 THEN NULL
                                       ELSE coalesce(reviewed_at, now()) END,
                    review_note = coalesce($5, review_note)
                WHERE id = $2
                RETURNING *)
            SELECT {RETURN_COLUMNS} FROM r {PEOPLE}""",
        due_days,
        return_id,
        reviewed,
        reviewer_id,
        note,
    )
    return _return(row) if row else None


async def waiting_for_review(
    conn: Connection, *, due_days: int, limit: int = 200
) -> list[ReviewItem]:
    """Returns no officer has reviewed yet, the longest waiting first."""
    rows = await conn.fetch(
        f"""SELECT {RETURN_COLUMNS}, v.name AS venue_name
            FROM monthly_returns r JOIN venues v ON v.id = r.venue_id {PEOPLE}
            WHERE r.reviewed_at IS NULL
            ORDER BY r.submitted_at, r.id LIMIT $2""",
        due_days,
        limit,
    )
    return [msgspec.convert(dict(r), ReviewItem) for r in rows]


# Every active venue against every candidate month, less the months it has a return for:
# one pass over the borough however many venues there are. The candidate months are those
# whose due date fell within the 12 months before as_of ($2), or just the month asked for ($3).
MISSING_SQL = f"""
    SELECT v.id AS venue_id, v.name AS venue_name, r.period, {DUE_ON} AS due_on,
           $2::date - {DUE_ON} AS days_overdue
    FROM generate_series(
            coalesce($3::date,
                     date_trunc('month', $2::date - interval '13 months'
                                         - make_interval(days => $1::int))::date)::timestamp,
            coalesce($3::date, $2::date)::timestamp,
            interval '1 month') AS m(first_day)
    CROSS JOIN LATERAL (SELECT m.first_day::date AS period) AS r
    JOIN venues v ON v.status = 'active'
    WHERE {DUE_ON} < $2::date
      AND ($3::date IS NOT NULL OR {DUE_ON} >= ($2::date - interval '12 months')::date)
      AND ($4::bigint[] IS NULL OR v.id = ANY ($4))
      AND NOT EXISTS (SELECT 1 FROM monthly_returns x
                      WHERE x.venue_id = v.id AND x.period = r.period)
    ORDER BY r.period DESC, lower(v.name), v.id"""


async def missing_returns(
    conn: Connection,
    as_of: date,
    *,
    due_days: int = DEFAULT_DUE_DAYS,
    month: date | None = None,
    venue_ids: list[int] | None = None,
) -> list[MissingReturn]:
    """(venue_id, period, due_on) for every active venue and every month whose due date
    passed (strictly before ``as_of``) within the 12 months before it, without a return.

    ``month`` (a first day) looks at that month alone, however long ago; ``venue_ids``
    limits the venues. Pass ``settings.return_due_days`` as ``due_days``.
    """
    rows = await conn.fetch(MISSING_SQL, due_days, as_of, month, venue_ids)
    return [msgspec.convert(dict(r), MissingReturn) for r in rows]


async def overdue_returns(
    conn: Connection,
    as_of: date,
    *,
    due_days: int,
    month: date | None = None,
    venue_ids: list[int] | None = None,
) -> list[OverdueReturn]:
    """The same missing returns with the venue's name and how many days overdue."""
    rows = await conn.fetch(MISSING_SQL, due_days, as_of, month, venue_ids)
    return [msgspec.convert(dict(r), OverdueReturn) for r in rows]


RETURN_OWNER = "SELECT venue_id FROM monthly_returns WHERE id = $1"
