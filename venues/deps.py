"""Loaders shared by the venue record's pages and API."""

from __future__ import annotations

from nte.db import Connection
from nte.errors import InvalidInput, found_or_404
from venues import queries
from venues.schemas import Condition, Venue

__all__ = ["editable_condition", "venue_or_404"]


async def venue_or_404(conn: Connection, venue_id: int) -> Venue:
    return found_or_404(await queries.get_venue(conn, venue_id), f"No venue with id {venue_id}")


async def editable_condition(conn: Connection, condition_id: int) -> Condition:
    condition = found_or_404(
        await queries.get_condition(conn, condition_id), f"No condition with id {condition_id}"
    )
    if condition.mandatory:
        raise InvalidInput(
            {
                "condition_id": "is a mandatory condition set by law; "
                "it cannot be changed or removed"
            },
            detail="Mandatory conditions cannot be changed or removed",
        )
    return condition
