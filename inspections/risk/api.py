"""JSON API for a venue's risk rating and its band changes."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, put
from litestar.params import FromPath, JSONBody

from inspections.risk import queries
from inspections.risk.deps import rating_or_404
from inspections.risk.schemas import BandChange, DueOverride, DueOverrideSet, Rating
from nte.auth.guards import READERS, STAFF, current_identity, roles, signed_in, venue_scope
from nte.clock import today
from nte.db import RequestConnection
from nte.errors import InvalidInput

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

    @put(
        "/due",
        summary="Bring the next inspection forward, with a reason (officers)",
        guards=[roles(*STAFF)],
        status_code=200,
    )
    async def bring_forward(
        self,
        request: Request[Any, Any, Any],
        conn: RequestConnection,
        venue_id: FromPath[int],
        data: JSONBody[DueOverrideSet],
    ) -> DueOverride:
        rating = await rating_or_404(conn, venue_id)
        if data.due_on < today():
            raise InvalidInput({"due_on": "must be today or later"})
        if data.due_on >= rating.next_inspection_due:
            raise InvalidInput(
                {
                    "due_on": "must be earlier than the date the band sets"
                    f" ({rating.next_inspection_due.isoformat()})"
                }
            )
        return await queries.set_due_override(
            conn, venue_id, data.due_on, data.reason, current_identity(request).user_id
        )
