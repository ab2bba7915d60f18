"""Loaders the actions' pages and API share."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from inspections.actions import queries
from inspections.actions.schemas import Action
from nte.clock import today
from nte.db import Connection

__all__ = ["action_or_404"]


async def action_or_404(conn: Connection, action_id: int, venue_id: int | None = None) -> Action:
    action = await queries.get_action(conn, action_id, today())
    if action is None or (venue_id is not None and action.venue_id != venue_id):
        raise NotFoundException(f"No action with id {action_id}")
    return action
