"""The service's one clock and time zone: times are stored in UTC and shown in London."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

__all__ = ["LONDON", "now", "today"]

LONDON = ZoneInfo("Europe/London")


def now() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date on a London wall clock."""
    return datetime.now(LONDON).date()
