"""Helpers the test modules share: request headers, reading answers, arranging venues, and the
tests' own reading of the domain's date rules (an oracle kept apart from the code under test)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
from httpx import Response

from nte.clock import today

__all__ = [
    "BROWSER",
    "CSRF_HEADER",
    "ELF",
    "HTMX",
    "JPEG",
    "MISSING",
    "MZ",
    "PDF",
    "PNG",
    "SIA",
    "SURFACES",
    "Client",
    "Surface",
    "add_person",
    "add_return",
    "add_training",
    "add_venue",
    "count",
    "due_on",
    "form_token",
    "invalid_params",
    "problem",
    "submit",
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


def invalid_params(response: Response, status: int = 422) -> dict[str, str]:
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


# --- a venue's people and their training ---------------------------------------------------

SIA = "1234567890123456"


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56


MZ = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


async def add_person(db: asyncpg.Connection, venue_id: int, name: str, **fields: Any) -> int:
    fields = {"role": "bar", "front_of_house": True, **fields}
    if fields["role"] == "door_supervisor":
        fields.setdefault("sia_licence_no", SIA)
        fields.setdefault("sia_expires_on", today() + timedelta(days=400))
    columns = ["venue_id", "name", *fields]
    staff_id: int = await db.fetchval(
        f"INSERT INTO staff ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))}) RETURNING id",
        venue_id,
        name,
        *fields.values(),
    )
    return staff_id


async def add_training(
    db: asyncpg.Connection,
    staff_id: int,
    course: str,
    expires_on: date,
    completed_on: date | None = None,
) -> int:
    training_id: int = await db.fetchval(
        "INSERT INTO training (venue_id, staff_id, course, completed_on, expires_on) "
        "SELECT venue_id, id, $2, $3, $4 FROM staff WHERE id = $1 RETURNING id",
        staff_id,
        course,
        completed_on or expires_on - timedelta(days=365),
        expires_on,
    )
    return training_id


async def count(db: asyncpg.Connection, table: str) -> int:
    n: int = await db.fetchval(f"SELECT count(*) FROM {table}")
    return n


async def form_token(client: Client, path: str) -> str:
    text = (await client.get(path, headers=BROWSER)).text
    found = re.search(r'name="_csrf_token" value="([^"]+)"', text)
    assert found, f"{path} carries no form"
    return found[1]


async def submit(
    client: Client,
    form_page: str,
    action: str,
    data: dict[str, Any],
    files: dict[str, Any] | None = None,
) -> Response:
    """Fill in the form on ``form_page`` and post it as the browser does (token in the form)."""
    data = {**data, "_csrf_token": await form_token(client, form_page)}
    request = client.build_request("POST", action, data=data, files=files, headers=BROWSER)
    del request.headers[CSRF_HEADER]
    return await client.send(request, follow_redirects=False)


async def add_return(db: asyncpg.Connection, venue_id: int, period: date) -> int:
    """A return arranged directly in the database (the API refuses old or odd months)."""
    return_id: int = await db.fetchval(
        "INSERT INTO monthly_returns (venue_id, period, refusals, incidents_unreported, "
        "angela_activations, door_staff_hours, cctv_checks) VALUES ($1, $2, 3, 0, 0, 0, 4) "
        "RETURNING id",
        venue_id,
        period,
    )
    return return_id


@dataclass(frozen=True)
class Surface:
    """One of the two doors to the same record: the JSON API, or the page a browser asks for.
    Tests that must hold at both take the ``surface`` fixture (tests/conftest.py)."""

    name: str
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, api_path: str) -> str:
        """The API path itself, or the page at the same address without ``/api/v1``."""
        return api_path if self.name == "api" else api_path.removeprefix("/api/v1")


SURFACES = (Surface("api"), Surface("page", BROWSER))
