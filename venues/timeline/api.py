"""The venue's timeline: JSON at /api/v1/venues/{id}/timeline and the page /venues/{id}/timeline."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.db import RequestConnection
from nte.errors import InvalidInput
from venues.api import venue_or_404
from venues.timeline.queries import KINDS, TimelinePage, timeline

__all__ = ["TimelineController", "TimelinePages"]

Kinds = Annotated[
    list[str] | None,
    QueryParameter(description="Only these kinds: " + ", ".join(KINDS)),
]


def _checked(kind: list[str] | None, since: date | None, until: date | None) -> list[str] | None:
    unknown = sorted(set(kind or []) - set(KINDS))
    if unknown:
        raise InvalidInput({"kind": f"{', '.join(unknown)} is not one of {', '.join(KINDS)}"})
    if since and until and since > until:
        raise InvalidInput({"since": "must not be after 'until'"})
    return kind or None


class TimelineController(Controller):
    path = "/api/v1/venues/{venue_id:int}/timeline"
    tags = ["venues"]
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/", summary="Everything that happened at the venue, newest first")
    async def get_timeline(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        kind: Kinds = None,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
    ) -> TimelinePage:
        kinds = _checked(kind, since, until)
        await venue_or_404(conn, venue_id)
        items, total = await timeline(
            conn,
            venue_id,
            current_identity(request),
            door="timeline_api",
            kinds=kinds,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return TimelinePage(items=items, total=total, limit=limit, offset=offset)


class TimelinePages(Controller):
    include_in_schema = False
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/venues/{venue_id:int}/timeline")
    async def page(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        kind: FromQuery[list[str] | None] = None,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        page: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        kinds = [k for k in (kind or []) if k in KINDS] or None
        items, total = await timeline(
            conn,
            venue_id,
            current_identity(request),
            door="timeline_page",
            kinds=kinds,
            since=since,
            until=until,
            limit=50,
            offset=(page - 1) * 50,
        )
        return Template(
            template_name="venues/timeline/page.html",
            context={
                "venue": venue,
                "items": items,
                "total": total,
                "kinds": KINDS,
                "chosen": kinds or [],
                "since": since,
                "until": until,
                "page": page,
            },
        )
