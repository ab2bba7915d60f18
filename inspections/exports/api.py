"""CSV exports (/api/v1/exports): the caller's API reads, whole, streamed from a cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
import msgspec
from litestar import Controller, Request, get
from litestar.params import FromQuery, QueryParameter
from litestar.response import Stream

from inspections.exports.service import columns, csv_chunks
from inspections.flags.queries import stream_flags
from inspections.flags.schemas import Flag
from inspections.inspections.queries import stream_inspections
from inspections.inspections.schemas import InspectionSummary
from nte.auth.guards import READERS, current_identity, roles, signed_in
from nte.db import Connection, set_actor
from venues.incidents.queries import stream_incidents
from venues.incidents.schemas import Category, Incident, Severity
from venues.queries import stream_venues
from venues.schemas import LicenceStatus, Venue

__all__ = ["ExportController"]

Rows = Callable[[Connection], AsyncIterator[msgspec.Struct]]


def _csv(
    request: Request[Any, Any, Any], name: str, struct: type[msgspec.Struct], rows: Rows
) -> Stream:
    """A streamed CSV of ``rows``, read on a connection of its own: the request's connection
    is committed and back in the pool before the body is sent, and one long export must not
    hold it. REPEATABLE READ so every chunk reads the same moment."""
    pool: asyncpg.Pool = request.app.state.pool
    identity = current_identity(request)

    async def body() -> AsyncIterator[bytes]:
        async with pool.acquire() as conn:
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                await set_actor(conn, actor_id=identity.user_id, actor=identity.label)
                async for chunk in csv_chunks(columns(struct), rows(conn)):
                    yield chunk

    return Stream(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "Cache-Control": "no-store",
        },
    )


class ExportController(Controller):
    """Every export is scoped and redacted exactly as the same rows read through the API:
    each one streams the query behind that read, with the same viewer."""

    path = "/api/v1/exports"
    tags = ["exports"]
    guards = [signed_in, roles(*READERS)]

    @get("/venues.csv", summary="The venues the caller may see, as CSV", media_type="text/csv")
    async def venues(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[LicenceStatus | None] = None,
    ) -> Stream:
        scope = current_identity(request).venue_scope()
        return _csv(
            request,
            "venues",
            Venue,
            lambda conn: stream_venues(conn, venue_ids=scope, status=status),
        )

    @get(
        "/incidents.csv", summary="The incidents the caller may see, as CSV", media_type="text/csv"
    )
    async def incidents(
        self,
        request: Request[Any, Any, Any],
        venue_id: FromQuery[int | None] = None,
        category: FromQuery[Category | None] = None,
        severity: FromQuery[Severity | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
    ) -> Stream:
        viewer = current_identity(request)
        # Sensitive incidents' details are shown here to those who may see them: the
        # read-audit of data protection hooks in at this point (record_reads for each
        # sensitive incident the stream yields unredacted to ``viewer``).
        return _csv(
            request,
            "incidents",
            Incident,
            lambda conn: stream_incidents(
                conn,
                viewer,
                venue_id=venue_id,
                category=category,
                severity=severity,
                since=since,
                until=until,
            ),
        )

    @get("/flags.csv", summary="The flags the caller may see, as CSV", media_type="text/csv")
    async def flags(
        self,
        request: Request[Any, Any, Any],
        status: FromQuery[Literal["open", "acknowledged", "resolved", "current"] | None] = None,
        rule: Annotated[str | None, QueryParameter(max_length=60)] = None,
        venue_id: FromQuery[int | None] = None,
    ) -> Stream:
        scope = current_identity(request).venue_scope()
        return _csv(
            request,
            "flags",
            Flag,
            lambda conn: stream_flags(
                conn, status=status, rule=rule, venue_id=venue_id, venue_ids=scope
            ),
        )

    @get(
        "/inspections.csv",
        summary="The inspections the caller may see, as CSV",
        media_type="text/csv",
    )
    async def inspections(
        self, request: Request[Any, Any, Any], venue_id: FromQuery[int | None] = None
    ) -> Stream:
        scope = current_identity(request).venue_scope()
        return _csv(
            request,
            "inspections",
            InspectionSummary,
            lambda conn: stream_inspections(conn, venue_id=venue_id, venue_ids=scope),
        )
