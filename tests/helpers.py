"""Helpers the test modules share: request headers, reading answers, arranging venues, and the
tests' own reading of the domain's date rules (an oracle kept apart from the code under test)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
from httpx import Response

from nte.clock import today

__all__ = [
    "BROWSER",
    "CSRF_HEADER",
    "HTMX",
    "MISSING",
    "Client",
    "add_venue",
    "due_on",
    "invalid_params",
    "problem",
    "text_of",
    "today",
]

Client = httpx.AsyncClient

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
HTMX = {**BROWSER, "hx-request": "true"}
CSRF_HEADER = "x-csrftoken"
MISSING = 999_999
"""An id no test database holds."""

# Columns a test may set on a venue it arranges; anything else is a typo in the test.
_VENUE_COLUMNS = frozenset(
    {"name", "status", "dps_name", "capacity", "venue_type", "licensable_activities"}
)


async def add_venue(db: asyncpg.Connection, name: str = "The Swan", **columns: Any) -> int:
    """A bare venue row (no mandatory conditions): for tests of what hangs under a venue."""
    unknown = set(columns) - _VENUE_COLUMNS
    assert not unknown, f"add_venue does not set {unknown}"
    names = ["name", *columns]
    placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    venue_id: int = await db.fetchval(
        f"INSERT INTO venues ({', '.join(names)}) VALUES ({placeholders}) RETURNING id",
        name,
        *columns.values(),
    )
    return venue_id


def problem(response: Response, status: int | tuple[int, ...]) -> dict[str, Any]:
    """The problem details of an error response, after checking it is one."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert body["title"]
    assert body["detail"]
    return body


def invalid_params(response: Response, status: int) -> dict[str, str]:
    """The problem's invalid params (name -> reason), after checking it is that problem."""
    body = problem(response, status)
    return {p["name"]: p["reason"] for p in body.get("invalid_params") or []}


def text_of(markup: str) -> str:
    """The words on the page, roughly as a person reads them."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)).replace("&#39;", "'")


def due_on(period: date, due_days: int) -> date:
    """DOMAIN.md's due date of a monthly return: the month's last day plus the setting."""
    next_month = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
    return next_month - timedelta(days=1) + timedelta(days=due_days)
