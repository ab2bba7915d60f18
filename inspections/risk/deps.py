"""Loaders the risk pages and API share."""

from __future__ import annotations

from inspections.risk import queries
from inspections.risk.schemas import Rating
from nte.db import Connection
from nte.errors import found_or_404

__all__ = ["rating_or_404"]


async def rating_or_404(conn: Connection, venue_id: int) -> Rating:
    return found_or_404(
        await queries.get_rating(conn, venue_id),
        f"Venue {venue_id} has no risk rating: there is no such venue, its licence is not"
        " active, or the checks have not run since it was added",
    )
