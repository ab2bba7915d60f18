"""Generated test purchases for the demo borough: mostly refusals, and two venues that sold.

One of the two sold twice within three consecutive months, the offence of persistently
selling alcohol to children (Licensing Act 2003 s.147A). Labelled ``generated``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from nte.clock import LONDON
from nte.db import Connection

__all__ = ["generate"]

AGENCIES = ["Kent Trading Standards", "Kent Trading Standards", "Kent Police"]
REFUSED = [
    "Asked for ID; the volunteer had none and was refused.",
    "Challenge 25 applied at the bar; refused.",
    "Door staff refused entry without ID.",
]
SOLD = "Sold a {drink} to a {age}-year-old volunteer without asking for ID."


def _months_apart(a: date, b: date) -> int:
    return abs((b.year - a.year) * 12 + b.month - a.month)


async def generate(conn: Connection, rng: random.Random) -> int:
    """Test purchases at about a quarter of the generated venues that have none yet."""
    today = datetime.now(LONDON).date()
    venues = await conn.fetch(
        """SELECT v.id FROM venues v
           WHERE v.generated AND v.status = 'active'
             AND NOT EXISTS (SELECT 1 FROM test_purchases p WHERE p.venue_id = v.id)
           ORDER BY v.id"""
    )
    tested = [v["id"] for v in venues if rng.random() < 0.25]
    if len(tested) < 2:
        return 0
    rows: list[tuple[int, date, str, str, str]] = []
    for venue_id in tested:
        for _ in range(rng.randint(1, 2)):
            rows.append(
                (
                    venue_id,
                    today - timedelta(days=rng.randint(10, 700)),
                    rng.choice(AGENCIES),
                    "pass",
                    rng.choice(REFUSED),
                )
            )

    def sold(venue_id: int, day: date) -> tuple[int, date, str, str, str]:
        drink = rng.choice(["bottle of vodka", "pint of lager", "bottle of wine", "can of cider"])
        return (
            venue_id,
            day,
            "Kent Trading Standards",
            "fail",
            SOLD.format(drink=drink, age=rng.choice([14, 15, 16])),
        )

    persistent, once = rng.sample(tested, 2)
    # Two sales 40-55 days apart: always within three consecutive calendar months.
    first = today - timedelta(days=rng.randint(120, 200))
    second = first + timedelta(days=rng.randint(40, 55))
    assert _months_apart(first, second) <= 2
    rows += [sold(persistent, first), sold(persistent, second)]
    # The other sold once; the follow-up visit two months later was refused.
    slip = today - timedelta(days=rng.randint(150, 300))
    rows += [
        sold(once, slip),
        (
            once,
            slip + timedelta(days=60),
            "Kent Trading Standards",
            "pass",
            "Follow-up visit after the sale; ID asked for and the volunteer refused.",
        ),
    ]
    await conn.executemany(
        """INSERT INTO test_purchases (venue_id, attempted_on, agency, outcome, notes, generated)
           VALUES ($1, $2, $3, $4, $5, true)""",
        rows,
    )
    return len(rows)
