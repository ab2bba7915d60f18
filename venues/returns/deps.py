"""Who may submit and read monthly returns, and the loaders their pages and API share."""

from __future__ import annotations

from litestar.datastructures import State

from nte.auth.identity import Role
from nte.db import Connection
from nte.errors import found_or_404
from venues.returns import queries
from venues.returns.schemas import Return

__all__ = ["BOROUGH_READERS", "SUBMITTERS", "due_days", "return_or_404"]


# Venue managers keep their returns current; officers may enter one sent on paper.
SUBMITTERS: tuple[Role, ...] = ("admin", "officer", "venue_manager")


# Who looks across the borough's returns (a venue manager sees only their venues' pages).
BOROUGH_READERS: tuple[Role, ...] = ("admin", "officer", "partner")


def due_days(state: State) -> int:
    days: int = state.settings.return_due_days
    return days


async def return_or_404(conn: Connection, return_id: int, days: int) -> Return:
    found = await queries.get_return(conn, return_id, due_days=days)
    return found_or_404(found, f"No return with id {return_id}")
