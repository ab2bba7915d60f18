"""SQL for test purchases."""

from __future__ import annotations

from typing import Any

import msgspec

from nte.db import Connection
from venues.test_purchases.schemas import TestPurchase, TestPurchaseCreate

__all__ = ["create_test_purchase", "list_test_purchases"]

COLUMNS = """
    p.id, p.venue_id, p.attempted_on, p.agency, p.outcome, p.notes, p.generated, p.created_at"""


def _purchase(record: Any) -> TestPurchase:
    return msgspec.convert(dict(record), TestPurchase)


async def list_test_purchases(conn: Connection, venue_id: int) -> list[TestPurchase]:
    """A venue's test purchases, the latest first."""
    rows = await conn.fetch(
        f"""SELECT {COLUMNS} FROM test_purchases p WHERE p.venue_id = $1
            ORDER BY p.attempted_on DESC, p.id DESC""",
        venue_id,
    )
    return [_purchase(r) for r in rows]


async def create_test_purchase(
    conn: Connection, venue_id: int, data: TestPurchaseCreate, *, recorded_by: int | None
) -> TestPurchase:
    row = await conn.fetchrow(
        f"""WITH p AS (INSERT INTO test_purchases
                           (venue_id, attempted_on, agency, outcome, notes, recorded_by)
                       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
            SELECT {COLUMNS} FROM p""",
        venue_id,
        data.attempted_on,
        data.agency.strip(),
        data.outcome,
        data.notes.strip(),
        recorded_by,
    )
    return _purchase(row)
