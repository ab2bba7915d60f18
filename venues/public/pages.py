"""The public pages (no sign-in): Ask for Angela venues, and how the town centre is doing."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from nte.clock import today
from nte.db import RequestConnection
from venues.public import queries
from venues.public.service import (
    CACHE_CONTROL,
    bars,
    coverage_percent,
    good_standing_words,
    map_points,
)

__all__ = ["PublicPages"]


class PublicPages(Controller):
    """Open to anyone: named in PUBLIC_PATHS, no personal data, cacheable. Their layout
    (templates/public/layout.html) shows no one signed in, even to someone who is."""

    include_in_schema = False

    @get("/public/ask-for-angela")
    async def angela(self, request: Request[Any, Any, Any], conn: RequestConnection) -> Template:
        percent = coverage_percent(request)
        venues = await queries.good_standing(conn, today(), percent)
        return Template(
            template_name="public/angela.html",
            context={
                "venues": venues,
                "points": map_points(venues),
                "good_standing": good_standing_words(percent),
            },
            headers=CACHE_CONTROL,
        )

    @get("/public/town-centre")
    async def town_centre(
        self, request: Request[Any, Any, Any], conn: RequestConnection
    ) -> Template:
        months = await queries.town_centre_months(conn)
        venues = await queries.good_standing(conn, today(), coverage_percent(request))
        return Template(
            template_name="public/town_centre.html",
            context={
                "months": months,
                "chart": bars(months),
                "radius": queries.TOWN_CENTRE_RADIUS,
                "angela_venues": len(venues),
            },
            headers=CACHE_CONTROL,
        )
