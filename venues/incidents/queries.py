"""SQL for incidents; every read takes the viewer, so no sensitive detail leaks by omission,
and the door it is read through, so no read of a sensitive incident goes unrecorded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import msgspec

from nte.access_log import Door, record_reads
from nte.auth.identity import Identity
from nte.db import Connection
from venues.incidents.schemas import Incident, IncidentCreate
from venues.incidents.service import sees_every_detail

__all__ = [
    "INCIDENT_OWNER",
    "create_incident",
    "get_incident",
    "list_incidents",
    "record_sensitive_reads",
    "stream_incidents",
]

# $1 and $2 of every read are the viewer: may they see every sensitive incident, and who they are.
_SHOWN = "(NOT i.sensitive OR $1::boolean OR coalesce(i.reported_by = $2::bigint, false))"

INCIDENT_COLUMNS = f"""
    i.id, i.venue_id, i.occurred_at, i.category, i.severity, i.source, i.police_ref,
    i.description, i.involved_child, i.sensitive, i.reported_by, i.generated, i.created_at,
    i.redacted_at AS details_removed_at, {_SHOWN} AS shown"""

_HIDDEN = (
    "category",
    "severity",
    "source",
    "police_ref",
    "description",
    "involved_child",
    "reported_by",
)


def _incident(record: Any) -> Incident:
    row = dict(record)
    if not row.pop("shown"):
        row.update(dict.fromkeys(_HIDDEN), redacted=True)
    return msgspec.convert(row, Incident)


def _viewer(identity: Identity) -> tuple[bool, int]:
    return sees_every_detail(identity), identity.user_id


# The list's filters, shared by a page of it and the whole of it as a stream ($1-$8).
_LIST_FILTER = f"""
    ($3::bigint IS NULL OR i.venue_id = $3)
    AND ($4::bigint[] IS NULL OR i.venue_id = ANY ($4)
         OR (i.venue_id IS NULL AND i.reported_by = $2))
    AND ($5::text IS NULL OR (i.category = $5 AND {_SHOWN}))
    AND ($6::text IS NULL OR (i.severity = $6 AND {_SHOWN}))
    AND ($7::timestamptz IS NULL OR i.occurred_at >= $7)
    AND ($8::timestamptz IS NULL OR i.occurred_at < $8)"""


def _list_args(
    viewer: Identity,
    venue_id: int | None,
    category: str | None,
    severity: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[Any, ...]:
    return (*_viewer(viewer), venue_id, viewer.venue_scope(), category, severity, since, until)


async def record_sensitive_reads(
    conn: Connection, viewer: Identity, incidents: list[Incident], door: Door | None
) -> None:
    """Record the sensitive incidents whose details ``viewer`` is shown (not the redacted
    ones: they showed nothing). ``door`` None: nobody is shown them (a redirect follows)."""
    if door is not None:
        await record_reads(
            conn, viewer, [i.id for i in incidents if i.sensitive and not i.redacted], door
        )


async def list_incidents(
    conn: Connection,
    viewer: Identity,
    *,
    door: Door,
    venue_id: int | None = None,
    category: str | None = None,
    severity: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Incident], int]:
    """A page of incidents, newest first, and how many match in all.

    Without ``venue_id``: every incident the viewer's scope reaches (a venue manager: their
    venues' incidents and the street incidents they reported). A category or severity
    filter only matches incidents whose details the viewer may see, or filtering would
    reveal what a redacted incident was. The sensitive incidents shown are recorded in the
    access log as read through ``door``.
    """
    incidents, total = await _list(
        conn,
        viewer,
        venue_id=venue_id,
        category=category,
        severity=severity,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    await record_sensitive_reads(conn, viewer, incidents, door)
    return incidents, total


async def _list(
    conn: Connection,
    viewer: Identity,
    *,
    venue_id: int | None,
    category: str | None,
    severity: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[Incident], int]:
    rows = await conn.fetch(
        f"""
        SELECT {INCIDENT_COLUMNS}, count(*) OVER () AS total
        FROM incidents i WHERE {_LIST_FILTER}
        ORDER BY i.occurred_at DESC, i.id DESC
        LIMIT $9 OFFSET $10
        """,
        *_list_args(viewer, venue_id, category, severity, since, until),
        limit,
        offset,
    )
    total = rows[0]["total"] if rows else 0
    if not rows and offset:
        # An offset past the end still owes the caller the true total (and shows nothing).
        _, total = await _list(
            conn,
            viewer,
            venue_id=venue_id,
            category=category,
            severity=severity,
            since=since,
            until=until,
            limit=1,
            offset=0,
        )
    return [_incident({k: r[k] for k in r.keys() if k != "total"}) for r in rows], total


async def stream_incidents(
    conn: Connection,
    viewer: Identity,
    *,
    venue_id: int | None = None,
    category: str | None = None,
    severity: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    oldest_first: bool = False,
) -> AsyncIterator[Incident]:
    """Every incident ``list_incidents`` would page through, one at a time from a cursor, so
    memory stays flat however many there are; the connection must be in a transaction."""
    order = "ASC" if oldest_first else "DESC"
    sql = f"""SELECT {INCIDENT_COLUMNS} FROM incidents i WHERE {_LIST_FILTER}
              ORDER BY i.occurred_at {order}, i.id {order}"""
    args = _list_args(viewer, venue_id, category, severity, since, until)
    async for record in conn.cursor(sql, *args, prefetch=500):
        yield _incident(record)


async def get_incident(
    conn: Connection, viewer: Identity, incident_id: int, *, door: Door | None
) -> Incident | None:
    row = await conn.fetchrow(
        f"SELECT {INCIDENT_COLUMNS} FROM incidents i WHERE i.id = $3",
        *_viewer(viewer),
        incident_id,
    )
    if row is None:
        return None
    incident = _incident(row)
    await record_sensitive_reads(conn, viewer, [incident], door)
    return incident


async def create_incident(
    conn: Connection,
    venue_id: int | None,
    data: IncidentCreate,
    *,
    reported_by: int | None,
    viewer: Identity,
    door: Door | None,
) -> Incident:
    """Store an incident already through ``service.prepare``; return it as ``viewer`` sees it
    (a read through ``door``, when they are shown it)."""
    incident_id = await conn.fetchval(
        """INSERT INTO incidents (venue_id, occurred_at, category, severity, source, police_ref,
                                  description, involved_child, sensitive, reported_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id""",
        venue_id,
        data.occurred_at,
        data.category,
        data.severity,
        data.source,
        data.police_ref,
        data.description,
        data.involved_child,
        data.sensitive,
        reported_by,
    )
    incident = await get_incident(conn, viewer, incident_id, door=door)
    assert incident is not None
    return incident


INCIDENT_OWNER = "SELECT venue_id FROM incidents WHERE id = $1"
