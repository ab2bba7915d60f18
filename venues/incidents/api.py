"""JSON API for incidents (/api/v1): at a venue, in the street, and across the caller's scope."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.db import Connection, RequestConnection
from nte.paging import Limit, Offset
from venues.deps import venue_or_404
from venues.incidents import queries, service
from venues.incidents.schemas import Category, Incident, IncidentCreate, IncidentPage, Severity

__all__ = ["IncidentController"]


class IncidentController(Controller):
    path = "/api/v1"
    tags = ["incidents"]
    # Scope before role: another venue's manager learns nothing, not even that it exists.
    guards = [
        signed_in,
        venue_scope(),
        venue_scope("incident_id", queries.INCIDENT_OWNER),
        roles(*READERS),
    ]

    @get("/venues/{venue_id:int}/incidents", summary="A venue's incidents, newest first")
    async def list_venue_incidents(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        category: FromQuery[Category | None] = None,
        severity: FromQuery[Severity | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> IncidentPage:
        await venue_or_404(conn, venue_id)
        items, total = await queries.list_incidents(
            conn,
            current_identity(request),
            door="api_list",
            venue_id=venue_id,
            category=category,
            severity=severity,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return IncidentPage(items=items, total=total, limit=limit, offset=offset)

    @post("/venues/{venue_id:int}/incidents", summary="Report an incident at a venue")
    async def create_venue_incident(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[IncidentCreate],
    ) -> Incident:
        await venue_or_404(conn, venue_id)
        return await _create(request, conn, venue_id, data)

    @get("/incidents", summary="Incidents across the venues (and streets) the caller may see")
    async def list_incidents(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        category: FromQuery[Category | None] = None,
        severity: FromQuery[Severity | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> IncidentPage:
        items, total = await queries.list_incidents(
            conn,
            current_identity(request),
            door="api_list",
            category=category,
            severity=severity,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return IncidentPage(items=items, total=total, limit=limit, offset=offset)

    @post(
        "/incidents",
        summary="Record an incident in the street, at no venue",
        guards=[roles(*service.STREET_REPORTERS)],
    )
    async def create_street_incident(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        data: JSONBody[IncidentCreate],
    ) -> Incident:
        return await _create(request, conn, None, data)

    @get("/incidents/{incident_id:int}", summary="One incident")
    async def get_incident(
        self, request: Request[Any, Any, Any], conn: RequestConnection, incident_id: FromPath[int]
    ) -> Incident:
        incident = await queries.get_incident(
            conn, current_identity(request), incident_id, door="api_get"
        )
        if incident is None:
            raise NotFoundException(f"No incident with id {incident_id}")
        return incident


async def _create(
    request: Request[Any, Any, Any],
    conn: Connection,
    venue_id: int | None,
    data: IncidentCreate,
) -> Incident:
    reporter = current_identity(request)
    prepared = service.prepare(data, reporter, datetime.now(UTC))
    return await queries.create_incident(
        conn, venue_id, prepared, reported_by=reporter.user_id, viewer=reporter, door="api_create"
    )
