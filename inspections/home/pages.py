"""The home page of officers and partners: where to look first, and why, in pictures too."""

from __future__ import annotations

from typing import Any

from litestar import Controller, MediaType, Request, get
from litestar.response import Redirect, Template

from inspections.flags.rules import RULES
from inspections.home import queries
from inspections.home.schemas import Trends
from inspections.inspections.queries import list_visits
from nte.auth.guards import READERS, current_identity, roles, signed_in
from nte.charts import heat_map, stacked_bars
from nte.clock import now, today
from nte.db import RequestConnection
from nte.maps import density_cells, fit, tiles
from venues.police.queries import density

__all__ = ["HomePages", "trend_charts"]

DENSITY_CELL_METRES = 150

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HOURS = [f"{h:02d}" for h in range(24)]
TITLES = {r.name: r.title for r in RULES}


def trend_charts(t: Trends) -> dict[str, Any]:
    """The two charts and their tables, from the same numbers."""
    labels = [w.strftime("%-d %b") for w in t.weeks]
    weekly = stacked_bars(labels, t.by_week, t.average)
    head = [
        "Week of",
        *(c.replace("_", " ").capitalize() for c in t.categories),
        "All",
        "4-week average",
    ]
    rows = [
        [labels[k], *(s[k] for s in t.by_week), sum(s[k] for s in t.by_week), f"{t.average[k]:.1f}"]
        for k in range(len(labels))
    ]
    return {
        "weekly": weekly,
        "weekly_head": head,
        "weekly_rows": rows,
        "heat": heat_map(DAYS, HOURS, t.heat),
        "categories": t.categories,
    }


class HomePages(Controller):
    include_in_schema = False
    guards = [signed_in, roles(*READERS)]

    @get("/", media_type=MediaType.HTML)
    async def home(self, request: Request[Any, Any, Any], conn: RequestConnection) -> Any:
        identity = current_identity(request)
        if identity.role == "venue_manager":
            # A venue manager's home is what to do this week at their venues (the digest's page).
            return Redirect("/this-week")
        day, moment = today(), now()
        visits = (
            await list_visits(conn, identity.user_id, day, days_ahead=0)
            if identity.role in ("admin", "officer")
            else None
        )
        trends = await queries.trends(conn, day, moment)
        return Template(
            template_name="home/home.html",
            context={
                "attention": await queries.attention(conn, day),
                "visits": visits,
                "flag_counts": await queries.flag_counts(conn),
                "titles": TITLES,
                "today": day,
                **trend_charts(trends),
            },
        )

    @get("/map")
    async def map(self, request: Request[Any, Any, Any], conn: RequestConnection) -> Template:
        """Venues coloured by band with their open flags, over police-recorded crime density."""
        venues = await queries.map_venues(conn, current_identity(request).venue_scope())
        p = fit([(v.latitude, v.longitude) for v in venues], pad_metres=200, width=720)
        cell_lat, cell_lon = p.cell_degrees(DENSITY_CELL_METRES)
        counts = await density(conn, p.south, p.west, p.north, p.east, cell_lat, cell_lon)
        url = request.app.state.settings.map_tiles_url
        return Template(
            template_name="home/map.html",
            context={
                "p": p,
                "markers": [(v, *p.xy(v.latitude, v.longitude)) for v in venues],
                "cells": density_cells(p, counts, cell_lat, cell_lon),
                "cell_metres": DENSITY_CELL_METRES,
                "tiles": tiles(p, url) if url else [],
            },
        )
