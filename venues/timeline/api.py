"""The venue's timeline as JSON: /api/v1/venues/{id}/timeline."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery, QueryParameter

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.db import RequestConnection
from nte.errors import InvalidInput
from nte.paging import Limit, Offset
from venues.deps import venue_or_404
from venues.timeline.queries import timeline
from venues.timeline.schemas import KINDS, TimelinePage

__all__ = ["TimelineController"]

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
        limit: Limit = 50,
        offset: Offset = 0,
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
