"""HTML pages for incidents: a phone-first "Report an incident" form above the venue's list."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from nte.access_log import DOOR_LABELS, readers_of
from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.auth.identity import Identity
from nte.db import Connection, RequestConnection
from nte.errors import InvalidInput
from nte.forms import FormInvalid, datetime_local_now, form_to_struct, from_datetime_local
from venues.deps import venue_or_404
from venues.incidents import queries, service
from venues.incidents.schemas import (
    CATEGORIES,
    CATEGORY_LABELS,
    SEVERITIES,
    SOURCES,
    IncidentCreate,
)
from venues.schemas import Venue

__all__ = ["IncidentPages"]

PAGE_SIZE = 25
_CHOICES = ("category", "severity", "occurred_at")


async def _form_data(request: Request[Any, Any, Any]) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {
        name: (form.get(name) or "").strip()
        for name in ("category", "severity", "occurred_at", "description", "police_ref", "source")
    }
    data["sensitive"] = form.get("sensitive") == "yes"
    data["involved_child"] = form.get("involved_child") == "yes"
    return data


def _payload(data: dict[str, Any]) -> IncidentCreate:
    # An unpicked choice is missing, so the reason is "is required", not "not one of the choices".
    given = {k: v for k, v in data.items() if not (k in _CHOICES and v == "")}
    if given.get("occurred_at"):
        given["occurred_at"] = from_datetime_local(given["occurred_at"])
    return form_to_struct(given, IncidentCreate)


class IncidentPages(Controller):
    include_in_schema = False
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/venues/{venue_id:int}/incidents")
    async def incidents_page(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
        reported: Annotated[int | None, QueryParameter(ge=1)] = None,
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        identity = current_identity(request)
        values = {
            "occurred_at": datetime_local_now(),
            "source": service.default_source(identity) or "",
        }
        return await _page(conn, venue, identity, values, {}, page, reported)

    @post("/venues/{venue_id:int}/incidents")
    async def report_incident(
        self, request: Request[Any, Any, Any], conn: RequestConnection, venue_id: FromPath[int]
    ) -> Any:
        venue = await venue_or_404(conn, venue_id)
        identity = current_identity(request)
        data = await _form_data(request)
        try:
            prepared = service.prepare(_payload(data), identity, datetime.now(UTC))
        except (FormInvalid, InvalidInput) as exc:
            return await _page(conn, venue, identity, data, exc.errors, 1, None)
        # door=None: this answer is a redirect; the list it lands on records the read.
        incident = await queries.create_incident(
            conn, venue_id, prepared, reported_by=identity.user_id, viewer=identity, door=None
        )
        return Redirect(
            f"/venues/{venue_id}/incidents?reported={incident.id}#incident-{incident.id}"
        )


async def _page(
    conn: Connection,
    venue: Venue,
    identity: Identity,
    values: dict[str, Any],
    errors: dict[str, str],
    page: int,
    reported: int | None,
) -> Template:
    incidents, total = await queries.list_incidents(
        conn,
        identity,
        door="incidents_page",
        venue_id=venue.id,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    # Officers answer for who reads what: each sensitive incident shows who has seen it
    # (this view included: it was recorded just above, in the same transaction).
    readers = (
        await readers_of(conn, [i.id for i in incidents if i.sensitive])
        if identity.role in STAFF
        else None
    )
    return Template(
        template_name="venues/incidents/page.html",
        context={
            "venue": venue,
            "incidents": incidents,
            "total": total,
            "page": page,
            "pages": max(1, math.ceil(total / PAGE_SIZE)),
            "reported": reported,
            "values": values,
            "errors": errors,
            "asks_source": identity.role != "venue_manager",
            "categories": CATEGORIES,
            "category_labels": CATEGORY_LABELS,
            "severities": SEVERITIES,
            "sources": SOURCES,
            "readers": readers,
            "door_labels": DOOR_LABELS,
        },
        status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors else 200,
        media_type=MediaType.HTML,
    )
