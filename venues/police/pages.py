"""The venue's area page: police-recorded crime around it, months by crime type."""

from __future__ import annotations

from datetime import date

from litestar import Controller, MediaType, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from nte.auth.guards import READERS, roles, signed_in, venue_scope
from nte.charts import stacked_bars
from nte.db import RequestConnection
from nte.maps import density_cells, fit, tiles
from venues.deps import venue_or_404
from venues.police import queries

__all__ = ["AreaPages"]

RADIUS_CHOICES = (50, 100, 200, 500, 1000)
CHART_TYPES = 5
"""Crime types drawn as their own colour; the rest are stacked as one."""


def _month_label(month: str) -> tuple[str, str]:
    """("Jan", "2022") from "2022-01": the year goes under the month, keeping columns narrow."""
    year, number = month.split("-")
    return date(int(year), int(number), 1).strftime("%b"), year


class AreaPages(Controller):
    include_in_schema = False
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/venues/{venue_id:int}/area")
    async def area_page(
        self,
        state: State,
        conn: RequestConnection,
        venue_id: FromPath[int],
        radius: FromQuery[str | None] = None,
    ) -> Template:
        venue = await venue_or_404(conn, venue_id)
        default: int = state.settings.area_radius_metres
        chosen, error = default, None
        if radius:
            try:
                chosen = int(radius)
            except ValueError:
                chosen = 0
            if not queries.MIN_RADIUS <= chosen <= queries.MAX_RADIUS:
                error = (
                    f"The radius must be a whole number of metres from {queries.MIN_RADIUS} to "
                    f"{queries.MAX_RADIUS}; showing {default} m instead."
                )
                chosen = default
        area = await queries.area_crimes(conn, venue.id, venue.latitude, venue.longitude, chosen)
        # Crime types down the side, months across: type names are long, months short.
        rows = [
            (
                t.crime_type,
                [
                    next((c.count for c in m.by_type if c.crime_type == t.crime_type), 0)
                    for m in area.months
                ],
                t.count,
            )
            for t in area.by_type
        ]
        labels = [" ".join(_month_label(m.month)) for m in area.months]
        series = [counts for _, counts, _ in rows[:CHART_TYPES]]
        names = [crime_type for crime_type, _, _ in rows[:CHART_TYPES]]
        if len(rows) > CHART_TYPES:
            rest = [sum(c[k] for _, c, _ in rows[CHART_TYPES:]) for k in range(len(labels))]
            series, names = [*series, rest], [*names, "Other types"]
        chart = stacked_bars(labels, series) if labels else None
        area_map = None
        if venue.latitude is not None and venue.longitude is not None:
            # The venue at the centre, the radius as a circle, the crime around it as cells.
            p = fit([(venue.latitude, venue.longitude)], pad_metres=chosen * 1.6, width=480)
            cell_lat, cell_lon = p.cell_degrees(max(chosen / 5, 20))
            counts = await queries.density(
                conn, p.south, p.west, p.north, p.east, cell_lat, cell_lon
            )
            url = state.settings.map_tiles_url
            area_map = {
                "p": p,
                "centre": p.xy(venue.latitude, venue.longitude),
                "radius": p.pixels(chosen),
                "cells": density_cells(p, counts, cell_lat, cell_lon),
                "tiles": tiles(p, url) if url else [],
            }
        return Template(
            template_name="venues/police/area.html",
            context={
                "venue": venue,
                "area": area,
                "rows": rows,
                "chart": chart,
                "chart_names": names,
                "area_map": area_map,
                "month_labels": [_month_label(m.month) for m in area.months],
                "choices": sorted({*RADIUS_CHOICES, default, chosen}),
                "error": error,
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if error else HTTP_200_OK,
            media_type=MediaType.HTML,
        )
