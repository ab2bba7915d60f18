"""SQL for Ask for Angela: participation (one row per venue) and test visits."""

from __future__ import annotations

from typing import Any

import msgspec

from nte.db import Connection
from venues.angela.schemas import AngelaTest, AngelaTestCreate, Participation, ParticipationPut

__all__ = ["create_test", "get_participation", "last_test", "list_tests", "put_participation"]

TEST_COLUMNS = """
    t.id, t.venue_id, t.tested_on, t.tester_organisation, t.outcome, t.notes, t.generated,
    t.created_at"""


def _test(record: Any) -> AngelaTest:
    return msgspec.convert(dict(record), AngelaTest)


async def get_participation(conn: Connection, venue_id: int) -> Participation:
    """The venue's participation; a venue never enrolled has none, which reads as all empty."""
    row = await conn.fetchrow(
        """SELECT enrolled_on, posters_displayed, withdrawn_on, generated, updated_at
           FROM angela_participation WHERE venue_id = $1""",
        venue_id,
    )
    return msgspec.convert(dict(row), Participation) if row else Participation()


async def put_participation(
    conn: Connection, venue_id: int, data: ParticipationPut
) -> Participation:
    # A person's answer replaces a generated one: from then on it is the venue's own record.
    row = await conn.fetchrow(
        """INSERT INTO angela_participation (venue_id, enrolled_on, posters_displayed, withdrawn_on)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (venue_id) DO UPDATE SET
               enrolled_on = excluded.enrolled_on,
               posters_displayed = excluded.posters_displayed,
               withdrawn_on = excluded.withdrawn_on,
               generated = false,
               updated_at = now()
           RETURNING enrolled_on, posters_displayed, withdrawn_on, generated, updated_at""",
        venue_id,
        data.enrolled_on,
        data.posters_displayed,
        data.withdrawn_on,
    )
    return msgspec.convert(dict(row), Participation)


async def list_tests(conn: Connection, venue_id: int) -> list[AngelaTest]:
    """A venue's test visits, the latest first."""
    rows = await conn.fetch(
        f"""SELECT {TEST_COLUMNS} FROM angela_tests t WHERE t.venue_id = $1
            ORDER BY t.tested_on DESC, t.id DESC""",
        venue_id,
    )
    return [_test(r) for r in rows]


async def last_test(conn: Connection, venue_id: int) -> AngelaTest | None:
    row = await conn.fetchrow(
        f"""SELECT {TEST_COLUMNS} FROM angela_tests t WHERE t.venue_id = $1
            ORDER BY t.tested_on DESC, t.id DESC LIMIT 1""",
        venue_id,
    )
    return _test(row) if row else None


async def create_test(
    conn: Connection, venue_id: int, data: AngelaTestCreate, *, recorded_by: int | None
) -> AngelaTest:
    row = await conn.fetchrow(
        f"""WITH t AS (INSERT INTO angela_tests
                           (venue_id, tested_on, tester_organisation, outcome, notes, recorded_by)
                       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
            SELECT {TEST_COLUMNS} FROM t""",
        venue_id,
        data.tested_on,
        data.tester_organisation.strip(),
        data.outcome,
        data.notes.strip(),
        recorded_by,
    )
    return _test(row)
