"""JSON API for the area around a venue: police-recorded crime within a radius (/api/v1)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import FromPath, QueryParameter

from nte.auth.guards import READERS, roles, signed_in, venue_scope
from nte.db import RequestConnection
from venues.deps import venue_or_404
from venues.police import queries
from venues.police.schemas import AreaCrimes

__all__ = ["AreaController"]


class AreaController(Controller):
    path = "/api/v1/venues/{venue_id:int}/area"
    tags = ["area"]
    # Scope before role: another venue's manager learns nothing, not even that it exists.
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get(
        "/",
        summary="Police-recorded crime around a venue, by month and type",
        description="Area context from data.police.uk, never incidents at the venue: the police "
        "snap every location to an anonymised point. Crimes without coordinates cannot be "
        "placed and are only counted (`unmapped`).",
    )
    async def get_area(
        self,
        state: State,
        conn: RequestConnection,
        venue_id: FromPath[int],
        radius: Annotated[
            int | None,
            QueryParameter(
                ge=queries.MIN_RADIUS,
                le=queries.MAX_RADIUS,
                description="Metres around the venue (default NTE_AREA_RADIUS_METRES, 100)",
            ),
        ] = None,
    ) -> AreaCrimes:
        venue = await venue_or_404(conn, venue_id)
        return await queries.area_crimes(
            conn,
            venue.id,
            venue.latitude,
            venue.longitude,
            radius or state.settings.area_radius_metres,
        )
