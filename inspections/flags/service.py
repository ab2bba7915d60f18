"""The flag lifecycle a person drives: open -> acknowledged -> resolved, with a note."""

from __future__ import annotations

from inspections.flags import queries
from inspections.flags.schemas import Flag
from inspections.flags.sweep import refresh_badges
from nte.db import Connection
from nte.errors import InvalidInput

__all__ = ["change_flag"]


async def change_flag(
    conn: Connection, flag_id: int, *, action: str, note: str, user_id: int
) -> Flag | None:
    """Acknowledge (note optional) or resolve (note required) a flag that is not resolved yet."""
    note = note.strip()
    if action == "resolve" and not note:
        raise InvalidInput({"note": "is required to resolve a flag: say what was done"})
    current = await queries.get_flag(conn, flag_id)
    if current is None:
        return None
    if current.status == "resolved":
        raise InvalidInput({"action": "cannot change a flag that is already resolved"})
    if action == "acknowledge":
        await conn.execute(queries.ACKNOWLEDGE, flag_id, user_id, note)
    elif action == "resolve":
        await conn.execute(queries.RESOLVE, flag_id, user_id, note)
    else:
        raise InvalidInput({"action": "must be 'acknowledge' or 'resolve'"})
    await refresh_badges(conn, [current.venue_id])
    return await queries.get_flag(conn, flag_id)
