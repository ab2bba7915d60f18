"""The rules of monthly returns: which month a return may be for, when it is due; submitting one.

The due rule, with the ``return_due_days`` setting (default 14, ``NTE_RETURN_DUE_DAYS``):
a return for a month is *due on* the month's last day plus that many days, and is still on
time on that day. From the next day, without a return, it is *missing* (overdue). For
January: due on 14 February; on 14 February nothing is overdue, on 15 February it is.
"""

from __future__ import annotations

from datetime import date, timedelta

from litestar.status_codes import HTTP_409_CONFLICT

from nte.db import Connection
from nte.errors import InvalidInput
from venues.returns import queries
from venues.returns.schemas import Return, ReturnCreate

__all__ = [
    "DuplicateReturn",
    "last_ended_month",
    "month_end",
    "period_errors",
    "recent_months",
    "submit_return",
]


class DuplicateReturn(InvalidInput):
    """A second return for the same venue and month: returns are not edited once in."""

    status_code = HTTP_409_CONFLICT


def _next_month(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(period: date) -> date:
    """The last day of ``period``'s month. When a return is due is the database's rule
    (``return_due_on``), read through the queries."""
    return _next_month(period) - timedelta(days=1)


def last_ended_month(on: date) -> date:
    """The first day of the latest month that has ended by ``on``."""
    return (on.replace(day=1) - timedelta(days=1)).replace(day=1)


def recent_months(on: date, count: int = 12) -> list[date]:
    """The last ``count`` ended months (first days), newest first."""
    months = [last_ended_month(on)]
    while len(months) < count:
        months.append(last_ended_month(months[-1]))
    return months


def period_errors(period: date, on: date) -> dict[str, str]:
    """Why ``period`` cannot be reported on ``on``, by field; empty when it can."""
    if period.day != 1:
        return {"period": "must be the first day of a month (YYYY-MM-01)"}
    if period > last_ended_month(on):
        return {"period": "must be a month that has ended"}
    return {}


async def submit_return(
    conn: Connection,
    venue_id: int,
    data: ReturnCreate,
    *,
    submitted_by: int | None,
    on: date,
    due_days: int,
) -> Return:
    """Save a venue's return, or raise InvalidInput (bad month) / DuplicateReturn (409)."""
    if errors := period_errors(data.period, on):
        raise InvalidInput(errors)
    saved = await queries.create_return(
        conn, venue_id, data, submitted_by=submitted_by, due_days=due_days
    )
    if saved is None:
        raise DuplicateReturn(
            {"period": "already has a return for this venue; a submitted return is not changed"},
            detail=f"The return for {data.period:%B %Y} was already submitted",
        )
    return saved
