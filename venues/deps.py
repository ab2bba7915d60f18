"""Loaders shared by the venue record's pages and API."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from nte.db import Connection
from venues import queries
from venues.schemas import Venue

__all__ = ["venue_or_404"]


async def venue_or_404(conn: Connection, venue_id: int) -> Venue:
    venue = await queries.get_venue(conn, venue_id)
    if venue is None:
        raise NotFoundException(f"No venue with id {venue_id}")
    return venue
