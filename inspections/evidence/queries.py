"""SQL for evidence bundles: storing one made, listing them, finding a copy by its hash."""

from __future__ import annotations

from typing import Any

import msgspec

from inspections.evidence.schemas import Bundle
from nte.db import Connection

__all__ = [
    "BUNDLE_OWNER",
    "bundle_content",
    "find_by_sha256",
    "insert_bundle",
    "list_bundles",
    "maker_name",
    "reporter_names",
]

BUNDLE_OWNER = "SELECT venue_id FROM evidence_bundles WHERE id = $1"

_COLUMNS = """id, venue_id, audience, period_from, period_to, sha256, pages, exhibits, size,
              made_by, made_by_name, made_at,
              '/api/v1/venues/' || venue_id || '/evidence/' || id AS url"""


def _bundle(record: Any) -> Bundle:
    return msgspec.convert(dict(record), Bundle)


async def insert_bundle(conn: Connection, fields: dict[str, Any]) -> Bundle:
    """Store a bundle made (the audit trigger writes its hash, audience and maker)."""
    row = await conn.fetchrow(
        f"""INSERT INTO evidence_bundles (venue_id, audience, period_from, period_to, sha256,
                                          pages, exhibits, size, made_by, made_by_name,
                                          made_at, content)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            RETURNING {_COLUMNS}""",
        fields["venue_id"],
        fields["audience"],
        fields["period_from"],
        fields["period_to"],
        fields["sha256"],
        fields["pages"],
        fields["exhibits"],
        fields["size"],
        fields["made_by"],
        fields["made_by_name"],
        fields["made_at"],
        fields["content"],
    )
    return _bundle(row)


async def list_bundles(conn: Connection, venue_id: int) -> list[Bundle]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM evidence_bundles WHERE venue_id = $1 ORDER BY made_at DESC, id DESC",
        venue_id,
    )
    return [_bundle(r) for r in rows]


async def bundle_content(conn: Connection, bundle_id: int) -> tuple[Bundle, bytes] | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS}, content FROM evidence_bundles WHERE id = $1", bundle_id
    )
    if row is None:
        return None
    data = dict(row)
    content = data.pop("content")
    return msgspec.convert(data, Bundle), bytes(content)


async def find_by_sha256(conn: Connection, venue_id: int, sha256: str) -> Bundle | None:
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS} FROM evidence_bundles WHERE venue_id = $1 AND sha256 = $2
            ORDER BY made_at LIMIT 1""",
        venue_id,
        sha256,
    )
    return _bundle(row) if row else None


async def maker_name(conn: Connection, user_id: int) -> str:
    name: str = await conn.fetchval(
        "SELECT coalesce(nullif(display_name, ''), email) FROM users WHERE id = $1", user_id
    )
    return name


async def reporter_names(conn: Connection, user_ids: list[int]) -> dict[int, str]:
    rows = await conn.fetch(
        "SELECT id, coalesce(nullif(display_name, ''), email) AS name FROM users WHERE id = ANY ($1)",
        user_ids,
    )
    return {r["id"]: r["name"] for r in rows}
