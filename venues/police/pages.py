"""The venue's area page: police-recorded crime around it, months by crime type."""

from __future__ import annotations

from datetime import date

from litestar import Controller, MediaType, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from nte.auth.guards import READERS, roles, signed_in, venue_scope
from nte.db import RequestConnection
from venues.deps import venue_or_404
from venues.police import queries

__all__ = ["AreaPages"]

RADIUS_CHOICES = (50, 100, 200, 500, 1000)


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
        return Template(
            template_name="venues/police/area.html",
            context={
                "venue": venue,
                "area": area,
                "rows": rows,
                "month_labels": [_month_label(m.month) for m in area.months],
                "choices": sorted({*RADIUS_CHOICES, default, chosen}),
                "error": error,
            },
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if error else HTTP_200_OK,
            media_type=MediaType.HTML,
        )
