"""JSON API for a venue's risk rating and its band changes."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath

from inspections.risk import queries
from inspections.risk.deps import rating_or_404
from inspections.risk.schemas import BandChange, Rating
from nte.auth.guards import READERS, roles, signed_in, venue_scope
from nte.db import RequestConnection

__all__ = ["RiskController"]


class RiskController(Controller):
    path = "/api/v1/venues/{venue_id:int}/risk"
    tags = ["risk"]
    guards = [signed_in, venue_scope(), roles(*READERS)]

    @get("/", summary="The venue's risk rating: score, band, next inspection due and factors")
    async def rating(self, conn: RequestConnection, venue_id: FromPath[int]) -> Rating:
        return await rating_or_404(conn, venue_id)

    @get("/changes", summary="The venue's band changes with the factors that moved, newest first")
    async def changes(self, conn: RequestConnection, venue_id: FromPath[int]) -> list[BandChange]:
        await rating_or_404(conn, venue_id)
        return await queries.band_changes(conn, venue_id=venue_id)
