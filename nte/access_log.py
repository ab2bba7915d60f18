"""Who read a sensitive incident's details, when, and through what (the access log).

Every door that shows a sensitive incident's details calls ``record_reads`` on the
request's connection, in the request's transaction, with the ids it is about to show:
one INSERT per request however many incidents it shows. The table refuses UPDATE and
DELETE (migration 0011), as the audit trail does. The request id comes from the
transaction's ``nte.request_id`` setting, which the request's connection carries (see
nte/db.py), as the audit trigger takes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import msgspec

from nte.auth.identity import Identity
from nte.db import Connection

__all__ = [
    "DOOR_LABELS",
    "Door",
    "Read",
    "ReadPage",
    "ReaderSummary",
    "list_reads",
    "readers_of",
    "record_reads",
]

Door = Literal[
    "api_get",
    "api_list",
    "api_create",
    "incidents_page",
    "timeline_api",
    "timeline_page",
    "evidence",
    "export",
]

DOOR_LABELS: dict[str, str] = {
    "api_get": "API: the incident",
    "api_list": "API: a list of incidents",
    "api_create": "API: reporting it",
    "incidents_page": "the venue's incidents page",
    "timeline_api": "API: the venue's timeline",
    "timeline_page": "the venue's timeline page",
    "evidence": "an evidence bundle",
    "export": "an export",
}
"""How the pages name each door."""

_RECORD = """
    INSERT INTO access_log (user_id, reader, incident_id, door, request_id)
    SELECT $1, $2, i, $4, nullif(current_setting('nte.request_id', true), '')
    FROM unnest($3::bigint[]) AS i
"""


async def record_reads(
    conn: Connection, reader: Identity, incident_ids: Sequence[int], door: Door
) -> int:
    """Record that ``reader`` was shown these sensitive incidents through ``door``.

    One statement for the lot (a list of 200 is one INSERT, not 200); nothing when there
    is nothing to record. Returns how many rows were written.
    """
    if not incident_ids:
        return 0
    await conn.execute(_RECORD, reader.user_id, reader.label, list(incident_ids), door)
    return len(incident_ids)


class ReaderSummary(msgspec.Struct):
    """One person's reads of one incident."""

    user_id: int
    reader: str
    reads: int
    first_at: datetime
    last_at: datetime
    doors: list[str]


async def readers_of(
    conn: Connection, incident_ids: Sequence[int]
) -> dict[int, list[ReaderSummary]]:
    """incident id -> who has seen it (most recent reader first), for the incidents given."""
    if not incident_ids:
        return {}
    rows = await conn.fetch(
        """SELECT incident_id, user_id, (array_agg(reader ORDER BY id DESC))[1] AS reader,
                  count(*) AS reads, min(at) AS first_at, max(at) AS last_at,
                  array_agg(DISTINCT door ORDER BY door) AS doors
           FROM access_log WHERE incident_id = ANY ($1::bigint[])
           GROUP BY incident_id, user_id
           ORDER BY incident_id, max(id) DESC""",
        list(incident_ids),
    )
    found: dict[int, list[ReaderSummary]] = {}
    for r in rows:
        found.setdefault(r["incident_id"], []).append(
            msgspec.convert({k: r[k] for k in r.keys() if k != "incident_id"}, ReaderSummary)
        )
    return found


class Read(msgspec.Struct):
    id: int
    at: datetime
    user_id: int
    reader: str
    incident_id: int
    venue_id: int | None
    """Where the incident is now; null in the street, or when it no longer exists."""
    door: str
    request_id: str | None


class ReadPage(msgspec.Struct):
    items: list[Read]
    more: bool
    """True when older reads follow this page."""
    limit: int
    offset: int


async def list_reads(
    conn: Connection,
    *,
    user_id: int | None = None,
    incident_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> ReadPage:
    """Reads newest first, by one person and/or of one incident.

    No total: the log only grows, and counting millions of rows for a page header is not
    worth a scan; one row more than the page says whether another page follows.
    """
    rows = await conn.fetch(
        """SELECT a.id, a.at, a.user_id, a.reader, a.incident_id, i.venue_id, a.door, a.request_id
           FROM access_log a LEFT JOIN incidents i ON i.id = a.incident_id
           WHERE ($1::bigint IS NULL OR a.user_id = $1)
             AND ($2::bigint IS NULL OR a.incident_id = $2)
           ORDER BY a.id DESC LIMIT $3 OFFSET $4""",
        user_id,
        incident_id,
        limit + 1,
        offset,
    )
    items = [msgspec.convert(dict(r), Read) for r in rows[:limit]]
    return ReadPage(items=items, more=len(rows) > limit, limit=limit, offset=offset)
