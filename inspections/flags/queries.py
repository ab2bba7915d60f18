"""SQL for reading flags and writing the steps of their lifecycle."""

from __future__ import annotations

import msgspec

from inspections.flags.schemas import Flag
from nte.db import Connection

__all__ = [
    "ACKNOWLEDGE",
    "FLAG_OWNER",
    "RESOLVE",
    "get_flag",
    "list_flags",
]


_COLUMNS = """
    f.id, f.venue_id, v.name AS venue_name, f.rule, f.severity, f.status, f.opened_at,
    f.resolved_at, f.acknowledged_at, f.explanation, f.evidence, f.resolution"""

# Most severe first, then newest: the order an officer should read them in.
_ORDER = """array_position(ARRAY['serious', 'high', 'medium', 'low'], f.severity),
            f.opened_at DESC, f.id DESC"""


async def list_flags(
    conn: Connection,
    *,
    status: str | None = None,
    rule: str | None = None,
    venue_id: int | None = None,
    venue_ids: list[int] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Flag], int]:
    """Flags by filters; ``status='current'`` means open or acknowledged."""
    rows = await conn.fetch(
        f"""
        SELECT {_COLUMNS}, count(*) OVER () AS total
        FROM flags f JOIN venues v ON v.id = f.venue_id
        WHERE ($1::text IS NULL OR f.status = $1 OR ($1 = 'current' AND f.status <> 'resolved'))
          AND ($2::text IS NULL OR f.rule = $2)
          AND ($3::bigint IS NULL OR f.venue_id = $3)
          AND ($4::bigint[] IS NULL OR f.venue_id = ANY ($4))
        ORDER BY {_ORDER}
        LIMIT $5 OFFSET $6
        """,
        status,
        rule,
        venue_id,
        venue_ids,
        limit,
        offset,
    )
    total = rows[0]["total"] if rows else 0
    return [msgspec.convert({k: r[k] for k in r.keys() if k != "total"}, Flag) for r in rows], total


async def get_flag(conn: Connection, flag_id: int) -> Flag | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM flags f JOIN venues v ON v.id = f.venue_id WHERE f.id = $1",
        flag_id,
    )
    return msgspec.convert(dict(row), Flag) if row else None


FLAG_OWNER = "SELECT venue_id FROM flags WHERE id = $1"


# A person's step in the lifecycle: $1 the flag, $2 who, $3 their note.
ACKNOWLEDGE = """
UPDATE flags SET status = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2,
       resolution = nullif($3, ''), updated_at = now()
WHERE id = $1"""

RESOLVE = """
UPDATE flags SET status = 'resolved', resolved_at = now(), resolved_by = $2,
       resolution = $3, updated_at = now()
WHERE id = $1"""
