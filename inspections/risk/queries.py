"""The risk ratings' SQL: one venue's rating, its band changes, and the home page's lists."""

from __future__ import annotations

from typing import Any

import msgspec

from inspections.risk.schemas import BandChange, DueOverride, Rating
from nte.db import Connection

__all__ = ["band_changes", "get_rating", "set_due_override", "venue_name"]


async def venue_name(conn: Connection, venue_id: int) -> str | None:
    name: str | None = await conn.fetchval("SELECT name FROM venues WHERE id = $1", venue_id)
    return name


async def get_rating(conn: Connection, venue_id: int) -> Rating | None:
    row = await conn.fetchrow(
        """SELECT venue_id, score, band, next_inspection_due, due_reason, last_inspected_on,
                  factors, computed_at
           FROM venue_risk WHERE venue_id = $1""",
        venue_id,
    )
    return msgspec.convert(dict(row), Rating) if row else None


async def band_changes(
    conn: Connection, *, venue_id: int | None = None, since: Any = None, limit: int = 50
) -> list[BandChange]:
    """Band changes, newest first: of one venue, or of the borough since a moment."""
    rows = await conn.fetch(
        """SELECT id, venue_id, at, old_band, new_band, old_score, new_score, moved
           FROM risk_changes
           WHERE ($1::bigint IS NULL OR venue_id = $1) AND ($2::timestamptz IS NULL OR at >= $2)
           ORDER BY at DESC, id DESC LIMIT $3""",
        venue_id,
        since,
        limit,
    )
    return [msgspec.convert(dict(r), BandChange) for r in rows]


async def set_due_override(
    conn: Connection, venue_id: int, due_on: Any, reason: str, user_id: int
) -> DueOverride:
    """The officer's earlier date (one per venue; a new one replaces it). The checks, woken by
    the change, take it into the rating within seconds."""
    row = await conn.fetchrow(
        """INSERT INTO inspection_due_overrides (venue_id, due_on, reason, set_by, set_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (venue_id) DO UPDATE
               SET due_on = EXCLUDED.due_on, reason = EXCLUDED.reason,
                   set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at
           RETURNING venue_id, due_on, reason, set_at""",
        venue_id,
        due_on,
        reason.strip(),
        user_id,
    )
    return msgspec.convert(dict(row), DueOverride)
