"""The venue's timeline page, /venues/{id}/timeline."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Template

from nte.auth.guards import READERS, current_identity, roles, signed_in, venue_scope
from nte.db import RequestConnection
from venues.deps import venue_or_404
from venues.timeline.queries import timeline
from venues.timeline.schemas import KINDS

__all__ = ["TimelinePages"]


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
