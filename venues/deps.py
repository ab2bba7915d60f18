"""Loaders shared by the venue record's pages and API."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from nte.db import Connection
from nte.errors import InvalidInput
from venues import queries
from venues.schemas import Condition, Venue

__all__ = ["editable_condition", "venue_or_404"]


async def venue_or_404(conn: Connection, venue_id: int) -> Venue:
    venue = await queries.get_venue(conn, venue_id)
    if venue is None:
        raise NotFoundException(f"No venue with id {venue_id}")
    return venue


async def editable_condition(conn: Connection, condition_id: int) -> Condition:
    condition = await queries.get_condition(conn, condition_id)
    if condition is None:
        raise NotFoundException(f"No condition with id {condition_id}")
    if condition.mandatory:
        raise InvalidInput(
            {
                "condition_id": "is a mandatory condition set by law; "
                "it cannot be changed or removed"
            },
            detail="Mandatory conditions cannot be changed or removed",
        )
    return condition
